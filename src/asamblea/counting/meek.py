"""STV by Meek's method, New Zealand convention by default (`count_meek`).

Meek's method gives every candidate a *keep value*: the share of each vote
reaching them that they keep, passing the rest to the next preference. A
hopeful candidate keeps everything (1), an excluded one nothing (0), and an
elected one just enough to hold the quota; keep values are refined by
iteration until the elected candidates' surpluses are negligible.

The arithmetic follows the New Zealand convention (Local Electoral Regulations
2001, Schedule 1A, and the Hill-Wichmann-Woodall algorithm it derives from):

* Precision: fixed point with 9 decimal places, held as exact integers
  (never floats). `places` may lower it; 9 is also the most that exact int64
  arrays allow.
* Quota: (valid votes - non-transferable votes) / (seats + 1), truncated to
  9 decimals, plus 0.000000001; recomputed after every distribution. A
  candidate is elected on reaching (equal to or above) the quota.
* Distribution: a paper arrives at a candidate with value w; the candidate
  keeps w x keep value, rounded *up* to 9 decimals, and the paper goes on
  with the exact remainder (as Hill's implementation and the NZ calculator
  do; the Schedule's text also rounds the passed-on value up, which can
  create value). Nothing is created or lost to rounding, so every stage
  satisfies: sum of all totals + non-transferable = valid votes, exactly.
* Keep values: new = (old x quota, rounded up) / votes, rounded up; never
  above 1.
* Convergence: after each pass of a stage (new keep values, then a
  distribution), the iteration stops at the first of these that holds:
  1. a hopeful candidate has reached the quota ("elected");
  2. the total surplus of the elected candidates is less than `tolerance`
     votes, by default 0.0001 ("converged"). This is the New Zealand rule:
     Schedule 1A, clause 13 excludes the lowest hopeful "if the total surplus
     is less than 0.0001", and Hill's nzmeek program tests exactly that
     (surplus < 100000 units of 10^-9). It is an absolute figure, not a share
     of the quota: 1e-6 x quota stopped a quota of 1,000 at a surplus of
     0.000999, leaving totals 0.000333 short of the converged ones.
     Hill, Wichmann and Woodall's Algorithm 123 (Computer Journal 30(3), 1987)
     also tests the total surplus against a fixed absolute limit (0.00001 as
     we recall the paper; not re-checked against its text), never a share of
     the quota; Hill's later NZ program uses the Schedule's 0.0001;
  3. the total surplus did not fall since the previous pass ("stable"):
     9-decimal arithmetic can go no further (Hill's program stops when no
     keep value changes, which implies this);
  4. `max_iterations` passes in one stage (default 1000; "iteration cap",
     also recorded in the result notes, "convergence", never hidden).
  A zero surplus is never iterated on. Whichever rule ended each stage is
  recorded in its notes ("stop"). Not applied: clause 13's other limb, which
  excludes the lowest hopeful early when their votes plus the total surplus
  are below the next hopeful's; this count keeps iterating to the limit
  above, so on such stages its figures are the more converged ones.
* Exclusion: when no surplus is left to transfer, the hopeful candidate with
  the fewest votes is excluded. Candidates with exactly equal fewest votes are
  tied; ties are broken by the first earlier stage at which the tied
  candidates' totals differed ("ahead at first difference", as the New
  Zealand rules do), then by a seeded, recorded lot.

Group constraint (the parity rule): `at_least={group: k}` demands at least k
seats for candidates of each named group (groups come from `Profile.groups`).
A candidate whose election would leave too few seats for the groups still
short of their minimum is excluded instead: in particular, once a group holds
the maximum it may hold, its continuing candidates are excluded. A candidate
is never excluded when their group could then no longer reach its minimum.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw, Pile, Stage
from asamblea.errors import InvalidInput

METHOD = "stv-meek"
NZ_PLACES = 9
# Total surplus (votes) below which a stage stops iterating: NZ Schedule 1A, clause 13.
DEFAULT_TOLERANCE = Decimal("0.0001")
DEFAULT_MAX_ITERATIONS = 1000

Units = npt.NDArray[np.int64]

HOPEFUL, ELECTED, EXCLUDED, WITHDRAWN = 0, 1, 2, 3


def count_meek(
    profile: Profile,
    seats: int | None = None,
    *,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
    places: int = NZ_PLACES,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> CountResult:
    """Count `profile` by Meek STV; `seats` defaults to the profile's, `seed` drives lots."""
    return _counted(profile, seats, seed, at_least, places, tolerance, max_iterations).run()


