"""The room of a meeting: setting it up, who runs it (officers and tellers), its quorum
measured live on the present roll, and what is on the floor."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from asamblea.deliberation import rules
from asamblea.deliberation.models import AgendaItem, Meeting, QuorumBasis
from asamblea.deliberation.services import access_meeting, council_seats, seats_in
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Federation, Membership
from asamblea.federation.services import is_officer, require_officer
from asamblea.meetings.models import Attendance, Room, Teller

MAX_SPEAKER_SECONDS = 3600


def new_token() -> str:
    return secrets.token_urlsafe(18)


def room_of(meeting: Meeting) -> Room | None:
    return Room.objects.filter(meeting=meeting).select_related("meeting__body__federation").first()


def access_room(user: User, federation: Federation, meeting_id: int) -> Room:
    """The room of a meeting (public facts: counts, the agenda, the result of votes)."""
    meeting = access_meeting(user, federation, meeting_id)
    room = room_of(meeting)
    if room is None:
        raise NotFound(_("This meeting has no room set up yet."))
    return room


def access_room_by_screen_token(federation: Federation, meeting_id: int, token: str) -> Room:
    room = (
        Room.objects.filter(meeting_id=meeting_id, meeting__federation=federation)
        .select_related("meeting__body__federation")
        .first()
    )
    if room is None or not secrets.compare_digest(room.screen_token, token):
        raise PermissionDenied(_("This projector link is not valid: ask the officers for it."))
    return room


def can_run(user: User, room: Room) -> bool:
    """Officers of the body run its meetings; tellers named for this one count with them."""
    if is_officer(user, room.meeting.body):
        return True
    return user.is_authenticated and Teller.objects.filter(room=room, user=user).exists()


def require_teller(user: User, room: Room) -> None:
    if not can_run(user, room):
        raise PermissionDenied(
            _(
                "You are not a teller of this meeting: only its officers and the tellers "
                "named for it enter counts."
            )
        )


def require_open(room: Room) -> None:
    if room.meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("This meeting is closed."))
    if room.meeting.status != Meeting.Status.OPEN:
        raise Conflict(_("The session has not been opened yet."))


def _default_basis(body: Body) -> str:
    return QuorumBasis.SEATS if body.kind != Body.Kind.BASE else QuorumBasis.MEMBERS


@transaction.atomic
def do_set_up_room(
    actor: User,
    meeting: Meeting,
    *,
    quorum_basis: str | None = None,
    quorum_share: str = "1/2",
    quorum_strict: bool = True,
    votes_without_quorum: bool = False,
    speaker_seconds: int | None = None,
) -> Room:
    """An officer sets up (or changes) the room of a meeting: the quorum rule of the body
    for this sitting and the time per speaker."""
    body = meeting.body
    require_officer(actor, body)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("This meeting is closed."))
    basis = quorum_basis or _default_basis(body)
    if basis not in QuorumBasis.values:
        raise InvalidInput(_("Choose a quorum of seats, of members, or none."))
    try:
        share = Fraction(quorum_share.strip())
        rules.Quorum(rules.QuorumBasis(basis), share, quorum_strict)
    except (ValueError, ZeroDivisionError, InvalidInput):
        raise InvalidInput(_("Write the quorum as a share such as 1/2 or 2/3.")) from None
    seconds = settings.MEETING_SPEAKER_SECONDS if speaker_seconds is None else speaker_seconds
    if not 10 <= seconds <= MAX_SPEAKER_SECONDS:
        raise InvalidInput(
            _("Give each speaker between 10 and %(n)d seconds.") % {"n": MAX_SPEAKER_SECONDS}
        )
    values = {
        "quorum_basis": basis,
        "quorum_share": f"{share.numerator}/{share.denominator}",
        "quorum_strict": quorum_strict,
        "votes_without_quorum": votes_without_quorum,
        "speaker_seconds": seconds,
    }
    room = room_of(meeting)
    if room is None:
        return Room.objects.create(
            meeting=meeting, checkin_token=new_token(), screen_token=new_token(), **values
        )
    for name, value in values.items():
        setattr(room, name, value)
    room.save(update_fields=list(values))
    return room


@transaction.atomic
def do_name_teller(actor: User, room: Room, user: User) -> Teller:
    """An officer names a login as a teller of this meeting."""
    require_officer(actor, room.meeting.body)
    if not user.is_authenticated:
        raise InvalidInput(_("A teller needs a login."))
    teller, _created = Teller.objects.get_or_create(
        room=room, user=user, defaults={"named_by": actor if actor.is_authenticated else None}
    )
    return teller


@transaction.atomic
def do_set_current_item(actor: User, room: Room, item_id: int | None) -> Room:
    """The chair puts an item of the agenda on the floor (the projector shows it)."""
    require_officer(actor, room.meeting.body)
    require_open(room)
    if item_id is None:
        room.current_item = None
    else:
        item = AgendaItem.objects.filter(meeting=room.meeting, pk=item_id).first()
        if item is None:
            raise InvalidInput(_("Choose an item of this meeting's agenda."))
        room.current_item = item
    room.save(update_fields=["current_item"])
    return room


# ---------------------------------------------------------------- quorum


@dataclass(frozen=True)
class QuorumState:
    """The quorum shown live: present (people, or seats in a council), needed, reached."""

    present: int
    needed: int
    size: int
    basis: str

    @property
    def reached(self) -> bool:
        return self.present >= self.needed


def electorate(body: Body) -> rules.Electorate:
    """The body's size: all seats and the filled ones (a council), or its verified members."""
    if body.kind == Body.Kind.BASE:
        return rules.Electorate.of_assembly(
            Membership.objects.filter(body=body, status=Membership.Status.VERIFIED)
            .values("person_id")
            .distinct()
            .count()
        )
    return rules.Electorate(council_seats(body), seats_in(body).count())


def rule_of(room: Room) -> rules.Quorum:
    return rules.Quorum(
        rules.QuorumBasis(room.quorum_basis), Fraction(room.quorum_share), room.quorum_strict
    )


def present_count(room: Room) -> int:
    return Attendance.objects.filter(room=room, checked_out_at__isnull=True).count()


def quorum_state(room: Room) -> QuorumState:
    size = electorate(room.meeting.body)
    quorum = rule_of(room)
    base = size.seats if quorum.basis == rules.QuorumBasis.SEATS else size.members
    return QuorumState(present_count(room), quorum.required(size), base, room.quorum_basis)
