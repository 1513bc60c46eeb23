"""Countback: the papers that elected the departing member, recounted Hare-Clark style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidInput
from asamblea.recall.countback import (
    Papers,
    countback,
    next_highest,
    papers_that_elected,
    profile_from_rankings,
)


def ballots(spec: Sequence[tuple[int, str]], candidates: str = "ABCDE") -> Profile:
    """A profile from (papers, "ABC") over one-letter candidates."""
    rankings = [tuple(candidates.index(c) for c in r) for n, r in spec for _ in range(n)]
    return profile_from_rankings(tuple(candidates), rankings)


def anyone(name: str) -> bool:
    return True


def papers_of(papers: Papers) -> dict[str, Decimal]:
    """{"AC": value} for readable assertions."""
    return {
        "".join(papers.candidates[c] for c in ranking): Decimal(v) / papers.scale
        for ranking, v in papers.rows
    }


# Two seats, quota 12 // 3 + 1 = 5. A is elected on first preferences (7), C after the
# surplus and exclusions. B polled more first preferences than D, but A's voters chose D.
TWO_SEATS = [(5, "AC"), (2, "AD"), (3, "BE"), (2, "CB")]


def test_scottish_pile_of_a_candidate_elected_on_first_preferences_is_their_first_preferences() -> (
    None
):
    profile = ballots(TWO_SEATS)
    papers, rerun = papers_that_elected(profile, "stv-scottish", "A", seats=2, seed=1)
    assert rerun.elected_names == ("A", "C")
    assert papers_of(papers) == {"AC": 5, "AD": 2}


def test_countback_follows_the_departing_members_voters_not_the_runner_up() -> None:
    profile = ballots(TWO_SEATS)
    papers, _ = papers_that_elected(profile, "stv-scottish", "A", seats=2, seed=1)
    result = countback(papers, not_standing={"A", "C"}, eligible=anyone, seed=7)
    assert result.winner == "D"
    assert result.standing == ("B", "D", "E")
    # The simpler rule, re-running the whole count without them, would have picked B.
    rerun = count(replace(profile, withdrawn=frozenset({0, 2})), "irv", seats=1, seed=1)
    assert rerun.elected_names == ("B",)


COUNTBACK_CASES = [
    pytest.param(
        [(4, "ACD"), (3, "ADC"), (2, "AE")],
        {"A"},
        "",
        "C",
        id="majority-on-first-round",
    ),
    pytest.param(
        [(4, "AC"), (3, "AD"), (2, "AED")],
        {"A"},
        "",
        "D",
        id="lowest-excluded-until-a-majority",
    ),
    pytest.param(
        [(4, "ACD"), (3, "AD"), (2, "AE")],
        {"A"},
        "C",
        "D",
        id="countback-that-would-elect-someone-already-seated-skips-them",
    ),
    pytest.param(
        [(4, "AB"), (3, "AB")],
        {"A", "C", "D", "E"},
        "",
        "B",
        id="only-one-candidate-left-and-the-papers-rank-them",
    ),
    pytest.param(
        [(4, "AC"), (3, "AD")],
        {"A", "C", "D"},
        "",
        None,
        id="papers-rank-nobody-left-so-a-by-election",
    ),
    pytest.param(
        [(4, "AC"), (3, "AD")],
        {"A", "C", "D"},
        "BE",
        None,
        id="no-runner-up-left-so-a-by-election",
    ),
]


@pytest.mark.parametrize(("spec", "not_standing", "ineligible", "winner"), COUNTBACK_CASES)
def test_countback_table(
    spec: list[tuple[int, str]], not_standing: set[str], ineligible: str, winner: str | None
) -> None:
    profile = ballots(spec)
    papers, _ = papers_that_elected(profile, "stv-scottish", "A", seats=1, seed=3)
    result = countback(
        papers, not_standing=not_standing, eligible=lambda n: n not in ineligible, seed=3
    )
    assert result.winner == winner


def test_papers_transferred_to_the_departing_member_come_at_their_transfer_value() -> None:
    # Quota 4 (9 // 3 + 1 = 4). C: 6 first preferences, surplus 2 → each C paper goes on
    # at 2/6; B reaches the quota with 3 + 6 x 0.33333 = 4.99998.
    profile = ballots([(6, "CBD"), (3, "BE")])
    papers, rerun = papers_that_elected(profile, "stv-scottish", "B", seats=2, seed=1)
    assert rerun.elected_names == ("C", "B")
    assert papers_of(papers) == {"BE": Decimal(3), "CBD": Decimal("1.99998")}
    stage = next(s for s in rerun.stages if "B" in s.elected)
    assert papers.value == stage.votes["B"]
    # B's own voters (E) outweigh the C voters' third choice (D).
    result = countback(papers, not_standing={"B", "C"}, eligible=anyone, seed=1)
    assert result.winner == "E"
    assert result.count is not None
    first = result.count.stages[0].votes
    assert (first["E"], first["D"]) == (Decimal(3), Decimal("1.99998"))


def test_irv_pile_is_the_winners_papers_at_the_last_round() -> None:
    profile = ballots([(4, "AB"), (3, "BA"), (2, "CB"), (1, "DC")])
    papers, rerun = papers_that_elected(profile, "irv", "B", seats=1, seed=1)
    assert rerun.elected_names == ("B",)
    # D's paper (D, C) went to C, then exhausted when C was excluded: not B's.
    assert papers_of(papers) == {"BA": 3, "CB": 2}
    assert papers.value == rerun.stages[-1].votes["B"]


def test_meek_pile_is_what_each_paper_gives_the_member_at_the_end() -> None:
    profile = ballots([(6, "CBD"), (3, "BE"), (2, "DE")])
    papers, rerun = papers_that_elected(profile, "stv-meek", "C", seats=2, seed=1)
    assert "C" in rerun.elected_names
    assert papers.value == rerun.stages[-1].votes["C"]
    result = countback(papers, not_standing=set(rerun.elected_names), eligible=anyone, seed=1)
    assert result.winner == "D"


def test_a_second_vacancy_counts_back_from_the_papers_that_elected_the_replacement() -> None:
    profile = ballots([(4, "ACD"), (3, "ADC"), (2, "AEC")])
    papers, _ = papers_that_elected(profile, "stv-scottish", "A", seats=1, seed=3)
    first = countback(papers, not_standing={"A"}, eligible=anyone, seed=3)
    assert first.winner == "C"
    assert first.winner_papers is not None
    # C won on their own 4 papers plus the 2 that came from E when E was excluded.
    assert papers_of(first.winner_papers) == {"ACD": 4, "AEC": 2}
    # C leaves too: those papers go on to D (4) and E (2).
    second = countback(
        Papers.from_json(first.winner_papers.to_json()),
        not_standing={"A", "C"},
        eligible=anyone,
        seed=3,
    )
    assert second.winner == "D"


def test_ties_are_broken_by_a_recorded_seeded_lot() -> None:
    profile = ballots([(2, "AB"), (2, "AC"), (1, "AD"), (1, "ADE")])
    papers, _ = papers_that_elected(profile, "stv-scottish", "A", seats=1, seed=1)
    outcomes = set()
    for seed in range(6):
        result = countback(papers, not_standing={"A"}, eligible=anyone, seed=seed)
        assert result.count is not None
        assert result.count.seed == seed
        assert result.count.draws, "B, C and D tie at every round: the lot decides"
        again = countback(papers, not_standing={"A"}, eligible=anyone, seed=seed)
        assert again.winner == result.winner
        outcomes.add(result.winner)
    assert outcomes <= {"B", "C", "D"}


def test_a_rerun_that_does_not_elect_the_departing_member_is_refused() -> None:
    profile = ballots(TWO_SEATS)
    with pytest.raises(InvalidInput, match="does not elect"):
        papers_that_elected(profile, "stv-scottish", "B", seats=2, seed=1)


def test_unranked_ballots_cannot_be_counted_back() -> None:
    with pytest.raises(InvalidInput, match="not ranked"):
        papers_that_elected(ballots(TWO_SEATS), "plurality", "A", seats=2, seed=1)


def test_unranked_ballots_take_the_next_highest_eligible_candidate() -> None:
    profile = ballots([(5, "AB"), (4, "BC"), (3, "C"), (1, "D")])
    result = next_highest(profile, "approval", not_standing={"A", "B"}, eligible=anyone, seed=1)
    assert result.winner == "C"
    skipped = next_highest(
        profile, "approval", not_standing={"A", "B"}, eligible=lambda n: n != "C", seed=1
    )
    assert skipped.winner == "D"
    nobody = next_highest(
        profile, "plurality", not_standing={"A", "B", "C", "D"}, eligible=anyone, seed=1
    )
    assert nobody.winner is None


def test_the_public_facts_of_a_countback_name_no_voter() -> None:
    profile = ballots(TWO_SEATS)
    papers, _ = papers_that_elected(profile, "stv-scottish", "A", seats=2, seed=1)
    facts = countback(papers, not_standing={"A", "C"}, eligible=anyone, seed=7).to_json()
    assert facts["winner"] == "D"
    assert facts["stages"][0]["votes"] == {"B": "0", "D": "2", "E": "0"}
    assert facts["seed"] == 7


# --- properties -------------------------------------------------------------------------

rankings = st.lists(
    st.permutations(range(5)).flatmap(lambda p: st.integers(1, 5).map(lambda k: tuple(p[:k]))),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(rankings, st.integers(1, 3), st.sampled_from(["stv-scottish", "stv-meek"]))
def test_each_elected_members_pile_holds_exactly_their_votes_when_elected(
    papers_list: list[tuple[int, ...]], seats: int, method: str
) -> None:
    profile = profile_from_rankings(tuple("ABCDE"), papers_list)
    result = count(profile, method, seats=seats, seed=5)
    for name, stage_number in result.elected:
        papers, rerun = papers_that_elected(profile, method, name, seats=seats, seed=5)
        assert rerun.elected_names == result.elected_names
        stage = result.stages[stage_number - 1] if method == "stv-scottish" else result.stages[-1]
        assert papers.value == stage.votes[name]
        outcome = countback(papers, not_standing=result.elected_names, eligible=anyone, seed=5)
        if outcome.winner is not None:
            assert outcome.winner not in result.elected_names
            assert outcome.count is not None
            final = outcome.count.stages[-1]
            in_play = sum(final.votes.values(), Decimal(0))
            # Elected with more than half of the value still in play, or as the last left.
            assert (
                2 * final.votes[outcome.winner] > in_play
                or len(outcome.standing)
                - len([n for s in outcome.count.stages for n in s.excluded])
                == 1
            )


# --- papers a countback publishes when the election's papers were cut -----------------


def test_a_countback_publishes_its_papers_as_far_as_it_read_them_and_no_shorter() -> None:
    from asamblea.counting.truncate import count_truncated
    from asamblea.recall.countback import extends, shown_papers

    whole = ballots(TWO_SEATS)
    _result, cut = count_truncated(whole, "stv-scottish", seats=2, seed=1)
    papers, _ = papers_that_elected(whole, "stv-scottish", "A", seats=2, seed=1)
    known, _ = papers_that_elected(cut, "stv-scottish", "A", seats=2, seed=1)
    # The election's count read A's papers on to C and D (A's surplus): they show that much.
    assert papers_of(known) == {"AC": Decimal(5), "AD": Decimal(2)}
    # A leaves, C holds the other seat: the AD papers go to D, the AC papers run out
    # after C (nothing more on them): the countback reads no further than the election.
    result = countback(papers, not_standing={"A", "C"}, eligible=anyone, seed=1)
    assert result.winner == "D"
    shown = shown_papers(papers, result, known)
    assert papers_of(shown) == {"AC": Decimal(5), "AD": Decimal(2)}
    assert extends(shown, known) is None
    assert countback(shown, not_standing={"A", "C"}, eligible=anyone, seed=1).to_json() == (
        result.to_json()
    )


def test_a_countback_reading_further_than_the_election_shows_more() -> None:
    from asamblea.recall.countback import extends, read_depths, shown_papers

    names = ("A", "B", "C", "D")
    papers = Papers(names, (((0, 1, 2), 3), ((0, 1, 3), 2), ((0, 2, 3), 1)), scale=1)
    known = Papers(names, (((0,), 6),), scale=1)  # the election read no further than A
    result = countback(papers, not_standing={"A", "B"}, eligible=anyone, seed=1)
    assert read_depths(papers, result) == {(0, 1, 2): 3, (0, 1, 3): 3, (0, 2, 3): 2}
    shown = shown_papers(papers, result, known)
    assert shown.rows == (((0, 1, 2), 3), ((0, 1, 3), 2), ((0, 2), 1))
    assert extends(shown, known) is None
    nobody = countback(papers, not_standing={"A", "B", "C", "D"}, eligible=anyone)
    assert set(read_depths(papers, nobody).values()) == {0}


@pytest.mark.parametrize(
    ("shown_rows", "problem"),
    [
        pytest.param((((1, 0), 6),), "starts no paper", id="a-paper-of-someone-else"),
        pytest.param((((0, 1), 5),), "carry 5, not 6", id="value-missing"),
        pytest.param((((0, 1), 6), ((0, 2), 1)), "carry 7, not 6", id="value-added"),
    ],
)
def test_countback_papers_that_do_not_extend_the_elections_papers_are_caught(
    shown_rows: tuple[tuple[tuple[int, ...], int], ...], problem: str
) -> None:
    from asamblea.recall.countback import extends

    names = ("A", "B", "C")
    known = Papers(names, (((0,), 6),), scale=1)
    message = extends(Papers(names, shown_rows, scale=1), known)
    assert message is not None and problem in message
    assert "same candidates" in (extends(Papers(("A", "B"), (), scale=1), known) or "")