def count_meek_with_piles(
    profile: Profile,
    seats: int | None = None,
    *,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
    places: int = NZ_PLACES,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> tuple[CountResult, dict[str, Pile]]:
    """`count_meek`, also giving every candidate's part of each paper at the end.

    A candidate's pile is, for each row of the profile, what its papers give them
    under the final keep values (the kept value rounded up, as in the count),
    in units of 10^-`places` votes (`scale` = 10**places); rows that give them
    nothing are left out. Its total is the candidate's vote at the last stage.
    Every candidate has a pile (empty for those keeping nothing); for each paper,
    the parts kept by all candidates plus what passes beyond its last preference
    (non-transferable) make up exactly its value.
    """
    count = _counted(profile, seats, seed, at_least, places, tolerance, max_iterations)
    result = count.run()
    return result, count.piles()


def count_meek_with_depths(
    profile: Profile,
    seats: int | None = None,
    *,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
    places: int = NZ_PLACES,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> tuple[CountResult, Units]:
    """`count_meek`, also giving how deep the count read each row of the profile.

    At every pass of every stage each paper runs down its preferences until it
    has no value left (a hopeful candidate, or an elected one keeping its last
    unit, takes the rest). A row's depth is the last position any pass reached
    with value still on the paper (at most its length): the preferences after it
    only ever received nothing. See `asamblea.counting.truncate`.
    """
    count = _counted(profile, seats, seed, at_least, places, tolerance, max_iterations)
    count.track_depth = True
    result = count.run()
    lengths = (profile.rankings >= 0).sum(axis=1).astype(np.int64)
    return result, np.minimum(count.depth, lengths)


def _counted(
    profile: Profile,
    seats: int | None,
    seed: int | None,
    at_least: Mapping[str, int] | None,
    places: int,
    tolerance: Decimal,
    max_iterations: int,
) -> _MeekCount:
    """A checked, not yet run count."""
    seats = _seats(profile, seats)
    if not 1 <= places <= NZ_PLACES:
        raise InvalidInput(f"Meek precision must be 1 to {NZ_PLACES} decimal places, not {places}")
    if tolerance < 0:
        raise InvalidInput(f"Meek tolerance must not be negative, not {tolerance}")
    if max_iterations < 1:
        raise InvalidInput(f"Meek iteration cap must be at least 1, not {max_iterations}")
    if seed is None:
        seed = secrets.randbits(32)
    return _MeekCount(profile, seats, seed, dict(at_least or {}), places, tolerance, max_iterations)


def _seats(profile: Profile, seats: int | None) -> int:
    if seats is None:
        seats = profile.seats
    if seats is None:
        raise InvalidInput("the number of seats is not given: pass --seats N")
    if seats < 1:
        raise InvalidInput(f"the number of seats must be at least 1, not {seats}")
    return seats


class _MeekCount:
    """The state of one Meek count; `run` drives it stage by stage."""

    def __init__(
        self,
        profile: Profile,
        seats: int,
        seed: int,
        at_least: dict[str, int],
        places: int,
        tolerance: Decimal,
        max_iterations: int,
    ) -> None:
        n = len(profile.candidates)
        self.profile = profile
        self.seats = seats
        self.seed = seed
        self.at_least = at_least
        self.places = places
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.scale = 10**places
        self.rng = random.Random(seed)
        if profile.total_papers * self.scale >= 2**62:
            # Products of a paper's value and a keep value must stay inside int64.
            raise InvalidInput(
                f"{profile.total_papers} papers are too many for exact {places}-decimal "
                "Meek arithmetic; lower the precision"
            )
        self.votes: Units = np.zeros(n, dtype=np.int64)
        self.exhausted = 0
        self.quota = 0
        self.history: list[Units] = []
        self.stages: list[Stage] = []
        self.elected: list[tuple[str, int]] = []
        self.draws: list[Draw] = []
        self.warnings: list[str] = []
        self.status = [WITHDRAWN if i in profile.withdrawn else HOPEFUL for i in range(n)]
        # Index n is the padding sentinel: keep value 0, so padded cells pass papers on untouched.
        self.keep: Units = np.zeros(n + 1, dtype=np.int64)
        for i in range(n):
            if self.status[i] == HOPEFUL:
                self.keep[i] = self.scale
        rankings = profile.rankings.astype(np.int64)
        self._ranks = np.where(rankings < 0, n, rankings)
        self._mult = profile.multiplicity.astype(np.int64)
        self._groups = self._check_groups()
        # The deepest position any pass has reached with value on each paper (kept only
        # when asked for: `count_meek_with_depths`).
        self.track_depth = False
        self.depth: Units = np.zeros(self._ranks.shape[0], dtype=np.int64)

    # --- arithmetic ---------------------------------------------------------

    def distribute(self) -> None:
        """Pass every paper down its preferences with the current keep values."""
        n = len(self.profile.candidates)
        weight = np.full(self._ranks.shape[0], self.scale, dtype=np.int64)
        votes = np.zeros(n + 1, dtype=np.int64)
        reached = self.depth
        for position, column in enumerate(self._ranks.T):
            if self.track_depth:
                # The candidate here is looked at only while the paper still has value.
                reached = np.where(weight > 0, position + 1, reached)
            # Rounded up: the candidate keeps the last unit, the paper carries the exact rest.
            kept = (weight * self.keep[column] + (self.scale - 1)) // self.scale
            np.add.at(votes, column, kept * self._mult)
            weight -= kept
            if not weight.any():
                break
        self.depth = np.maximum(self.depth, reached)
        self.votes = votes[:n]
        self.exhausted = int((weight * self._mult).sum())
        active = self.profile.total_papers * self.scale - self.exhausted
        self.quota = active // (self.seats + 1) + 1

    def piles(self) -> dict[str, Pile]:
        """Each candidate's kept part of every paper under the current keep values."""
        n = len(self.profile.candidates)
        rows, width = self._ranks.shape
        weight = np.full(rows, self.scale, dtype=np.int64)
        kept = np.zeros((rows, width), dtype=np.int64)
        for position, column in enumerate(self._ranks.T):
            # As in `distribute`: rounded up, the paper carries the exact rest.
            kept[:, position] = (weight * self.keep[column] + (self.scale - 1)) // self.scale
            weight -= kept[:, position]
        values = (kept * self._mult[:, None]).ravel()
        holder = self._ranks.ravel()
        row = np.repeat(np.arange(rows), width)
        counted = (values > 0) & (holder < n)
        # Stable: within each candidate the rows stay in profile order.
        order = np.flatnonzero(counted)[np.argsort(holder[counted], kind="stable")]
        bounds = np.searchsorted(holder[order], np.arange(n + 1))
        return {
            name: Pile(
                rankings=self.profile.rankings[row[order[bounds[c] : bounds[c + 1]]]],
                values=values[order[bounds[c] : bounds[c + 1]]],
                scale=self.scale,
            )
            for c, name in enumerate(self.profile.candidates)
        }

    def surplus(self) -> int:
        return sum(
            max(int(self.votes[c]) - self.quota, 0)
            for c, s in enumerate(self.status)
            if s == ELECTED
        )

    def update_keep_values(self) -> None:
        for c, s in enumerate(self.status):
            if s != ELECTED or self.votes[c] <= 0:
                continue
            scaled = -(-int(self.keep[c]) * self.quota // self.scale)
            new = -(-scaled * self.scale // int(self.votes[c]))
            self.keep[c] = min(new, self.scale)

    # --- the count ----------------------------------------------------------

    def run(self) -> CountResult:
        self.distribute()
        elected, barred = self.settle(stage=1)
        self.record("First preferences", "first", (), elected, barred, barred)
        settled = False
        while True:
            hopeful = self.of_status(HOPEFUL)
            seats_left = self.seats - len(self.elected)
            if seats_left == 0:
                break
            if len(hopeful) <= seats_left:
                self.finish(hopeful)
                break
            if not settled and not self.negligible(self.surplus()):
                settled = self.iterate()
            else:
                self.exclude_lowest()
                settled = False
        return self.result()

    def settle(self, stage: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Elect who reached the quota, exclude who a group minimum bars; repeat until stable."""
        elected: list[str] = []
        barred: list[str] = []
        while True:
            elected.extend(self.elect_reaching_quota(stage))
            if len(self.elected) >= self.seats:
                break
            blocked = [c for c in self.of_status(HOPEFUL) if self.blocked(c)]
            if not blocked:
                break
            for c in blocked:
                self.status[c] = EXCLUDED
                self.keep[c] = 0
                barred.append(self.name(c))
            self.distribute()
        return tuple(elected), tuple(barred)

    def negligible(self, surplus: int) -> bool:
        """Is a total surplus (in units) too small to iterate on: zero, or under the tolerance?"""
        return surplus == 0 or surplus < self.tolerance.scaleb(self.places)

    def iterate(self) -> bool:
        """Refine keep values until someone is elected or the surplus is spent.

        Returns True when the stage ended without an election (the state is settled).
        """
        stage = len(self.stages) + 1
        givers = tuple(self.name(c) for c in self.of_status(ELECTED) if self.votes[c] > self.quota)
        iterations = 0
        previous = self.surplus()
        while True:
            self.update_keep_values()
            self.distribute()
            iterations += 1
            if any(self.votes[c] >= self.quota for c in self.of_status(HOPEFUL)):
                reason = "elected"
                break
            surplus = self.surplus()
            if self.negligible(surplus):
                reason = "converged"
                break
            if surplus >= previous:
                reason = "stable"
                break
            if iterations >= self.max_iterations:
                reason = "iteration cap"
                self.warnings.append(
                    f"stage {stage}: stopped after {iterations} iterations with total "
                    f"surplus {self.decimal(surplus)} above the tolerance"
                )
                break
            previous = surplus
        elected, barred = self.settle(stage)
        action = f"Surplus of {_names(givers)} transferred ({iterations} iterations)"
        notes = {"iterations": str(iterations), "stop": reason}
        self.record(action, "surplus", givers, elected, barred, barred, notes)
        return reason != "elected"

    def exclude_lowest(self) -> None:
        stage = len(self.stages) + 1
        # Never empty: were every hopeful protected, they would fit the seats left and
        # the count would already be finishing.
        candidates = [c for c in self.of_status(HOPEFUL) if not self.protected(c)]
        lowest = min(int(self.votes[c]) for c in candidates)
        tied = [c for c in candidates if self.votes[c] == lowest]
        loser = self.break_tie(tied, stage, "exclude", lowest_wins=True)
        self.status[loser] = EXCLUDED
        self.keep[loser] = 0
        self.distribute()
        elected, barred = self.settle(stage)
        name = self.name(loser)
        self.record(f"{name} excluded", "exclusion", (name,), elected, (name, *barred), barred)

    def finish(self, hopeful: list[int]) -> None:
        """Elect the remaining hopefuls: there are no more of them than seats left."""
        stage = len(self.stages) + 1
        ordered = sorted(hopeful, key=lambda c: -int(self.votes[c]))
        for c in ordered:
            self.status[c] = ELECTED
            self.elected.append((self.name(c), stage))
        names = tuple(self.name(c) for c in ordered)
        action = "No more hopeful candidates than seats left"
        self.record(action, "final", (), names, (), ())

    def elect_reaching_quota(self, stage: int) -> tuple[str, ...]:
        """Elect hopefuls at or above the quota, most votes first, within seats and groups."""
        reaching = [c for c in self.of_status(HOPEFUL) if self.votes[c] >= self.quota]
        chosen: list[str] = []
        while len(self.elected) < self.seats:
            reaching = [c for c in reaching if not self.blocked(c)]
            if not reaching:
                break
            top = max(int(self.votes[c]) for c in reaching)
            tied = [c for c in reaching if self.votes[c] == top]
            # Order among equals only matters when not all of them can be seated.
            contested = len(tied) > 1 and (
                len(tied) > self.seats - len(self.elected) or bool(self.at_least)
            )
            winner = (
                self.break_tie(tied, stage, "elect", lowest_wins=False) if contested else tied[0]
            )
            reaching.remove(winner)
            self.status[winner] = ELECTED
            self.elected.append((self.name(winner), stage))
            chosen.append(self.name(winner))
        return tuple(chosen)

    # --- groups -------------------------------------------------------------

    def _check_groups(self) -> list[str | None]:
        n = len(self.profile.candidates)
        groups = list(self.profile.groups) + [None] * (n - len(self.profile.groups))
        if not self.at_least:
            return groups
        for group, k in self.at_least.items():
            standing = sum(
                1 for c in range(n) if groups[c] == group and self.status[c] != WITHDRAWN
            )
            if k < 0:
                raise InvalidInput(f"--at-least {group}={k}: the minimum must not be negative")
            if standing < k:
                raise InvalidInput(
                    f"--at-least {group}={k}: only {standing} candidate(s) of group {group!r} "
                    "stand, so the minimum cannot be met"
                )
        total = sum(self.at_least.values())
        if total > self.seats:
            raise InvalidInput(
                f"the group minimums add up to {total} seats but only {self.seats} are filled"
            )
        return groups

    def shortfall(self, extra: int | None = None) -> int:
        """Seats still owed to groups below their minimum (counting `extra` as elected)."""
        owed = 0
        for group, k in self.at_least.items():
            held = sum(
                1 for c, s in enumerate(self.status) if s == ELECTED and self._groups[c] == group
            )
            if extra is not None and self._groups[extra] == group:
                held += 1
            owed += max(k - held, 0)
        return owed

    def blocked(self, c: int) -> bool:
        """Would electing `c` leave fewer seats than the groups below their minimum need?"""
        if not self.at_least:
            return False
        return self.shortfall(extra=c) > self.seats - len(self.elected) - 1

    def protected(self, c: int) -> bool:
        """Is `c` needed for their group to reach its minimum?"""
        group = self._groups[c]
        if group not in self.at_least:
            return False
        held = sum(
            1 for d, s in enumerate(self.status) if s == ELECTED and self._groups[d] == group
        )
        hopeful = sum(1 for d in self.of_status(HOPEFUL) if self._groups[d] == group)
        return held + hopeful <= self.at_least[group]

    # --- ties ---------------------------------------------------------------

    def break_tie(self, tied: list[int], stage: int, purpose: str, *, lowest_wins: bool) -> int:
        """Settle a tie by the first earlier stage that separates them, then by lot."""
        if len(tied) == 1:
            return tied[0]
        remaining = sorted(tied)
        for totals in self.history:
            values = [int(totals[c]) for c in remaining]
            best = min(values) if lowest_wins else max(values)
            remaining = [c for c, v in zip(remaining, values, strict=True) if v == best]
            if len(remaining) == 1:
                return remaining[0]
        chosen = remaining[self.rng.randrange(len(remaining))]
        self.draws.append(
            Draw(
                stage=stage,
                purpose=purpose,
                tied=tuple(self.name(c) for c in remaining),
                chosen=self.name(chosen),
            )
        )
        return chosen

    # --- reporting ----------------------------------------------------------

    def name(self, c: int) -> str:
        return self.profile.candidates[c]

    def of_status(self, status: int) -> list[int]:
        return [c for c, s in enumerate(self.status) if s == status]

    def decimal(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.places)

    def record(
        self,
        action: str,
        kind: str,
        subject: tuple[str, ...],
        elected: tuple[str, ...],
        excluded: tuple[str, ...],
        barred: tuple[str, ...],
        notes: dict[str, str] | None = None,
    ) -> None:
        number = len(self.stages) + 1
        previous = self.history[-1] if self.history else np.zeros_like(self.votes)
        names = self.profile.candidates
        if barred:
            action += f"; excluded to keep the group minimums: {_names(barred)}"
        if elected:
            action += f"; elected: {_names(elected)}"
        notes = {**(notes or {}), "quota": str(self.decimal(self.quota))}
        keeps = {
            names[c]: str(self.decimal(int(self.keep[c])))
            for c, s in enumerate(self.status)
            if s == ELECTED
        }
        if keeps:
            notes["keep_values"] = json.dumps(keeps)
        self.stages.append(
            Stage(
                number=number,
                action=action,
                kind=kind,
                subject=subject,
                votes={names[c]: self.decimal(int(self.votes[c])) for c in range(len(names))},
                transfers={
                    names[c]: self.decimal(int(self.votes[c]) - int(previous[c]))
                    for c in range(len(names))
                },
                non_transferable=self.decimal(self.exhausted),
                rounding_loss=Decimal(0).scaleb(-self.places),
                elected=elected,
                excluded=excluded,
                notes=notes,
            )
        )
        self.history.append(self.votes.copy())

    def result(self) -> CountResult:
        notes = {
            "precision": f"fixed point, {self.places} decimal places, exact integer arithmetic",
            "rounding": "kept values and keep values rounded up; the rest passes on exactly",
            "quota": "(valid - non-transferable) / (seats + 1), truncated, plus one unit",
            "tolerance": f"iteration stops when the total surplus is below {self.tolerance} votes",
            "iteration_cap": str(self.max_iterations),
            "ties": "first earlier stage that differs, then seeded lot",
        }
        if self.at_least:
            notes["at_least"] = json.dumps(self.at_least, sort_keys=True)
        if self.warnings:
            notes["convergence"] = "; ".join(self.warnings)
        return CountResult(
            method=METHOD,
            seats=self.seats,
            candidates=self.profile.candidates,
            valid_votes=Decimal(self.profile.total_papers),
            quota=self.decimal(self.quota),
            elected=tuple(self.elected),
            stages=tuple(self.stages),
            seed=self.seed,
            draws=tuple(self.draws),
            title=self.profile.title,
            notes=notes,
        )


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)
