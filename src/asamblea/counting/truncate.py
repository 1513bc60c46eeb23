"""Papers cut to what the count read of them: publish no more of a ballot than was used.

A published ranked paper is a fingerprint: a long ranking is often unique, so
a coercer can ask for one and look for it after the close. But a count never
reads most of a paper. For each paper the count reads its preferences from the
first, and stops at the candidate it settles on; what follows was never looked
at and changed no total. `count_truncated` counts a profile and returns the
papers cut after the last preference the count looked at, and recounting those
papers gives exactly the same result: the same stages, totals, quota,
elected candidates, lots and notes (tests/counting/test_truncate.py checks it
on the Glasgow 2022 wards and on random profiles).

How deep the count reads a paper (its *depth*), by method:

- `stv-scottish`: transfers (surpluses, exclusions) move a paper on to its next
  continuing preference. The depth is the position of the candidate holding it
  at the end of the count, or its whole ranking if it was exhausted (every
  preference was read and found excluded or elected). Papers that stay with a
  candidate whose surplus is never transferred are read no further. Every
  paper of a surplus is examined (the Scottish rules have no last-parcel rule),
  so this covers the piles too.
- `stv-meek`: at every pass of every stage, every paper runs down its
  preferences, each elected candidate keeping its share, until a hopeful
  candidate takes the rest (or an elected one keeps the last unit). The depth
  is the last position any pass reached with value left on the paper: its
  maximum over all passes, since an elected candidate's keep value changes
  from pass to pass.
- `irv`: each round counts a paper for its highest continuing candidate; the
  continuing candidates only shrink, so the depth is that position at the last
  round (or the whole ranking if the paper ran out).
- `schulze` compares every pair of candidates on every paper: it uses the
  whole ranking, down to which candidates a paper leaves unranked, so nothing
  can be cut. `plurality` and `approval` papers are sets of marks, all of which
  count. These methods return the papers unchanged.

Why the recount is the same: two papers that agree on their first d
preferences travel together (same holder, same value, same share kept) for as
long as the count reads no further than d, so the cut papers, merged where
they became equal, carry the same values to the same candidates at every step;
ties are broken by earlier totals (the same) and lots from the same seed are
drawn in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from asamblea.counting.ballots import build_profile
from asamblea.counting.irv import count_irv
from asamblea.counting.meek import count_meek_with_depths
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult
from asamblea.counting.stv_scottish import count_stv_scottish_with_depths

# The methods whose papers can be cut short; the others read every mark.
TRUNCATING = frozenset({"stv-scottish", "stv-meek", "irv"})

Depths = npt.NDArray[np.int64]


def lengths(profile: Profile) -> Depths:
    """The number of preferences on each row of `profile`."""
    counted: Depths = (profile.rankings >= 0).sum(axis=1).astype(np.int64)
    return counted


def count_with_depths(
    profile: Profile,
    method: str,
    *,
    seats: int,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> tuple[CountResult, Depths]:
    """Count `profile` by `method`; also how many preferences of each row the count read."""
    if method == "stv-scottish":
        return count_stv_scottish_with_depths(profile, seats=seats, seed=seed, at_least=at_least)
    if method == "stv-meek":
        return count_meek_with_depths(profile, seats, seed=seed, at_least=at_least)
    if method == "irv":
        result = count_irv(profile, seats=seats, seed=seed)
        return result, _irv_depths(profile, result)
    return count(profile, method, seats=seats, seed=seed, at_least=at_least), lengths(profile)


def truncate(profile: Profile, depths: Depths) -> Profile:
    """`profile` with each row cut after `depths[row]` preferences, equal rows merged."""
    columns = np.arange(profile.rankings.shape[1])
    matrix = np.where(columns[None, :] < depths[:, None], profile.rankings, -1).astype(np.int32)
    return build_profile(
        candidates=profile.candidates,
        matrix=matrix,
        papers=profile.multiplicity,
        seats=profile.seats,
        title=profile.title,
        groups=profile.groups,
        withdrawn=profile.withdrawn,
    )


def count_truncated(
    profile: Profile,
    method: str,
    *,
    seats: int,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> tuple[CountResult, Profile]:
    """Count `profile`; also its papers cut to what the count read (see the module)."""
    result, depths = count_with_depths(profile, method, seats=seats, seed=seed, at_least=at_least)
    return result, truncate(profile, depths)


def unique_papers(profile: Profile) -> int:
    """Papers whose ranking no other paper carries: the ones that could identify a voter."""
    return int((profile.multiplicity == 1).sum())


def _irv_depths(profile: Profile, result: CountResult) -> Depths:
    """Each row read down to its highest candidate still continuing at the last round."""
    names = profile.candidates
    gone = set(profile.withdrawn)
    for stage in result.stages:
        gone.update(names.index(name) for name in stage.excluded)
    continuing = np.array([c not in gone for c in range(len(names))] + [False])
    live = continuing[profile.rankings]  # -1 reads the last entry: False
    found = live.any(axis=1)
    return np.where(found, live.argmax(axis=1) + 1, lengths(profile)).astype(np.int64)
