"""A ballot profile: the ballots of one contest, identical ballots counted once.

The profile is the shape every counting method takes. Ballots are kept
aggregated from parse to final stage: each distinct ranking appears once, with
its multiplicity (the sum of the weights of the papers that carry it).

Shape:
    rankings: int32 array (n_distinct, max_len); row i lists candidate indices
        (0-based, into `candidates`) in order of preference, padded with -1.
    multiplicity: int64 array (n_distinct,); how many papers (times their
        weight) carry ranking i. Always > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
RankArray = npt.NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class Profile:
    """The aggregated ballots of one contest and the facts given with them."""

    candidates: tuple[str, ...]
    rankings: RankArray
    multiplicity: IntArray
    seats: int | None = None
    title: str = ""
    # Party or group of each candidate (None where the file gives none).
    groups: tuple[str | None, ...] = ()
    # Candidates withdrawn before the count (indices); they are skipped on every paper.
    withdrawn: frozenset[int] = field(default_factory=frozenset)

    @property
    def total_papers(self) -> int:
        return int(self.multiplicity.sum())

    @property
    def distinct_rankings(self) -> int:
        return int(self.rankings.shape[0])
