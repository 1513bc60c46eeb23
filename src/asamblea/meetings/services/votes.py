"""Votes in the room: the chair opens a vote on a motion of the agenda; a show of hands
is counted by two tellers whose counts must agree; a council votes by roll call, each
present seat's vote entered by name. The decision is deliberation's: the same rules,
resolution and "motion.counted" entry as a vote cast in the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.deliberation import rules
from asamblea.deliberation.models import AgendaItem, Motion, MotionVote
from asamblea.deliberation.services import (
    RoomCount,
    close_counted_in_room,
    do_close_vote,
    do_open_vote,
)
from asamblea.errors import Conflict, InvalidInput, NotFound
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Body
from asamblea.federation.services import require_officer
from asamblea.meetings.models import (
    Alternate,
    Attendance,
    OfflineEntry,
    Room,
    RoomVote,
    TellerCount,
)
from asamblea.meetings.services.rooms import (
    present_count,
    quorum_state,
    require_open,
    require_teller,
)
from asamblea.record.services import append_entries

CHOICES = ("yes", "no", "abstain")


class Outcome(StrEnum):
    """What entering a teller's count led to."""

    WAITING = "waiting"  # the other teller has not entered this round yet
    DISCREPANCY = "discrepancy"  # the two counts differ: the hands are counted again
    DECIDED = "decided"  # they agree: the result stands


@transaction.atomic
def do_open_room_vote(
    actor: User, room: Room, motion: Motion, *, now: datetime | None = None
) -> RoomVote:
    """The chair puts a motion of the agenda to the vote in the room."""
    now = now or timezone.now()
    body = room.meeting.body
    require_officer(actor, body)
    require_open(room)
    item = AgendaItem.objects.filter(meeting=room.meeting, motion=motion).first()
    if item is None:
        raise InvalidInput(_("Only a motion on this meeting's agenda is voted here."))
    if RoomVote.objects.filter(room=room, status=RoomVote.Status.COUNTING).exists():
        raise Conflict(_("Another vote is being counted: finish it first."))
    quorum = quorum_state(room)
    if not quorum.reached and not room.votes_without_quorum:
        raise Conflict(
            _(
                "There is no quorum: %(present)d present, %(needed)d needed. The vote "
                "cannot be opened until the quorum is reached."
            )
            % {"present": quorum.present, "needed": quorum.needed}
        )
    do_open_vote(
        actor,
        motion,
        quorum_basis=room.quorum_basis,
        quorum_share=room.quorum_share,
        quorum_strict=room.quorum_strict,
        secret=False if body.kind == Body.Kind.BASE else None,
        now=now,
    )
    room.current_item = item
    room.save(update_fields=["current_item"])
    return RoomVote.objects.create(
        room=room,
        motion=motion,
        method=RoomVote.Method.HANDS if body.kind == Body.Kind.BASE else RoomVote.Method.ROLL_CALL,
        present_at_opening=quorum.present,
        opened_by=actor if actor.is_authenticated else None,
        opened_at=now,
    )


def _lock(vote: RoomVote) -> RoomVote:
    return (
        RoomVote.objects.select_for_update()
        .select_related("room__meeting__body__federation", "motion")
        .get(pk=vote.pk)
    )


def _count(value: Any, what: str) -> int:
    text = str(value).strip()
    if not text.isdecimal():
        raise InvalidInput(
            _("Write the %(what)s count as a whole number, 0 or more.") % {"what": what}
        )
    return int(text)


@transaction.atomic
def do_enter_count(
    actor: User,
    vote: RoomVote,
    yes: Any,
    no: Any,
    abstain: Any,
    *,
    now: datetime | None = None,
) -> Outcome:
    """A teller enters the hands they counted. When two tellers' counts of a round agree
    the result stands; when they differ the hands are counted again (a new round)."""
    now = now or timezone.now()
    vote = _lock(vote)
    room = vote.room
    require_teller(actor, room)
    assert isinstance(actor, Login)  # a teller is logged in
    if vote.status != RoomVote.Status.COUNTING:
        raise Conflict(_("This vote is decided: no more counts are taken."))
    if vote.method != RoomVote.Method.HANDS:
        raise InvalidInput(_("This vote is by roll call: enter each seat's vote."))
    if OfflineEntry.objects.filter(
        vote=vote, status=OfflineEntry.Status.CONFLICT, resolved_at__isnull=True
    ).exists():
        # Never settled behind the officers' backs: the conflict is resolved first.
        raise Conflict(_("This vote has entries in conflict: an officer resolves them first."))
    tally = rules.Tally(_count(yes, _("yes")), _count(no, _("no")), _count(abstain, _("abstain")))
    present = present_count(room)
    if tally.present > present:
        raise InvalidInput(
            _("%(counted)d hands counted, but only %(present)d people are present: count again.")
            % {"counted": tally.present, "present": present}
        )
    counts = list(TellerCount.objects.filter(vote=vote, round=vote.round))
    if any(c.teller_id == actor.pk for c in counts):
        raise Conflict(
            _("You already entered your count of this round: the other teller enters theirs.")
        )
    TellerCount.objects.create(
        vote=vote,
        round=vote.round,
        teller=actor,
        present=present,
        entered_at=now,
        **tally.to_json(),
    )
    if not counts:
        return Outcome.WAITING
    other = counts[0]
    if (other.yes, other.no, other.abstain) != (tally.yes, tally.no, tally.abstain):
        vote.round += 1
        vote.save(update_fields=["round"])
        return Outcome.DISCREPANCY
    how = {
        "meeting": room.meeting_id,
        "method": vote.method,
        "present": present,
        "rounds": vote.round,
        "tellers": 2,
    }
    events = close_counted_in_room(vote.motion, RoomCount(tally, how), now)
    append_entries(room.meeting.body.federation, events)
    vote.status = RoomVote.Status.DECIDED
    vote.decided_at = now
    vote.save(update_fields=["status", "decided_at"])
    return Outcome.DECIDED


