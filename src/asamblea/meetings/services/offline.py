"""Entries made in the room without signal: the desk key a device signs them with, the
sync that applies them once each through the same services as the online forms, and
the conflicts (two devices entering the same teller's count differently) that the
officers resolve by hand, never the server on its own."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from asamblea.errors import AsambleaError, Conflict, InvalidInput, NotFound
from asamblea.federation.membership import Login, User
from asamblea.federation.services import require_officer
from asamblea.meetings.models import (
    Attendance,
    DeskKey,
    OfflineEntry,
    Room,
    RoomVote,
    TellerCount,
)
from asamblea.meetings.services.attendance import do_check_in_member, do_check_out
from asamblea.meetings.services.rooms import require_teller
from asamblea.meetings.services.votes import Outcome, do_enter_count

# An entry's time on the device is kept as told, but used for a check-in only when it
# is plausible: not in the future, and not more than this before it reaches the server.
PLAUSIBLE = timedelta(hours=24)
MAX_ENTRIES = 500


def count_note(outcome: Outcome) -> str:
    """What a teller is told after entering a count (online or sent from the outbox)."""
    return {
        Outcome.WAITING: _("Your count is in: waiting for the other teller's."),
        Outcome.DISCREPANCY: _("The two counts differ: count the hands again, both of you."),
        Outcome.DECIDED: _("The counts agree: the result stands."),
    }[outcome]


@transaction.atomic
def do_issue_desk_key(user: User, room: Room, session_key: str) -> DeskKey:
    """The key this login's session signs this meeting's offline entries with (the same
    one each time the session opens the desk page). Only those who run the meeting."""
    require_teller(user, room)
    assert isinstance(user, Login)  # who runs a meeting is logged in
    session_hash = hashlib.sha256(session_key.encode()).hexdigest()
    key = DeskKey.objects.filter(room=room, user=user, session_hash=session_hash).first()
    if key is not None:
        return key
    return DeskKey.objects.create(
        room=room,
        user=user,
        key_id=secrets.token_hex(8),
        secret=secrets.token_hex(32),
        session_hash=session_hash,
        issued_at=timezone.now(),
    )


def signed_text(entry: dict[str, Any]) -> bytes:
    """What the device signs: the entry's fields in a fixed order, as compact JSON
    (the page's script builds the same string)."""
    fields = [
        str(entry.get("uuid", "")),
        str(entry.get("kind", "")),
        str(entry.get("meeting", "")),
        str(entry.get("entered_at", "")),
        entry.get("payload", {}),
    ]
    return json.dumps(fields, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, entry: dict[str, Any]) -> str:
    return hmac.new(bytes.fromhex(secret), signed_text(entry), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    """The server's answer to one entry: applied, already (a replay: the first answer
    again), refused (with the reason) or conflict."""

    uuid: str
    status: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"uuid": self.uuid, "status": self.status, "message": self.message}


def _int(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdecimal():
        raise InvalidInput(_("This entry is damaged: it cannot be applied."))
    return int(value)


def _device_time(entry: dict[str, Any]) -> datetime:
    text = entry.get("entered_at")
    when = parse_datetime(text) if isinstance(text, str) else None
    if when is None or timezone.is_naive(when):
        raise InvalidInput(_("This entry is damaged: it cannot be applied."))
    return when


def _plausible(when: datetime, now: datetime) -> datetime:
    return when if now - PLAUSIBLE <= when <= now else now


def _unresolved(vote: RoomVote) -> bool:
    return OfflineEntry.objects.filter(
        vote=vote, status=OfflineEntry.Status.CONFLICT, resolved_at__isnull=True
    ).exists()


def _apply_count(
    user: User, room: Room, payload: dict[str, Any], now: datetime
) -> tuple[str, str, RoomVote | None, TellerCount | None]:
    """A teller's count sent later. The same teller's count of the same round already in
    (from another device, or typed online): the same figures are that count, once;
    different figures are a conflict, kept for the officers."""
    vote = (
        RoomVote.objects.select_for_update()
        .filter(room=room, pk=_int(payload, "vote"))
        .select_related("room__meeting__body__federation")
        .first()
    )
    if vote is None:
        raise NotFound(_("There is no such vote in this meeting."))
    require_teller(user, room)
    assert isinstance(user, Login)
    figures = tuple(_int(payload, name) for name in ("yes", "no", "abstain"))
    counted_round = _int(payload, "round")
    mine = TellerCount.objects.filter(vote=vote, round=counted_round, teller=user).first()
    if mine is not None:
        if (mine.yes, mine.no, mine.abstain) == figures:
            return (
                OfflineEntry.Status.APPLIED,
                _("This count was already in, entered on another device: it counts once."),
                None,
                None,
            )
        return (
            OfflineEntry.Status.CONFLICT,
            _(
                "Conflict: you had already entered a different count of this round on "
                "another device. Both are kept: an officer chooses, or the hands are counted again."
            ),
            vote,
            mine,
        )
    if counted_round != vote.round:
        raise Conflict(
            _(
                "This count was for count %(n)d, which is over: enter your count of the one "
                "under way."
            )
            % {"n": counted_round}
        )
    if _unresolved(vote):
        raise Conflict(_("This vote has entries in conflict: an officer resolves them first."))
    outcome = do_enter_count(user, vote, *figures, now=now)
    return OfflineEntry.Status.APPLIED, count_note(outcome), None, None


def _apply_check_in(
    user: User, room: Room, payload: dict[str, Any], when: datetime
) -> tuple[str, str, RoomVote | None, TellerCount | None]:
    """A check-in sent later. Someone checked out (on another device, or online) after the
    time this check-in was entered, and not present now: did they come back, or is this
    their first arrival, sent late? The officers decide; the server does not guess."""
    require_officer(user, room.meeting.body)
    person_id = _int(payload, "person")
    present = Attendance.objects.filter(
        room=room, person_id=person_id, checked_out_at__isnull=True
    ).exists()
    left_later = Attendance.objects.filter(
        room=room, person_id=person_id, checked_out_at__gt=when
    ).exists()
    if left_later and not present:
        return (
            OfflineEntry.Status.CONFLICT,
            _(
                "Conflict: this member was checked out after the time this check-in was "
                "entered. It is kept: an officer decides whether they are present."
            ),
            None,
            None,
        )
    do_check_in_member(user, room, person_id, now=when)
    return OfflineEntry.Status.APPLIED, _("Checked in."), None, None


def _apply(
    user: User, room: Room, kind: str, payload: dict[str, Any], when: datetime, now: datetime
) -> tuple[str, str, RoomVote | None, TellerCount | None]:
    if kind == OfflineEntry.Kind.CHECK_IN:
        return _apply_check_in(user, room, payload, _plausible(when, now))
    if kind == OfflineEntry.Kind.CHECK_OUT:
        do_check_out(user, room, _int(payload, "attendance"), now=_plausible(when, now))
        return OfflineEntry.Status.APPLIED, _("Checked out."), None, None
    if kind == OfflineEntry.Kind.HAND_COUNT:
        return _apply_count(user, room, payload, now)
    raise InvalidInput(_("This entry is damaged: it cannot be applied."))


def _replayed(uuid: str, user: User) -> Answer | None:
    first = OfflineEntry.objects.filter(uuid=uuid).first()
    if first is None:
        return None
    if first.user_id != user.pk:
        return Answer(uuid, OfflineEntry.Status.REFUSED, _("This entry is not yours."))
    status = "already" if first.status == OfflineEntry.Status.APPLIED else first.status
    return Answer(uuid, status, first.message)


def apply_entry(user: User, room: Room, entry: Any, *, now: datetime | None = None) -> Answer:
    """Apply one entry sent from a device's outbox, in its own transaction. A signature
    that does not check out, a key not this login's or not this meeting's, or an entry
    damaged on the way is refused and not kept (it cannot take a UUID from a real one);
    an entry the services refuse is kept with its reason, so a replay gets that answer."""
    now = now or timezone.now()
    damaged = _("This entry is damaged: it cannot be applied.")
    if not isinstance(entry, dict):
        return Answer("", OfflineEntry.Status.REFUSED, damaged)
    try:
        uuid = str(uuidlib.UUID(str(entry.get("uuid", ""))))
    except ValueError:
        return Answer(str(entry.get("uuid", ""))[:40], OfflineEntry.Status.REFUSED, damaged)
    payload = entry.get("payload")
    kind = entry.get("kind")
    if not isinstance(payload, dict) or kind not in OfflineEntry.Kind.values:
        return Answer(uuid, OfflineEntry.Status.REFUSED, damaged)
    key = DeskKey.objects.filter(key_id=str(entry.get("key", ""))).first()
    signature = str(entry.get("signature", ""))
    if (
        key is None
        or key.user_id != user.pk
        or key.room_id != room.pk
        or str(entry.get("meeting")) != str(room.meeting_id)
        or not hmac.compare_digest(sign(key.secret, entry), signature)
    ):
        return Answer(
            uuid,
            OfflineEntry.Status.REFUSED,
            _(
                "This entry is not signed by your session for this meeting: it was not "
                "applied. Enter it again on the desk page."
            ),
        )
    replay = _replayed(uuid, user)
    if replay is not None:
        return replay
    try:
        when = _device_time(entry)
    except InvalidInput as error:
        return Answer(uuid, OfflineEntry.Status.REFUSED, error.message)
    record = {
        "uuid": uuid,
        "room": room,
        "key": key,
        "user": user,
        "kind": kind,
        "payload": payload,
        "entered_at": when,
        "received_at": now,
    }
    try:
        with transaction.atomic():
            status, message, vote, against = _apply(user, room, kind, payload, when, now)
            OfflineEntry.objects.create(
                status=status, message=message, vote=vote, against=against, **record
            )
        return Answer(uuid, status, message)
    except IntegrityError:
        # The same entry sent twice at once: the first one's answer.
        return _replayed(uuid, user) or Answer(uuid, OfflineEntry.Status.REFUSED, damaged)
    except AsambleaError as error:
        try:
            with transaction.atomic():
                OfflineEntry.objects.create(
                    status=OfflineEntry.Status.REFUSED, message=error.message, **record
                )
        except IntegrityError:
            return _replayed(uuid, user) or Answer(uuid, OfflineEntry.Status.REFUSED, damaged)
        return Answer(uuid, OfflineEntry.Status.REFUSED, error.message)


def apply_entries(user: User, room: Room, entries: Any) -> list[Answer]:
    """Apply a device's outbox in the order it was entered, each entry on its own."""
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise InvalidInput(
            _("Send at most %(n)d entries at a time, as a list.") % {"n": MAX_ENTRIES}
        )
    return [apply_entry(user, room, entry) for entry in entries]


# ---------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class CountConflict:
    """A teller's count entered twice with different figures: the one in place and the
    one sent later, side by side, with who entered them and on which device."""

    entry: OfflineEntry
    vote: RoomVote
    standing: TellerCount | None
    can_take: bool  # the later figures can still replace the standing count


def conflicts_of(room: Room) -> list[CountConflict]:
    rows = (
        OfflineEntry.objects.filter(
            room=room,
            status=OfflineEntry.Status.CONFLICT,
            resolved_at__isnull=True,
            vote__isnull=False,
        )
        .select_related("vote__motion", "against__teller", "user", "key")
        .order_by("received_at", "pk")
    )
    out: list[CountConflict] = []
    for row in rows:
        assert row.vote is not None
        standing = row.against
        can_take = (
            standing is not None
            and row.vote.status == RoomVote.Status.COUNTING
            and standing.round == row.vote.round
            and TellerCount.objects.filter(vote=row.vote, round=standing.round).count() == 1
        )
        out.append(CountConflict(row, row.vote, standing, can_take))
    return out


@dataclass(frozen=True)
class CheckInConflict:
    """A check-in sent later for someone checked out after it was entered."""

    entry: OfflineEntry
    name: str
    checked_out_at: datetime | None


def check_in_conflicts_of(room: Room) -> list[CheckInConflict]:
    """Names: the officers' eyes only (the caller checks)."""
    rows = OfflineEntry.objects.filter(
        room=room,
        status=OfflineEntry.Status.CONFLICT,
        resolved_at__isnull=True,
        kind=OfflineEntry.Kind.CHECK_IN,
    ).select_related("user", "key")
    out: list[CheckInConflict] = []
    for row in rows:
        person_id = int(row.payload["person"])
        last = (
            Attendance.objects.filter(room=room, person_id=person_id)
            .select_related("person")
            .order_by("-checked_in_at", "-pk")
            .first()
        )
        name = last.person.full_name if last is not None else ""
        out.append(CheckInConflict(row, name, last.checked_out_at if last else None))
    return out


@transaction.atomic
def do_resolve_conflict(
    actor: User, room: Room, entry_id: int, choice: str, *, now: datetime | None = None
) -> OfflineEntry:
    """An officer resolves a conflict: keep the count in place, take the one sent later
    instead (while the other teller has not entered this round), or count the hands
    again (a new round; both entries stay, as every round's counts do)."""
    require_officer(actor, room.meeting.body)
    entry = (
        OfflineEntry.objects.select_for_update()
        .filter(
            room=room, pk=entry_id, status=OfflineEntry.Status.CONFLICT, resolved_at__isnull=True
        )
        .first()
    )
    if entry is None:
        raise NotFound(_("There is no such conflict to resolve in this meeting."))
    if entry.vote is None:  # a check-in: present now, or not
        if choice == "taken":
            do_check_in_member(actor, room, int(entry.payload["person"]), now=now)
        elif choice != "kept":
            raise InvalidInput(_("Choose which count stands, or count again."))
        return _resolved(entry, actor, choice, now)
    vote = RoomVote.objects.select_for_update().get(pk=entry.vote.pk)
    if choice == "taken":
        conflict = next((c for c in conflicts_of(room) if c.entry.pk == entry.pk), None)
        if conflict is None or not conflict.can_take or conflict.standing is None:
            raise Conflict(
                _("The other teller has counted this round already: keep it or count again.")
            )
        standing = conflict.standing
        standing.yes = int(entry.payload["yes"])
        standing.no = int(entry.payload["no"])
        standing.abstain = int(entry.payload["abstain"])
        standing.save(update_fields=["yes", "no", "abstain"])
    elif choice == "recount":
        if vote.status != RoomVote.Status.COUNTING:
            raise Conflict(_("This vote is decided: no more counts are taken."))
        vote.round += 1
        vote.save(update_fields=["round"])
    elif choice != "kept":
        raise InvalidInput(_("Choose which count stands, or count again."))
    return _resolved(entry, actor, choice, now)


def _resolved(entry: OfflineEntry, actor: User, choice: str, now: datetime | None) -> OfflineEntry:
    entry.resolved_by = actor if actor.is_authenticated else None
    entry.resolved_at = now or timezone.now()
    entry.resolution = choice
    entry.save(update_fields=["resolved_by", "resolved_at", "resolution"])
    return entry
