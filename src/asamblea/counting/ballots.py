"""Build a `Profile` from rankings: the public way to hand ballots to the engine.

The ballot readers (`blt`, `csvballots`) use these, and so does any caller that
holds rankings of its own (published ballots, a motion's votes, a countback's
papers). Rankings are tuples of candidate indices (0-based, into the profile's
`candidates`), best first.

    matrix, papers = rankings_to_arrays({(0, 2): 5, (1,): 3})
    profile = build_profile(candidates=("A", "B", "C"), matrix=matrix, papers=papers, seats=1)
"""

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
    """The arrays `build_profile` takes, for a mapping ranking -> number of papers.

    Returns (matrix, papers): one row per ranking, in the mapping's order, padded
    with -1 to the longest ranking (at least one column), and the papers of each
    row. An empty mapping gives a (0, 1) matrix.
    """
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

    Rows are -1-padded rankings (preferences first) and `papers` the number of
    papers carrying each row; rows with no preference are dropped, equal rows are
    merged and the result sorted, so the order ballots came in never shows in the
    profile. `groups` gives each candidate's group (default: none), `withdrawn`
    the indices of candidates withdrawn before the count. Callers check their
    input (indices in range, no candidate twice on a row, papers at least 1 and
    at most `MAX_WEIGHT` per ballot line); this function does not.
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
