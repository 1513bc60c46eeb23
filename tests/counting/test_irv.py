"""Instant-runoff: the Tennessee example, exhausted papers, ties, a paper-by-paper reference."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.irv import count_irv
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidInput


def profile(
    ballots: Sequence[tuple[int, str]], candidates: str = "ABCD", withdrawn: str = ""
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
        withdrawn=frozenset(candidates.index(c) for c in withdrawn),
    )


def totals(votes: dict[str, Decimal]) -> dict[str, int]:
    return {name: int(v) for name, v in votes.items()}


# Wikipedia's Tennessee capital example: Memphis, Nashville, Chattanooga, Knoxville.
TENNESSEE = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]


def test_the_tennessee_example_elects_knoxville_in_the_third_round() -> None:
    result = count_irv(profile(TENNESSEE, "MNCK"), seed=1)
    rounds = [totals(s.votes) for s in result.stages]
    assert rounds == [
        {"M": 42, "N": 26, "C": 15, "K": 17},
        {"M": 42, "N": 26, "C": 0, "K": 32},
        {"M": 42, "N": 0, "C": 0, "K": 58},
    ]
    assert [s.excluded for s in result.stages] == [(), ("C",), ("N",)]
    assert result.stages[1].transfers["K"] == 15
    assert result.stages[2].action == "N excluded; K elected"
    assert result.elected == (("K", 3),)
    assert result.stages[2].notes == {"continuing_votes": "100", "majority": "51"}


@pytest.mark.parametrize(
    ("ballots", "elected", "rounds"),
    [
        pytest.param([(6, "A"), (4, "B")], "A", 1, id="first-round-majority-wins-at-once"),
        pytest.param(
            [(5, "A"), (4, "B"), (1, "CB")],
            "A",
            3,
            # A's 5 of 10 is not a majority; after C, A and B tie 5-5 and B had fewer before.
            id="exactly-half-is-not-a-majority",
        ),
        pytest.param(
            [(4, "A"), (3, "B"), (2, "C")],
            "A",
            2,
            # C's 2 papers exhaust: A's 4 of the 7 still in play is a majority.
            id="exhausted-papers-leave-the-majority-of-continuing-votes",
        ),
    ],
)
def test_majority_of_continuing_votes(
    ballots: list[tuple[int, str]], elected: str, rounds: int
) -> None:
    result = count_irv(profile(ballots, "ABC"), seed=4)
    assert len(result.stages) == rounds
    assert result.elected == ((elected, rounds),)


def test_all_blank_papers_leave_the_choice_to_recorded_lots() -> None:
    result = count_irv(profile([(2, "")], "ABC"), seed=4)
    assert [d.tied for d in result.draws] == [
        ("A", "B", "C"),
        tuple(sorted({"A", "B", "C"} - {result.draws[0].chosen})),
    ]
    assert result.stages[0].non_transferable == 2
    assert len(result.elected) == 1


def test_exhausted_papers_are_shown_as_non_transferable() -> None:
    result = count_irv(profile([(4, "A"), (3, "B"), (2, "C")], "ABC"), seed=1)
    assert result.stages[1].non_transferable == 2
    assert result.stages[1].notes["majority"] == "4"


def test_a_tie_is_broken_by_the_most_recent_round_that_differs() -> None:
    # Round 2: B and C both hold 6 (D's paper went to C); in round 1 C had fewer.
    ballots = [(10, "A"), (6, "B"), (5, "C"), (1, "DC")]
    result = count_irv(profile(ballots), seed=1)
    assert [s.excluded for s in result.stages] == [(), ("D",), ("C",)]
    assert result.draws == ()
    assert result.elected == (("A", 3),)


def test_a_tie_at_every_round_goes_to_a_recorded_seeded_lot() -> None:
    winners = set()
    for seed in range(10):
        result = count_irv(profile([(3, "A"), (3, "B")], "AB"), seed=seed)
        (draw,) = result.draws
        assert (draw.stage, draw.purpose, draw.tied) == (2, "exclude", ("A", "B"))
        assert result.elected_names == (({"A", "B"} - {draw.chosen}).pop(),)
        winners.add(result.elected_names[0])
    assert winners == {"A", "B"}


def test_withdrawn_candidates_are_skipped() -> None:
    result = count_irv(profile([(3, "CA"), (2, "B")], "ABC", withdrawn="C"), seed=1)
    assert totals(result.stages[0].votes) == {"A": 3, "B": 2, "C": 0}
    assert result.elected_names == ("A",)


@pytest.mark.parametrize(
    ("seats", "withdrawn", "message"),
    [
        pytest.param(2, "", "fills one seat, not 2", id="more-than-one-seat"),
        pytest.param(None, "AB", "every candidate is withdrawn", id="nobody-stands"),
    ],
)
def test_impossible_requests_are_user_errors(
    seats: int | None, withdrawn: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        count_irv(profile([(1, "A")], "AB", withdrawn=withdrawn), seats=seats)


def test_the_registry_counts_irv_for_one_seat_by_default() -> None:
    result = count(profile(TENNESSEE, "MNCK"), "irv", seed=1)
    assert result.method == "irv"
    assert result.elected_names == ("K",)


def test_without_a_seed_one_is_drawn_and_recorded() -> None:
    result = count_irv(profile([(3, "A"), (3, "B")], "AB"))
    assert result.seed is not None
    assert count_irv(profile([(3, "A"), (3, "B")], "AB"), seed=result.seed) == result


# --- invariants -------------------------------------------------------------


@st.composite
def ballots(draw: st.DrawFn) -> list[tuple[int, str]]:
    ranking = st.permutations("ABCD").flatmap(
        lambda order: st.integers(0, 4).map(lambda k: "".join(order[:k]))
    )
    return draw(st.lists(st.tuples(st.integers(1, 9), ranking), min_size=1, max_size=10))


def reference_irv(papers: list[tuple[int, str]]) -> tuple[str | None, list[dict[str, int]]]:
    """IRV over every paper one by one; None when a lot would be needed."""
    pile = [ranking for n, ranking in papers for _ in range(n)]
    standing = set("ABCD")
    rounds: list[dict[str, int]] = []
    while True:
        tally = dict.fromkeys("ABCD", 0)
        for paper in pile:
            top = next((c for c in paper if c in standing), None)
            if top is not None:
                tally[top] += 1
        rounds.append(tally)
        in_play = sum(tally.values())
        leader = max(sorted(standing), key=lambda c: tally[c])
        if 2 * tally[leader] > in_play or len(standing) == 1:
            return leader, rounds
        tied = [c for c in standing if tally[c] == min(tally[s] for s in standing)]
        for earlier in reversed(rounds[:-1]):
            if len(tied) == 1:
                break
            tied = [c for c in tied if earlier[c] == min(earlier[t] for t in tied)]
        if len(tied) > 1:
            return None, rounds
        standing.remove(tied[0])


@settings(max_examples=100, deadline=None)
@given(ballots(), st.integers(0, 2**32))
def test_counting_aggregates_matches_counting_paper_by_paper(
    papers: list[tuple[int, str]], seed: int
) -> None:
    result = count_irv(profile(papers), seed=seed)
    winner, rounds = reference_irv(papers)
    if winner is not None:
        assert result.draws == ()
        assert result.elected_names == (winner,)
        assert [totals(s.votes) for s in result.stages] == rounds
    for stage in result.stages:
        assert sum(stage.votes.values()) + stage.non_transferable == result.valid_votes


@settings(max_examples=50, deadline=None)
@given(ballots(), st.integers(0, 2**32))
def test_ballot_order_never_changes_the_result(papers: list[tuple[int, str]], seed: int) -> None:
    assert count_irv(profile(papers[::-1]), seed=seed) == count_irv(profile(papers), seed=seed)
