"""A closed election's count can be redone by anyone from the exported public record."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from asamblea.elections import services
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import MemoryLog
from asamblea.record.models import Entry
from asamblea.record.verify import LogVerificationFailed, verify_lines
from elections.helpers import open_election, voters

SIGNER = Ed25519Signer.generate()


def closed_election(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    members = voters(federation, "base-1", 7)
    election = open_election(federation, seats=2)
    a, b, c = (services.do_stand(m, election) for m in members[:3])
    services.do_open_voting(election)
    plan = [[a, b], [a, c], [b, a], [c, b], [a], [b, c], [c]]
    for member, ranking in zip(members, plan, strict=True):
        services.do_cast_ballot(member, election, [x.pk for x in ranking])
    return services.do_close_election(election)


def export(federation, change=None) -> list[str]:
    """The federation's log as an export, each entry passed through `change` first
    (None: left out), then signed: what a dishonest operator could publish with a
    valid signature."""
    log = MemoryLog(federation.slug)
    for entry in Entry.objects.filter(federation=federation).order_by("index"):
        data = json.loads(entry.payload)
        changed = change(data) if change else data
        if changed is not None:
            log.append(changed)
    log.issue_checkpoint(SIGNER, datetime(2030, 1, 1, tzinfo=UTC))
    out = io.StringIO()
    log.write(out)
    return out.getvalue().splitlines(keepends=True)


def test_the_exported_record_recounts_to_the_same_seats(federation, settings):
    election = closed_election(federation, settings)
    report = verify_lines(export(federation))
    assert report.checked["election.counted"] == 1
    assert report.checked["ballot.tracker"] == 7
    counted = json.loads(Entry.objects.get(type="election.counted").payload)
    assert counted["result"]["elected"] == election.result["count"]["elected"]


def _change_one_ballot(entry):
    if entry["type"] == "election.counted":
        first = entry["ballots"][0]
        names = entry["candidates"]
        first["ranking"] = [n for n in names if n not in first["ranking"]][:1] or names[:1]
    return entry


def _claim_another_winner(entry):
    if entry["type"] == "election.counted":
        loser = next(
            n
            for n in entry["candidates"]
            if n not in [e["name"] for e in entry["result"]["elected"]]
        )
        entry["result"]["elected"][-1]["name"] = loser
    return entry


def _claim_another_stage(entry):
    if entry["type"] == "election.counted":
        entry["result"]["elected"][-1]["stage"] += 1
    return entry


def _swap_the_seed(entry):
    if entry["type"] == "election.counted":
        entry["seed"] = entry["seed"] ^ 1
    return entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            _change_one_ballot,
            "recount|differ|elects|papers the decryption",
            id="one-ballot-changed",
        ),
        pytest.param(_claim_another_winner, "elects", id="another-winner-claimed"),
        pytest.param(_swap_the_seed, "seed", id="seed-not-the-committed-one"),
        # The same names elected at another stage: the message says the stages, not
        # "elects A, B, C, not A, B, C".
        pytest.param(
            _claim_another_stage, r"elects .*\(stage \d+\).*, not .*\(stage \d+\)", id="stage"
        ),
    ],
)
def test_a_signed_record_that_does_not_add_up_fails_verification(
    federation, settings, change, message
):
    closed_election(federation, settings)
    with pytest.raises(LogVerificationFailed, match=message):
        verify_lines(export(federation, change))


def test_a_ballot_list_with_more_papers_than_trackers_fails(federation, settings):
    closed_election(federation, settings)
    lines = export(federation)
    # Rebuild the log without the first tracker entry (and re-sign it).
    log = MemoryLog(federation.slug)
    dropped = False
    for entry in Entry.objects.filter(federation=federation).order_by("index"):
        data = json.loads(entry.payload)
        if data["type"] == "ballot.tracker" and not dropped:
            dropped = True
            continue
        log.append(data)
    log.issue_checkpoint(SIGNER, datetime(2030, 1, 1, tzinfo=UTC))
    out = io.StringIO()
    log.write(out)
    assert lines != out.getvalue().splitlines(keepends=True)
    # The sealed ballots cast name their trackers, so the count is caught there first.
    with pytest.raises(
        LogVerificationFailed,
        match=r"7 papers but 6 trackers|7 sealed ballots cast, but the published trackers \(6\)",
    ):
        verify_lines(out.getvalue().splitlines(keepends=True))


def _published_count(federation) -> dict:
    return json.loads(Entry.objects.get(federation=federation, type="election.counted").payload)


def _whole_papers(federation):
    """The papers as cast, whole: what records published before papers were cut carry."""
    from asamblea.elections.models import Election
    from asamblea.elections.publish import aggregate_ballots
    from asamblea.elections.services.closing import _ballot_names
    from asamblea.elections.services.reads import standing

    election = Election.objects.get(federation=federation)
    return aggregate_ballots(_ballot_names(election, standing(election)))


def test_papers_are_published_only_as_far_as_the_count_read_them(federation, settings):
    closed_election(federation, settings)
    counted = _published_count(federation)
    assert counted["ballots_as_read"] == 1
    names = counted["candidates"]
    a = names[0]
    # Quota 3: a is elected on their 3 first preferences with no surplus, so nothing after
    # a on those papers was read: the a-b and a-c papers are published as "a" alone.
    assert {"ranking": [a], "count": 3} in counted["ballots"]
    assert sum(b["count"] for b in counted["ballots"]) == 7
    assert len(counted["ballots"]) < len(_whole_papers(federation))


def test_a_record_published_with_whole_papers_still_verifies(federation, settings):
    closed_election(federation, settings)
    whole = _whole_papers(federation)

    def as_published_before(entry):
        if entry["type"].startswith("secrecy."):
            # Before papers were cut, ballots were not sealed either (and a sealed
            # record's decryption is now cut too: it would not read these papers).
            return None
        if entry["type"] == "election.counted":
            del entry["ballots_as_read"]
            entry["ballots"] = whole
        return entry

    report = verify_lines(export(federation, as_published_before))
    assert report.checked["election.counted"] == 1


def test_papers_said_to_be_cut_but_showing_more_than_was_read_fail(federation, settings):
    closed_election(federation, settings)
    whole = _whole_papers(federation)

    def show_whole_papers(entry):
        if entry["type"] == "election.counted":
            entry["ballots"] = whole
        return entry

    # Caught as papers the decryption does not read that way, before the cut is redone.
    with pytest.raises(LogVerificationFailed, match=r"never read|papers the decryption"):
        verify_lines(export(federation, show_whole_papers))


def test_papers_cut_by_an_unknown_rule_fail(federation, settings):
    closed_election(federation, settings)

    def newer_rule(entry):
        if entry["type"] == "election.counted":
            entry["ballots_as_read"] = 2
        return entry

    with pytest.raises(LogVerificationFailed, match="rule version 2"):
        verify_lines(export(federation, newer_rule))
