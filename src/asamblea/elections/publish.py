"""What an election publishes about its count, and how anyone recounts from it.

Pure module: no Django import, so `asamblea record verify` can recount a
published election on any computer.

The published inputs of a count (the "election.counted" record entry):

    {"election": 7, "method": "stv-scottish", "seats": 2, "seed": 123...,
     "candidates": ["Ana", "Luis", "Rosa"], "groups": [null, null, null],
     "at_least": {}, "ballots": [{"ranking": ["Ana", "Rosa"], "count": 3}, ...],
     "result": {...}}

`ballots` is the anonymous ballot list, aggregated: each distinct ranking once
with how many papers carry it, sorted by ranking, so its order says nothing
about who voted when. For approval and plurality a "ranking" is the set of
marked candidates (sorted); for a yes-no vote it is ["yes"] or ["no"].

Papers as the count read them (`"ballots_as_read": 1`): for the methods that
read a paper only down to the candidate it settles on (stv-scottish, stv-meek,
irv; `counting.truncate`), each paper is published cut after the last
preference the count looked at, so a long ranking asked of a voter by a
coercer no longer shows. Recounting the cut papers gives exactly the same
count. Records published before this (no "ballots_as_read") carry whole
papers and recount the same way.
`result` is `result_to_json(count)`: every stage's totals as decimal strings
(the shape of `asamblea count --json`, without its title).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from asamblea.counting.ballots import build_profile
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.report import to_dict
from asamblea.counting.result import CountResult
from asamblea.counting.truncate import TRUNCATING, count_with_depths, truncate
from asamblea.errors import InvalidInput

YES_NO = "yes-no"
# The version of the rule cutting published papers ("ballots_as_read"); see the module.
AS_READ = 1


def result_to_json(result: CountResult) -> dict[str, Any]:
    """The count as published: `counting.report.to_dict` without the title.

    An election's count has no title of its own (the election is its title), and
    the records published before the two serialisers were one carry no "title":
    leaving it out keeps every published count, and its recount, byte-identical.
    """
    published = to_dict(result)
    del published["title"]
    return published


def aggregate_ballots(rankings: Iterable[Sequence[str]]) -> list[dict[str, Any]]:
    """The anonymous ballot list: distinct rankings with their count, sorted by ranking."""
    counter = Counter(tuple(ranking) for ranking in rankings)
    return [
        {"ranking": list(ranking), "count": papers} for ranking, papers in sorted(counter.items())
    ]


def profile_from_ballots(
    candidates: Sequence[str],
    ballots: Sequence[Mapping[str, Any]],
    *,
    seats: int,
    groups: Sequence[str | None] = (),
    withdrawn: Iterable[str] = (),
) -> Profile:
    """A counting Profile from an aggregated ballot list naming candidates."""
    index = {name: number for number, name in enumerate(candidates)}
    if len(index) != len(candidates):
        raise InvalidInput("two candidates have the same name")
    rows: dict[tuple[int, ...], int] = {}
    for number, ballot in enumerate(ballots):
        ranking, papers = ballot["ranking"], ballot["count"]
        if not isinstance(papers, int) or isinstance(papers, bool) or papers < 1:
            raise InvalidInput(f"ballot {number}: the count must be a whole number above 0")
        try:
            key = tuple(index[name] for name in ranking)
        except KeyError as error:
            raise InvalidInput(f"ballot {number}: {error.args[0]!r} is not a candidate") from None
        if len(set(key)) != len(key):
            raise InvalidInput(f"ballot {number}: a candidate appears twice")
        rows[key] = rows.get(key, 0) + papers
    width = max((len(key) for key in rows), default=1) or 1
    matrix = np.full((len(rows), width), -1, dtype=np.int32)
    for row, key in enumerate(rows):
        matrix[row, : len(key)] = key
    papers_array = np.fromiter(rows.values(), dtype=np.int64, count=len(rows))
    missing = [name for name in withdrawn if name not in index]
    if missing:
        raise InvalidInput(f"withdrawn candidate {missing[0]!r} is not a candidate")
    return build_profile(
        candidates=tuple(candidates),
        matrix=matrix,
        papers=papers_array,
        seats=seats,
        groups=tuple(groups) if groups else (),
        withdrawn=frozenset(index[name] for name in withdrawn),
    )


def ballots_of(profile: Profile) -> list[dict[str, Any]]:
    """A profile's papers as an anonymous ballot list (the shape `aggregate_ballots` gives)."""
    names = profile.candidates
    rows = (
        (tuple(names[c] for c in row if c >= 0), int(papers))
        for row, papers in zip(
            profile.rankings.tolist(), profile.multiplicity.tolist(), strict=True
        )
    )
    return [{"ranking": list(ranking), "count": papers} for ranking, papers in sorted(rows)]


