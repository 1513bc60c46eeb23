"""What the pages read of petitions and seats: public facts, and whether a user signed."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from asamblea.elections.models import Seat
from asamblea.federation.membership import User, person_of, public_row
from asamblea.federation.models import Body, Federation
from asamblea.recall.models import PetitionSignature, RecallPetition

# What the pages show of a petition and of a seat, read with it in one query.
_PETITION_PAGE = (
    "seat__delegation__source",
    "seat__delegation__council",
    "seat__command__command_of",
    "constituency",
    "election",
    "federation",
)
_SEAT_PAGE = (
    "federation",
    "delegation__source",
    "delegation__council",
    "command__command_of",
    "election",
)


def access_petition(user: User, federation: Federation, petition_id: int) -> RecallPetition:
    """A petition's public facts (reason, counts, status): anyone may read them."""
    petitions = RecallPetition.objects.select_related(*_PETITION_PAGE)
    missing = _("There is no recall petition number %(id)s.") % {"id": petition_id}
    return public_row(petitions, missing, federation=federation, pk=petition_id)


def access_seat(user: User, federation: Federation, seat_id: int) -> Seat:
    """A seat's public facts (its holder's public name, where it sits): anyone may read."""
    seats = Seat.objects.select_related(*_SEAT_PAGE)
    missing = _("There is no seat number %(id)s.") % {"id": seat_id}
    return public_row(seats, missing, federation=federation, pk=seat_id)


def active_petition(seat: Seat) -> RecallPetition | None:
    return RecallPetition.objects.filter(seat=seat, status__in=RecallPetition.ACTIVE).first()


def petitions_in(body: Body) -> QuerySet[RecallPetition]:
    """The petitions of a constituency, newest first (public facts only)."""
    return RecallPetition.objects.filter(constituency=body).select_related(
        "seat__delegation__council", "seat__command", "election"
    )


def has_signed(user: User, petition: RecallPetition) -> bool:
    """Whether the logged-in user signed: for that user's own eyes only."""
    person = person_of(user, petition.federation)
    return (
        person is not None
        and PetitionSignature.objects.filter(petition=petition, person=person).exists()
    )
