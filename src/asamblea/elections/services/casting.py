"""The vote: casting or replacing a ballot, and rewriting the ballot box in tracker order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    already_voted,
    lock_for_casting,
    reshuffle_due,
)
from asamblea.ballots.codes import normalise_ballot_code
from asamblea.ballots.sealing import accept_sealed, can_cancel, cancel_tag, seal_choices
from asamblea.elections import ballots as papers
from asamblea.elections.models import Ballot, Election, RollEntry, VoteCast
from asamblea.elections.services._common import _locked
from asamblea.elections.services.reads import standing
from asamblea.elections.services.sealed import election_key, indices_of
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import Login, User, eligible_people, not_a_member
from asamblea.federation.models import Person

# While the vote is open, ballots are rewritten at least this often (see the docstring).
RESHUFFLE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class _Voter:
    person_id: int
    on_roll: bool
    eligible: bool
    has_cast: bool


def _voter(user: Login, election: Election) -> _Voter | None:
    """The user's person in the election's federation and what casting needs to know
    about them (on the frozen roll, eligible now, cast already), in one query."""
    body = election.constituency
    same = {"election_id": election.pk, "person_id": OuterRef("pk")}
    eligible = Exists(eligible_people(body).filter(pk=OuterRef("pk")))
    row = (
        Person.objects.filter(user=user, federation_id=election.federation_id)
        .annotate(
            on_roll=Exists(RollEntry.objects.filter(**same)),
            eligible=eligible,
            has_cast=Exists(VoteCast.objects.filter(**same)),
        )
        .order_by("pk")
        .values_list("pk", "on_roll", "eligible", "has_cast")
        .first()
    )
    return None if row is None else _Voter(*row)


def do_cast_ballot(
    user: User,
    election: Election,
    ranking: Sequence[object],
    *,
    ballot_code: str | None = None,
    form_token: str = "",
    sealed: str = "",
) -> CastReceipt:
    """Cast (or, with the ballot code, replace) the user's ballot. One person, one ballot.

    `ranking`: candidacy ids in order of preference (ranked methods), the ids
    marked (approval, plurality), or ["yes"] / ["no"] (a recall vote).
    `form_token`: the ballot form's one-time token, from which the ballot code is
    drawn (`asamblea.ballots.codes.code_from_form`); without one it is random.
    `sealed`: in a sealed election, the ballot as the voter's browser sealed it
    (JSON of `secrecy.bulletin.cast_to_json`); `ranking` is then ignored. Without
    it the ranking is checked and sealed here, and only the sealed ballot is written.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    try:
        with transaction.atomic():
            return _cast(user, election, ranking, ballot_code, form_token, sealed)
    except IntegrityError:
        # The same person's other cast won the race on the VoteCast unique key.
        raise already_voted() from None


def _cast(
    user: Login,
    election: Election,
    ranking: Sequence[object],
    ballot_code: str | None,
    form_token: str,
    sealed: str = "",
) -> CastReceipt:
    # Two reads, checked in this order: the election (locked) and the voter.
    row = lock_for_casting(Election, election.pk, ("status", "voting_closes_at"))
    if row is None:
        raise NotFound(_("There is no such election."))
    status, closes_at = row
    voter = _voter(user, election)
    body = election.constituency
    if voter is None:
        raise PermissionDenied(not_a_member(body))
    if status != Election.Status.VOTING:
        if status in (
            Election.Status.TALLYING,
            Election.Status.CLOSED,
            Election.Status.CANCELLED,
        ):
            raise Conflict(_("This election is closed: no more ballots are taken."))
        raise Conflict(_("The vote has not opened yet."))
    if timezone.now() >= closes_at:
        raise Conflict(_("The vote has closed: no more ballots are taken."))
    if not voter.on_roll:
        raise PermissionDenied(
            _("You are not on the voter roll of this election, drawn up when the vote opened.")
        )
    if not voter.eligible:
        raise PermissionDenied(not_a_member(body))
    content = _content(election, ranking, sealed)
    box = BallotBox(Ballot, election)
    if ballot_code is None:
        if voter.has_cast:
            raise already_voted()
        # A cast racing this one past the check above fails here, on the unique key.
        VoteCast.objects.create(election_id=election.pk, person_id=voter.person_id)
        key = election_key(election)
        tag = cancel_tag(key, voter.person_id) if key is not None else None
        return box.cast(voter.person_id, form_token=form_token, cancel_tag=tag, **content)
    code = normalise_ballot_code(ballot_code)
    if not voter.has_cast:
        raise InvalidInput(
            _("You have not voted yet in this election: leave the ballot code empty.")
        )
    return box.replace(voter.person_id, code, form_token=form_token, **content)


