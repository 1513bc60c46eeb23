"""Countback: refill a vacated seat from the ballots of the election that filled it.
Pure (no Django); counts with `asamblea.counting`.

The rule is the Hare-Clark countback (recount) used for casual vacancies in
Tasmania and the Australian Capital Territory; docs/decisions/0002-countback.md
gives the sources and why we chose it. In short:

1. The papers: only those that elected the departing member -- the papers in
   their pile when they were elected, each at the value it was counted for
   them then (`papers_that_elected`). Elected on first preferences, that is
   their first-preference papers at full value.
2. The candidates: those who stood at that election, were not elected and did
   not withdraw, and may still hold the seat now (still a verified member of
   the constituency, not holding another seat of the same delegation or
   command); the caller's `eligible` says who may.
3. The count: each paper goes, at its value, to its highest-ranked candidate
   of those; papers ranking none of them are set aside. A candidate with more
   than half of the value still in play is elected; otherwise the one with the
   least is excluded and their papers pass on. Ties for exclusion: the most
   recent earlier round at which the tied candidates differed, then a seeded
   lot, recorded (the engine's instant-runoff, `count_irv`).
4. No candidate left, or none of the papers ranks any of them: no countback;
   the caller opens a by-election.

Unranked ballots (plurality, approval) hold no "next preference", so for them
the countback is the simpler published practice: the candidate, among the same
eligible ones, with the most votes on all the ballots of that election
(`next_highest`). A seat filled by a countback keeps the papers that elected
its new holder (`CountbackResult.winner_papers`): if it falls vacant again, the
next countback starts from those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from asamblea.counting.ballots import build_profile
from asamblea.counting.irv import count_irv, first_choices
from asamblea.counting.meek import count_meek_with_piles
from asamblea.counting.methods import count as count_with
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Pile
from asamblea.counting.stv_scottish import count_stv_scottish_with_piles
from asamblea.errors import InvalidInput

PREFERENTIAL = ("stv-scottish", "stv-meek", "irv")
RULE = (
    "Hare-Clark countback: the papers that elected the departing member, at the value "
    "they were counted for them, recounted among the eligible candidates who were not "
    "elected; the lowest excluded until one has more than half of the value in play"
)
NEXT_HIGHEST_RULE = (
    "unranked ballots: the eligible candidate who was not elected with the most votes "
    "on all the ballots of the election"
)


@dataclass(frozen=True)
class Papers:
    """Weighted papers: distinct rankings (candidate indices, best first) and the
    value each carries, in units of 1/`scale` of a vote."""

    candidates: tuple[str, ...]
    rows: tuple[tuple[tuple[int, ...], int], ...]
    scale: int

    @property
    def value(self) -> Decimal:
        return Decimal(sum(v for _, v in self.rows)) / self.scale

    def to_json(self) -> dict[str, Any]:
        return {
            "candidates": list(self.candidates),
            "scale": self.scale,
            "rows": [[list(ranking), value] for ranking, value in self.rows],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Papers:
        return cls(
            candidates=tuple(data["candidates"]),
            scale=int(data["scale"]),
            rows=tuple((tuple(ranking), int(value)) for ranking, value in data["rows"]),
        )


@dataclass(frozen=True)
class CountbackResult:
    """A countback's outcome. `winner` is None when nobody can be elected (by-election)."""

    winner: str | None
    rule: str
    standing: tuple[str, ...]
    papers_value: Decimal
    count: CountResult | None
    winner_papers: Papers | None
    # Published with the countback when the election's papers were cut (`shown_papers`),
    # and the winner's papers as a redo from them gives them (the next countback's `known`).
    shown: Papers | None = None
    shown_winner_papers: Papers | None = None

    def to_json(self) -> dict[str, Any]:
        """The public facts of the countback (rankings are anonymous, as on the record)."""
        return {
            "winner": self.winner,
            "rule": self.rule,
            "standing": list(self.standing),
            "papers_value": _plain(self.papers_value),
            "stages": [
                {
                    "number": s.number,
                    "action": s.action,
                    "votes": {k: _plain(v) for k, v in s.votes.items() if k in self.standing},
                    "non_transferable": _plain(s.non_transferable),
                    "elected": list(s.elected),
                    "excluded": list(s.excluded),
                }
                for s in (self.count.stages if self.count else ())
            ],
            "draws": [
                {"stage": d.stage, "tied": list(d.tied), "chosen": d.chosen}
                for d in (self.count.draws if self.count else ())
            ],
            "seed": self.count.seed if self.count else None,
        }


