"""Attendance: checking in by the meeting's code or by an officer from the roll, the
alternates named for council seats, checking out, and the present roll."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.deliberation.services import member_seats, seats_in
from asamblea.elections.models import Seat
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import (
    User,
    eligible_people,
    is_eligible,
    not_a_member,
    person_of,
    require_person,
)
from asamblea.federation.models import Body, Person
from asamblea.federation.services import name_order, require_officer
from asamblea.meetings.models import Alternate, Attendance, Room
from asamblea.meetings.services.rooms import require_open

NAME_MAX = 200


def _present(room: Room) -> list[Attendance]:
    return list(
        Attendance.objects.filter(room=room, checked_out_at__isnull=True).select_related(
            "person", "seat__delegation__source"
        )
    )


def _check_in(room: Room, person: Person, how: str, by: User, now: datetime) -> list[Attendance]:
    """Check `person` in: a base member once; in a council, for every seat they hold and
    every seat they are the alternate for whose delegate is absent."""
    body = room.meeting.body
    actor = by if by.is_authenticated else None
    if body.kind == Body.Kind.BASE:
        if not is_eligible(person, body):
            raise PermissionDenied(not_a_member(body))
        if Attendance.objects.filter(
            room=room, person=person, seat__isnull=True, checked_out_at__isnull=True
        ).exists():
            raise Conflict(_("Already checked in: present in this meeting."))
        return [
            Attendance.objects.create(
                room=room, person=person, how=how, checked_in_by=actor, checked_in_at=now
            )
        ]
    sitting = {a.seat_id: a for a in _present(room) if a.seat_id is not None}
    own = member_seats(person, body)
    alternate_for = list(
        Alternate.objects.filter(room=room, person=person, seat__status=Seat.Status.HELD)
    )
    if not own and not alternate_for:
        raise PermissionDenied(
            _(
                "Only the delegates seated in %(body)s, and the alternates named for this "
                "meeting, check in here."
            )
            % {"body": body.name}
        )
    made: list[Attendance] = []
    for seat in own:
        taken = sitting.get(seat.pk)
        if taken is None:
            made.append(
                Attendance.objects.create(
                    room=room,
                    person=person,
                    seat=seat,
                    how=how,
                    checked_in_by=actor,
                    checked_in_at=now,
                )
            )
        elif taken.as_alternate:
            raise Conflict(
                _(
                    "Your alternate sits for your seat in this meeting: an officer checks "
                    "them out before you take it back."
                )
            )
    for alternate in alternate_for:
        taken = sitting.get(alternate.seat_id)
        if taken is not None and not taken.as_alternate:
            raise Conflict(
                _("The delegate for this seat is present: the alternate does not sit for them.")
            )
        if taken is None:
            made.append(
                Attendance.objects.create(
                    room=room,
                    person=person,
                    seat_id=alternate.seat_id,
                    as_alternate=True,
                    how=how,
                    checked_in_by=actor,
                    checked_in_at=now,
                )
            )
    if not made:
        raise Conflict(_("Already checked in: present in this meeting."))
    return made


def _guarded_check_in(
    room: Room, person: Person, how: str, by: User, now: datetime
) -> list[Attendance]:
    require_open(room)
    try:
        with transaction.atomic():
            return _check_in(room, person, how, by, now)
    except IntegrityError:
        # Two check-ins of the same person (or seat) at once: one of them counts.
        raise Conflict(_("Already checked in: present in this meeting.")) from None


def do_check_in_by_code(
    user: User, room: Room, token: str, *, now: datetime | None = None
) -> list[Attendance]:
    """A member checks themselves in with the code of the meeting's QR code."""
    if not secrets.compare_digest(room.checkin_token, token):
        raise PermissionDenied(
            _("This check-in code is not this meeting's: scan the code shown in the room.")
        )
    person = require_person(user, room.meeting.body)
    return _guarded_check_in(room, person, Attendance.How.QR, user, now or timezone.now())


def do_check_in_member(
    actor: User, room: Room, person_id: int, *, now: datetime | None = None
) -> list[Attendance]:
    """An officer checks in someone from the roll (a member without a phone)."""
    body = room.meeting.body
    require_officer(actor, body)
    person = Person.objects.filter(pk=person_id, federation=body.federation).first()
    if person is None:
        raise NotFound(_("That person is not on the roll of %(body)s.") % {"body": body.name})
    return _guarded_check_in(room, person, Attendance.How.OFFICER, actor, now or timezone.now())