def count_as_read(
    inputs: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(the result, the ballot list cut as the count read it), for a method that cuts.

    None for the methods that read every mark (Schulze, plurality, approval, yes-no)
    and for a count without papers: their ballots are published as they are.
    """
    found = count_as_read_with_depths(inputs)
    return None if found is None else (found[0], found[1])


def count_as_read_with_depths(
    inputs: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[tuple[str, ...], int]] | None:
    """`count_as_read`, with how many preferences the count read of each ranking
    (by the ranking's candidate names): how far a sealed paper is decrypted in public."""
    if inputs["method"] not in TRUNCATING:
        return None
    profile = profile_from_ballots(
        inputs["candidates"],
        inputs["ballots"],
        seats=inputs["seats"],
        groups=inputs.get("groups") or (),
        withdrawn=inputs.get("withdrawn") or (),
    )
    if profile.total_papers == 0 or not inputs["candidates"]:
        return None
    result, depths = count_with_depths(
        profile,
        inputs["method"],
        seats=inputs["seats"],
        seed=inputs["seed"],
        at_least=inputs.get("at_least") or None,
    )
    names = profile.candidates
    read = {
        tuple(names[c] for c in row if c >= 0): int(depth)
        for row, depth in zip(profile.rankings.tolist(), depths.tolist(), strict=True)
    }
    return result_to_json(result), ballots_of(truncate(profile, depths)), read


def tally_yes_no(ballots: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The result of a yes-no vote from its ballot list."""
    yes = sum(b["count"] for b in ballots if list(b["ranking"]) == ["yes"])
    no = sum(b["count"] for b in ballots if list(b["ranking"]) == ["no"])
    other = [b for b in ballots if list(b["ranking"]) not in (["yes"], ["no"])]
    if other:
        raise InvalidInput(f"a yes-no ballot reads {other[0]['ranking']!r}")
    return {"method": YES_NO, "yes": yes, "no": no, "valid_votes": yes + no}


def count_published(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Count the published inputs of an election; returns the result as JSON."""
    ballots = inputs["ballots"]
    if inputs["method"] == YES_NO:
        return tally_yes_no(ballots)
    profile = profile_from_ballots(
        inputs["candidates"],
        ballots,
        seats=inputs["seats"],
        groups=inputs.get("groups") or (),
        withdrawn=inputs.get("withdrawn") or (),
    )
    if profile.total_papers == 0:
        return empty_result(inputs["method"], inputs["seats"], inputs["candidates"])
    result = count(
        profile,
        inputs["method"],
        seats=inputs["seats"],
        seed=inputs["seed"],
        at_least=inputs.get("at_least") or None,
    )
    return result_to_json(result)


def empty_result(method: str, seats: int, candidates: Sequence[str]) -> dict[str, Any]:
    """The result of a count with no ballot at all: nobody is elected."""
    return {
        "method": method,
        "seats": seats,
        "candidates": list(candidates),
        "valid_votes": "0",
        "quota": None,
        "elected": [],
        "stages": [],
        "seed": None,
        "draws": [],
        "ranking": [],
        "notes": {"empty": "no ballot was cast"},
    }