def profile_from_rankings(
    candidates: tuple[str, ...],
    rankings: Iterable[tuple[int, ...]],
    *,
    seats: int | None = None,
    groups: tuple[str | None, ...] = (),
    withdrawn: frozenset[int] = frozenset(),
) -> Profile:
    """A Profile of whole ballots given as tuples of candidate indices, best first."""
    counted: dict[tuple[int, ...], int] = {}
    for ranking in rankings:
        counted[tuple(ranking)] = counted.get(tuple(ranking), 0) + 1
    return _profile(candidates, counted, seats=seats, groups=groups, withdrawn=withdrawn)


def papers_that_elected(
    profile: Profile,
    method: str,
    departing: str,
    *,
    seats: int,
    seed: int | None,
    at_least: Mapping[str, int] | None = None,
) -> tuple[Papers, CountResult]:
    """The papers that elected `departing`, by re-running the election's count with its
    seed; also returns the re-run (callers check it against the published result).

    Raises InvalidInput for an unranked method, or if the re-run does not elect them."""
    if departing not in profile.candidates:
        raise InvalidInput(f"{departing!r} did not stand in this election")
    who = profile.candidates.index(departing)
    if method == "stv-scottish":
        # Their pile as it stood when they were elected.
        result, piles = count_stv_scottish_with_piles(
            profile, seats=seats, seed=seed, at_least=at_least
        )
        _check_elected(result, departing)
        return _pile_papers(profile.candidates, piles[departing]), result
    if method == "stv-meek":
        # Each paper's part kept by them under the final keep values (NZ rounding).
        result, piles = count_meek_with_piles(profile, seats, seed=seed, at_least=at_least)
        _check_elected(result, departing)
        return _pile_papers(profile.candidates, piles[departing]), result
    if method == "irv":
        result = count_irv(profile, seats=1, seed=seed)
        _check_elected(result, departing)
        names = profile.candidates
        continuing = np.array(
            [c not in profile.withdrawn for c in range(len(names))], dtype=np.bool_
        )
        for stage in result.stages:
            for name in stage.excluded:
                continuing[names.index(name)] = False
        # The winner's pile at the last round: papers whose top continuing choice is them.
        top = _top_choice(profile, continuing)
        mine = top == who
        rankings = profile.rankings[mine]
        values = profile.multiplicity[mine].astype(np.int64)
        return _papers(names, rankings, values, 1), result
    raise InvalidInput(
        f"a countback needs ranked ballots; {method!r} ballots are not ranked (use next_highest)"
    )


def countback(
    papers: Papers,
    *,
    not_standing: Iterable[str],
    eligible: Callable[[str], bool],
    seed: int | None = None,
) -> CountbackResult:
    """The Hare-Clark recount of `papers` among the candidates who are not in
    `not_standing` (elected or withdrawn at that election) and are `eligible` now."""
    excluded_names = set(not_standing)
    names = papers.candidates
    standing = tuple(n for n in names if n not in excluded_names and eligible(n))
    value = papers.value
    if not standing:
        return CountbackResult(None, RULE, (), value, None, None)
    withdrawn = frozenset(i for i, n in enumerate(names) if n not in standing)
    rows = {ranking: v for ranking, v in papers.rows if v > 0}
    profile = _profile(names, rows, seats=1, withdrawn=withdrawn)
    in_play, _exhausted = first_choices(profile, _continuing(profile))
    if int(in_play.sum()) == 0:
        # None of the voters who elected them ranked any candidate left: they chose nobody.
        return CountbackResult(None, RULE, standing, value, None, None)
    result = _rescaled(count_irv(profile, seats=1, seed=seed), papers.scale)
    winner = result.elected_names[0]
    return CountbackResult(
        winner=winner,
        rule=RULE,
        standing=standing,
        papers_value=value,
        count=result,
        winner_papers=_final_pile(profile, result, names.index(winner), papers.scale),
    )


