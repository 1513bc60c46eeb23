"""The Schulze method (`count_schulze`): a full ranking of the options from ranked papers.

Pairwise counts: d[a][b] is the number of papers ranking a above b. An option
ranked on a paper is above every option left unranked on it; options left
unranked are level with each other. Withdrawn options are left out.

Strength of a direct link a -> b (a beats b, d[a][b] > d[b][a]):
* ``strength="winning"`` (the default, Schulze's own recommendation):
  winning votes, d[a][b];
* ``strength="margin"``: the margin, d[a][b] - d[b][a].
A path is as strong as its weakest link; p[a][b] is the strongest path from a
to b (widest path, Floyd-Warshall). a ranks above b when p[a][b] > p[b][a].
That relation is transitive, so the ranking is built by taking, again and
again, the options that no remaining option ranks above; when several remain
level, a seeded lot that the result records decides which goes first.
The first `seats` options of the ranking are elected (one by default).
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw, Stage
from asamblea.errors import InvalidInput

METHOD = "schulze"

Strength = Literal["winning", "margin"]
Matrix = npt.NDArray[np.int64]
_Cell = Callable[[int, int], int]


def pairwise(profile: Profile) -> Matrix:
    """d[a][b]: papers (times multiplicity) ranking a above b, over all candidates."""
    n = len(profile.candidates)
    rows, width = profile.rankings.shape
    # position[r, c]: where candidate c sits on row r; unranked and withdrawn sit at `width`.
    position = np.full((rows, n + 1), width, dtype=np.int64)
    ranks = np.where(profile.rankings < 0, n, profile.rankings).astype(np.intp)
    for column in reversed(range(width)):
        position[np.arange(rows), ranks[:, column]] = column
    position = position[:, :n]
    for c in profile.withdrawn:
        position[:, c] = width
    weights = profile.multiplicity.astype(np.int64)
    d = np.zeros((n, n), dtype=np.int64)
    for a in range(n):
        d[a] = ((position[:, a, None] < position) * weights[:, None]).sum(axis=0)
    return d


def strongest_paths(d: Matrix, options: list[int], strength: Strength) -> list[list[int]]:
    """p[a][b]: the strength of the strongest path from a to b among `options`."""
    n = d.shape[0]
    p = [[0] * n for _ in range(n)]
    for a in options:
        for b in options:
            if a != b and d[a, b] > d[b, a]:
                p[a][b] = int(d[a, b]) if strength == "winning" else int(d[a, b] - d[b, a])
    for via in options:
        for a in options:
            if a == via:
                continue
            for b in options:
                if b not in (a, via):
                    p[a][b] = max(p[a][b], min(p[a][via], p[via][b]))
    return p


def count_schulze(
    profile: Profile,
    *,
    seats: int | None = None,
    seed: int | None = None,
    strength: Strength = "winning",
) -> CountResult:
    """Rank the options of `profile` by Schulze; elect the first `seats` (one by default)."""
    if strength not in ("winning", "margin"):
        raise InvalidInput(f"Schulze strength must be 'winning' or 'margin', not {strength!r}")
    seats = 1 if seats is None else seats
    if seats < 1:
        raise InvalidInput(f"the number of seats must be at least 1, not {seats}")
    names = profile.candidates
    options = [c for c in range(len(names)) if c not in profile.withdrawn]
    if not options:
        raise InvalidInput("no option stands: every option is withdrawn")
    if seed is None:
        seed = secrets.randbits(32)
    rng = random.Random(seed)

    d = pairwise(profile)
    p = strongest_paths(d, options, strength)
    ranking: list[int] = []
    draws: list[Draw] = []
    remaining = list(options)
    while remaining:
        top = [a for a in remaining if all(p[b][a] <= p[a][b] for b in remaining)]
        chosen = top[0] if len(top) == 1 else top[rng.randrange(len(top))]
        if len(top) > 1:
            draws.append(
                Draw(1, f"rank {len(ranking) + 1}", tuple(names[c] for c in top), names[chosen])
            )
        ranking.append(chosen)
        remaining.remove(chosen)

    elected = ranking[:seats]
    beats = {a: sum(1 for b in options if p[a][b] > p[b][a]) for a in options}
    blank = int(profile.multiplicity[_blank_rows(profile)].sum())
    stage = Stage(
        number=1,
        action=(
            f"Pairwise comparison ({strength} strength): totals are the options each "
            f"beats by its strongest path; elected: {', '.join(names[c] for c in elected)}"
        ),
        kind="final",
        subject=(),
        votes={names[c]: Decimal(beats.get(c, 0)) for c in range(len(names))},
        transfers={names[c]: Decimal(0) for c in range(len(names))},
        non_transferable=Decimal(blank),
        rounding_loss=Decimal(0),
        elected=tuple(names[c] for c in elected),
        notes={
            "pairwise": _matrix_json(names, options, lambda a, b: int(d[a, b])),
            "strongest_paths": _matrix_json(names, options, lambda a, b: p[a][b]),
        },
    )
    return CountResult(
        method=METHOD,
        seats=seats,
        candidates=names,
        valid_votes=Decimal(profile.total_papers),
        quota=None,
        elected=tuple((names[c], 1) for c in elected),
        stages=(stage,),
        seed=seed,
        draws=tuple(draws),
        ranking=tuple(names[c] for c in ranking),
        title=profile.title,
        notes={
            "strength": strength,
            "ties": "options level in the Schulze relation are ordered by seeded lot",
        },
    )


def _blank_rows(profile: Profile) -> npt.NDArray[np.bool_]:
    """Rows that rank no standing option."""
    n = len(profile.candidates)
    standing = np.array([c not in profile.withdrawn for c in range(n)] + [False])
    ranks = np.where(profile.rankings < 0, n, profile.rankings).astype(np.intp)
    return np.logical_not(standing[ranks].any(axis=1))


def _matrix_json(names: tuple[str, ...], options: list[int], value: _Cell) -> str:
    return json.dumps(
        {names[a]: {names[b]: value(a, b) for b in options if b != a} for a in options}
    )
