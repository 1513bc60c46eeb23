"""Papers cut to what the count read (`counting.truncate`): recounting them gives
exactly the same count, on the Glasgow 2022 wards and on random profiles."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asamblea.counting.ballots import build_profile, rankings_to_arrays
from asamblea.counting.blt import read_blt
from asamblea.counting.meek import count_meek, count_meek_with_depths
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.truncate import (
    TRUNCATING,
    count_truncated,
    count_with_depths,
    lengths,
    truncate,
    unique_papers,
)

GLASGOW = Path(__file__).parent / "data" / "glasgow"
WARDS = sorted(path.name for path in GLASGOW.glob("ward-*.blt"))


def profile(
    spec: Sequence[tuple[int, str]],
    candidates: str = "ABCDE",
    *,
    groups: tuple[str | None, ...] = (),
    withdrawn: frozenset[int] = frozenset(),
) -> Profile:
    """A profile from (papers, "ABC") over one-letter candidates."""
    rows: dict[tuple[int, ...], int] = {}
    for papers, ranking in spec:
        key = tuple(candidates.index(c) for c in ranking)
        rows[key] = rows.get(key, 0) + papers
    matrix, papers_array = rankings_to_arrays(rows)
    return build_profile(
        candidates=tuple(candidates),
        matrix=matrix,
        papers=papers_array,
        seats=None,
        groups=groups,
        withdrawn=withdrawn,
    )


def rows_of(cut: Profile, candidates: str = "ABCDE") -> dict[str, int]:
    return {
        "".join(candidates[c] for c in ranking if c >= 0): int(papers)
        for ranking, papers in zip(cut.rankings.tolist(), cut.multiplicity.tolist(), strict=True)
    }


def assert_same_recount(
    original: Profile,
    method: str,
    seats: int,
    seed: int | None = None,
    at_least: dict[str, int] | None = None,
) -> Profile:
    """Count, cut, recount the cut papers with the count's seed: the very same result."""
    result, cut = count_truncated(original, method, seats=seats, seed=seed, at_least=at_least)
    again = count(cut, method, seats=seats, seed=result.seed, at_least=at_least)
    assert again == result
    assert cut.total_papers == original.total_papers
    # Every cut paper is the start of a paper that was cast.
    whole = {tuple(r[r >= 0].tolist()) for r in original.rankings}
    for row in cut.rankings:
        start = tuple(row[row >= 0].tolist())
        assert any(paper[: len(start)] == start for paper in whole)
    return cut


# --- small worked examples -------------------------------------------------------


def test_scottish_reads_a_paper_down_to_its_holder_and_an_exhausted_one_to_its_end() -> None:
    # One seat, quota 11 // 2 + 1 = 6: nobody has it on first preferences.
    spec = [(4, "ABCDE"), (3, "BACDE"), (2, "CBADE"), (1, "DCBAE"), (1, "E")]
    cut = assert_same_recount(profile(spec), "stv-scottish", seats=1)
    # D and E tie lowest (1), D is drawn... or E: either way the E paper has nothing after
    # E and stays whole, and the D paper goes to C. C (3) ties B (3) and goes, being lower
    # at an earlier stage: C's papers (and the D paper) go on to B, who reaches 6 = quota.
    # A's papers were never moved.
    assert rows_of(cut) == {"A": 4, "B": 3, "CB": 2, "DCB": 1, "E": 1}
    assert unique_papers(cut) == 2


def test_scottish_keeps_papers_that_were_never_valid_whole() -> None:
    spec = [(3, "A"), (2, "BA"), (1, "C"), (1, "D")]
    withdrawn = frozenset({2})
    original = profile(spec, "ABCD", withdrawn=withdrawn)
    result, depths = count_with_depths(original, "stv-scottish", seats=1)
    assert result.valid_votes == 6
    # The paper for the withdrawn C alone was read to its end and counts for nobody.
    assert dict(zip(map(tuple, original.rankings.tolist()), depths.tolist(), strict=True)) == {
        (0, -1): 1,
        (1, 0): 2,  # B is excluded: the paper goes on to A
        (2, -1): 1,
        (3, -1): 1,
    }
    assert_same_recount(original, "stv-scottish", seats=1)