@transaction.atomic
def do_enter_roll_call(actor: User, vote: RoomVote, seat_id: int, choice: str) -> MotionVote:
    """A teller enters a present seat's vote, by name (the delegate's or the alternate's)."""
    vote = _lock(vote)
    room = vote.room
    require_teller(actor, room)
    if vote.status != RoomVote.Status.COUNTING:
        raise Conflict(_("This vote is decided: no more votes are taken."))
    if vote.method != RoomVote.Method.ROLL_CALL:
        raise InvalidInput(_("This vote is by show of hands: the tellers enter their counts."))
    if choice not in CHOICES:
        raise InvalidInput(_("Choose yes, no or abstain."))
    sitting = (
        Attendance.objects.filter(room=room, seat_id=seat_id, checked_out_at__isnull=True)
        .select_related("seat")
        .first()
    )
    if sitting is None:
        raise InvalidInput(_("Nobody sits for that seat now: only present seats vote in the room."))
    row, _created = MotionVote.objects.update_or_create(
        motion=vote.motion,
        seat_id=seat_id,
        defaults={"person": sitting.person, "choice": choice},
    )
    return row


@transaction.atomic
def do_close_roll_call(actor: User, vote: RoomVote, *, now: datetime | None = None) -> RoomVote:
    """The chair closes a roll call and the motion is decided as in the app."""
    now = now or timezone.now()
    vote = _lock(vote)
    room = vote.room
    require_officer(actor, room.meeting.body)
    if vote.status != RoomVote.Status.COUNTING or vote.method != RoomVote.Method.ROLL_CALL:
        raise Conflict(_("This roll call is not open."))
    alternates = [
        {"seat": a.seat_id, "alternate": a.public_name}
        for a in Alternate.objects.filter(room=room).order_by("seat_id")
        if Attendance.objects.filter(room=room, seat_id=a.seat_id, person_id=a.person_id).exists()
    ]
    do_close_vote(
        actor,
        vote.motion,
        now=now,
        room_facts={
            "meeting": room.meeting_id,
            "method": vote.method,
            "present": present_count(room),
            "alternates": alternates,
        },
    )
    vote.status = RoomVote.Status.DECIDED
    vote.decided_at = now
    vote.save(update_fields=["status", "decided_at"])
    return vote


@hooks.motion_in_room.register(name="meetings")
def _counted_in_room(motion: Motion) -> str | None:
    if RoomVote.objects.filter(motion=motion, status=RoomVote.Status.COUNTING).exists():
        return _(
            "This motion is being voted in the room of a meeting: the count taken there decides it."
        )
    return None


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class VoteState:
    """A room vote as the room page and the projector show it."""

    vote: RoomVote
    entered: int  # counts entered in the round under way
    discrepancies: list[dict[str, Any]]  # earlier rounds whose counts differed
    roll_call: dict[int, str]  # seat id -> choice entered


def vote_state(vote: RoomVote) -> VoteState:
    counts = list(TellerCount.objects.filter(vote=vote))
    rounds: dict[int, list[TellerCount]] = {}
    for count in counts:
        rounds.setdefault(count.round, []).append(count)
    discrepancies = [
        {"round": n, "counts": [(c.yes, c.no, c.abstain) for c in rows]}
        for n, rows in sorted(rounds.items())
        if len(rows) == 2 and len({(c.yes, c.no, c.abstain) for c in rows}) == 2
    ]
    entered = len(rounds.get(vote.round, [])) if vote.status == RoomVote.Status.COUNTING else 0
    roll = {}
    if vote.method == RoomVote.Method.ROLL_CALL:
        roll = {
            seat: choice
            for seat, choice in MotionVote.objects.filter(
                motion=vote.motion, seat__isnull=False
            ).values_list("seat_id", "choice")
            if seat is not None
        }
    return VoteState(vote, entered, discrepancies, roll)


def access_room_vote(room: Room, vote_id: int) -> RoomVote:
    vote = RoomVote.objects.filter(room=room, pk=vote_id).select_related("motion").first()
    if vote is None:
        raise NotFound(_("There is no such vote in this meeting."))
    return vote


def open_vote(room: Room) -> RoomVote | None:
    return (
        RoomVote.objects.filter(room=room, status=RoomVote.Status.COUNTING)
        .select_related("motion")
        .first()
    )