def next_highest(
    profile: Profile,
    method: str,
    *,
    not_standing: Iterable[str],
    eligible: Callable[[str], bool],
    seed: int | None = None,
) -> CountbackResult:
    """For unranked ballots: the eligible, not elected candidate with the most votes
    over all the ballots, counted by the election's own method for one seat."""
    excluded_names = set(not_standing)
    names = profile.candidates
    standing = tuple(n for n in names if n not in excluded_names and eligible(n))
    value = Decimal(profile.total_papers)
    if not standing:
        return CountbackResult(None, NEXT_HIGHEST_RULE, (), value, None, None)
    narrowed = replace(
        profile, withdrawn=frozenset(i for i, n in enumerate(names) if n not in standing)
    )
    result = count_with(narrowed, method, seats=1, seed=seed)
    winner = result.elected_names[0]
    if result.stages and result.stages[-1].votes.get(winner, Decimal(0)) <= 0:
        return CountbackResult(None, NEXT_HIGHEST_RULE, standing, value, result, None)
    return CountbackResult(winner, NEXT_HIGHEST_RULE, standing, value, result, None)


# --- internals ----------------------------------------------------------------------


def _pile_papers(candidates: tuple[str, ...], pile: Pile) -> Papers:
    """A pile from the engine as Papers (rows with the same ranking merged)."""
    return _papers(candidates, pile.rankings, pile.values, pile.scale)


def _papers(
    candidates: tuple[str, ...],
    rankings: np.ndarray[Any, Any],
    values: np.ndarray[Any, Any],
    scale: int,
) -> Papers:
    merged: dict[tuple[int, ...], int] = {}
    for row, value in zip(rankings.tolist(), values.tolist(), strict=True):
        ranking = tuple(int(c) for c in row if c >= 0)
        merged[ranking] = merged.get(ranking, 0) + int(value)
    return Papers(candidates=candidates, rows=tuple(sorted(merged.items())), scale=scale)


def _profile(
    candidates: tuple[str, ...],
    rows: Mapping[tuple[int, ...], int],
    *,
    seats: int | None,
    groups: tuple[str | None, ...] = (),
    withdrawn: frozenset[int] = frozenset(),
) -> Profile:
    width = max([len(r) for r in rows] + [1])
    matrix = np.full((len(rows), width), -1, dtype=np.int32)
    for i, ranking in enumerate(rows):
        matrix[i, : len(ranking)] = ranking
    multiplicity = np.fromiter(rows.values(), dtype=np.int64, count=len(rows))
    if not rows:
        matrix = np.full((0, 1), -1, dtype=np.int32)
    return build_profile(
        candidates=candidates,
        matrix=matrix,
        papers=multiplicity,
        seats=seats,
        groups=groups,
        withdrawn=withdrawn,
    )


def _continuing(profile: Profile) -> np.ndarray[Any, Any]:
    return np.array(
        [c not in profile.withdrawn for c in range(len(profile.candidates))], dtype=np.bool_
    )


