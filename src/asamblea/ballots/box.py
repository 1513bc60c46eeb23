"""The secret ballot box of one vote: cast, replace by ballot code, reshuffle, receipts.

Every kind of secret vote (an election, a secret motion vote, a referendum)
records THAT a person voted in its own way, then puts WHAT they voted in its
`BallotBox`, which hands back the `CastReceipt`. The box never learns who the
voter is beyond the person id that goes into the tracker hash.

Physical order: rows are stored in the order they are written, and on
PostgreSQL each row also carries the id of the transaction that wrote it
(xmin), shared by the cast and the ballot written with it. So the ballots of a
vote are rewritten in tracker order (random, and public anyway), all in one
transaction, by the tick while the vote is open and once more at the close
(`BallotBox.reshuffle`, `reshuffle_due`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.codes import (
    code_from_form,
    new_ballot_code,
    normalise_ballot_code,
    tracker_for,
)
from asamblea.ballots.models import BallotKey, SecretBallot
from asamblea.ballots.sealing import cancel_tag, refuse_copy, seal_hash
from asamblea.errors import (
    AlreadyVoted,
    Conflict,
    FormAlreadySent,
    InvalidInput,
    WrongBallotCode,
)
from asamblea.web.once import note_outcome, outcome_noted

B = TypeVar("B", bound=SecretBallot)
# Rows a reshuffle writes per INSERT on the portable path.
RESHUFFLE_BATCH = 5000


def min_voters_for_breakdown() -> int:
    """Below this many ballots a secret vote publishes only its outcome, never its breakdown."""
    return int(settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN)


@dataclass(frozen=True)
class CastReceipt:
    """What the voter takes away: the ballot code to keep secret and the tracker to look up."""

    ballot_code: str
    tracker: str
    replaced: bool = False
    # Shown again to a voter who sent the same form twice (the first answer was lost).
    resent: bool = False


def already_voted() -> AlreadyVoted:
    """The refusal of a second ballot from the same person (without the ballot code)."""
    return AlreadyVoted(_("You have already voted. To change your vote, give your ballot code."))


def resend_window() -> timedelta:
    """How long after a ballot form was sent the same form shows its receipt again."""
    return timedelta(minutes=int(settings.BALLOT_RESEND_MINUTES))


def receipt_of_resent_form(
    sent: FormAlreadySent, find: Callable[[str], CastReceipt | None]
) -> CastReceipt:
    """The receipt of the ballot cast from a form sent again (its first answer lost on
    the way), or `sent` raised: the form did not cast a ballot of this voter's, or was
    sent longer ago than the window. `find(token)` looks the ballot up in the vote's
    box as the logged-in voter (`BallotBox.cast_from_form`)."""
    if sent.used_at is None or timezone.now() - sent.used_at > resend_window():
        raise sent
    receipt = find(sent.token)
    if receipt is None:
        raise sent
    return replace(receipt, resent=True)


class ShuffledVote(Protocol):
    """A vote whose box is reshuffled: it keeps when, and after how many casts, it last was."""

    pk: Any
    shuffled_casts: int
    shuffled_at: datetime | None


def lock_for_casting(
    model: type[models.Model], pk: int, fields: Sequence[str] = ()
) -> tuple[Any, ...] | None:
    """`fields` of one vote's row, read under a lock that the vote's close waits for.

    On PostgreSQL a shared row lock (FOR SHARE): casts do not wait for each other,
    but the close (FOR UPDATE) waits for casts under way and casts after it see
    it closed. SQLite runs one writing transaction at a time (IMMEDIATE), so a
    plain read inside the transaction is enough there. None when there is no
    such row, and always when no field is asked for (the lock alone).
    """
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(_column(model, name) for name in fields) or "1"
        key = _column(model, "pk")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names only
                f"WHERE {key} = %s FOR SHARE",
                [pk],
            )
            row = cursor.fetchone()
        return tuple(row) if row is not None and fields else None
    if not fields:
        return None
    return model._default_manager.filter(pk=pk).order_by().values_list(*fields).first()


def reshuffle_due(
    *,
    casts: int,
    shuffled_casts: int,
    shuffled_at: datetime | None,
    now: datetime,
    every: timedelta | None = None,
) -> bool:
    """Whether the tick rewrites a box: casts arrived since the last rewrite or, with
    `every`, that long has passed and the box holds ballots (replacements move rows too)."""
    if casts != shuffled_casts:
        return True
    if every is None or not casts:
        return False
    return shuffled_at is None or now - shuffled_at >= every


@dataclass(frozen=True)
class BallotBox(Generic[B]):
    """The secret ballots of one vote, kept in `model` (a `SecretBallot`)."""

    model: type[B]
    vote: ShuffledVote

    def ballots(self) -> QuerySet[B]:
        """This vote's ballot rows."""
        return self.model._default_manager.filter(**{self._vote_attname(): self.vote.pk})

    def tracker(self, person_id: int, code: str) -> str:
        """The tracker of the ballot `person` casts in this vote with `code`."""
        return tracker_for(self.model.TRACKER_SCHEME, self.vote.pk, person_id, code)

    def cast(
        self,
        person_id: int,
        *,
        form_token: str = "",
        sealed: dict[str, Any] | None = None,
        **content: Any,
    ) -> CastReceipt:
        """Put a new ballot (its columns in `content`) in the box, under a fresh ballot code:
        drawn from the ballot form's one-time token when there is one (see `codes`).

        `sealed`: the ballot sealed for a sealed vote, checked already
        (`sealing.seal_choices` or `sealing.accept_sealed`); a ciphertext already in
        the box is refused. The caller has already recorded, in the same
        transaction, that the person voted."""
        code = (
            code_from_form(self.model.TRACKER_SCHEME, self.vote.pk, person_id, form_token)
            if form_token
            else new_ballot_code()
        )
        tracker = self.tracker(person_id, code)
        self.model._default_manager.create(
            **{self._vote_attname(): self.vote.pk},
            tracker=tracker,
            **self._sealed_columns(sealed),
            **content,
        )
        return CastReceipt(code, tracker)

    def replace(
        self,
        person_id: int,
        code: str,
        *,
        form_token: str = "",
        sealed: dict[str, Any] | None = None,
        **content: Any,
    ) -> CastReceipt:
        """Replace the ballot that `code` (and only it) finds with `content` (and `sealed`);
        with the form's one-time token, note that this form replaced it (see
        `cast_from_form`)."""
        code = normalise_ballot_code(code)
        tracker = self.tracker(person_id, code)
        content.update(self._sealed_columns(sealed))
        if not self.ballots().filter(tracker=tracker).update(**content):
            raise WrongBallotCode(
                _(
                    "That is not the code of your ballot, so nothing was changed. "
                    "Without the code your earlier ballot stands."
                )
            )
        if form_token:
            note_outcome(form_token, self._replaced(tracker))
        return CastReceipt(code, tracker, replaced=True)

    def cast_from_form(
        self, person_id: int, form_token: str, ballot_code: str | None = None
    ) -> CastReceipt | None:
        """The receipt of the ballot `person` cast from the form `form_token` (or, when the
        form carried `ballot_code`, replaced with it), if they did."""
        if ballot_code:
            try:
                code = normalise_ballot_code(ballot_code)
            except InvalidInput:
                return None
            tracker = self.tracker(person_id, code)
            if not outcome_noted(form_token, self._replaced(tracker)):
                return None
            replaced = True
        else:
            code = code_from_form(self.model.TRACKER_SCHEME, self.vote.pk, person_id, form_token)
            tracker = self.tracker(person_id, code)
            replaced = False
        if not self.ballots().filter(tracker=tracker).exists():
            return None
        return CastReceipt(code, tracker, replaced=replaced, resent=True)

    def _replaced(self, tracker: str) -> str:
        """The outcome a replacing form notes: which box, which ballot."""
        return f"replaced:{self.model.TRACKER_SCHEME}:{self.vote.pk}:{tracker}"

    def refuse_copy_of(self, sealed: dict[str, Any]) -> None:
        """Refuse a sealed ballot whose ciphertext was cast already (a copy of another
        voter's, sent to learn after the mix what it said). A ballot sealed on the
        server is fresh by construction; one posted by a browser is checked here."""
        if self.model._default_manager.filter(seal_hash=seal_hash(sealed)).exists():
            raise refuse_copy()

    @staticmethod
    def _sealed_columns(sealed: dict[str, Any] | None) -> dict[str, Any]:
        # The unique seal_hash refuses a copy that races past `refuse_copy_of`.
        return {} if sealed is None else {"sealed": sealed, "seal_hash": seal_hash(sealed)}

    def cancel(self, cancel_tag: str) -> int:
        """Delete, unread, the ballot carrying `cancel_tag` (see `sealing.cancel_tag`; only
        a model with that column has it): the member votes on paper in the room instead.
        Its tracker is then neither published nor counted. How many rows went (0 or 1)."""
        deleted, _by_model = self.ballots().filter(cancel_tag=cancel_tag).delete()
        return deleted

    def cancel_online(self, key: BallotKey | None, person_id: int) -> None:
        """Delete, unread, the online ballot of a member who votes on paper in the room
        instead (elections and secret motion votes: the meetings app's table calls this
        inside its own transaction, the vote locked and open; the member's cast stays:
        they voted). Found by its cancel tag, which only the vote's key file computes.

        Conflict when it cannot be done: the vote is not sealed with cancel tags (opened
        before they existed, or its key file is gone), or the ballot is not in the box."""
        tag = cancel_tag(key, person_id) if key is not None else None
        if tag is None:
            raise Conflict(
                _(
                    "This member has already voted online, and this vote's online ballots "
                    "cannot be cancelled: their online ballot stands, so no paper is "
                    "handed to them."
                )
            )
        if not self.cancel(tag):
            raise Conflict(
                _(
                    "This member's online ballot is not in the box, so it cannot be "
                    "cancelled: no paper is handed to them."
                )
            )

    def cast_list(self) -> list[tuple[str, dict[str, Any]]]:
        """The sealed ballots in tracker order, with their trackers: what the close mixes."""
        rows = self.ballots().filter(sealed__isnull=False).values_list("tracker", "sealed")
        return sorted(((tracker, sealed) for tracker, sealed in rows), key=itemgetter(0))

    def trackers(self) -> list[str]:
        """Every tracker in the box, sorted (as published)."""
        return sorted(self.ballots().values_list("tracker", flat=True))

    def reshuffle(self, *, casts: int, now: datetime) -> None:
        """Rewrite the box in tracker order in this transaction, and note it on the vote
        (unsaved): afterwards no row order and no transaction id says when, or with
        which cast, a ballot was written."""
        meta = self.model._meta
        if connection.vendor == "postgresql":
            # One statement, no round trip per row: a million ballots move in seconds.
            quote = connection.ops.quote_name
            table = quote(meta.db_table)
            columns = ", ".join(_column(self.model, field.name) for field in meta.concrete_fields)
            vote_column = _column(self.model, self.model.VOTE_FIELD)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {table} WHERE {vote_column} = %s "  # noqa: S608
                    f"RETURNING {columns}) INSERT INTO {table} ({columns}) "
                    f"SELECT {columns} FROM moved ORDER BY {quote('tracker')}",
                    [self.vote.pk],
                )
        else:
            # A random key drawn by its default (a UUID) is drawn afresh, as for a new row.
            kept = [
                field.attname
                for field in meta.concrete_fields
                if not (field.primary_key and field.has_default())
            ]
            rows = sorted(self.ballots().values(*kept), key=itemgetter("tracker"))
            self.ballots().delete()
            self.model._default_manager.bulk_create(
                [self.model(**row) for row in rows], batch_size=RESHUFFLE_BATCH
            )
        self.vote.shuffled_casts = casts
        self.vote.shuffled_at = now

    def _vote_attname(self) -> str:
        return _field(self.model, self.model.VOTE_FIELD).attname


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field of `model` (or its primary key, "pk")."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{model.__name__}.{name} is not a field")
    return field


def _column(model: type[models.Model], name: str) -> str:
    """The quoted column of a concrete field of `model` (or of its primary key, "pk")."""
    column = _field(model, name).column
    if column is None:
        raise LookupError(f"{model.__name__}.{name} has no column")
    return connection.ops.quote_name(column)
