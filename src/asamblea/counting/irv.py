"""Instant-runoff voting for one seat (`count_irv`), on aggregated ballots.

Each round, every paper counts whole for its highest-ranked continuing
candidate. A candidate with more than half of the papers still in play (the
continuing votes, not counting exhausted papers) is elected; otherwise the
candidate with the fewest votes is excluded and their papers pass on. When one
candidate is left they are elected.

Ties for exclusion are broken by the most recent earlier round at which the
tied candidates had different totals (the one with fewer then is excluded),
and failing that by a seeded lot that the result records.
"""

from __future__ import annotations

import random
import secrets
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw, Stage
from asamblea.errors import InvalidInput

METHOD = "irv"

Counts = npt.NDArray[np.int64]


def first_choices(profile: Profile, continuing: npt.NDArray[np.bool_]) -> tuple[Counts, int]:
    """Papers per candidate at their top continuing preference, and papers with none left."""
    n = len(profile.candidates)
    ranks = np.where(profile.rankings < 0, n, profile.rankings).astype(np.intp)
    live = np.append(continuing, False)[ranks]
    has_choice = live.any(axis=1)
    rows = np.nonzero(has_choice)[0]
    votes = np.zeros(n, dtype=np.int64)
    if rows.size:  # argmax refuses rows of width 0 (every paper blank)
        top = ranks[rows, live[rows].argmax(axis=1)]
        np.add.at(votes, top, profile.multiplicity[rows].astype(np.int64))
    exhausted = int(profile.multiplicity[~has_choice].sum())
    return votes, exhausted


def count_irv(
    profile: Profile, *, seats: int | None = None, seed: int | None = None
) -> CountResult:
    """Count `profile` by instant-runoff for one seat; `seed` drives any lot."""
    if seats is not None and seats != 1:
        raise InvalidInput(
            f"instant-runoff fills one seat, not {seats}; use stv-scottish or stv-meek for more"
        )
    names = profile.candidates
    n = len(names)
    continuing = np.array([c not in profile.withdrawn for c in range(n)], dtype=np.bool_)
    if not continuing.any():
        raise InvalidInput("no candidate stands: every candidate is withdrawn")
    if seed is None:
        seed = secrets.randbits(32)
    rng = random.Random(seed)
    history: list[Counts] = []
    stages: list[Stage] = []
    draws: list[Draw] = []
    excluded: tuple[str, ...] = ()
    winner: int | None = None
    while winner is None:
        number = len(stages) + 1
        votes, exhausted = first_choices(profile, continuing)
        in_play = int(votes.sum())
        standing = [int(c) for c in np.nonzero(continuing)[0]]
        leader = max(standing, key=lambda c: int(votes[c]))
        if 2 * int(votes[leader]) > in_play or len(standing) == 1:
            winner = leader
        previous = history[-1] if history else np.zeros(n, dtype=np.int64)
        action = "First preferences" if number == 1 else f"{excluded[0]} excluded"
        if winner is not None:
            action += f"; {names[winner]} elected"
        stages.append(
            Stage(
                number=number,
                action=action,
                kind="first" if number == 1 else "exclusion",
                subject=excluded,
                votes={names[c]: Decimal(int(votes[c])) for c in range(n)},
                transfers={names[c]: Decimal(int(votes[c] - previous[c])) for c in range(n)},
                non_transferable=Decimal(exhausted),
                rounding_loss=Decimal(0),
                elected=(names[winner],) if winner is not None else (),
                excluded=excluded,
                notes={"continuing_votes": str(in_play), "majority": str(in_play // 2 + 1)},
            )
        )
        history.append(votes)
        if winner is None:
            loser = _lowest(standing, history, rng, draws, number + 1, names)
            continuing[loser] = False
            excluded = (names[loser],)
    return CountResult(
        method=METHOD,
        seats=1,
        candidates=names,
        valid_votes=Decimal(profile.total_papers),
        quota=None,
        elected=((names[winner], len(stages)),),
        stages=tuple(stages),
        seed=seed,
        draws=tuple(draws),
        title=profile.title,
        notes={
            "rule": "more than half of the continuing votes; one candidate left is elected",
            "ties": "most recent earlier round that differs, then seeded lot",
        },
    )


def _lowest(
    standing: list[int],
    history: list[Counts],
    rng: random.Random,
    draws: list[Draw],
    stage: int,
    names: tuple[str, ...],
) -> int:
    """The candidate to exclude: fewest votes, then fewest at the latest round that differs."""
    current = history[-1]
    fewest = min(int(current[c]) for c in standing)
    tied = [c for c in standing if current[c] == fewest]
    for totals in reversed(history[:-1]):
        if len(tied) == 1:
            break
        fewest = min(int(totals[c]) for c in tied)
        tied = [c for c in tied if totals[c] == fewest]
    if len(tied) == 1:
        return tied[0]
    chosen = tied[rng.randrange(len(tied))]
    draws.append(Draw(stage, "exclude", tuple(names[c] for c in tied), names[chosen]))
    return chosen
