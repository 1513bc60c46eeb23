"""Scottish STV: The Scottish Local Government Elections Order 2007 (SSI 2007/42), rules 45-52.

What the rules ask, and how this module does it:

- Quota (rule 46): valid papers divided by seats + 1, fraction dropped, plus one.
- Elected (rule 47): anyone whose votes equal or exceed the quota at the end of a stage.
- Surpluses (rules 48, 49): one per stage, the highest first, before any exclusion.
  Every paper the elected candidate holds moves to its next continuing preference
  with value surplus x (value of the paper) / (candidate's votes), truncated to five
  decimal places. What truncation drops is reported as rounding loss; the candidate
  keeps exactly the quota.
- Exclusion (rule 50): when no surplus is left, the candidate with fewest votes is
  excluded; each of their papers moves on at the value it had.
- Ties (rules 49(2), 51): the candidate who was higher (surplus) or lower (exclusion)
  at the end of the most recent earlier stage at which the tied candidates had
  unequal votes; where more than two are tied and that stage still leaves a tie,
  the search goes further back among those still tied. Equal at every stage: lot,
  drawn from a seeded generator and recorded.
- Last vacancies (rule 52): when the continuing candidates are no more than the
  vacancies, they are all elected and nothing more is transferred.

Arithmetic is exact: every value is an integer count of 10^-5 votes.

Ballots stay aggregated throughout: each distinct ranking is one row with its
number of papers, and since papers with the same ranking always travel together
(same holder, same value), a stage costs work proportional to the distinct
rankings, not to the papers.

Optional group constraint (`at_least={group: k}`, e.g. the parity rule): group g
needs k seats. A group is full when the vacancies left are all needed for the other
groups' unmet minimums; a full group's continuing candidates are excluded together
(one stage), and a candidate whose exclusion would leave their group unable to
reach its minimum is passed over when choosing whom to exclude.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult, Draw, Pile, Stage
from asamblea.errors import InvalidInput

METHOD = "stv-scottish"
PLACES = 5
SCALE = 10**PLACES
# Keep every product of int64 arrays below 2**63: papers x SCALE x SCALE.
MAX_PAPERS = (2**62) // (SCALE * SCALE)

Ints = npt.NDArray[np.int64]


def count_stv_scottish(
    profile: Profile,
    *,
    seats: int,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> CountResult:
    """Count `profile` under the Scottish rules; see the module docstring for the rules."""
    return _Count(profile, seats, seed, at_least or {}).run()


def count_stv_scottish_with_piles(
    profile: Profile,
    *,
    seats: int,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> tuple[CountResult, dict[str, Pile]]:
    """`count_stv_scottish`, also giving each elected candidate's pile.

    The pile is the papers the candidate held at the stage of their election,
    before any surplus of theirs was transferred, each row at the value it then
    carried for them (units of 10^-5 votes, `scale` = `SCALE`); its total is their
    vote at that stage. Elected on first preferences, that is their
    first-preference papers at full value. Keys are the elected candidates' names.
    """
    count = _Count(profile, seats, seed, at_least or {}, keep_piles=True)
    result = count.run()
    piles = {
        count.names[c]: Pile(rankings=rankings, values=values, scale=SCALE)
        for c, (rankings, values) in count.piles.items()
    }
    return result, piles


def count_stv_scottish_with_depths(
    profile: Profile,
    *,
    seats: int,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> tuple[CountResult, Ints]:
    """`count_stv_scottish`, also giving how deep the count read each row of the profile.

    A row's depth is the number of its preferences the count looked at: up to
    and including the candidate holding it at the end, or every preference of a
    paper that was exhausted (or never valid). The preferences after that never
    changed any total: see `asamblea.counting.truncate`.
    """
    count = _Count(profile, seats, seed, at_least or {})
    return count.run(), count.depths()


def to_decimal(value: int) -> Decimal:
    """A count of 10^-5 votes as an exact Decimal with five places."""
    return Decimal(value).scaleb(-PLACES)


@dataclass
class _StageRecord:
    """A stage while the count runs (frozen into a `Stage` at the end)."""

    number: int
    kind: str
    action: str
    subject: tuple[int, ...]
    credited: list[int]
    transfers: list[int]
    non_transferable: int
    rounding_loss: int
    elected: list[int] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


CONTINUING, ELECTED, EXCLUDED = 0, 1, 2


class _Count:
    """One count: the papers, who holds them, and the stages so far."""

    def __init__(
        self,
        profile: Profile,
        seats: int,
        seed: int | None,
        at_least: Mapping[str, int],
        *,
        keep_piles: bool = False,
    ) -> None:
        self.profile = profile
        # With keep_piles: each elected candidate's (rankings, values) when elected.
        self.keep_piles = keep_piles
        self.piles: dict[int, tuple[npt.NDArray[np.int32], Ints]] = {}
        self.names = profile.candidates
        self.n = len(self.names)
        self.seats = seats
        self.seed = seed
        self.rng: random.Random | None = None if seed is None else random.Random(seed)
        self.draws: list[Draw] = []
        self.status = [CONTINUING] * self.n
        for index in profile.withdrawn:
            self.status[index] = EXCLUDED
        self.groups = profile.groups or (None,) * self.n
        self.at_least = self._check_at_least(at_least)

        self.rankings: npt.NDArray[np.int32] = profile.rankings
        self.papers: Ints = profile.multiplicity.astype(np.int64)
        if self.papers.size and int(self.papers.sum()) > MAX_PAPERS:
            raise InvalidInput(f"too many papers for an exact count (more than {MAX_PAPERS})")
        rows = self.rankings.shape[0]
        self.position: Ints = np.full(rows, -1, dtype=np.int64)
        self.holder: Ints = np.full(rows, -1, dtype=np.int64)
        self.value: Ints = np.full(rows, SCALE, dtype=np.int64)
        self._advance(np.arange(rows))
        # Papers with no preference for a candidate standing are not valid votes.
        valid = self.holder >= 0
        # Which row of the profile each row counted is (the invalid ones are dropped).
        self.rows: Ints = np.flatnonzero(valid)
        if not valid.all():
            self.rankings, self.papers = self.rankings[valid], self.papers[valid]
            self.position, self.holder = self.position[valid], self.holder[valid]
            self.value = self.value[valid]

        self.valid_papers = int(self.papers.sum())
        self.quota = (self.valid_papers // (seats + 1) + 1) * SCALE
        self.credited = self._holdings()
        self.non_transferable = 0
        self.rounding_loss = 0
        self.stages: list[_StageRecord] = []
        self.elected: list[tuple[int, int]] = []
        self.pending_surplus: list[int] = []
        self.next_notes: dict[str, str] = {}

    def _check_at_least(self, at_least: Mapping[str, int]) -> dict[str, int]:
        known = sorted({g for g in self.groups if g is not None})
        total = 0
        for group, minimum in at_least.items():
            if group not in known:
                listed = ", ".join(known) or "none given"
                raise InvalidInput(f"unknown candidate group {group!r}; groups: {listed}")
            standing = sum(
                1 for c in range(self.n) if self.groups[c] == group and self.status[c] == CONTINUING
            )
            if minimum < 0 or minimum > standing:
                raise InvalidInput(
                    f"group {group!r} cannot have at least {minimum} seats: "
                    f"it has {standing} candidates standing"
                )
            total += minimum
        if total > self.seats:
            raise InvalidInput(
                f"the group minimums add up to {total}, more than {self.seats} seats"
            )
        return {group: k for group, k in at_least.items() if k > 0}

    # --- papers -------------------------------------------------------------------

    def _advance(self, rows: Ints) -> None:
        """Move the papers in `rows` to their next continuing preference (or exhaust them).

        Looks one preference further at a time, only at the papers still looking: most
        find a continuing candidate at the next preference.
        """
        width = self.rankings.shape[1]
        # Indexed by candidate; the extra last entry answers for -1 (end of ranking).
        continuing = np.array([s == CONTINUING for s in self.status] + [False])
        looking = rows
        position = self.position[rows] + 1
        self.holder[rows] = -1
        while looking.size:
            inside = position < width
            if not inside.all():
                self.position[looking[~inside]] = width
                looking, position = looking[inside], position[inside]
            candidate = self.rankings[looking, position]
            found = continuing[candidate]
            done = found | (candidate < 0)
            self.position[looking[done]] = np.where(found[done], position[done], width)
            self.holder[looking[found]] = candidate[found]
            looking, position = looking[~done], position[~done] + 1

    def depths(self) -> Ints:
        """Preferences looked at, per row of the profile: see `count_stv_scottish_with_depths`."""
        lengths: Ints = (self.profile.rankings >= 0).sum(axis=1).astype(np.int64)
        held = self.holder >= 0
        # A paper with a holder was read down to them; any other, to its end.
        depths = lengths.copy()
        depths[self.rows[held]] = self.position[held] + 1
        return depths

    def _holdings(self) -> list[int]:
        """Each candidate's votes: the papers they hold times their values."""
        held = self.holder >= 0
        totals = np.zeros(self.n, dtype=np.int64)
        np.add.at(totals, self.holder[held], self.papers[held] * self.value[held])
        return [int(t) for t in totals]

    def _move(self, rows: Ints, new_value: Ints) -> tuple[list[int], int]:
        """Give `rows` their new value, pass them on; (gain per candidate, non-transferable)."""
        self.value[rows] = new_value
        self._advance(rows)
        holders = self.holder[rows]
        amounts = self.papers[rows] * new_value
        gains = np.zeros(self.n, dtype=np.int64)
        going = holders >= 0
        np.add.at(gains, holders[going], amounts[going])
        return [int(g) for g in gains], int(amounts[~going].sum())

    # --- the count ----------------------------------------------------------------

    def run(self) -> CountResult:
        self._record("first", "First preferences", (), [0] * self.n)
        self._elect_by_quota()
        while len(self.elected) < self.seats:
            full = self._full_group_candidates()
            continuing = self._continuing()
            if full:
                self._exclude(full, reason="group")
            elif len(continuing) <= self.seats - len(self.elected):
                self._elect_remaining(continuing)
                break
            elif self.pending_surplus:
                self._transfer_surplus(self._next_surplus())
            else:
                self._exclude([self._next_exclusion()], reason="lowest")
            self._elect_by_quota()
        return self._result()

    def _continuing(self) -> list[int]:
        return [c for c in range(self.n) if self.status[c] == CONTINUING]

    def _record(
        self, kind: str, action: str, subject: tuple[int, ...], transfers: list[int]
    ) -> None:
        self.stages.append(
            _StageRecord(
                number=len(self.stages) + 1,
                kind=kind,
                action=action,
                subject=subject,
                credited=list(self.credited),
                transfers=transfers,
                non_transferable=self.non_transferable,
                rounding_loss=self.rounding_loss,
                notes=self.next_notes,
            )
        )
        self.next_notes = {}

    def _elect(self, candidate: int) -> None:
        if self.keep_piles:
            rows = np.flatnonzero(self.holder == candidate)
            self.piles[candidate] = (
                self.rankings[rows].copy(),
                (self.papers[rows] * self.value[rows]).astype(np.int64),
            )
        stage = self.stages[-1]
        self.status[candidate] = ELECTED
        self.elected.append((candidate, stage.number))
        stage.elected.append(candidate)
        if self.credited[candidate] > self.quota:
            self.pending_surplus.append(candidate)

    def _elect_by_quota(self) -> None:
        """Rule 47: elect everyone at or over the quota, highest first."""
        reached = [c for c in self._continuing() if self.credited[c] >= self.quota]
        # The order only matters when a group may fill up part-way through the list.
        purpose = "elect" if self.at_least else None
        for candidate in self._order(reached, highest_first=True, purpose=purpose):
            # A Droop quota is reached by at most `seats` candidates, so no seat check here.
            if self.at_least and self._group_is_full(self.groups[candidate]):
                continue  # the group rule excludes them at the next step
            self._elect(candidate)

    def _elect_remaining(self, continuing: list[int]) -> None:
        """Rule 52: as many continuing candidates as vacancies: all are elected."""
        for candidate in self._order(continuing, highest_first=True, purpose=None):
            self._elect(candidate)
        self.stages[-1].notes["last vacancies"] = (
            "the continuing candidates were as many as the vacancies left (rule 52)"
        )

    def _next_surplus(self) -> int:
        """Rule 49: the highest surplus first."""
        return self._first(self.pending_surplus, highest_first=True, purpose="surplus order")

    def _next_exclusion(self) -> int:
        """Rule 50: the lowest continuing candidate (passing over protected ones)."""
        candidates = [c for c in self._continuing() if not self._protected(c)]
        return self._first(candidates, highest_first=False, purpose="exclude")

    def _transfer_surplus(self, candidate: int) -> None:
        self.pending_surplus.remove(candidate)
        total = self.credited[candidate]
        surplus = total - self.quota
        rows = np.flatnonzero(self.holder == candidate)
        # Rule 48(3), per paper: surplus x value / total, truncated. Few distinct values,
        # so compute each once with Python integers (exact, no overflow).
        values, inverse = np.unique(self.value[rows], return_inverse=True)
        new_values = np.array([surplus * int(v) // total for v in values], dtype=np.int64)
        gains, exhausted = self._move(rows, new_values[inverse.reshape(-1)])
        moved = sum(gains) + exhausted
        loss = surplus - moved
        self.non_transferable += exhausted
        self.rounding_loss += loss
        for other in range(self.n):
            self.credited[other] += gains[other]
        self.credited[candidate] = self.quota
        transfers = list(gains)
        transfers[candidate] = -surplus
        name = self.names[candidate]
        self._record("surplus", f"Surplus of {name} transferred", (candidate,), transfers)
        notes = self.stages[-1].notes
        notes["surplus"] = str(to_decimal(surplus))
        notes["non_transferable"] = str(to_decimal(exhausted))
        notes["rounding_loss"] = str(to_decimal(loss))

    def _exclude(self, candidates: Sequence[int], reason: str) -> None:
        for candidate in candidates:
            self.status[candidate] = EXCLUDED
        leaving = np.zeros(self.n + 1, dtype=bool)  # the extra entry answers for -1
        leaving[list(candidates)] = True
        rows = np.flatnonzero(leaving[self.holder])
        gains, exhausted = self._move(rows, self.value[rows])
        self.non_transferable += exhausted
        transfers = list(gains)
        for candidate in candidates:
            transfers[candidate] = -self.credited[candidate]
        for other in range(self.n):
            self.credited[other] += transfers[other]
        names = ", ".join(self.names[c] for c in candidates)
        self._record("exclusion", f"Exclusion of {names}", tuple(candidates), transfers)
        stage = self.stages[-1]
        stage.excluded.extend(candidates)
        stage.notes["non_transferable"] = str(to_decimal(exhausted))
        if reason == "group":
            group = self.groups[candidates[0]]
            stage.notes["group"] = (
                f"group {group!r} holds all the seats it may hold; "
                "its continuing candidates are excluded"
            )

    # --- ties ---------------------------------------------------------------------

    def _order(
        self, candidates: list[int], *, highest_first: bool, purpose: str | None
    ) -> list[int]:
        """`candidates` ordered by votes, ties broken by earlier stages, then by lot.

        With `purpose` None the order is only for display: remaining ties keep ballot
        paper order and no lot is drawn.
        """
        sign = -1 if highest_first else 1
        ordered: list[int] = []
        remaining = sorted(candidates, key=lambda c: (sign * self.credited[c], c))
        while remaining:
            best = self.credited[remaining[0]]
            tied = [c for c in remaining if self.credited[c] == best]
            remaining = remaining[len(tied) :]
            while tied:
                first = self._break_tie(tied, sign, purpose)
                ordered.append(first)
                tied.remove(first)
        return ordered

    def _first(self, candidates: list[int], *, highest_first: bool, purpose: str) -> int:
        """The highest (or lowest) of `candidates`, ties broken as in `_break_tie`."""
        sign = -1 if highest_first else 1
        best = min(sign * self.credited[c] for c in candidates)
        tied = [c for c in candidates if sign * self.credited[c] == best]
        return self._break_tie(sorted(tied), sign, purpose)

    def _break_tie(self, tied: list[int], sign: int, purpose: str | None) -> int:
        """The first of `tied` by rules 49(2)/51(2), or by lot (49(3)/51(2)(b))."""
        if len(tied) == 1:
            return tied[0]
        current = self.stages[-1].number
        candidates = list(tied)
        decided_at: list[int] = []
        for record in reversed(self.stages[:-1]):
            votes = [record.credited[c] for c in candidates]
            if len(set(votes)) > 1:
                best = min(sign * v for v in votes)
                candidates = [c for c, v in zip(candidates, votes, strict=True) if sign * v == best]
                decided_at.append(record.number)
                if len(candidates) == 1:
                    break
        if purpose is not None and decided_at:
            where = ", ".join(str(n) for n in decided_at)
            self._note_tie(
                purpose,
                ", ".join(self.names[c] for c in tied) + f" were tied; decided by stage {where}",
            )
        if len(candidates) == 1 or purpose is None:
            return min(candidates)
        return self._draw(candidates, purpose, current + (0 if purpose == "elect" else 1))

    def _note_tie(self, purpose: str, text: str) -> None:
        """Explain a tie on the stage it decides: this one (elect) or the next."""
        notes = self.stages[-1].notes if purpose == "elect" else self.next_notes
        key = f"tie ({purpose})"
        notes[key] = f"{notes[key]}; {text}" if key in notes else text

    def _draw(self, candidates: list[int], purpose: str, stage: int) -> int:
        if self.rng is None:
            self.seed = secrets.randbelow(2**32)
            self.rng = random.Random(self.seed)
        chosen = self.rng.choice(sorted(candidates))
        self._note_tie(
            purpose,
            ", ".join(self.names[c] for c in sorted(candidates))
            + f" were tied at every stage; lot chose {self.names[chosen]}",
        )
        self.draws.append(
            Draw(
                stage=stage,
                purpose=purpose,
                tied=tuple(self.names[c] for c in sorted(candidates)),
                chosen=self.names[chosen],
            )
        )
        return chosen

    # --- groups -------------------------------------------------------------------

    def _unmet(self) -> dict[str, int]:
        """Seats each constrained group still needs to reach its minimum."""
        held: dict[str, int] = dict.fromkeys(self.at_least, 0)
        for candidate, _ in self.elected:
            group = self.groups[candidate]
            if group in held:
                held[group] += 1
        return {g: max(0, k - held[g]) for g, k in self.at_least.items()}

    def _group_is_full(self, group: str | None) -> bool:
        """No vacancy left for `group` once the other groups' minimums are set aside."""
        vacancies = self.seats - len(self.elected)
        others = sum(need for g, need in self._unmet().items() if g != group)
        return vacancies - others <= 0

    def _full_group_candidates(self) -> list[int]:
        """Continuing candidates of the first full group (by ballot order), if any."""
        if not self.at_least:
            return []
        for candidate in self._continuing():
            group = self.groups[candidate]
            if self._group_is_full(group):
                return [c for c in self._continuing() if self.groups[c] == group]
        return []

    def _protected(self, candidate: int) -> bool:
        """Excluding `candidate` would leave their group short of its minimum."""
        group = self.groups[candidate]
        need = self._unmet().get(group, 0) if group is not None else 0
        if need == 0:
            return False
        standing = sum(1 for c in self._continuing() if self.groups[c] == group)
        return standing <= need

    # --- result -------------------------------------------------------------------

    def _result(self) -> CountResult:
        names = self.names
        stages = tuple(
            Stage(
                number=r.number,
                action=r.action,
                kind=r.kind,
                subject=tuple(names[c] for c in r.subject),
                votes={names[c]: to_decimal(r.credited[c]) for c in range(self.n)},
                transfers=(
                    {names[c]: to_decimal(r.transfers[c]) for c in range(self.n)}
                    if r.kind != "first"
                    else {}
                ),
                non_transferable=to_decimal(r.non_transferable),
                rounding_loss=to_decimal(r.rounding_loss),
                elected=tuple(names[c] for c in r.elected),
                excluded=tuple(names[c] for c in r.excluded),
                notes=dict(r.notes),
            )
            for r in self.stages
        )
        notes = {
            "rules": "The Scottish Local Government Elections Order 2007, Schedule 1, rules 45-52",
            "precision": "values truncated to 5 decimal places",
        }
        if self.at_least:
            notes["at_least"] = ", ".join(f"{g}={k}" for g, k in sorted(self.at_least.items()))
        if self.profile.withdrawn:
            notes["withdrawn"] = ", ".join(names[c] for c in sorted(self.profile.withdrawn))
        return CountResult(
            method=METHOD,
            seats=self.seats,
            candidates=names,
            valid_votes=Decimal(self.valid_papers),
            quota=Decimal(self.quota // SCALE),
            elected=tuple((names[c], stage) for c, stage in self.elected),
            stages=stages,
            seed=self.seed,
            draws=tuple(self.draws),
            title=self.profile.title,
            notes=notes,
        )
