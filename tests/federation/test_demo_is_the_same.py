"""The demo is the same at every load: the same people hold the same seats (the lots
that break ties are drawn from fixed seeds), so the README's tour reads the same."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from asamblea.elections.models import Election, Seat
from support.demo import run_demo


def seat_holders() -> list[tuple[str, str, str]]:
    """Who holds which seat: (constituency, council or command, public name), sorted."""
    return sorted(
        (
            seat.delegation.source.slug if seat.delegation else seat.command.command_of.slug,
            seat.delegation.council.slug if seat.delegation else seat.command.slug,
            seat.public_name,
        )
        for seat in Seat.objects.filter(status=Seat.Status.HELD).select_related(
            "delegation__source", "delegation__council", "command__command_of"
        )
    )


def seeds() -> list[tuple[str, int]]:
    return sorted(
        (f"{e.constituency.slug}/{e.delegation_id and e.delegation.council.slug}", e.seed)
        for e in Election.objects.select_related("constituency", "delegation__council")
    )


# The database is emptied and the demo loaded again inside the test: the module's copy
# of the demo serves as the first load.
@pytest.mark.django_db(transaction=True)
def test_loading_the_demo_again_seats_the_same_people(demo_loaded: str) -> None:
    first_holders, first_seeds = seat_holders(), seeds()
    assert len(first_holders) > 100, "the demo seats delegates at every tier"
    call_command("flush", interactive=False, verbosity=0)
    printed = run_demo()
    assert seat_holders() == first_holders
    assert seeds() == first_seeds
    # What `asamblea demo` prints for the cascade's tour (who holds which seats, who
    # signs) is the same too, but for the numbers the database gives the rows.
    assert tour(printed) == tour(demo_loaded)


def tour(printed: str) -> str:
    return re.sub(r"\d+", "N", printed.split("See a recall cascade:")[1].split("Deciding")[0])
