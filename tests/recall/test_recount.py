"""Anyone can redo every countback from the public record, without the database."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from asamblea.errors import VerificationFailed
from asamblea.record.models import Entry
from asamblea.record.services import export_lines
from asamblea.record.verify import (
    CheckContext,
    load_entry_checks,
    verify_lines,
)
from recall.world import World, build_world, recall_ana_at_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def recalled(db: None, settings: Any) -> World:
    # Publish every count's ballots (the default withholds counts of fewer than 5
    # voters), so that every countback of the cascade can be redone.
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    world = build_world()
    recall_ana_at_base(world)
    return world


def record(world: World) -> list[dict[str, Any]]:
    return [
        json.loads(payload)
        for payload in Entry.objects.filter(federation=world.federation)
        .order_by("index")
        .values_list("payload", flat=True)
    ]


def redo(entries: list[dict[str, Any]]) -> int:
    """Run the recall checks over the entries in order; returns the countbacks redone."""
    from asamblea.recall import recount

    checks = {
        "election.counted": recount.check_counted,
        "seat.filled": recount.check_filled,
        "seat.refill": recount.check_refill,
    }
    context = CheckContext(log="test", index=0, line=0)
    for index, entry in enumerate(entries):
        context.index = index
        if entry["type"] in checks:
            checks[entry["type"]](entry, context)
    return sum(1 for e in entries if e["type"] == "seat.filled" and e["filled_by"] == "countback")


def test_every_countback_of_the_cascade_is_redone_from_the_record(recalled: World) -> None:
    assert redo(record(recalled)) == 4


def test_the_full_export_verifies_with_the_recall_checks(recalled: World) -> None:
    registry = load_entry_checks()
    assert "seat.filled" in registry.types()
    report = verify_lines(list(export_lines(recalled.federation)), checks=registry)
    assert report.entries == Entry.objects.filter(federation=recalled.federation).count()
    assert report.checked["seat.filled"] >= 4


def test_a_published_countback_winner_changed_fails(recalled: World) -> None:
    entries = record(recalled)
    forged = copy.deepcopy(entries)
    filled = [e for e in forged if e["type"] == "seat.filled" and e["filled_by"] == "countback"]
    filled[-1]["countback"]["winner"] = "Dora"
    with pytest.raises(VerificationFailed, match="elects 'Bea', not the published 'Dora'"):
        redo(forged)


def test_a_changed_ballot_of_the_election_behind_it_fails(recalled: World) -> None:
    entries = record(recalled)
    forged = copy.deepcopy(entries)
    base_count = next(
        e for e in forged if e["type"] == "election.counted" and e["body"] == "base-1"
    )
    # One of Ana's voters now ranked Fe second instead of Gus.
    for ballot in base_count["ballots"]:
        if ballot["ranking"] == ["Ana", "Gus"]:
            ballot["count"] -= 1
    base_count["ballots"].append({"ranking": ["Ana", "Fe"], "count": 1})
    with pytest.raises(VerificationFailed, match="other round totals"):
        redo(forged)


def test_a_standing_list_that_lets_an_elected_candidate_in_fails(recalled: World) -> None:
    forged = copy.deepcopy(record(recalled))
    filled = next(e for e in forged if e["type"] == "seat.filled" and e["filled_by"] == "countback")
    filled["countback"]["standing"].append("Fe")  # elected at that same election
    with pytest.raises(VerificationFailed, match="lets 'Fe' stand"):
        redo(forged)


def test_a_countback_that_found_nobody_is_redone_too(db: None, settings: Any) -> None:
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    world = build_world(national_runner_up=False)
    recall_ana_at_base(world)
    entries = record(world)
    refill = next(e for e in entries if e["type"] == "seat.refill")
    assert refill["countback"]["winner"] is None
    redo(entries)
    forged = copy.deepcopy(entries)
    next(e for e in forged if e["type"] == "seat.refill")["countback"]["winner"] = "Bea"
    with pytest.raises(VerificationFailed, match="not the published 'Bea'"):
        redo(forged)
