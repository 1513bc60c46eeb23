"""Piles: the papers that gave each candidate their votes (`*_with_piles`), and the
`ballots` module that builds profiles from rankings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.ballots import build_profile, rankings_to_arrays
from asamblea.counting.meek import NZ_PLACES, count_meek, count_meek_with_piles
from asamblea.counting.profile import Profile
from asamblea.counting.result import Pile
from asamblea.counting.stv_scottish import (
    SCALE,
    count_stv_scottish,
    count_stv_scottish_with_piles,
)


def profile(spec: Sequence[tuple[int, str]], candidates: str = "ABCDE") -> Profile:
    """A profile from (papers, "ABC") over one-letter candidates."""
    rows: dict[tuple[int, ...], int] = {}
    for papers, ranking in spec:
        key = tuple(candidates.index(c) for c in ranking)
        rows[key] = rows.get(key, 0) + papers
    matrix, papers_array = rankings_to_arrays(rows)
    return build_profile(
        candidates=tuple(candidates), matrix=matrix, papers=papers_array, seats=None
    )


def rows_of(pile: Pile, candidates: str = "ABCDE") -> dict[str, int]:
    """{"AC": value in 1/scale units} for readable assertions."""
    return {
        "".join(candidates[c] for c in ranking if c >= 0): int(value)
        for ranking, value in zip(pile.rankings.tolist(), pile.values.tolist(), strict=True)
    }


# Two seats, quota 12 // 3 + 1 = 5. A is elected on first preferences (7); their
# surplus of 2 passes every A paper on at 2/7 = 0.28571; C is elected last (rule 52).
TWO_SEATS = [(5, "AC"), (2, "AD"), (3, "BE"), (2, "CB")]


def test_build_profile_merges_equal_rankings_sorts_them_and_drops_empty_ones() -> None:
    matrix, papers = rankings_to_arrays({(1, 0): 2, (0,): 3, (): 4})
    assert matrix.tolist() == [[1, 0], [0, -1], [-1, -1]]
    assert papers.tolist() == [2, 3, 4]
    twice = np.vstack([matrix, matrix])
    built = build_profile(
        candidates=("A", "B"), matrix=twice, papers=np.concatenate([papers, papers]), seats=1
    )
    assert built.rankings.tolist() == [[0, -1], [1, 0]]
    assert built.multiplicity.tolist() == [6, 4]
    assert built.groups == (None, None)


def test_scottish_pile_of_the_first_elected_is_their_first_preferences_at_full_value() -> None:
    result, piles = count_stv_scottish_with_piles(profile(TWO_SEATS), seats=2, seed=1)
    assert result.elected == (("A", 1), ("C", 5))
    assert list(piles) == ["A", "C"]
    assert piles["A"].scale == SCALE
    assert rows_of(piles["A"]) == {"AC": 5 * SCALE, "AD": 2 * SCALE}
    assert piles["A"].total == 7


def test_scottish_pile_holds_transferred_papers_at_their_transfer_value() -> None:
    _, piles = count_stv_scottish_with_piles(profile(TWO_SEATS), seats=2, seed=1)
    # C's own two papers at 1, and the five AC papers at 2/7 truncated (0.28571 each).
    assert rows_of(piles["C"]) == {"CB": 2 * SCALE, "AC": 5 * 28571}
    assert piles["C"].total == Decimal("3.42855")


def test_with_piles_counts_exactly_as_the_plain_counts() -> None:
    ballots = profile([(4, "ABC"), (3, "BCA"), (3, "CAB"), (2, "DA"), (1, "ED")])
    assert count_stv_scottish_with_piles(ballots, seats=2, seed=5)[0] == count_stv_scottish(
        ballots, seats=2, seed=5
    )
    assert count_meek_with_piles(ballots, 2, seed=5)[0] == count_meek(ballots, 2, seed=5)


def test_meek_pile_is_each_papers_part_kept_under_the_final_keep_values() -> None:
    ballots = profile([(6, "AB"), (3, "BC"), (2, "C"), (1, "DA")], "ABCD")
    result, piles = count_meek_with_piles(ballots, 2, seed=1)
    assert result.elected == (("A", 1), ("B", 2))
    scale = 10**NZ_PLACES
    keep = json.loads(result.stages[-1].notes["keep_values"])
    assert keep["A"] == "0.666666667"
    assert list(piles) == ["A", "B", "C", "D"]
    assert rows_of(piles["A"], "ABCD") == {"AB": 6 * 666666667}
    # B keeps what A passes on of each AB paper, and all of their own papers.
    assert rows_of(piles["B"], "ABCD") == {"AB": 6 * (scale - 666666667), "BC": 3 * scale}
    assert rows_of(piles["C"], "ABCD") == {"C": 2 * scale}
    # D is hopeful, keeps all of the DA paper: nothing reaches A from it.
    assert rows_of(piles["D"], "ABCD") == {"DA": scale}


elections = st.lists(
    st.permutations(range(5)).flatmap(lambda p: st.integers(1, 5).map(lambda k: p[:k])),
    min_size=1,
    max_size=30,
)


def letters(rankings: list[tuple[int, ...]]) -> Profile:
    return profile([(1, "".join("ABCDE"[c] for c in r)) for r in rankings])


@settings(max_examples=60, deadline=None)
@given(elections, st.integers(1, 3))
def test_each_scottish_pile_totals_the_candidates_vote_at_their_election(
    rankings: list[tuple[int, ...]], seats: int
) -> None:
    result, piles = count_stv_scottish_with_piles(letters(rankings), seats=seats, seed=3)
    assert set(piles) == set(result.elected_names)
    for name, stage in result.elected:
        assert piles[name].total == result.stages[stage - 1].votes[name]
        assert (piles[name].values >= 0).all()


@settings(max_examples=60, deadline=None)
@given(elections, st.integers(1, 3))
def test_meek_kept_parts_of_each_paper_add_up_to_its_value_less_non_transferable(
    rankings: list[tuple[int, ...]], seats: int
) -> None:
    ballots = letters(rankings)
    result, piles = count_meek_with_piles(ballots, seats, seed=3)
    last = result.stages[-1]
    scale = 10**NZ_PLACES
    kept = np.zeros(ballots.distinct_rankings, dtype=np.int64)
    row_of = {tuple(r): i for i, r in enumerate(ballots.rankings.tolist())}
    for name, pile in piles.items():
        assert pile.scale == scale
        assert (pile.values > 0).all()
        assert pile.total == last.votes[name]
        for ranking, value in zip(pile.rankings.tolist(), pile.values.tolist(), strict=True):
            kept[row_of[tuple(ranking)]] += value
    assert (kept <= ballots.multiplicity * scale).all()
    lost = int((ballots.multiplicity * scale - kept).sum())
    assert Decimal(lost) / scale == last.non_transferable
