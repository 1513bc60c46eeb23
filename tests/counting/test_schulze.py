"""Schulze: the published 45-voter example, winning votes vs margins, lots, Condorcet winners."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.schulze import count_schulze, pairwise
from asamblea.errors import InvalidInput


def profile(
    ballots: Sequence[tuple[int, str]], candidates: str = "ABCDE", withdrawn: str = ""
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


# The example of Wikipedia's "Schulze method" article (from Schulze's paper): 45 voters.
WIKIPEDIA_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]
# d[X][Y] and p[X][Y] as the article tabulates them.
WIKIPEDIA_PAIRWISE = {
    "A": {"B": 20, "C": 26, "D": 30, "E": 22},
    "B": {"A": 25, "C": 16, "D": 33, "E": 18},
    "C": {"A": 19, "B": 29, "D": 17, "E": 24},
    "D": {"A": 15, "B": 12, "C": 28, "E": 14},
    "E": {"A": 23, "B": 27, "C": 21, "D": 31},
}
WIKIPEDIA_PATHS = {
    "A": {"B": 28, "C": 28, "D": 30, "E": 24},
    "B": {"A": 25, "C": 28, "D": 33, "E": 24},
    "C": {"A": 25, "B": 29, "D": 29, "E": 24},
    "D": {"A": 25, "B": 28, "C": 28, "E": 24},
    "E": {"A": 25, "B": 28, "C": 28, "D": 31},
}


@pytest.mark.parametrize("strength", ["winning", "margin"])
def test_the_45_voter_example_ranks_e_a_c_b_d(strength: str) -> None:
    result = count_schulze(profile(WIKIPEDIA_45), seed=1, strength=strength)  # type: ignore[arg-type]
    assert result.ranking == ("E", "A", "C", "B", "D")
    assert result.elected == (("E", 1),)
    assert json.loads(result.stages[0].notes["pairwise"]) == WIKIPEDIA_PAIRWISE
    assert result.draws == ()
    assert result.notes["strength"] == strength


def test_the_45_voter_example_strongest_paths_match_the_published_table() -> None:
    result = count_schulze(profile(WIKIPEDIA_45), seed=1)
    assert json.loads(result.stages[0].notes["strongest_paths"]) == WIKIPEDIA_PATHS
    # E beats all four by strongest path, A three, C two, B one, D none.
    assert {k: int(v) for k, v in result.stages[0].votes.items()} == {
        "A": 3,
        "B": 1,
        "C": 2,
        "D": 0,
        "E": 4,
    }


# 2 A>C>B, 4 B>A>C, 3 C (C alone: truncated). Pairwise: B>A 4-2, A>C 6-3, C>B 5-4.
# Winning votes drop the weakest defeat by winning votes, B>A (4): A > C > B.
# Margins drop the weakest defeat by margin, C>B (1): B > A > C.
TRUNCATED_CYCLE = [(2, "ACB"), (4, "BAC"), (3, "C")]


@pytest.mark.parametrize(
    ("strength", "ranking"),
    [
        pytest.param("winning", ("A", "C", "B"), id="winning-votes-drop-b-over-a"),
        pytest.param("margin", ("B", "A", "C"), id="margins-drop-c-over-b"),
    ],
)
def test_winning_votes_and_margins_differ_on_truncated_papers(
    strength: str, ranking: tuple[str, ...]
) -> None:
    ballots = profile(TRUNCATED_CYCLE, "ABC")
    assert pairwise(ballots).tolist() == [[0, 2, 6], [4, 0, 4], [3, 5, 0]]
    result = count_schulze(ballots, seed=1, strength=strength)  # type: ignore[arg-type]
    assert result.ranking == ranking


def test_level_options_are_ordered_by_a_recorded_seeded_lot() -> None:
    ballots = profile([(1, "AB"), (1, "BA"), (2, "C")], "ABC")
    firsts = set()
    for seed in range(10):
        result = count_schulze(ballots, seed=seed, seats=2)
        # C is level with A and B too (2-2 against each), so all three tie at the top.
        assert result.draws[0].tied == ("A", "B", "C")
        assert result.draws[0].purpose == "rank 1"
        assert result.ranking[0] == result.draws[0].chosen
        assert result.elected_names == result.ranking[:2]
        assert count_schulze(ballots, seed=seed, seats=2) == result
        firsts.add(result.ranking[0])
    assert firsts == {"A", "B", "C"}


def test_withdrawn_options_are_left_out_of_the_ranking() -> None:
    result = count_schulze(profile([(3, "DAB"), (2, "BA")], "ABD", withdrawn="D"), seed=1)
    assert result.ranking == ("A", "B")
    assert result.stages[0].votes["D"] == 0
    assert json.loads(result.stages[0].notes["pairwise"]) == {"A": {"B": 3}, "B": {"A": 2}}


def test_blank_papers_are_shown_as_not_counted() -> None:
    result = count_schulze(profile([(3, "A"), (2, "")], "AB"), seed=1)
    assert result.stages[0].non_transferable == 2
    assert result.valid_votes == 5


@pytest.mark.parametrize(
    ("kwargs", "withdrawn", "message"),
    [
        pytest.param({"strength": "borda"}, "", "'winning' or 'margin'", id="unknown-strength"),
        pytest.param({"seats": 0}, "", "at least 1, not 0", id="zero-seats"),
        pytest.param({}, "AB", "every option is withdrawn", id="nothing-stands"),
    ],
)
def test_bad_requests_are_user_errors(
    kwargs: dict[str, object], withdrawn: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        count_schulze(profile([(1, "AB")], "AB", withdrawn=withdrawn), **kwargs)  # type: ignore[arg-type]


def test_the_registry_counts_schulze_for_one_seat_by_default() -> None:
    result = count(profile(WIKIPEDIA_45), "schulze", seed=2)
    assert result.method == "schulze"
    assert result.seats == 1
    assert result.elected_names == ("E",)


def test_without_a_seed_one_is_drawn_and_recorded() -> None:
    result = count_schulze(profile([(1, "AB"), (1, "BA")], "AB"))
    assert result.seed is not None
    assert count_schulze(profile([(1, "AB"), (1, "BA")], "AB"), seed=result.seed) == result


# --- invariants -------------------------------------------------------------


@st.composite
def ballots(draw: st.DrawFn) -> list[tuple[int, str]]:
    names = "ABCDE"[: draw(st.integers(2, 5))]
    ranking = st.permutations(names).flatmap(
        lambda order: st.integers(0, len(order)).map(lambda k: "".join(order[:k]))
    )
    return draw(st.lists(st.tuples(st.integers(1, 9), ranking), min_size=1, max_size=10))


@settings(max_examples=80, deadline=None)
@given(ballots(), st.sampled_from(["winning", "margin"]), st.integers(0, 2**32))
def test_a_condorcet_winner_is_always_ranked_first(
    papers: list[tuple[int, str]], strength: str, seed: int
) -> None:
    names = "ABCDE"
    ballots_ = profile(papers, names)
    d = pairwise(ballots_)
    result = count_schulze(ballots_, seed=seed, strength=strength)  # type: ignore[arg-type]
    for a in range(5):
        if all(d[a, b] > d[b, a] for b in range(5) if b != a):
            assert result.ranking[0] == names[a]
            assert all(draw.purpose != "rank 1" for draw in result.draws)


@settings(max_examples=60, deadline=None)
@given(ballots())
def test_pairwise_counts_match_counting_every_paper_one_by_one(
    papers: list[tuple[int, str]],
) -> None:
    names = "ABCDE"
    expected = np.zeros((5, 5), dtype=np.int64)
    for n, ranking in papers:
        for _ in range(n):
            place = {c: ranking.index(c) if c in ranking else len(names) for c in names}
            for a, b in combinations(names, 2):
                if place[a] < place[b]:
                    expected[names.index(a), names.index(b)] += 1
                elif place[b] < place[a]:
                    expected[names.index(b), names.index(a)] += 1
    assert pairwise(profile(papers, names)).tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(ballots(), st.integers(0, 2**32))
def test_the_ranking_orders_every_standing_option_once_and_respects_path_strengths(
    papers: list[tuple[int, str]], seed: int
) -> None:
    result = count_schulze(profile(papers), seed=seed)
    assert sorted(result.ranking) == list("ABCDE")
    paths = json.loads(result.stages[0].notes["strongest_paths"])
    for i, a in enumerate(result.ranking):
        for b in result.ranking[i + 1 :]:
            assert paths[a][b] >= paths[b][a]
