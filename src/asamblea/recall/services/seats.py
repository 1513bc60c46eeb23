"""Who is who around a seat: the constituency that elected it, where it sits, and who
may petition against its holder."""

from __future__ import annotations

from typing import Any

from asamblea.elections.models import Seat
from asamblea.federation.membership import User, is_eligible, person_of
from asamblea.federation.models import Body


def constituency_of(seat: Seat) -> Body:
    """The body whose members elected `seat`: a delegation's source, a command's body."""
    if seat.delegation_id is not None:
        return seat.delegation.source
    return seat.command.command_of


def seat_place(seat: Seat) -> str:
    """What the seat is in, for people: "Province A1 → Region A" or "National command"."""
    if seat.delegation_id is not None:
        return f"{seat.delegation.source.name} → {seat.delegation.council.name}"
    return seat.command.name


def can_petition(user: User, seat: Seat) -> bool:
    """Whether `user` may open (or sign) a recall petition against `seat`'s holder."""
    person = person_of(user, seat.federation)
    return (
        person is not None
        and seat.status == Seat.Status.HELD
        and person.pk != seat.holder_id
        and is_eligible(person, constituency_of(seat))
    )


def place_facts(seat: Seat) -> dict[str, Any]:
    if seat.delegation_id is not None:
        return {
            "delegation": {
                "source": seat.delegation.source.slug,
                "council": seat.delegation.council.slug,
            }
        }
    return {"command": seat.command.slug}
