"""Turn parsed rankings into a Profile's arrays (shared by the ballot readers)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from asamblea.counting.profile import Profile

# Papers per ballot line at most: keeps exact counts (papers x 10^5 x 10^5) in 64 bits.
MAX_WEIGHT = 10**8


def rankings_to_arrays(
    rankings: Mapping[tuple[int, ...], int],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """(matrix padded with -1, papers) for a mapping ranking -> papers."""
    width = max(max((len(ranking) for ranking in rankings), default=0), 1)
    padding = (-1,) * width
    matrix = np.array(
        [ranking + padding[len(ranking) :] for ranking in rankings], dtype=np.int32
    ).reshape(len(rankings), width)
    papers = np.fromiter(rankings.values(), dtype=np.int64, count=len(rankings))
    return matrix, papers


def build_profile(
    *,
    candidates: tuple[str, ...],
    matrix: npt.NDArray[np.int32],
    papers: npt.NDArray[np.int64],
    seats: int | None,
    title: str = "",
    groups: tuple[str | None, ...] = (),
    withdrawn: frozenset[int] = frozenset(),
) -> Profile:
    """A Profile of the distinct non-empty rows of `matrix`, sorted, with summed papers.

    Rows are -1-padded rankings (preferences first); equal rows are merged and the
    result sorted, so the order ballots came in never shows in the profile.
    """
    keep = matrix[:, 0] >= 0
    matrix, papers = matrix[keep], papers[keep]
    base = len(candidates) + 1
    if matrix.shape[1] * math.log2(base) < 62:
        # One integer per row (its preferences as digits, -1 as 0): sorting these is
        # far cheaper than sorting rows, and gives the same (lexicographic) order.
        keys = np.zeros(matrix.shape[0], dtype=np.int64)
        for column in range(matrix.shape[1]):
            keys = keys * base + (matrix[:, column] + 1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        unique = matrix[first]
    else:
        unique, inverse = np.unique(matrix, axis=0, return_inverse=True)
    multiplicity = np.zeros(unique.shape[0], dtype=np.int64)
    np.add.at(multiplicity, inverse.reshape(-1), papers)
    # Trim columns that only hold padding (after withdrawn candidates were dropped).
    used = int((unique >= 0).sum(axis=1).max()) if unique.size else 1
    return Profile(
        candidates=candidates,
        rankings=np.ascontiguousarray(unique[:, : max(used, 1)], dtype=np.int32),
        multiplicity=multiplicity,
        seats=seats,
        title=title,
        groups=groups or (None,) * len(candidates),
        withdrawn=withdrawn,
    )