def test_meek_reads_past_elected_candidates_down_to_the_first_hopeful() -> None:
    # Two seats, quota 3.67; A is elected on first preferences and keeps part of every
    # A paper, so each goes on to its next hopeful, B, who then reaches the quota: the
    # count is over and no paper was read past B, C or D.
    spec = [(6, "ABCD"), (2, "BCDA"), (2, "CDAB"), (1, "DCAB")]
    cut = assert_same_recount(profile(spec, "ABCD"), "stv-meek", seats=2)
    assert rows_of(cut, "ABCD") == {"AB": 6, "B": 2, "C": 2, "D": 1}


def test_irv_reads_down_to_the_highest_continuing_candidate_at_the_last_round() -> None:
    spec = [(4, "ABC"), (3, "BCA"), (2, "CBA"), (1, "D")]
    cut = assert_same_recount(profile(spec, "ABCD"), "irv", seats=1)
    # D then C are excluded; B wins with 5 against A's 4, D's paper ran out.
    assert rows_of(cut, "ABCD") == {"A": 4, "B": 3, "CB": 2, "D": 1}


@pytest.mark.parametrize("method", ["schulze", "plurality", "approval"])
def test_methods_that_read_every_mark_keep_papers_whole(method: str) -> None:
    original = profile([(3, "ABC"), (2, "BCA"), (1, "CAB")], "ABC")
    assert method not in TRUNCATING
    result, cut = count_truncated(original, method, seats=1)
    assert cut.rankings.tolist() == original.rankings.tolist()
    assert cut.multiplicity.tolist() == original.multiplicity.tolist()
    assert count(cut, method, seats=1, seed=result.seed) == result


def test_truncate_merges_papers_that_became_equal() -> None:
    original = profile([(2, "ABC"), (1, "ABD"), (1, "BA")], "ABCD")
    cut = truncate(original, np.array([1, 1, 2], dtype=np.int64))
    assert rows_of(cut, "ABCD") == {"A": 3, "BA": 1}
    assert lengths(original).tolist() == [3, 3, 2]


# --- Glasgow 2022 -----------------------------------------------------------------


@pytest.mark.parametrize("ward", WARDS, ids=lambda w: w.removesuffix(".blt"))
def test_glasgow_wards_recount_the_same_from_the_cut_papers(ward: str) -> None:
    original = read_blt(GLASGOW / ward)
    seats = original.seats
    assert seats is not None
    cut = assert_same_recount(original, "stv-scottish", seats=seats)
    # Cutting shows fewer distinct papers, and fewer that only one voter cast.
    assert cut.distinct_rankings < original.distinct_rankings
    assert unique_papers(cut) < unique_papers(original)


@pytest.mark.parametrize("ward", WARDS, ids=lambda w: w.removesuffix(".blt"))
def test_glasgow_wards_counted_by_meek_recount_the_same_from_the_cut_papers(ward: str) -> None:
    original = read_blt(GLASGOW / ward)
    assert original.seats is not None
    assert_same_recount(original, "stv-meek", seats=original.seats, seed=2022)


# --- random profiles --------------------------------------------------------------


