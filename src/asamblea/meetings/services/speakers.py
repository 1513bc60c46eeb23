"""The speakers' list: members ask for the floor (or the chair adds them), points of
order go first, the chair gives the floor to the next in one tap, and each speaker has
the room's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import User, person_of
from asamblea.federation.models import Person
from asamblea.federation.services import require_officer
from asamblea.meetings.models import Alternate, Attendance, Room, Speaker
from asamblea.meetings.services.rooms import require_open


def _published_name(room: Room, attendance: Attendance) -> str:
    """A delegate speaks under their seat's published name (an alternate under theirs);
    a base member's name stays internal."""
    if attendance.seat is None:
        return ""
    if attendance.as_alternate:
        alternate = Alternate.objects.filter(room=room, seat=attendance.seat).first()
        return alternate.public_name if alternate is not None else ""
    return attendance.seat.public_name


def _add(room: Room, person: Person, kind: str, by: User, now: datetime) -> Speaker:
    require_open(room)
    if kind not in Speaker.Kind.values:
        raise InvalidInput(_("Ask for the floor for a speech or a point of order."))
    present = (
        Attendance.objects.filter(room=room, person=person, checked_out_at__isnull=True)
        .select_related("seat")
        .first()
    )
    if present is None:
        raise Conflict(_("Check in first: the floor is for those present."))
    if Speaker.objects.filter(
        room=room, person=person, status=Speaker.Status.WAITING, kind=kind
    ).exists():
        raise Conflict(_("Already on the speakers' list: wait for your turn."))
    return Speaker.objects.create(
        room=room,
        item=room.current_item,
        person=person,
        public_name=_published_name(room, present),
        kind=kind,
        added_by=by if by.is_authenticated else None,
        requested_at=now,
    )


@transaction.atomic
def do_ask_for_floor(
    user: User, room: Room, kind: str = Speaker.Kind.SPEECH, *, now: datetime | None = None
) -> Speaker:
    """A member present asks for the floor from their phone."""
    person = person_of(user, room.meeting.body.federation_id)
    if person is None:
        raise PermissionDenied(_("Check in first: the floor is for those present."))
    return _add(room, person, kind, user, now or timezone.now())


@transaction.atomic
def do_add_speaker(
    actor: User,
    room: Room,
    person_id: int,
    kind: str = Speaker.Kind.SPEECH,
    *,
    now: datetime | None = None,
) -> Speaker:
    """The chair puts someone present on the list."""
    require_officer(actor, room.meeting.body)
    person = Person.objects.filter(pk=person_id, federation=room.meeting.body.federation).first()
    if person is None:
        raise NotFound(_("That person is not present in this meeting."))
    return _add(room, person, kind, actor, now or timezone.now())


def _queue(room: Room) -> list[Speaker]:
    order = Case(
        When(kind=Speaker.Kind.POINT_OF_ORDER, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        Speaker.objects.filter(room=room, status=Speaker.Status.WAITING)
        .select_related("person")
        .order_by(order, "requested_at", "pk")
    )


@transaction.atomic
def do_next_speaker(actor: User, room: Room, *, now: datetime | None = None) -> Speaker | None:
    """The chair ends the current speech and gives the floor to the next on the list."""
    now = now or timezone.now()
    require_officer(actor, room.meeting.body)
    require_open(room)
    Room.objects.select_for_update().filter(pk=room.pk).first()
    Speaker.objects.filter(room=room, status=Speaker.Status.SPEAKING).update(
        status=Speaker.Status.DONE, ended_at=now
    )
    queue = _queue(room)
    if not queue:
        return None
    speaker = queue[0]
    speaker.status = Speaker.Status.SPEAKING
    speaker.started_at = now
    try:
        with transaction.atomic():
            speaker.save(update_fields=["status", "started_at"])
    except IntegrityError:
        raise Conflict(_("Someone already has the floor.")) from None
    return speaker


@transaction.atomic
def do_withdraw_speaker(actor: User, room: Room, speaker_id: int) -> Speaker:
    """A waiting speaker leaves the list (themselves, or by the chair)."""
    speaker = Speaker.objects.filter(
        room=room, pk=speaker_id, status=Speaker.Status.WAITING
    ).first()
    if speaker is None:
        raise NotFound(_("That request for the floor is no longer waiting."))
    me = person_of(actor, room.meeting.body.federation_id)
    if me is None or me.pk != speaker.person_id:
        require_officer(actor, room.meeting.body)
    speaker.status = Speaker.Status.WITHDRAWN
    speaker.save(update_fields=["status"])
    return speaker


def finish_speaking(room: Room, now: datetime) -> None:
    Speaker.objects.filter(room=room, status=Speaker.Status.SPEAKING).update(
        status=Speaker.Status.DONE, ended_at=now
    )


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class Floor:
    """Who speaks now, how many seconds they have left, and who waits (in order)."""

    speaking: Speaker | None
    remaining: int  # seconds; negative once over time
    waiting: list[Speaker]


def floor(room: Room, now: datetime | None = None) -> Floor:
    now = now or timezone.now()
    speaking = (
        Speaker.objects.filter(room=room, status=Speaker.Status.SPEAKING)
        .select_related("person")
        .first()
    )
    remaining = 0
    if speaking is not None and speaking.started_at is not None:
        remaining = room.speaker_seconds - int((now - speaking.started_at).total_seconds())
    return Floor(speaking, remaining, _queue(room))
