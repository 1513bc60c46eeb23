"""Plurality and block vote: first preferences, the first N marks, withdrawn skips, lots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.methods import count
from asamblea.counting.plurality import count_plurality
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidInput


def profile(
    ballots: Sequence[tuple[int, str]],
    candidates: str = "ABCD",
    seats: int | None = None,
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
        withdrawn=frozenset(candidates.index(c) for c in withdrawn),
    )


def totals(votes: dict[str, Decimal]) -> dict[str, int]:
    return {name: int(v) for name, v in votes.items()}


# Ranked papers over A-D, used by several cases below.
PAPERS = [(5, "ABC"), (4, "BCA"), (3, "CDA"), (2, "DCB")]


@pytest.mark.parametrize(
    ("seats", "votes", "elected"),
    [
        pytest.param(
            1,
            {"A": 5, "B": 4, "C": 3, "D": 2},
            ("A",),
            id="one-seat-counts-first-preferences-only",
        ),
        pytest.param(
            2,
            # A: 5 | B: 5 + 4 | C: 4 + 3 + 2 | D: 3 + 2
            {"A": 5, "B": 9, "C": 9, "D": 5},
            ("B", "C"),
            id="two-seats-count-each-papers-first-two-marks",
        ),
        pytest.param(
            3,
            {"A": 5 + 4 + 3, "B": 9 + 2, "C": 14, "D": 5},
            ("C", "A", "B"),
            id="three-seats-count-the-first-three-marks",
        ),
    ],
)
def test_block_vote_counts_the_first_n_marks(
    seats: int, votes: dict[str, int], elected: tuple[str, ...]
) -> None:
    result = count_plurality(profile(PAPERS), seats=seats, seed=1)
    assert totals(result.stages[0].votes) == votes
    assert result.elected_names == elected
    assert result.stages[0].notes["marks_counted_per_paper"] == str(seats)
    assert result.method == "plurality"
    assert result.quota is None


def test_a_withdrawn_candidate_is_skipped_so_the_next_mark_counts() -> None:
    result = count_plurality(profile([(3, "DAB"), (2, "B")], withdrawn="D"), seats=1, seed=1)
    assert totals(result.stages[0].votes) == {"A": 3, "B": 2, "C": 0, "D": 0}
    assert result.elected_names == ("A",)


def test_seats_default_to_the_ballot_file_then_to_one() -> None:
    assert len(count_plurality(profile(PAPERS, seats=2), seed=1).elected) == 2
    assert len(count_plurality(profile(PAPERS), seed=1).elected) == 1


def test_a_tie_for_the_last_seat_goes_to_a_recorded_seeded_lot() -> None:
    seen = set()
    for seed in range(10):
        result = count_plurality(profile([(5, "A"), (3, "B"), (3, "C")]), seats=2, seed=seed)
        (draw,) = result.draws
        assert (draw.stage, draw.purpose, draw.tied) == (1, "elect", ("B", "C"))
        assert result.elected_names == ("A", draw.chosen)
        seen.add(draw.chosen)
    assert seen == {"B", "C"}


def test_a_three_way_tie_for_two_seats_draws_twice() -> None:
    result = count_plurality(profile([(3, "A"), (3, "B"), (3, "C")]), seats=2, seed=3)
    first, second = result.draws
    assert first.tied == ("A", "B", "C")
    assert second.tied == tuple(c for c in "ABC" if c != first.chosen)
    assert result.elected_names == (first.chosen, second.chosen)


def test_a_tie_above_the_last_seat_needs_no_lot() -> None:
    result = count_plurality(profile([(5, "A"), (5, "B"), (1, "C")]), seats=2, seed=1)
    assert result.draws == ()
    assert set(result.elected_names) == {"A", "B"}


def test_fewer_candidates_than_seats_are_all_elected() -> None:
    result = count_plurality(profile([(2, "A"), (1, "B")], "AB"), seats=3, seed=1)
    assert result.elected_names == ("A", "B")


def test_blank_papers_are_counted_as_valid_but_give_no_vote() -> None:
    result = count_plurality(profile([(2, ""), (1, "B")], "AB"), seats=1, seed=1)
    assert result.valid_votes == 3
    assert result.stages[0].non_transferable == 2
    assert result.elected_names == ("B",)


def test_zero_seats_is_a_user_error() -> None:
    with pytest.raises(InvalidInput, match="at least 1, not 0"):
        count_plurality(profile(PAPERS), seats=0)


def test_the_registry_counts_plurality_with_the_given_seats() -> None:
    result = count(profile(PAPERS), "plurality", seats=2, seed=1)
    assert result.elected_names == ("B", "C")


def test_without_a_seed_one_is_drawn_and_recorded() -> None:
    result = count_plurality(profile([(1, "A"), (1, "B")]), seats=1)
    assert result.seed is not None
    assert count_plurality(profile([(1, "A"), (1, "B")]), seats=1, seed=result.seed) == result


@st.composite
def ballots(draw: st.DrawFn) -> list[tuple[int, str]]:
    ranking = st.permutations("ABCD").flatmap(
        lambda order: st.integers(0, 4).map(lambda k: "".join(order[:k]))
    )
    return draw(st.lists(st.tuples(st.integers(1, 9), ranking), min_size=1, max_size=10))


@settings(max_examples=100, deadline=None)
@given(ballots(), st.integers(1, 4), st.integers(0, 2**32))
def test_counting_aggregates_matches_counting_paper_by_paper(
    papers: list[tuple[int, str]], seats: int, seed: int
) -> None:
    tally = Counter({c: 0 for c in "ABCD"})
    for n, ranking in papers:
        for _ in range(n):
            tally.update(ranking[:seats])
    result = count_plurality(profile(papers), seats=seats, seed=seed)
    assert totals(result.stages[0].votes) == dict(tally)
    assert len(result.elected) == seats
    lowest_elected = min(tally[c] for c in result.elected_names)
    assert all(tally[c] <= lowest_elected for c in "ABCD" if c not in result.elected_names)
    assert count_plurality(profile(papers[::-1]), seats=seats, seed=seed) == result
