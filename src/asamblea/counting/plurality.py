"""Plurality and block vote (`count_plurality`), and the mark counting approval shares.

For one seat, each paper's first preference gets one vote (first past the
post). For N seats (block vote), each paper's first N preferences get one vote
each. Withdrawn candidates are skipped, so the next preference takes their
place. The N candidates with the most votes are elected; a tie for the last
seat(s) is settled by a seeded lot that the result records.
"""

from __future__ import annotations

import random
import secrets
from decimal import Decimal

import numpy as np

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw, Stage
from asamblea.errors import InvalidInput

METHOD = "plurality"


def count_plurality(
    profile: Profile, *, seats: int | None = None, seed: int | None = None
) -> CountResult:
    """Count `profile` by plurality (block vote for several seats); `seed` drives any lot."""
    seats = resolve_seats(profile, seats)
    return count_marks(profile, seats, seed, depth=seats, method=METHOD)


def resolve_seats(profile: Profile, seats: int | None) -> int:
    """The seats asked for, else the ballot file's, else one; at least one."""
    if seats is None:
        seats = profile.seats if profile.seats is not None else 1
    if seats < 1:
        raise InvalidInput(f"the number of seats must be at least 1, not {seats}")
    return seats


def count_marks(
    profile: Profile, seats: int, seed: int | None, *, depth: int | None, method: str
) -> CountResult:
    """One vote to each of a paper's first `depth` standing candidates (all if None)."""
    names = profile.candidates
    n = len(names)
    standing = np.array([c not in profile.withdrawn for c in range(n)] + [False])
    ranks = np.where(profile.rankings < 0, n, profile.rankings).astype(np.intp)
    marked = standing[ranks]
    if depth is not None:
        marked &= np.cumsum(marked, axis=1) <= depth
    weights = np.broadcast_to(profile.multiplicity.astype(np.int64)[:, None], ranks.shape)
    votes = np.zeros(n + 1, dtype=np.int64)
    np.add.at(votes, ranks[marked], weights[marked])
    blank = int(profile.multiplicity[~marked.any(axis=1)].sum())

    if seed is None:
        seed = secrets.randbits(32)
    rng = random.Random(seed)
    candidates = [c for c in range(n) if standing[c]]
    ordered = sorted(candidates, key=lambda c: (-int(votes[c]), c))
    elected = ordered[:seats]
    draws: list[Draw] = []
    if len(ordered) > seats and votes[ordered[seats]] == votes[ordered[seats - 1]]:
        # Everyone level with the last seat's holder goes into the lot for the seats left.
        line = int(votes[ordered[seats - 1]])
        elected = [c for c in ordered if votes[c] > line]
        tied = [c for c in ordered if votes[c] == line]
        while len(elected) < seats:
            pool = tuple(names[c] for c in tied)
            chosen = tied.pop(rng.randrange(len(tied)))
            draws.append(Draw(1, "elect", pool, names[chosen]))
            elected.append(chosen)
    action = f"Votes counted; elected: {', '.join(names[c] for c in elected)}"
    stage = Stage(
        number=1,
        action=action,
        kind="first",
        subject=(),
        votes={names[c]: Decimal(int(votes[c])) for c in range(n)},
        transfers={names[c]: Decimal(int(votes[c])) for c in range(n)},
        non_transferable=Decimal(blank),
        rounding_loss=Decimal(0),
        elected=tuple(names[c] for c in elected),
        notes={"marks_counted_per_paper": "all" if depth is None else str(depth)},
    )
    return CountResult(
        method=method,
        seats=seats,
        candidates=names,
        valid_votes=Decimal(profile.total_papers),
        quota=None,
        elected=tuple((names[c], 1) for c in elected),
        stages=(stage,),
        seed=seed,
        draws=tuple(draws),
        title=profile.title,
        notes={"ties": "seeded lot among those level with the last seat"},
    )
