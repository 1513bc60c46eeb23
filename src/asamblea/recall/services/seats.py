"""Who is who around a seat: the constituency that elected it, where it sits, and who
may petition against its holder."""

from __future__ import annotations

from typing import Any

from asamblea.elections.models import Seat
from asamblea.federation.membership import User, is_eligible, person_of
from asamblea.federation.models import Body


def constituency_of(seat: Seat) -> Body:
    """The body whose members elected `seat`: a delegation's source, a command's body."""
    if seat.delegation is not None:
        return seat.delegation.source
    # Seats are in a delegation or a command (seat_in_delegation_xor_command); a command
    # belongs to a body (the federation's spec refuses one that does not).
    assert seat.command is not None and seat.command.command_of is not None
    return seat.command.command_of


def seat_place(seat: Seat) -> str:
    """What the seat is in, for people: "Province A1 → Region A" or "National command"."""
    if seat.delegation is not None:
        return f"{seat.delegation.source.name} → {seat.delegation.council.name}"
    assert seat.command is not None  # seat_in_delegation_xor_command
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
    """Where the seat is, as the record says it: a delegation's two slugs, or a command's."""
    if seat.delegation is not None:
        return {
            "delegation": {
                "source": seat.delegation.source.slug,
                "council": seat.delegation.council.slug,
            }
        }
    assert seat.command is not None  # seat_in_delegation_xor_command
    return {"command": seat.command.slug}
