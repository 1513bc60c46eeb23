"""Approval: every candidate marked on a paper gets one vote, whatever the order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.approval import count_approval
from asamblea.counting.methods import count
from asamblea.counting.plurality import count_plurality
from asamblea.counting.profile import Profile


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


def test_the_broadly_approved_candidate_beats_the_plurality_favourite() -> None:
    # 4 papers approve only A; 3 approve B and C; 3 approve C and D. A leads on
    # first marks, but C is approved on 6 papers.
    papers = profile([(4, "A"), (3, "BC"), (3, "DC")])
    assert count_plurality(papers, seats=1, seed=1).elected_names == ("A",)
    result = count_approval(papers, seats=1, seed=1)
    assert totals(result.stages[0].votes) == {"A": 4, "B": 3, "C": 6, "D": 3}
    assert result.elected_names == ("C",)
    assert result.stages[0].notes["marks_counted_per_paper"] == "all"
    assert result.method == "approval"


def test_several_seats_go_to_the_most_approved() -> None:
    result = count_approval(profile([(4, "AB"), (3, "BC"), (2, "CD"), (1, "D")]), seats=2, seed=1)
    assert totals(result.stages[0].votes) == {"A": 4, "B": 7, "C": 5, "D": 3}
    assert result.elected_names == ("B", "C")


def test_withdrawn_candidates_get_no_approval() -> None:
    result = count_approval(profile([(3, "AD"), (1, "B")], withdrawn="D"), seats=1, seed=1)
    assert totals(result.stages[0].votes) == {"A": 3, "B": 1, "C": 0, "D": 0}


def test_a_tie_for_the_last_seat_goes_to_a_recorded_lot() -> None:
    result = count_approval(profile([(2, "AB"), (1, "C")], "ABC"), seats=1, seed=9)
    (draw,) = result.draws
    assert draw.tied == ("A", "B")
    assert result.elected_names == (draw.chosen,)


def test_the_registry_counts_approval_with_seats_from_the_file() -> None:
    result = count(profile([(4, "AB"), (3, "BC")], seats=2), "approval", seed=1)
    assert result.elected_names == ("B", "A")
    assert count_approval(profile([(4, "AB"), (3, "BC")]), seed=1).seats == 1


@st.composite
def ballots(draw: st.DrawFn) -> list[tuple[int, str]]:
    ranking = st.permutations("ABCD").flatmap(
        lambda order: st.integers(0, 4).map(lambda k: "".join(order[:k]))
    )
    return draw(st.lists(st.tuples(st.integers(1, 9), ranking), min_size=1, max_size=10))


@settings(max_examples=100, deadline=None)
@given(ballots(), st.integers(1, 4), st.integers(0, 2**32))
def test_each_mark_counts_once_whatever_its_place(
    papers: list[tuple[int, str]], seats: int, seed: int
) -> None:
    tally = Counter({c: 0 for c in "ABCD"})
    for n, ranking in papers:
        tally.update(ranking * n)
    result = count_approval(profile(papers), seats=seats, seed=seed)
    assert totals(result.stages[0].votes) == dict(tally)
    reversed_marks = [(n, ranking[::-1]) for n, ranking in papers]
    assert count_approval(profile(reversed_marks), seats=seats, seed=seed) == result
