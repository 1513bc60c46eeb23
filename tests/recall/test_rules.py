"""Signatures needed, quorum and majority of a recall vote."""

from __future__ import annotations

from decimal import Decimal

import pytest

from asamblea.recall.rules import recall_outcome, signatures_needed


@pytest.mark.parametrize(
    ("electorate", "share", "needed"),
    [
        pytest.param(100, Decimal("0.25"), 25, id="a-quarter-of-100-is-25"),
        pytest.param(101, Decimal("0.25"), 26, id="rounded-up-never-down"),
        pytest.param(3, Decimal("0.25"), 1, id="a-tiny-base-needs-one"),
        pytest.param(0, Decimal("0.25"), 1, id="never-zero-signatures"),
        pytest.param(7, Decimal("0.333"), 3, id="a-third-set-as-0.333"),
        pytest.param(10, Decimal("1"), 10, id="everyone"),
    ],
)
def test_signatures_needed(electorate: int, share: Decimal, needed: int) -> None:
    assert signatures_needed(electorate, share) == needed


OUTCOMES = [
    # electorate, voted, yes, no, quorum, majority, quorum_met, majority_met
    pytest.param(10, 5, 3, 2, "0.5", "0.5", True, True, id="half-turnout-meets-the-quorum"),
    pytest.param(10, 4, 4, 0, "0.5", "0.5", False, True, id="below-quorum-fails-however-unanimous"),
    pytest.param(10, 6, 3, 3, "0.5", "0.5", True, False, id="a-tie-is-not-a-majority"),
    pytest.param(11, 6, 4, 2, "0.5", "0.5", True, True, id="six-of-eleven-is-over-half"),
    pytest.param(11, 5, 4, 1, "0.5", "0.5", False, True, id="five-of-eleven-is-under-half"),
    pytest.param(9, 9, 6, 3, "0.5", "0.667", True, False, id="two-thirds-needs-more-than-6-of-9"),
    pytest.param(9, 9, 7, 2, "0.5", "0.667", True, True, id="seven-of-nine-beats-two-thirds"),
    pytest.param(10, 2, 2, 0, "0.2", "0.5", True, True, id="a-federation-with-a-low-quorum"),
    pytest.param(0, 0, 0, 0, "0.5", "0.5", False, False, id="nobody-to-vote-nothing-passes"),
]


@pytest.mark.parametrize(
    ("electorate", "voted", "yes", "no", "quorum", "majority", "quorum_met", "majority_met"),
    OUTCOMES,
)
def test_recall_outcome(
    electorate: int,
    voted: int,
    yes: int,
    no: int,
    quorum: str,
    majority: str,
    quorum_met: bool,
    majority_met: bool,
) -> None:
    outcome = recall_outcome(
        electorate=electorate,
        voted=voted,
        yes=yes,
        no=no,
        quorum=Decimal(quorum),
        majority=Decimal(majority),
    )
    assert (outcome.quorum_met, outcome.majority_met) == (quorum_met, majority_met)
    assert outcome.passed == (quorum_met and majority_met)
    assert outcome.to_json()["passed"] == outcome.passed


def test_inconsistent_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        recall_outcome(electorate=5, voted=6, yes=3, no=3)
