"""Filling seats from a count (a new term, a by-election's vacancy) and reading who holds them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from asamblea import hooks
from asamblea.elections.models import Candidacy, Election, Seat
from asamblea.elections.services.handlers import register_close_handler
from asamblea.elections.services.reads import standing
from asamblea.federation.models import Body, Delegation, Person
from asamblea.record.services import Event


def elected_candidacies(election: Election) -> list[Candidacy]:
    """The candidacies the count elected, in order of election."""
    result = (election.result or {}).get("count") or {}
    by_name = {c.public_name: c for c in standing(election)}
    return [by_name[item["name"]] for item in result.get("elected", []) if item["name"] in by_name]


def _seat_facts(seat: Seat) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "seat": seat.pk,
        "name": seat.public_name,
        "election": seat.election_id,
    }
    if seat.delegation is not None:
        facts["delegation"] = {
            "source": seat.delegation.source.slug,
            "council": seat.delegation.council.slug,
        }
    else:
        assert seat.command is not None  # seat_in_delegation_xor_command
        facts["command"] = seat.command.slug
    return facts


def _fill(election: Election, filled_by: str, now: datetime) -> tuple[list[Seat], list[Event]]:
    seats, events = [], []
    body = election.constituency
    for candidacy in elected_candidacies(election):
        seat = Seat.objects.create(
            federation=election.federation,
            delegation=election.delegation,
            command=election.command,
            holder=candidacy.person,
            public_name=candidacy.public_name,
            election=election,
            filled_by=filled_by,
            filled_at=now,
        )
        seats.append(seat)
        events.append(
            Event("seat.filled", {**_seat_facts(seat), "filled_by": filled_by}, body=body)
        )
    return seats, events


@register_close_handler(Election.Kind.DELEGATION)
@register_close_handler(Election.Kind.COMMAND)
def fill_term(election: Election, result: dict[str, Any]) -> list[Event]:
    """A new term: the previous holders' seats end, the elected take theirs."""
    now = election.closed_at or timezone.now()
    body = election.constituency
    held = Seat.objects.select_for_update(of=("self",)).filter(status=Seat.Status.HELD)
    held = (
        held.filter(delegation=election.delegation)
        if election.delegation_id is not None
        else held.filter(command=election.command)
    )
    ending = list(held.select_related("delegation__source", "delegation__council", "command"))
    events: list[Event] = []
    for seat in ending:
        seat.status, seat.reason, seat.vacated_at = (
            Seat.Status.VACATED,
            Seat.Reason.TERM_ENDED,
            now,
        )
        seat.save(update_fields=["status", "reason", "vacated_at"])
        events.append(
            Event("seat.ended", {**_seat_facts(seat), "reason": Seat.Reason.TERM_ENDED}, body=body)
        )
    new_seats, filled = _fill(election, "election", now)
    events += filled
    if election.delegation_id is not None:
        delegation = Delegation.objects.select_for_update().get(pk=election.delegation_id)
        delegation.seats = len(new_seats)
        delegation.save(update_fields=["seats"])
        events.append(
            Event(
                "delegation.filled",
                {
                    "source": delegation.source.slug,
                    "council": delegation.council.slug,
                    "seats": len(new_seats),
                    "delegates": [seat.public_name for seat in new_seats],
                    "election": election.pk,
                },
                body=delegation.council,
            )
        )
    re_elected = {seat.holder_id for seat in new_seats}
    for seat in ending:
        if seat.holder_id not in re_elected:
            for handler in hooks.seat_ended:
                events += handler(seat)
    return events


@register_close_handler(Election.Kind.BY_ELECTION)
def fill_vacancy(election: Election, result: dict[str, Any]) -> list[Event]:
    """A by-election fills the vacancy it was called for; the other seats stay as they are."""
    _seats, events = _fill(election, "by-election", election.closed_at or timezone.now())
    return events


def delegates_into(council: Body) -> QuerySet[Seat]:
    """The seats held in delegations into `council` (its members), public names only."""
    return (
        Seat.objects.filter(delegation__council=council, status=Seat.Status.HELD)
        .select_related("delegation__source")
        .order_by("delegation__source__name", "public_name")
    )


def delegates_from(body: Body) -> QuerySet[Seat]:
    """The seats held by `body`'s delegates in the councils above it."""
    return (
        Seat.objects.filter(delegation__source=body, status=Seat.Status.HELD)
        .select_related("delegation__council")
        .order_by("delegation__council__name", "public_name")
    )


def command_seats(command: Body) -> QuerySet[Seat]:
    return Seat.objects.filter(command=command, status=Seat.Status.HELD).order_by("public_name")


def seats_held_by(person: Person) -> QuerySet[Seat]:
    return Seat.objects.filter(holder=person, status=Seat.Status.HELD)
