"""Meek STV (NZ convention): published cases, hand-worked stages, groups, ties, invariants."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.blt import read_blt as read_blt_file
from asamblea.counting.meek import count_meek
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult
from asamblea.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "meek"


def profile(
    ballots: Sequence[tuple[int, str]],
    candidates: str = "ABCD",
    seats: int | None = None,
    groups: Sequence[str | None] = (),
    withdrawn: str = "",
) -> Profile:
    """A profile from (count, "ABC") ballots over one-letter candidates."""
    width = max((len(r) for _, r in ballots), default=0)
    rankings = np.full((len(ballots), width), -1, dtype=np.int32)
    for row, (_, ranking) in enumerate(ballots):
        rankings[row, : len(ranking)] = [candidates.index(c) for c in ranking]
    return Profile(
        candidates=tuple(candidates),
        rankings=rankings,
        multiplicity=np.array([n for n, _ in ballots], dtype=np.int64),
        seats=seats,
        groups=tuple(groups),
        withdrawn=frozenset(candidates.index(c) for c in withdrawn),
    )


def read_blt(path: Path) -> Profile:
    """The few BLT features these published test elections use: weights, 0-ended rankings."""
    lines = path.read_text().splitlines()
    n, seats = map(int, lines[0].split())
    rows: list[list[int]] = []
    weights: list[int] = []
    at = 1
    while lines[at].split() != ["0"]:
        weight, *ranking = map(int, lines[at].split())
        rows.append([c - 1 for c in ranking[:-1]])
        weights.append(weight)
        at += 1
    names = tuple(shlex.split(line)[0] for line in lines[at + 1 : at + 1 + n])
    rankings = np.full((len(rows), max(map(len, rows))), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        rankings[i, : len(row)] = row
    return Profile(names, rankings, np.array(weights, dtype=np.int64), seats)


def stage_totals(result: CountResult, number: int) -> dict[str, str]:
    return {name: str(v) for name, v in result.stages[number - 1].votes.items()}


# --- published test elections --------------------------------------------


@pytest.mark.parametrize(
    ("blt", "elected"),
    [
        pytest.param(
            "gpus-2005.blt",
            {"Pat LaMarche", "Rebecca Rotzler", "Kristen Olsen", "Steve Kramer"},
            # The 2005 US Green Party steering committee election, as counted by the
            # Droop package's Meek rules (rational, 18-digit and 9-digit fixed point alike).
            id="gpus-steering-committee-2005-elects-the-published-four",
        ),
        pytest.param(
            "M135.blt",
            {"C1", "C2", "C3", "C4", "C6", "C9", "C10"},
            # A 25-candidate, 7-seat generated election from the Droop package's Meek
            # reference results; C13 and C16 differ only in the 9th decimal mid-count.
            id="m135-25-candidates-7-seats-matches-the-meek-reference",
        ),
        pytest.param(
            "voting-matters-12.blt",
            {"A", "B", "X"},
            # Hill & Wichmann's accuracy example (Voting Matters 12): X, Y and Z differ
            # by under a millionth of a vote; exact arithmetic puts Z last (see below).
            id="voting-matters-12-accuracy-example-excludes-z-first",
        ),
    ],
)
def test_published_elections_elect_the_reference_winners(blt: str, elected: set[str]) -> None:
    result = count_meek(read_blt(DATA / blt), seed=7)
    assert set(result.elected_names) == elected
    assert result.draws == () or all(d.purpose == "exclude" for d in result.draws)


def test_voting_matters_12_z_is_lowest_because_only_x_and_y_get_the_cross_transfers() -> None:
    # X, Y and Z each get 667 firsts and the same 333 + 333 papers through A and B;
    # only X (3 papers) and Y (1 paper) also get the A>B / B>A papers' remainders.
    # So with A and B elected, X > Y > Z at any keep values below 1, by a hair.
    result = count_meek(read_blt(DATA / "voting-matters-12.blt"), seed=1)
    settled = result.stages[1].votes
    assert settled["X"] > settled["Y"] > settled["Z"]
    assert settled["X"] - settled["Z"] < Decimal("0.000001")
    assert result.stages[2].excluded == ("Z",)


def test_42_pollux_falls_behind_helen_by_the_rounded_up_keep_value() -> None:
    # Droop's "42" case ties Pollux and Helen in exact arithmetic. Under the NZ
    # convention Castor keeps 4 x 0.500000001 = 2.000000004, so Pollux gets
    # 1.999999996 and is excluded without a lot.
    result = count_meek(profile([(4, "AB"), (2, "C")], "ABC", seats=2), seed=1)
    assert stage_totals(result, 2) == {"A": "2.000000004", "B": "1.999999996", "C": "2.000000000"}
    assert result.stages[2].excluded == ("B",)
    assert result.elected == (("A", 1), ("C", 3))
    assert result.draws == ()


# --- an independent cross-check ----------------------------------------------

# The Glasgow ballot files, as shipped with the tests (copied from ../shared/data).
GLASGOW = Path(__file__).resolve().parent / "data" / "glasgow"


def reference_meek(ballots: Profile) -> set[str]:
    """Textbook Meek in floating point, paper value by paper value, iterated to 1e-10.

    Written from the definition and kept deliberately naive (no fixed point, no
    rounding rules, lowest excluded by plain min) so it shares no code or
    convention with `count_meek`; it only holds where no decision is within
    float noise, which the elections below are not.
    """
    n, seats = len(ballots.candidates), ballots.seats or 1
    rows = [[c for c in row if c >= 0] for row in ballots.rankings.tolist()]
    papers = ballots.multiplicity.tolist()
    keep = [1.0] * n
    state = ["hopeful"] * n

    def distribute() -> tuple[list[float], float]:
        votes = [0.0] * n
        exhausted = 0.0
        for row, m in zip(rows, papers, strict=True):
            weight = 1.0
            for c in row:
                votes[c] += weight * keep[c] * m
                weight *= 1 - keep[c]
            exhausted += weight * m
        return votes, (sum(papers) - exhausted) / (seats + 1)

    while True:
        elected = [c for c in range(n) if state[c] == "elected"]
        hopeful = [c for c in range(n) if state[c] == "hopeful"]
        if len(elected) == seats or len(elected) + len(hopeful) <= seats:
            return {ballots.candidates[c] for c in elected + hopeful[: seats - len(elected)]}
        while True:
            votes, quota = distribute()
            reached = [c for c in hopeful if votes[c] >= quota]
            if reached or sum(votes[c] - quota for c in elected) < 1e-10:
                break
            for c in elected:
                keep[c] *= quota / votes[c]
        if reached:
            for c in sorted(reached, key=lambda c: -votes[c])[: seats - len(elected)]:
                state[c] = "elected"
            continue
        lowest = min(hopeful, key=lambda c: votes[c])
        state[lowest], keep[lowest] = "excluded", 0.0


@pytest.mark.parametrize(
    "blt",
    [
        # Not M135: two of its candidates differ by 1e-12 mid-count, beyond float's reach.
        DATA / "gpus-2005.blt",
        DATA / "voting-matters-12.blt",
        *sorted(GLASGOW.glob("*.blt")),
    ],
    ids=lambda path: path.stem,
)
def test_the_winners_match_a_naive_floating_point_meek(blt: Path) -> None:
    ballots = read_blt_file(blt)
    assert set(count_meek(ballots, seed=1).elected_names) == reference_meek(ballots)


# --- hand-worked stages ---------------------------------------------------


def test_surplus_transfer_matches_the_hand_count_to_nine_decimals() -> None:
    # 11 papers, 2 seats: quota 11/3 truncated + 0.000000001 = 3.666666667.
    # A (6) is elected; keep = 3.666666667 / 6 = 0.6111111111.. rounded up to
    # 0.611111112, so A keeps 6 x 0.611111112 = 3.666666672 and B receives
    # 6 x 0.388888888 = 2.333333328, reaching 4.333333328 and the quota.
    result = count_meek(profile([(6, "AB"), (3, "C"), (2, "B")], "ABC", seats=2), seed=1)
    first, second = result.stages
    assert first.kind == "first"
    assert first.elected == ("A",)
    assert first.notes["quota"] == "3.666666667"
    assert stage_totals(result, 2) == {"A": "3.666666672", "B": "4.333333328", "C": "3.000000000"}
    assert second.transfers["B"] == Decimal("2.333333328")
    assert second.transfers["A"] == Decimal("-2.333333328")
    assert json.loads(second.notes["keep_values"])["A"] == "0.611111112"
    assert second.notes == second.notes | {"iterations": "1", "stop": "elected"}
    assert result.elected == (("A", 1), ("B", 2))
    assert result.quota == Decimal("3.666666667")


def test_exhausted_papers_lower_the_quota() -> None:
    # C's 3 papers exhaust when C is excluded: the quota falls from 10/3 to 7/3.
    result = count_meek(
        profile([(4, "A"), (3, "B"), (2, "C"), (1, "D")], seats=2),
        seed=1,
    )
    assert result.stages[0].notes["quota"] == "3.333333334"
    assert result.stages[0].elected == ("A",)
    excluded = [s.excluded for s in result.stages if s.kind == "exclusion"]
    assert excluded[0] == ("D",)
    assert result.elected_names == ("A", "B")


def test_withdrawn_candidates_are_skipped_on_every_paper() -> None:
    result = count_meek(
        profile([(5, "CA"), (4, "B"), (2, "A")], "ABC", seats=1, withdrawn="C"), seed=1
    )
    assert result.stages[0].votes["C"] == 0
    assert result.stages[0].votes["A"] == 7
    assert result.elected_names == ("A",)


# --- completion and ties ---------------------------------------------------


def test_fewer_candidates_than_seats_are_all_elected_in_a_final_stage() -> None:
    result = count_meek(profile([(3, "A"), (1, "B")], "AB", seats=3), seed=1)
    assert result.elected_names == ("A", "B")
    assert result.stages[-1].kind == "final"


def test_an_exact_tie_is_broken_by_the_first_stage_that_differs() -> None:
    # After D's paper goes to C, B and C both hold 3; at stage 1 C had fewer.
    result = count_meek(profile([(4, "A"), (3, "B"), (2, "C"), (1, "DC")], seats=1), seed=1)
    order = [s.excluded for s in result.stages if s.kind == "exclusion"]
    assert order == [("D",), ("C",)]
    assert result.draws == ()
    # C's papers exhaust, the quota falls to 3.500000001 and A's 4 reach it.
    assert result.elected == (("A", 3),)


def test_a_tie_at_every_stage_goes_to_a_recorded_seeded_lot() -> None:
    ballots = profile([(3, "A"), (3, "B")], "AB", seats=1)
    winners = set()
    for seed in range(8):
        result = count_meek(ballots, seed=seed)
        (draw,) = result.draws
        assert (draw.stage, draw.purpose, draw.tied) == (2, "exclude", ("A", "B"))
        assert result.elected_names == (({"A", "B"} - {draw.chosen}).pop(),)
        assert result.seed == seed
        winners.add(result.elected_names)
    assert winners == {("A",), ("B",)}


def test_without_a_seed_one_is_drawn_and_recorded() -> None:
    result = count_meek(profile([(3, "A"), (3, "B")], "AB", seats=1))
    assert result.seed is not None
    again = count_meek(profile([(3, "A"), (3, "B")], "AB", seats=1), seed=result.seed)
    assert again == result


# --- convergence ------------------------------------------------------------


def test_the_precision_tolerance_and_cap_are_stated_in_the_result() -> None:
    result = count_meek(read_blt(DATA / "gpus-2005.blt"), seed=1)
    assert "9 decimal places" in result.notes["precision"]
    assert result.notes["tolerance"] == (
        "iteration stops when the total surplus is below 0.0001 votes"
    )
    assert result.notes["iteration_cap"] == "1000"
    assert "convergence" not in result.notes
    assert {s.notes["stop"] for s in result.stages if s.kind == "surplus"} <= {
        "converged",
        "elected",
    }


def test_a_stage_iterates_until_the_total_surplus_is_below_0_0001_votes() -> None:
    # Voting Matters 12, quota 1000.750000001. One pass leaves A and B a total
    # surplus of 0.000999250: under a millionth of the quota (the old rule), which
    # stopped there with X, Y and Z 0.000333 short of the converged figures
    # (667.166666771, .646 and .583 in exact arithmetic). New Zealand's rule,
    # Schedule 1A clause 13, wants the surplus below 0.0001 votes: a second pass.
    result = count_meek(read_blt(DATA / "voting-matters-12.blt"), seed=1)
    stage = result.stages[1]
    assert (stage.notes["iterations"], stage.notes["stop"]) == ("2", "converged")
    assert stage_totals(result, 2) == {
        "A": "1000.750001125",
        "B": "1000.750001125",
        "X": "667.166666020",
        "Y": "667.166665896",
        "Z": "667.166665834",
    }
    quota = Decimal(stage.notes["quota"])
    assert sum(stage.votes[c] - quota for c in "AB") < Decimal("0.0001")
    # The tolerance is in votes: at 0.001 the first pass is close enough.
    loose = count_meek(read_blt(DATA / "voting-matters-12.blt"), seed=1, tolerance=Decimal("0.001"))
    assert loose.stages[1].notes["iterations"] == "1"
    assert loose.stages[1].votes["X"] == Decimal("667.166333686")


def test_reaching_the_iteration_cap_is_recorded_not_hidden() -> None:
    result = count_meek(read_blt(DATA / "gpus-2005.blt"), seed=1, max_iterations=1)
    assert "iteration cap" in {s.notes.get("stop") for s in result.stages}
    assert "stopped after 1 iterations" in result.notes["convergence"]
    assert len(result.elected) == 4


def test_with_zero_tolerance_the_count_stops_when_the_surplus_stops_falling() -> None:
    result = count_meek(read_blt(DATA / "gpus-2005.blt"), seed=1, tolerance=Decimal(0))
    assert "stable" in {s.notes.get("stop") for s in result.stages}
    assert set(result.elected_names) == {
        "Pat LaMarche",
        "Rebecca Rotzler",
        "Kristen Olsen",
        "Steve Kramer",
    }


def test_lower_precision_is_allowed_and_still_exact() -> None:
    result = count_meek(profile([(6, "AB"), (3, "C"), (2, "B")], "ABC", seats=2), seed=1, places=4)
    assert result.quota == Decimal("3.6667")
    for stage in result.stages:
        assert sum(stage.votes.values()) + stage.non_transferable == result.valid_votes


# --- the group constraint (parity) ------------------------------------------

GROUPS = ("M", "M", "F", "M")


def test_a_group_at_its_maximum_has_its_continuing_candidates_excluded() -> None:
    ballots = [(50, "AB"), (30, "B"), (20, "C")]
    free = count_meek(profile(ballots, "ABCD", seats=2), seed=1)
    assert set(free.elected_names) == {"A", "B"}
    parity = count_meek(profile(ballots, seats=2, groups=GROUPS), seed=1, at_least={"F": 1, "M": 1})
    assert parity.stages[0].excluded == ("B", "D")
    assert "excluded to keep the group minimums: B, D" in parity.stages[0].action
    assert parity.elected_names == ("A", "C")
    assert json.loads(parity.notes["at_least"]) == {"F": 1, "M": 1}


def test_the_last_candidates_a_group_needs_are_never_excluded() -> None:
    # C (F) has the fewest votes but is the only F: D is excluded instead.
    ballots = [(30, "A"), (30, "B"), (25, "DA"), (15, "C")]
    result = count_meek(profile(ballots, seats=2, groups=GROUPS), seed=1, at_least={"F": 1})
    assert result.stages[1].excluded[0] == "D"
    assert set(result.elected_names) == {"A", "C"}


def test_equal_votes_for_one_seat_a_group_allows_go_to_lot() -> None:
    ballots = [(40, "A"), (40, "B"), (20, "C")]
    seen = set()
    for seed in range(8):
        result = count_meek(profile(ballots, seats=2, groups=GROUPS), seed=seed, at_least={"F": 1})
        (draw,) = result.draws
        assert (draw.purpose, draw.tied) == ("elect", ("A", "B"))
        assert result.elected_names == (draw.chosen, "C")
        seen.add(draw.chosen)
    assert seen == {"A", "B"}


@pytest.mark.parametrize(
    ("at_least", "message"),
    [
        pytest.param({"F": 2}, "only 1 candidate(s) of group 'F'", id="too-few-candidates"),
        pytest.param({"F": 1, "M": 2}, "add up to 3 seats but only 2", id="minimums-exceed-seats"),
        pytest.param({"F": -1}, "must not be negative", id="negative-minimum"),
    ],
)
def test_impossible_group_minimums_are_refused(at_least: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        count_meek(profile([(1, "A")], seats=2, groups=GROUPS), at_least=at_least)


# --- arguments --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({}, "number of seats is not given", id="no-seats"),
        pytest.param({"seats": 0}, "at least 1, not 0", id="zero-seats"),
        pytest.param({"seats": 1, "places": 10}, "1 to 9 decimal places", id="too-precise"),
        pytest.param({"seats": 1, "tolerance": Decimal(-1)}, "not be negative", id="bad-tolerance"),
        pytest.param({"seats": 1, "max_iterations": 0}, "at least 1, not 0", id="no-iterations"),
    ],
)
def test_bad_arguments_are_user_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        count_meek(profile([(1, "A")]), **kwargs)  # type: ignore[arg-type]


def test_too_many_papers_for_int64_fixed_point_is_a_user_error() -> None:
    with pytest.raises(InvalidInput, match="too many for exact 9-decimal"):
        count_meek(profile([(5_000_000_000, "A")], seats=1))


def test_the_registry_counts_stv_meek() -> None:
    result = count(profile([(6, "AB"), (3, "C"), (2, "B")], "ABC", seats=2), "stv-meek", seed=3)
    assert result.method == "stv-meek"
    assert result.elected_names == ("A", "B")


def test_no_papers_at_all_still_fills_the_seats_by_lot() -> None:
    empty = Profile(("A", "B"), np.zeros((0, 0), dtype=np.int32), np.zeros(0, dtype=np.int64), 1)
    result = count_meek(empty, seed=5)
    assert len(result.elected) == 1
    assert result.valid_votes == 0


# --- invariants -------------------------------------------------------------

CANDIDATES = "ABCDEF"


@st.composite
def elections(draw: st.DrawFn) -> tuple[Profile, int]:
    n = draw(st.integers(2, 6))
    names = CANDIDATES[:n]
    ranking = st.permutations(names).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda k: "".join(order[:k]))
    )
    ballots = draw(st.lists(st.tuples(st.integers(1, 30), ranking), min_size=1, max_size=12))
    seats = draw(st.integers(1, n))
    return profile(ballots, names, seats), seats


@settings(max_examples=60, deadline=None)
@given(elections(), st.integers(0, 2**32))
def test_votes_are_conserved_exactly_at_every_stage(
    election: tuple[Profile, int], seed: int
) -> None:
    ballots, seats = election
    result = count_meek(ballots, seed=seed)
    for stage in result.stages:
        assert sum(stage.votes.values()) + stage.non_transferable == result.valid_votes
        assert stage.rounding_loss == 0
    assert len(result.elected) == seats
    assert len(set(result.elected_names)) == seats


@settings(max_examples=40, deadline=None)
@given(elections(), st.integers(0, 2**32))
def test_ballot_order_and_grouping_never_change_the_result(
    election: tuple[Profile, int], seed: int
) -> None:
    ballots, _ = election
    order = np.random.default_rng(seed).permutation(ballots.distinct_rankings)
    # Split each row's papers in two rows: identical ballots counted apart or together.
    rankings = np.concatenate([ballots.rankings[order], ballots.rankings[order]])
    split = ballots.multiplicity[order] // 2
    multiplicity = np.concatenate([ballots.multiplicity[order] - split, split])
    keep = multiplicity > 0
    shuffled = Profile(ballots.candidates, rankings[keep], multiplicity[keep], ballots.seats)
    assert count_meek(shuffled, seed=seed) == count_meek(ballots, seed=seed)


@settings(max_examples=30, deadline=None)
@given(elections(), st.integers(0, 2**32))
def test_the_count_is_deterministic_for_a_seed(election: tuple[Profile, int], seed: int) -> None:
    ballots, _ = election
    assert count_meek(ballots, seed=seed) == count_meek(ballots, seed=seed)


@settings(max_examples=60, deadline=None)
@given(elections(), st.integers(0, 2**32), st.data())
def test_group_minimums_are_always_met(
    election: tuple[Profile, int], seed: int, data: st.DataObject
) -> None:
    ballots, seats = election
    n = len(ballots.candidates)
    groups = data.draw(st.lists(st.sampled_from("FM"), min_size=n, max_size=n))
    women = groups.count("F")
    minimum = data.draw(st.integers(0, min(women, seats)))
    grouped = Profile(
        ballots.candidates, ballots.rankings, ballots.multiplicity, seats, groups=tuple(groups)
    )
    result = count_meek(grouped, seed=seed, at_least={"F": minimum})
    elected_women = sum(
        1 for name in result.elected_names if groups[ballots.candidates.index(name)] == "F"
    )
    assert elected_women >= minimum
    assert len(result.elected) == seats