def _content(election: Election, ranking: Sequence[object], sealed: str) -> dict[str, Any]:
    """The ballot's columns: the sealed ballot alone in a sealed election (checked as the
    browser sealed it, or the checked ranking sealed here), else the checked ranking."""
    key = election_key(election)
    if key is not None and sealed:
        accepted = accept_sealed(key, sealed)
        BallotBox(Ballot, election).refuse_copy_of(accepted)
        return {"ranking": [], "sealed": accepted}
    candidates = standing(election)
    listed = [papers.Candidate(c.pk, c.public_name) for c in candidates]
    try:
        choices = papers.check_ballot(election.method, election.seats, listed, list(ranking))
    except papers.BallotProblem as problem:
        raise InvalidInput(str(problem)) from None
    if key is None:
        return {"ranking": choices}
    return {"ranking": [], "sealed": seal_choices(key, indices_of(election, candidates, choices))}


def online_ballots_cancellable(election: Election) -> bool:
    """Whether the table can cancel this election's online ballots now (a sealed election
    whose key file, with its cancel secret, is on the server)."""
    return can_cancel(election_key(election))


def do_cancel_online_ballot(election: Election, person_id: int) -> None:
    """Delete, unread, the online ballot of a member who votes on paper in the room instead
    (the meetings app's table calls this inside its own transaction; their `VoteCast`
    stays: they voted). Found by its cancel tag, which only the vote's key file can
    compute (`asamblea.ballots.sealing.cancel_tag`); nothing of the ballot is opened.

    Conflict when it cannot be done: the vote is not open, it is not sealed with cancel
    tags (opened before they existed), or the member's ballot is not in the box."""
    with transaction.atomic():
        row = lock_for_casting(Election, election.pk, ("status",))
        if row is None or row[0] != Election.Status.VOTING:
            raise Conflict(_("This election is closed: no more ballots are taken."))
        BallotBox(Ballot, election).cancel_online(election_key(election), person_id)


def cast_from_form(
    user: User, election: Election, form_token: str, ballot_code: str | None = None
) -> CastReceipt | None:
    """The receipt of the ballot the user cast (or, with `ballot_code`, replaced) in the
    election from the form `form_token` (sent again after its answer was lost), or None
    if that form did neither."""
    if not user.is_authenticated:
        return None
    person_id = (
        Person.objects.filter(user=user, federation_id=election.federation_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if person_id is None:
        return None
    return BallotBox(Ballot, election).cast_from_form(person_id, form_token, ballot_code)


def _reshuffle(election: Election, now: datetime, casts: int | None = None) -> None:
    """Rewrite the election's ballot box in tracker order, in this one transaction (row locked)."""
    if casts is None:
        casts = VoteCast.objects.filter(election=election).count()
    BallotBox(Ballot, election).reshuffle(casts=casts, now=now)
    election.save(update_fields=["shuffled_casts", "shuffled_at"])


@transaction.atomic
def do_reshuffle_ballots(election: Election, *, now: datetime | None = None) -> bool:
    """The tick's step for an open vote: rewrite the ballots if casts arrived or it is time."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status != Election.Status.VOTING:
        return False
    casts = VoteCast.objects.filter(election=election).count()
    if not reshuffle_due(
        casts=casts,
        shuffled_casts=election.shuffled_casts,
        shuffled_at=election.shuffled_at,
        now=now,
        every=RESHUFFLE_EVERY,
    ):
        return False
    _reshuffle(election, now, casts)
    return True
