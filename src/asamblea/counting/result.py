"""The outcome of a count, stage by stage, in the shape of an official result sheet.

Every method returns a `CountResult`. Vote totals are `Decimal` (exact); methods
that count whole papers use whole Decimals. Candidate keys are the names as
given in the ballot file.

STV counts can also give each candidate's `Pile`: the papers that gave them
their votes, with the value each carried for them (a countback recounts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Draw:
    """A tie the rules left to lot, and how the seeded draw settled it."""

    stage: int
    purpose: str  # e.g. "exclude", "elect", "surplus order"
    tied: tuple[str, ...]
    chosen: str


@dataclass(frozen=True)
class Stage:
    """One stage of a count: what happened and everyone's totals after it."""

    number: int
    action: str  # human sentence: "First preferences", "Surplus of X transferred", ...
    kind: str  # "first", "surplus", "exclusion", "round", "final"
    subject: tuple[str, ...]  # candidate(s) whose surplus/exclusion this stage is about
    votes: dict[str, Decimal]  # every candidate's total after this stage
    transfers: dict[str, Decimal]  # change in each candidate's total at this stage
    non_transferable: Decimal  # cumulative non-transferable papers' value
    rounding_loss: Decimal  # cumulative value lost to truncation
    elected: tuple[str, ...] = ()  # elected at this stage, in order
    excluded: tuple[str, ...] = ()  # excluded at this stage
    # Method-specific extras (Meek keep values, IRV round, ...), JSON-friendly.
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CountResult:
    """The full outcome of a count."""

    method: str
    seats: int
    candidates: tuple[str, ...]
    valid_votes: Decimal
    quota: Decimal | None
    elected: tuple[tuple[str, int], ...]  # (name, stage number) in order of election
    stages: tuple[Stage, ...]
    seed: int | None = None
    draws: tuple[Draw, ...] = ()
    # A full ranking of the options, for methods that produce one (Schulze).
    ranking: tuple[str, ...] = ()
    title: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def elected_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.elected)


@dataclass(frozen=True, eq=False)
class Pile:
    """Papers counted for one candidate, and the value they gave them.

    rankings: int32 array (rows, width), rows of the profile counted (each a
        distinct ranking, candidate indices best first, padded with -1);
    values: int64 array (rows,), the value row i gave the candidate: all its
        papers together, in units of 1/`scale` of a vote. Never negative; 0
        only for papers a Scottish surplus transfer left with no value.
    """

    rankings: npt.NDArray[np.int32]
    values: npt.NDArray[np.int64]
    scale: int

    @property
    def total(self) -> Decimal:
        """The pile's value in votes (exact)."""
        return Decimal(int(self.values.sum())) / self.scale
