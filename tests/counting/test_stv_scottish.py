"""Scottish STV (SSI 2007/42, Schedule 1, rules 45-52): hand-worked counts and invariants."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asamblea.counting.blt import parse_blt
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw
from asamblea.counting.stv_scottish import MAX_PAPERS, count_stv_scottish
from asamblea.errors import InvalidInput

Ballots = list[tuple[int, list[int]]]  # (papers, 1-based preferences)


def blt(ballots: Ballots, names: list[str], seats: int, groups: list[str] | None = None) -> str:
    lines = [f"{len(names)} {seats}"]
    lines += [" ".join(str(x) for x in [papers, *prefs, 0]) for papers, prefs in ballots]
    lines.append("0")
    for i, name in enumerate(names):
        lines.append(f'"{name}"' + (f' "{groups[i]}"' if groups else ""))
    return "\n".join(lines) + "\n"


def scottish(text: str, **options: object) -> CountResult:
    return count(parse_blt(text), "stv-scottish", **options)  # type: ignore[arg-type]


def totals(result: CountResult, stage: int) -> dict[str, str]:
    return {name: str(value) for name, value in result.stages[stage - 1].votes.items()}


# --- hand-worked counts ----------------------------------------------------------------

ABC = ["A", "B", "C"]
ABCD = ["A", "B", "C", "D"]

HAND_WORKED = [
    pytest.param(
        # 12 papers, 2 seats: quota 12 // 3 + 1 = 5. A's surplus of 2 goes on at
        # 2 x 1 / 7 = 0.285714.. -> 0.28571 a paper: B gains 7 x 0.28571 = 1.99997,
        # 0.00003 is lost to rounding. C is excluded; B, the last one standing for
        # the last seat, is elected under rule 52 without reaching the quota.
        blt([(7, [1, 2]), (2, [2]), (3, [3])], ABC, 2),
        "5",
        [("A", 1), ("B", 3)],
        {2: {"A": "5.00000", "B": "3.99997", "C": "3.00000"}},
        id="surplus-value-truncated-to-5-places-then-last-vacancy-rule-52",
    ),
    pytest.param(
        # A's 8 papers carry a surplus of 4: 4 x 1 / 8 = 0.5 exactly, nothing lost.
        blt([(5, [1, 2]), (3, [1, 3]), (2, [2]), (1, [3])], ABC, 2),
        "4",
        [("A", 1), ("B", 2)],
        {2: {"A": "4.00000", "B": "4.50000", "C": "2.50000"}},
        id="surplus-split-by-next-preferences",
    ),
    pytest.param(
        # After D is excluded, B and C are tied on 3; at stage 1 C had fewer: C goes.
        blt([(5, [1]), (3, [2]), (2, [3]), (1, [4, 3])], ABCD, 1),
        "6",
        [("A", 4)],
        {2: {"A": "5.00000", "B": "3.00000", "C": "3.00000", "D": "0.00000"}},
        id="exclusion-tie-broken-by-the-most-recent-unequal-stage",
    ),
    pytest.param(
        # A's surplus of 1 reaches D at 1 / 6 = 0.16666 a paper (0.99996 for 6).
        # When D is excluded, those 6 papers move on to C at 0.16666, D's own paper to B
        # at 1.
        blt([(6, [1, 4, 3]), (2, [2]), (3, [3]), (1, [4, 2])], ABCD, 2),
        "5",
        [("A", 1), ("C", 4)],
        {
            2: {"A": "5.00000", "B": "2.00000", "C": "3.00000", "D": "1.99996"},
            3: {"A": "5.00000", "B": "3.00000", "C": "3.99996", "D": "0.00000"},
        },
        id="exclusion-moves-papers-at-the-value-they-arrived-with",
    ),
    pytest.param(
        # As many candidates as seats: rule 52 elects them all, C without a vote.
        blt([(3, [1]), (2, [2])], ABC, 3),
        "2",
        [("A", 1), ("B", 1), ("C", 1)],
        {1: {"A": "3.00000", "B": "2.00000", "C": "0.00000"}},
        id="as-many-candidates-as-seats-all-elected-at-once",
    ),
]


@pytest.mark.parametrize(("text", "quota", "elected", "expected"), HAND_WORKED)
def test_hand_worked_counts(
    text: str, quota: str, elected: list[tuple[str, int]], expected: dict[int, dict[str, str]]
) -> None:
    result = scottish(text)
    assert str(result.quota) == quota
    assert list(result.elected) == elected
    for stage, votes in expected.items():
        assert totals(result, stage) == votes


def test_surplus_stage_reports_surplus_non_transferable_and_rounding() -> None:
    result = scottish(blt([(7, [1, 2]), (2, [2]), (3, [3]), (1, [1])], ABC, 2))
    stage = result.stages[1]
    assert stage.kind == "surplus"
    assert stage.subject == ("A",)
    assert stage.action == "Surplus of A transferred"
    assert stage.notes["surplus"] == "3.00000"
    # 3 / 8 = 0.375: 7 papers to B (2.625), 1 exhausted (0.375), nothing lost.
    assert stage.transfers == {
        "A": Decimal("-3.00000"),
        "B": Decimal("2.62500"),
        "C": Decimal("0.00000"),
    }
    assert stage.non_transferable == Decimal("0.37500")
    assert stage.rounding_loss == Decimal("0")


def test_the_first_stage_has_no_transfers() -> None:
    result = scottish(blt([(7, [1, 2]), (2, [2])], ABC, 1))
    assert result.stages[0].transfers == {}
    assert result.stages[0].kind == "first"


def test_highest_surplus_is_transferred_first_even_if_elected_later() -> None:
    # Quota 10. Stage 1 elects A (20) and C (13). A's surplus (10, at 0.5 a paper)
    # takes B to 17: B's surplus of 7 now beats C's 3, so B's goes before C's.
    text = blt([(20, [1, 2]), (13, [3]), (7, [2]), (4, [4]), (3, [5])], [*ABCD, "E"], 4)
    result = scottish(text)
    kinds = [(s.kind, s.subject) for s in result.stages]
    assert kinds[:4] == [
        ("first", ()),
        ("surplus", ("A",)),
        ("surplus", ("B",)),
        ("surplus", ("C",)),
    ]


def test_a_surplus_tie_is_broken_by_lot_and_the_seed_decides_the_outcome() -> None:
    text = blt([(6, [1, 3]), (6, [2, 4]), (1, [3]), (1, [4])], ABCD, 3)
    outcomes = {}
    for seed in range(6):
        result = scottish(text, seed=seed)
        (draw,) = result.draws
        assert draw == Draw(stage=2, purpose="surplus order", tied=("A", "B"), chosen=draw.chosen)
        assert result.seed == seed
        # Whoever's surplus goes first feeds their follower first; that follower is
        # then higher at stage 2, so the other follower is excluded.
        outcomes[draw.chosen] = result.elected[-1]
    assert outcomes == {"A": ("C", 4), "B": ("D", 4)}


def test_an_exclusion_tie_at_every_stage_is_decided_by_a_recorded_lot() -> None:
    text = blt([(2, [1]), (2, [2]), (4, [3])], ABC, 1)
    result = scottish(text, seed=7)
    assert result.draws == (
        Draw(stage=2, purpose="exclude", tied=("A", "B"), chosen=result.draws[0].chosen),
    )
    assert result.stages[1].excluded == (result.draws[0].chosen,)
    assert "lot chose" in result.stages[1].notes["tie (exclude)"]
    assert scottish(text, seed=7) == result


def test_without_a_seed_a_lot_picks_one_records_it_and_it_replays() -> None:
    text = blt([(2, [1]), (2, [2]), (4, [3])], ABC, 1)
    result = scottish(text)
    assert result.seed is not None
    assert scottish(text, seed=result.seed) == result


def test_no_lot_no_seed() -> None:
    result = scottish(blt([(5, [1]), (3, [2])], ABC, 1))
    assert result.seed is None
    assert result.draws == ()


def test_a_three_way_tie_goes_back_until_one_is_lowest() -> None:
    # At stage 3 B, C and D are tied on 4. Stage 2: D had more (4) than B and C (3):
    # B and C still tied; stage 1: C had 2, B 3: C is excluded.
    names = ["A", "B", "C", "D", "E", "F"]
    ballots: Ballots = [
        (10, [1]),
        (3, [2]),
        (2, [3]),
        (4, [4]),
        (1, [5, 3]),  # E excluded first (1): C reaches 3
        (1, [6, 2]),  # then F (1): B reaches 4
        (1, [6, 3]),  # ... and C 4
    ]
    result = scottish(blt(ballots, names, 1))
    exclusion = next(s for s in result.stages if s.number > 3 and s.kind == "exclusion")
    tied = [c for c in "BCD" if result.stages[exclusion.number - 2].votes[c] == Decimal(4)]
    assert tied == ["B", "C", "D"]
    assert exclusion.subject == ("C",)
    assert "decided by stage 2, 1" in exclusion.notes["tie (exclude)"]


def test_withdrawn_candidates_get_nothing_and_are_named_in_the_notes() -> None:
    text = "3 1\n-2\n4 1 2 0\n3 2 3 0\n2 3 0\n0\n" + '"A"\n"B"\n"C"\n'
    result = scottish(text)
    assert all(stage.votes["B"] == 0 for stage in result.stages)
    assert result.valid_votes == Decimal(9)
    assert result.notes["withdrawn"] == "B"


def test_a_profile_still_holding_withdrawn_candidates_skips_them() -> None:
    # Readers strip withdrawn candidates; a profile built by hand may not.
    profile = Profile(
        candidates=("A", "B", "C"),
        rankings=np.array([[1, 0], [1, -1], [2, -1]], dtype=np.int32),
        multiplicity=np.array([4, 5, 3], dtype=np.int64),
        seats=1,
        withdrawn=frozenset({1}),
    )
    result = count_stv_scottish(profile, seats=1)
    # B's 5 papers have no other preference: they are not valid votes.
    assert result.valid_votes == Decimal(7)
    assert result.elected == (("A", 1),)


def test_too_many_papers_for_exact_integers_is_refused() -> None:
    profile = Profile(
        candidates=("A", "B"),
        rankings=np.array([[0], [1]], dtype=np.int32),
        multiplicity=np.array([MAX_PAPERS, 1], dtype=np.int64),
    )
    with pytest.raises(InvalidInput, match="too many papers"):
        count_stv_scottish(profile, seats=1)


# --- the group constraint (parity) -----------------------------------------------------

PARITY_NAMES = ["F1", "F2", "F3", "M1", "M2", "M3", "M4"]
PARITY_GROUPS = ["F", "F", "F", "M", "M", "M", "M"]
PARITY = blt(
    [(30, [4]), (25, [5]), (20, [6]), (15, [7]), (5, [1]), (3, [2]), (2, [3])],
    PARITY_NAMES,
    4,
    PARITY_GROUPS,
)


def test_without_a_constraint_the_strongest_group_takes_every_seat() -> None:
    assert scottish(PARITY).elected_names == ("M1", "M2", "M3", "M4")


def test_parity_excludes_a_full_group_and_elects_the_minimum_of_the_other() -> None:
    result = scottish(PARITY, at_least={"F": 2, "M": 2})
    assert sorted(result.elected_names) == ["F1", "F2", "M1", "M2"]
    group_stage = result.stages[1]
    assert group_stage.kind == "exclusion"
    assert group_stage.excluded == ("M3", "M4")
    assert "group 'M'" in group_stage.notes["group"]
    assert result.notes["at_least"] == "F=2, M=2"


def test_a_group_member_needed_for_the_minimum_is_not_excluded() -> None:
    # F needs 1 of 3 seats. F1 is lowest throughout, but the only F standing: the
    # lowest of the others is excluded instead, until F1 fills the last seat.
    text = blt(
        [(12, [2]), (8, [3]), (6, [4]), (5, [5]), (1, [1])],
        ["F1", "M1", "M2", "M3", "M4"],
        3,
        ["F", "M", "M", "M", "M"],
    )
    assert sorted(scottish(text).elected_names) == ["M1", "M2", "M3"]
    result = scottish(text, at_least={"F": 1})
    assert sorted(result.elected_names) == ["F1", "M1", "M2"]
    assert [s.excluded for s in result.stages if s.excluded] == [("M4",), ("M3",)]


def test_two_of_a_full_group_reaching_the_quota_together_elect_only_the_first() -> None:
    names = ["F1", "F2", "F3", "M1", "M2"]
    text = blt(
        [(30, [4]), (28, [5, 2]), (20, [1]), (15, [2]), (7, [3])],
        names,
        3,
        ["F", "F", "F", "M", "M"],
    )
    result = scottish(text, at_least={"F": 2})
    assert result.elected[0] == ("M1", 1)
    assert result.stages[1].excluded == ("M2",)
    assert sorted(result.elected_names) == ["F1", "F2", "M1"]


@pytest.mark.parametrize(
    ("at_least", "message"),
    [
        pytest.param({"X": 1}, "unknown candidate group 'X'", id="unknown-group"),
        pytest.param({"F": 4}, "has 3 candidates standing", id="more-than-its-candidates"),
        pytest.param({"F": -1}, "cannot have at least -1", id="negative"),
        pytest.param({"F": 3, "M": 2}, "add up to 5, more than 4", id="more-than-seats"),
    ],
)
def test_impossible_group_constraints_are_refused(at_least: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        scottish(PARITY, at_least=at_least)


def test_a_group_constraint_without_groups_in_the_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="groups: none given"):
        scottish(blt([(1, [1])], ABC, 1), at_least={"F": 1})


# --- invariants ------------------------------------------------------------------------


@st.composite
def elections(draw: st.DrawFn) -> tuple[Ballots, int, int]:
    n = draw(st.integers(2, 6))
    seats = draw(st.integers(1, n))
    ballot = st.tuples(
        st.integers(1, 5),
        st.permutations(list(range(1, n + 1))).flatmap(
            lambda order: st.integers(1, len(order)).map(lambda k: order[:k])
        ),
    )
    ballots = draw(st.lists(ballot, min_size=1, max_size=25))
    return ballots, n, seats


def names_for(n: int) -> list[str]:
    return [f"C{i}" for i in range(1, n + 1)]


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(elections())
def test_votes_are_conserved_at_every_stage(election: tuple[Ballots, int, int]) -> None:
    ballots, n, seats = election
    result = scottish(blt(ballots, names_for(n), seats), seed=1)
    assert result.valid_votes == sum(papers for papers, _ in ballots)
    for stage in result.stages:
        held = sum(stage.votes.values(), Decimal(0))
        assert held + stage.non_transferable + stage.rounding_loss == result.valid_votes
        assert stage.non_transferable >= 0
        assert stage.rounding_loss >= 0


@PROPERTY_SETTINGS
@given(elections())
def test_exactly_the_seats_are_filled_and_each_winner_earned_it(
    election: tuple[Ballots, int, int],
) -> None:
    ballots, n, seats = election
    result = scottish(blt(ballots, names_for(n), seats), seed=1)
    assert len(result.elected) == seats
    assert len(set(result.elected_names)) == seats
    last = result.stages[-1]
    for name, stage in result.elected:
        reached = result.stages[stage - 1].votes[name] >= result.quota  # type: ignore[operator]
        assert reached or (stage == last.number and "last vacancies" in last.notes)


@PROPERTY_SETTINGS
@given(elections(), st.integers(0, 2**32 - 1))
def test_the_count_is_deterministic_for_a_seed(
    election: tuple[Ballots, int, int], seed: int
) -> None:
    ballots, n, seats = election
    text = blt(ballots, names_for(n), seats)
    assert scottish(text, seed=seed) == scottish(text, seed=seed)


@PROPERTY_SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_never_changes_the_result(
    election: tuple[Ballots, int, int], rng: random.Random
) -> None:
    ballots, n, seats = election
    # The same papers, one per line and shuffled.
    papers: Ballots = [(1, prefs) for count_, prefs in ballots for _ in range(count_)]
    rng.shuffle(papers)
    names = names_for(n)
    assert scottish(blt(papers, names, seats), seed=3) == scottish(
        blt(ballots, names, seats), seed=3
    )


@PROPERTY_SETTINGS
@given(elections(), st.data())
def test_parity_always_gives_each_group_its_minimum(
    election: tuple[Ballots, int, int], data: st.DataObject
) -> None:
    ballots, n, seats = election
    groups = data.draw(st.lists(st.sampled_from("FM"), min_size=n, max_size=n))
    half = seats // 2
    if groups.count("F") < half or groups.count("M") < half:
        return  # cannot be met; refusing it is tested above
    at_least = {g: half for g in "FM" if half and g in groups}
    result = scottish(blt(ballots, names_for(n), seats, groups), seed=5, at_least=at_least)
    assert len(result.elected) == seats
    won = [groups[names_for(n).index(name)] for name in result.elected_names]
    for group, minimum in at_least.items():
        assert won.count(group) >= minimum
