"""The ballot paper rules: ranks and choices (no database; codes and trackers: tests/ballots)."""

from __future__ import annotations

import pytest

from asamblea.elections.ballots import (
    BallotProblem,
    Candidate,
    check_ballot,
    ranking_from_ranks,
)

CANDIDATES = [Candidate(11, "Ana"), Candidate(12, "Luis"), Candidate(13, "Rosa")]


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        pytest.param({11: "1", 12: "2", 13: "3"}, [11, 12, 13], id="full-ranking"),
        pytest.param({11: "2", 12: "1", 13: ""}, [12, 11], id="partial-ranking-in-rank-order"),
        pytest.param({11: " 1 ", 12: "", 13: ""}, [11], id="one-rank-spaces-forgiven"),
    ],
)
def test_ranks_become_a_ranking(ranks, expected):
    assert ranking_from_ranks(ranks) == expected


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        pytest.param({11: "1", 12: "1"}, "used more than once: 1", id="duplicate-rank"),
        pytest.param({11: "1", 12: "3"}, "missing: 2", id="gap-in-ranks"),
        pytest.param({11: "2"}, "missing: 1", id="no-first-choice"),
        pytest.param({11: "first"}, "is not a rank", id="not-a-number"),
        pytest.param({11: "0"}, "is not a rank", id="zero"),
        pytest.param({11: "-1"}, "is not a rank", id="negative"),
    ],
)
def test_bad_ranks_are_refused_with_what_to_change(ranks, message):
    with pytest.raises(BallotProblem, match=message):
        ranking_from_ranks(ranks)


@pytest.mark.parametrize(
    ("method", "seats", "choices", "stored"),
    [
        pytest.param("stv-scottish", 2, [13, 11], [13, 11], id="stv-keeps-order"),
        pytest.param("irv", 1, ["12"], [12], id="ids-as-text-accepted"),
        pytest.param("approval", 1, [13, 11], [11, 13], id="approval-is-a-set"),
        pytest.param("plurality", 2, [12, 11], [11, 12], id="block-vote-up-to-seats"),
        pytest.param("yes-no", 1, ["yes"], ["yes"], id="recall-yes"),
        pytest.param("yes-no", 1, ["no"], ["no"], id="recall-no"),
    ],
)
def test_good_ballots_are_stored_in_their_canonical_form(method, seats, choices, stored):
    assert check_ballot(method, seats, CANDIDATES, choices) == stored


@pytest.mark.parametrize(
    ("method", "seats", "choices", "message"),
    [
        pytest.param("stv-scottish", 2, [], "at least one", id="empty-ballot"),
        pytest.param("stv-scottish", 2, [11, 11], "only once", id="same-candidate-twice"),
        pytest.param("irv", 1, [99], "not a candidate", id="candidate-of-another-election"),
        pytest.param("irv", 1, ["11; drop"], "not a candidate", id="garbage-id"),
        pytest.param("irv", 1, [True], "from the list", id="boolean-not-an-id"),
        pytest.param("irv", 1, [None], "from the list", id="null-not-an-id"),
        pytest.param("plurality", 1, [11, 12], "at most 1", id="plurality-too-many"),
        pytest.param("yes-no", 1, ["maybe"], "yes or no", id="recall-maybe"),
        pytest.param("yes-no", 1, ["yes", "no"], "yes or no", id="recall-both"),
        pytest.param("yes-no", 1, [11], "yes or no", id="recall-candidate"),
        pytest.param("stv-scottish", 2, "11", "list of choices", id="not-a-list"),
    ],
)
def test_bad_ballots_are_refused_with_a_clear_message(method, seats, choices, message):
    with pytest.raises(BallotProblem, match=message):
        check_ballot(method, seats, CANDIDATES, choices)
