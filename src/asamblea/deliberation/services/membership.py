"""Who is who in a body: the held seats that make delegates members, and the names
published for them. (Membership and eligibility: federation/membership.py.)"""

from __future__ import annotations

from django.db.models import QuerySet

from asamblea.elections.models import Seat
from asamblea.federation.models import Body, Delegation, Person


def seats_in(body: Body) -> QuerySet[Seat]:
    """The held seats that make their holders members of a council or command."""
    if body.kind == Body.Kind.COUNCIL:
        return Seat.objects.filter(delegation__council=body, status=Seat.Status.HELD)
    if body.kind == Body.Kind.COMMAND:
        return Seat.objects.filter(command=body, status=Seat.Status.HELD)
    return Seat.objects.none()


def member_seats(person: Person, body: Body) -> list[Seat]:
    return list(
        seats_in(body).filter(holder=person).select_related("delegation__source").order_by("pk")
    )


def public_name(person: Person, body: Body) -> str:
    """The name published for a member's part in `body`: a delegate's seat name, else ""."""
    if body.kind == Body.Kind.BASE:
        return ""
    seat = seats_in(body).filter(holder=person).order_by("pk").first()
    return seat.public_name if seat is not None else ""


def council_seats(body: Body) -> int:
    """All seats of a council (or command) in the current term, vacant ones included."""
    if body.kind == Body.Kind.COUNCIL:
        total = sum(Delegation.objects.filter(council=body).values_list("seats", flat=True))
    elif body.kind == Body.Kind.COMMAND:
        total = body.seat_total or 0
    else:
        return 0
    # Never fewer seats than are held (a term whose seats were not yet recorded).
    return max(total, seats_in(body).count())