@st.composite
def profiles(draw: st.DrawFn) -> tuple[Profile, int]:
    n = draw(st.integers(min_value=2, max_value=6))
    candidates = "ABCDEF"[:n]
    ranking = st.permutations(list(range(n))).flatmap(
        lambda order: st.integers(min_value=1, max_value=len(order)).map(lambda k: tuple(order[:k]))
    )
    rows = draw(
        st.dictionaries(ranking, st.integers(min_value=1, max_value=6), min_size=1, max_size=14)
    )
    groups = tuple(draw(st.sampled_from(["w", "m"])) for _ in range(n))
    # At most one withdrawn, so with two or more candidates someone always stands.
    withdrawn = draw(st.sets(st.integers(min_value=0, max_value=n - 1), max_size=1))
    matrix, papers = rankings_to_arrays(rows)
    built = build_profile(
        candidates=tuple(candidates),
        matrix=matrix,
        papers=papers,
        seats=None,
        groups=groups,
        withdrawn=frozenset(withdrawn),
    )
    seats = draw(st.integers(min_value=1, max_value=max(1, n - 1 - len(withdrawn))))
    return built, seats


def _counts(original: Profile, method: str, seats: int) -> bool:
    """Profiles a method counts at all (some papers valid, enough candidates)."""
    standing = len(original.candidates) - len(original.withdrawn)
    valid = any(
        any(c >= 0 and c not in original.withdrawn for c in row)
        for row in original.rankings.tolist()
    )
    return valid and standing >= seats


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=profiles(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_profiles_recount_the_same_under_scottish_stv(
    case: tuple[Profile, int], seed: int
) -> None:
    original, seats = case
    if _counts(original, "stv-scottish", seats):
        assert_same_recount(original, "stv-scottish", seats, seed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=profiles(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_profiles_recount_the_same_under_meek(case: tuple[Profile, int], seed: int) -> None:
    original, seats = case
    if _counts(original, "stv-meek", seats):
        assert_same_recount(original, "stv-meek", seats, seed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=profiles(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_profiles_recount_the_same_under_irv(case: tuple[Profile, int], seed: int) -> None:
    original, _seats = case
    if _counts(original, "irv", 1):
        assert_same_recount(original, "irv", 1, seed)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=profiles(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_profiles_with_a_parity_rule_recount_the_same(
    case: tuple[Profile, int], seed: int
) -> None:
    original, seats = case
    groups = original.groups
    standing = [c for c in range(len(groups)) if c not in original.withdrawn]
    at_least = {
        g: min(seats // 2, sum(1 for c in standing if groups[c] == g))
        for g in ("w", "m")
        if any(groups[c] == g for c in standing)
    }
    at_least = {g: k for g, k in at_least.items() if k > 0}
    for method in ("stv-scottish", "stv-meek"):
        if _counts(original, method, seats):
            assert_same_recount(original, method, seats, seed, at_least or None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=profiles(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    places=st.sampled_from([1, 2, 9]),
)
def test_random_profiles_recount_the_same_under_meek_at_low_precision(
    case: tuple[Profile, int], seed: int, places: int
) -> None:
    # At 1 or 2 decimals a paper often reaches an elected candidate with a last unit of
    # value that they keep whole: how deep it is read then changes from pass to pass.
    original, seats = case
    if _counts(original, "stv-meek", seats):
        result, depths = count_meek_with_depths(original, seats, seed=seed, places=places)
        cut = truncate(original, depths)
        assert count_meek(cut, seats, seed=seed, places=places) == result


def test_meek_keeps_the_deepest_reading_of_every_pass() -> None:
    # Found by search at 1 decimal: a pass late in the count reads some papers less
    # deep than an earlier one did; cut at the last pass, they would recount otherwise.
    rows = {
        (1,): 1,
        (2, 0, 1, 4): 6,
        (4,): 9,
        (0, 2): 6,
        (0, 1, 2, 4, 3): 6,
        (4, 0, 1): 3,
        (2, 4, 1, 3, 0): 4,
        (4, 1, 2, 0): 7,
        (3, 1, 0, 2, 4): 8,
        (3, 0, 2): 5,
        (1, 3): 6,
    }
    matrix, papers = rankings_to_arrays(rows)
    original = build_profile(candidates=tuple("ABCDE"), matrix=matrix, papers=papers, seats=4)
    result, depths = count_meek_with_depths(original, 4, seed=1, places=1)
    assert count_meek(truncate(original, depths), 4, seed=1, places=1) == result
