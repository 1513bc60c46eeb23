"""Checks `asamblea record verify` runs on recall entries: every countback is redone.

Pure module (no Django import). Importing it registers the checks:

- "election.counted": keeps each election's published inputs (method, seats,
  seed, candidates, groups, group minimums, ballots, elected), when the ballot
  list is published.
- "seat.filled": remembers who holds each seat and from which election; for a
  seat filled by countback, redoes the countback from the published ballots --
  the departing member's papers (re-running the published count), or, if the
  seat they left had itself been filled by countback, the papers that elected
  them there -- among the published standing candidates with the published
  seed, and fails unless it elects the published winner with the published
  round totals. When the election's papers were published cut where its count
  stopped, the countback publishes the papers it read further ("papers"): they
  must be the papers derived from the record with more of each shown (the same
  value under each), and the countback is redone from them.
- "seat.refill": a by-election opened because "the countback found nobody" is
  checked the same way (nobody must come out).

Who may stand (membership of the constituency) is not public, so the check
takes the published list of standing candidates as given, but checks that it
names no one elected at that election and not the departing member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asamblea import hooks
from asamblea.elections.publish import profile_from_ballots
from asamblea.errors import VerificationFailed
from asamblea.recall import countback
from asamblea.record.verify import CheckContext

_STATE = "recall"


def _state(context: CheckContext) -> dict[str, Any]:
    state: dict[str, Any] = context.state.setdefault(
        _STATE, {"elections": {}, "seats": {}, "papers": {}}
    )
    return state


def check_counted(entry: Mapping[str, Any], context: CheckContext) -> None:
    """Keep the published inputs of a count, for the countbacks that may follow."""
    if "ballots" not in entry:
        return
    result = entry.get("result") or {}
    _state(context)["elections"][entry["election"]] = {
        "method": entry["method"],
        "seats": entry["seats"],
        "seed": entry["seed"],
        "candidates": list(entry["candidates"]),
        "groups": list(entry.get("groups") or ()),
        "at_least": dict(entry.get("at_least") or {}),
        "ballots": list(entry["ballots"]),
        "elected": [item["name"] for item in result.get("elected", [])],
    }


def check_filled(entry: Mapping[str, Any], context: CheckContext) -> None:
    """Remember the seat; redo its countback if it was filled by one."""
    state = _state(context)
    state["seats"][entry["seat"]] = {
        "name": entry["name"],
        "election": entry["election"],
        "filled_by": entry.get("filled_by", "election"),
    }
    if entry.get("filled_by") != "countback":
        return
    papers = _redo(entry["replaces"], entry["election"], entry["countback"], context)
    if papers is not None:
        state["papers"][entry["seat"]] = papers


def check_refill(entry: Mapping[str, Any], context: CheckContext) -> None:
    """A by-election opened because a countback found nobody: redo that countback."""
    facts = entry.get("countback")
    if facts is None:
        return
    seat = _state(context)["seats"].get(entry["seat"])
    if seat is None:
        raise VerificationFailed(f"seat {entry['seat']} is refilled but was never filled")
    _redo(entry["seat"], seat["election"], facts, context)


def _redo(
    vacated: Any, election_id: Any, facts: Mapping[str, Any], context: CheckContext
) -> countback.Papers | None:
    """Redo one countback; returns the papers that elected its winner (or None)."""
    state = _state(context)
    seat = state["seats"].get(vacated)
    if seat is None:
        raise VerificationFailed(f"seat {vacated} is counted back but was never filled")
    if "withheld" in facts:
        return None  # too few voters at that election: nothing published to redo
    election = state["elections"].get(election_id)
    if election is None:
        return None  # that count's ballots were withheld: nothing to redo it from
    departing = seat["name"]
    standing = list(facts["standing"])
    blocked = set(election["elected"]) | {departing}
    wrong = [name for name in standing if name in blocked or name not in election["candidates"]]
    if wrong:
        raise VerificationFailed(
            f"the countback for seat {vacated} lets {wrong[0]!r} stand, who may not"
        )
    profile = profile_from_ballots(
        election["candidates"],
        election["ballots"],
        seats=election["seats"],
        groups=election["groups"],
    )
    allowed = set(standing)
    if election["method"] in countback.PREFERENTIAL:
        papers = state["papers"].get(vacated)
        if papers is None:
            if seat["filled_by"] == "countback":
                return None  # the earlier countback could not be redone either
            papers, _rerun = countback.papers_that_elected(
                profile,
                election["method"],
                departing,
                seats=election["seats"],
                seed=election["seed"],
                at_least=election["at_least"] or None,
            )
        if "papers" in facts:
            # The election's papers were published cut: the countback publishes the
            # departing member's papers as far as it read them, which must be the
            # papers derived from the record with more of each shown.
            shown = countback.Papers.from_json(facts["papers"])
            problem = countback.extends(shown, papers)
            if problem is not None:
                raise VerificationFailed(
                    f"the papers published with the countback for seat {vacated} are not "
                    f"the papers that elected {departing!r}: {problem}"
                )
            papers = shown
        redone = countback.countback(
            papers, not_standing=blocked, eligible=allowed.__contains__, seed=facts["seed"]
        )
    else:
        redone = countback.next_highest(
            profile,
            election["method"],
            not_standing=blocked,
            eligible=allowed.__contains__,
            seed=facts["seed"],
        )
    mine = redone.to_json()
    if mine["winner"] != facts["winner"]:
        raise VerificationFailed(
            f"redoing the countback for seat {vacated} elects {mine['winner']!r}, "
            f"not the published {facts['winner']!r}"
        )
    if [s["votes"] for s in mine["stages"]] != [s["votes"] for s in facts.get("stages", [])]:
        raise VerificationFailed(
            f"redoing the countback for seat {vacated} gives other round totals than published"
        )
    return redone.winner_papers


hooks.verify_check.add("election.counted", check_counted)
hooks.verify_check.add("seat.filled", check_filled)
hooks.verify_check.add("seat.refill", check_refill)