def _top_choice(profile: Profile, continuing: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Each row's highest-ranked continuing candidate, or -1."""
    n = len(profile.candidates)
    ranks = np.where(profile.rankings < 0, n, profile.rankings).astype(np.intp)
    live = np.append(continuing, False)[ranks]
    has = live.any(axis=1)
    top = ranks[np.arange(ranks.shape[0]), live.argmax(axis=1)]
    return np.where(has, top, -1)


def _final_pile(profile: Profile, result: CountResult, who: int, scale: int) -> Papers:
    """The papers with `who` at the last round of a countback: what elected them."""
    continuing = _continuing(profile)
    for stage in result.stages:
        for name in stage.excluded:
            continuing[profile.candidates.index(name)] = False
    mine = _top_choice(profile, continuing) == who
    return _papers(profile.candidates, profile.rankings[mine], profile.multiplicity[mine], scale)


def _rescaled(result: CountResult, scale: int) -> CountResult:
    """Show the count in votes rather than 1/scale units."""
    if scale == 1:
        return result
    factor = Decimal(scale)

    def votes(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
        return {k: v / factor for k, v in values.items()}

    stages = tuple(
        replace(
            s,
            votes=votes(s.votes),
            transfers=votes(s.transfers),
            non_transferable=s.non_transferable / factor,
            notes={
                **{k: v for k, v in s.notes.items() if k not in {"continuing_votes", "majority"}},
                "continuing_votes": str(sum(s.votes.values(), Decimal(0)) / factor),
                "majority": "more than half of the continuing votes",
            },
        )
        for s in result.stages
    )
    return replace(result, stages=stages, valid_votes=result.valid_votes / factor)


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits, without trailing zeros or exponent ("2", "1.99998")."""
    return format(value.normalize(), "f")


def _check_elected(result: CountResult, departing: str) -> None:
    if departing not in result.elected_names:
        raise InvalidInput(
            f"re-running the count does not elect {departing!r}: the stored ballots do not "
            "match the published result"
        )


# --- papers published with a countback ------------------------------------------------
#
# When an election publishes its papers only as far as its count read them
# (`elections.publish`, "ballots_as_read"), the papers anyone can derive from the
# record stop where the election's count stopped, but a countback reads the
# departing member's papers further. So the countback publishes its own papers:
# each cut after what the countback read, and never shorter than the paper the
# record already shows (`shown_papers`). The verifier checks they are those papers
# with more shown (`extends`), then redoes the countback from them.


def read_depths(papers: Papers, result: CountbackResult) -> dict[tuple[int, ...], int]:
    """How many preferences of each row of `papers` the countback `result` read.

    Down to the highest candidate still standing at its last round, or the whole
    paper if none is; nothing when nobody could stand (no count was held).
    """
    names = papers.candidates
    if not result.standing:
        return {ranking: 0 for ranking, _ in papers.rows}
    left = set(result.standing)
    for stage in result.count.stages if result.count else ():
        left.difference_update(stage.excluded)
    depths: dict[tuple[int, ...], int] = {}
    for ranking, _value in papers.rows:
        reached = [p for p, c in enumerate(ranking) if names[c] in left]
        depths[ranking] = reached[0] + 1 if reached else len(ranking)
    return depths


def _known_prefix(ranking: tuple[int, ...], known: set[tuple[int, ...]]) -> int | None:
    """The length of the longest row of `known` that starts `ranking` (None: no such row)."""
    for length in range(len(ranking), -1, -1):
        if ranking[:length] in known:
            return length
    return None


def shown_papers(papers: Papers, result: CountbackResult, known: Papers) -> Papers:
    """The countback's `papers` as published: each row cut after what the countback read,
    or after the row of `known` (what the record already shows of it), whichever is longer.

    Rows of no value are left out (a countback never reads them).
    """
    depths = read_depths(papers, result)
    rows = {ranking for ranking, _ in known.rows}
    shown: dict[tuple[int, ...], int] = {}
    for ranking, value in papers.rows:
        if value <= 0:
            continue
        keep = max(depths[ranking], _known_prefix(ranking, rows) or 0)
        shown[ranking[:keep]] = shown.get(ranking[:keep], 0) + value
    return Papers(
        candidates=papers.candidates, rows=tuple(sorted(shown.items())), scale=papers.scale
    )


def extends(shown: Papers, known: Papers) -> str | None:
    """Why `shown` is not `known` with more of each paper shown, or None if it is.

    Each row of `shown` must start with a row of `known` (the longest one that
    does is its own), and the rows of `shown` under each row of `known` must
    carry exactly its value.
    """
    if shown.candidates != known.candidates or shown.scale != known.scale:
        return "they are not counted over the same candidates and scale"
    rows = {ranking for ranking, _ in known.rows}
    under: dict[tuple[int, ...], int] = {}
    for ranking, value in shown.rows:
        length = _known_prefix(ranking, rows)
        if length is None:
            return f"the paper {list(ranking)} starts no paper of the election"
        under[ranking[:length]] = under.get(ranking[:length], 0) + value
    for ranking, value in known.rows:
        if value > 0 and under.get(ranking, 0) != value:
            return f"the papers starting {list(ranking)} carry {under.get(ranking, 0)}, not {value}"
    if sum(under.values()) != sum(v for _, v in known.rows if v > 0):
        return "they carry value the election's papers do not"
    return None
