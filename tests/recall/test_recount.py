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
    # Caught where the countback's own papers no longer extend the election's papers.
    with pytest.raises(VerificationFailed, match="not the papers that elected"):
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


def _countbacks(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["type"] == "seat.filled" and e["filled_by"] == "countback"]


def test_countbacks_publish_the_papers_they_read_beyond_the_elections_cut_papers(
    recalled: World,
) -> None:
    entries = record(recalled)
    counted = [e for e in entries if e["type"] == "election.counted" and "ballots" in e]
    assert counted
    assert all(e["ballots_as_read"] == 1 for e in counted if e["method"] != "yes-no")
    countbacks = _countbacks(entries)
    assert all("papers" in e["countback"] for e in countbacks if e["countback"]["stages"])
    # Some countback read further than its election's count did: it shows more.
    shown = [
        ranking
        for e in countbacks
        for ranking, _value in e["countback"].get("papers", {}).get("rows", [])
    ]
    assert any(len(ranking) >= 2 for ranking in shown)


def test_countback_papers_that_are_not_the_departing_members_fail(recalled: World) -> None:
    forged = copy.deepcopy(record(recalled))
    countback = next(e for e in _countbacks(forged) if "papers" in e["countback"])
    rows = countback["countback"]["papers"]["rows"]
    rows[0][1] += 1  # a little more value on one paper than the election gave it
    with pytest.raises(VerificationFailed, match="not the papers that elected"):
        redo(forged)


def test_a_record_of_whole_papers_without_countback_papers_still_verifies(
    recalled: World,
) -> None:
    """Records published before papers were cut: whole papers, countbacks without papers."""
    from asamblea.elections.models import Election
    from asamblea.elections.publish import aggregate_ballots
    from asamblea.elections.services.closing import _ballot_names
    from asamblea.elections.services.reads import standing

    forged = copy.deepcopy(record(recalled))
    for entry in forged:
        if entry["type"] == "election.counted" and entry.pop("ballots_as_read", None):
            election = Election.objects.get(pk=entry["election"])
            entry["ballots"] = aggregate_ballots(_ballot_names(election, standing(election)))
        if entry["type"] in ("seat.filled", "seat.refill") and entry.get("countback"):
            entry["countback"].pop("papers", None)
    assert redo(forged) == 4