@transaction.atomic
def do_check_out(
    actor: User, room: Room, attendance_id: int, *, now: datetime | None = None
) -> Attendance:
    """Someone leaves: an officer checks them out, or they check themselves out."""
    attendance = (
        Attendance.objects.select_for_update()
        .filter(room=room, pk=attendance_id, checked_out_at__isnull=True)
        .first()
    )
    if attendance is None:
        raise NotFound(_("That person is not present in this meeting."))
    me = person_of(actor, room.meeting.body.federation_id)
    if me is None or me.pk != attendance.person_id:
        require_officer(actor, room.meeting.body)
    attendance.checked_out_at = now or timezone.now()
    attendance.save(update_fields=["checked_out_at"])
    return attendance


@transaction.atomic
def do_name_alternate(
    actor: User,
    room: Room,
    seat_id: int,
    person_id: int,
    public_name: str,
    *,
    now: datetime | None = None,
) -> Alternate:
    """An officer names an alternate for a council seat, for this meeting only: a verified
    member of the seat's constituency, published under the name given here."""
    body = room.meeting.body
    require_officer(actor, body)
    if room.meeting.status == room.meeting.Status.CLOSED:
        raise Conflict(_("This meeting is closed."))
    if body.kind != Body.Kind.COUNCIL:
        raise InvalidInput(_("Alternates sit for delegates' seats: only a council has them."))
    seat = seats_in(body).select_related("delegation__source").filter(pk=seat_id).first()
    if seat is None or seat.delegation is None:
        raise NotFound(_("That is not a held seat of %(body)s.") % {"body": body.name})
    person = Person.objects.filter(pk=person_id, federation=body.federation).first()
    source = seat.delegation.source
    if person is None or not is_eligible(person, source):
        raise InvalidInput(
            _("An alternate for this seat must be a member of %(body)s.") % {"body": source.name}
        )
    if person.pk == seat.holder_id:
        raise InvalidInput(_("The delegate cannot be their own alternate."))
    name = " ".join(public_name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(
            _("Write the name to publish for the alternate (200 characters at most).")
        )
    if Alternate.objects.filter(room=room, seat=seat).exists():
        raise Conflict(_("This seat already has an alternate for this meeting."))
    return Alternate.objects.create(
        room=room,
        seat=seat,
        person=person,
        public_name=name,
        named_by=actor if actor.is_authenticated else None,
        named_at=now or timezone.now(),
    )


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class RollRow:
    """Someone on the roll an officer checks in from (names: officers' eyes only)."""

    person: Person
    name: str
    seat: str  # the seat's published name, in a council ("" in a base)
    alternate: bool
    present: bool


def present_roll(room: Room) -> list[Attendance]:
    """Who is present now, by name (officers only see names: the caller checks)."""
    rows = _present(room)
    rows.sort(key=lambda a: name_order(a.person.full_name))
    return rows


def access_roll(user: User, room: Room, query: str = "") -> list[RollRow]:
    """The body's roll searched by name (names are encrypted: filtered here, not in SQL)."""
    body = room.meeting.body
    require_officer(user, body)
    present_people = {a.person_id for a in _present(room)}
    rows: list[RollRow] = []
    if body.kind == Body.Kind.BASE:
        for person in eligible_people(body):
            rows.append(RollRow(person, person.full_name, "", False, person.pk in present_people))
    else:
        # In a council, delegates and alternates by their published names: the council's
        # officers see no names of the assemblies below.
        for seat in seats_in(body).select_related("holder"):
            rows.append(
                RollRow(
                    seat.holder,
                    seat.public_name,
                    seat.public_name,
                    False,
                    seat.holder_id in present_people,
                )
            )
        for alternate in Alternate.objects.filter(room=room).select_related("person", "seat"):
            rows.append(
                RollRow(
                    alternate.person,
                    alternate.public_name,
                    alternate.seat.public_name,
                    True,
                    alternate.person_id in present_people,
                )
            )
    wanted = name_order(query.strip())[0]
    if wanted:
        rows = [r for r in rows if wanted in name_order(r.name)[0] or wanted in r.seat.casefold()]
    rows.sort(key=lambda r: name_order(r.name))
    return rows


def my_attendance(user: User, room: Room) -> list[Attendance]:
    person = person_of(user, room.meeting.body.federation_id)
    if person is None:
        return []
    return [a for a in _present(room) if a.person_id == person.pk]


@dataclass(frozen=True)
class SeatRow:
    """A council seat in the room: who sits for it now, and its alternate if named."""

    seat: Seat
    sitting: Attendance | None
    alternate: Alternate | None


def council_seats_of(room: Room) -> list[SeatRow]:
    body = room.meeting.body
    if body.kind == Body.Kind.BASE:
        return []
    sitting = {a.seat_id: a for a in _present(room) if a.seat_id is not None}
    alternates = {a.seat_id: a for a in Alternate.objects.filter(room=room)}
    seats = (
        seats_in(body)
        .select_related("delegation__source")
        .order_by("delegation__source__name", "public_name", "pk")
    )
    return [SeatRow(s, sitting.get(s.pk), alternates.get(s.pk)) for s in seats]
