"""The numbers of a recall: signatures needed, and whether a recall vote passed.
Pure (no Django); shares are exact (Decimal or Fraction), never floats.

Defaults (DOMAIN.md, after Peru's Ley 26300): a quarter of the verified members
sign; the recall passes with more than half of the valid votes, provided at
least half of the electorate voted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

DEFAULT_THRESHOLD = Decimal("0.25")
DEFAULT_QUORUM = Decimal("0.5")
DEFAULT_MAJORITY = Decimal("0.5")


def signatures_needed(electorate: int, share: Decimal | Fraction) -> int:
    """ceil(share x electorate), and at least one signature."""
    return max(1, math.ceil(Fraction(share) * electorate))


@dataclass(frozen=True)
class RecallOutcome:
    """The result of a recall vote: the figures and the two tests."""

    electorate: int
    voted: int
    yes: int
    no: int
    quorum: Decimal
    majority: Decimal
    quorum_met: bool
    majority_met: bool

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.majority_met

    @property
    def valid(self) -> int:
        return self.yes + self.no

    def to_json(self) -> dict[str, object]:
        return {
            "electorate": self.electorate,
            "voted": self.voted,
            "yes": self.yes,
            "no": self.no,
            "valid": self.valid,
            "quorum": str(self.quorum),
            "majority": str(self.majority),
            "quorum_met": self.quorum_met,
            "majority_met": self.majority_met,
            "passed": self.passed,
        }


def recall_outcome(
    *,
    electorate: int,
    voted: int,
    yes: int,
    no: int,
    quorum: Decimal = DEFAULT_QUORUM,
    majority: Decimal = DEFAULT_MAJORITY,
) -> RecallOutcome:
    """Quorum: voted >= quorum x electorate (and someone voted). Majority: yes > majority x
    valid votes (yes + no)."""
    if min(electorate, voted, yes, no) < 0 or yes + no > voted or voted > electorate:
        raise ValueError(
            f"inconsistent recall figures: electorate {electorate}, voted {voted}, "
            f"yes {yes}, no {no}"
        )
    quorum_met = voted > 0 and Fraction(voted) >= Fraction(quorum) * electorate
    majority_met = Fraction(yes) > Fraction(majority) * (yes + no)
    return RecallOutcome(
        electorate=electorate,
        voted=voted,
        yes=yes,
        no=no,
        quorum=quorum,
        majority=majority,
        quorum_met=quorum_met,
        majority_met=majority_met,
    )
