"""How a body decides: thresholds, quorums, mandates and member-level referendum counts.

Pure module: no Django import, so `asamblea record verify` re-applies these
rules to a published result on any computer, and the tests run in microseconds.

Words (see docs/deliberation.md for the worked examples):

- **votes cast**: yes + no. An abstention is a vote of someone *present* who
  declines to take a side: it counts towards the quorum, never for or against.
- **present**: yes + no + abstain (everyone who answered the roll call or
  handed in a ballot).
- **seats**: the size of the body. In a council, every seat of the current term
  (the delegations' seats), *vacant seats included*; in a base assembly, the
  verified members on the roll frozen when the vote opened.
- **members**: the seats filled now (held seats) in a council; in a base
  assembly the same as seats. members = seats - vacant.
- **absent**: members who did not vote (members - present).

Thresholds:

- ``simple``: more yes than no among the votes cast (yes > no). A tie fails.
- ``absolute``: yes from more than half of all seats (2 * yes > seats), vacant
  seats included: a vacancy makes the bar no lower, so leaving a seat empty
  can never help a motion through.
- ``two-thirds``: at least two thirds of the votes cast (3 * yes >= 2 * (yes +
  no), i.e. yes >= 2 * no), and at least one yes.

Quorum: a share of seats or of members that must be present, "more than"
the share (strict, the default: a majority quorum of 10 seats is 6) or "at
least" it (not strict: a third of 9 is 3). Without a quorum the motion fails
whatever the votes, and the outcome says so.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from asamblea.errors import InvalidInput

B = TypeVar("B", bound=Hashable)
P = TypeVar("P", bound=Hashable)


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class MandateChoice(StrEnum):
    """What a constituency tells its delegates: vote yes, vote no, or vote freely."""

    YES = "yes"
    NO = "no"
    FREE = "free"


class Threshold(StrEnum):
    SIMPLE = "simple"
    ABSOLUTE = "absolute"
    TWO_THIRDS = "two-thirds"


class QuorumBasis(StrEnum):
    NONE = "none"
    SEATS = "seats"
    MEMBERS = "members"


class Compliance(StrEnum):
    """How a delegate's roll-call vote compares with their constituency's mandate."""

    KEPT = "kept"  # voted as instructed
    BROKE = "broke"  # voted otherwise (an abstention included)
    ABSENT = "absent"  # instructed, but did not vote
    FREE = "free"  # a free vote, or no mandate: nothing to keep


# Whatever a delegate did, under these two compliance values the constituency may recall.
BREACHES = frozenset({Compliance.BROKE, Compliance.ABSENT})


@dataclass(frozen=True)
class Tally:
    """Votes of one yes/no/abstain decision."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    def __post_init__(self) -> None:
        for name in ("yes", "no", "abstain"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInput(
                    f"{name} votes must be a whole number of 0 or more, not {value!r}"
                )

    @property
    def cast(self) -> int:
        """Votes cast: yes + no (abstentions take no side)."""
        return self.yes + self.no

    @property
    def present(self) -> int:
        return self.yes + self.no + self.abstain

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.yes + other.yes, self.no + other.no, self.abstain + other.abstain)

    @classmethod
    def of(cls, choices: Iterable[str]) -> Tally:
        """The tally of a list of choices ("yes", "no", "abstain")."""
        counts = Counter(choices)
        unknown = set(counts) - {c.value for c in Choice}
        if unknown:
            raise InvalidInput(f"a vote reads {sorted(unknown)[0]!r}; expected yes, no or abstain")
        return cls(counts["yes"], counts["no"], counts["abstain"])

    def to_json(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


@dataclass(frozen=True)
class Electorate:
    """The size of the deciding body: all seats, and the seats filled now (see module doc)."""

    seats: int
    members: int

    def __post_init__(self) -> None:
        if self.seats < 0 or self.members < 0:
            raise InvalidInput("seats and members cannot be negative")
        if self.members > self.seats:
            raise InvalidInput(
                f"{self.members} members cannot fill only {self.seats} seats: members <= seats"
            )

    @property
    def vacant(self) -> int:
        return self.seats - self.members

    @classmethod
    def of_assembly(cls, verified_members: int) -> Electorate:
        """A base assembly: every member on the roll is a seat, and none is vacant."""
        return cls(verified_members, verified_members)


@dataclass(frozen=True)
class Quorum:
    """Who must be present: more than (strict) or at least `share` of seats or members."""

    basis: QuorumBasis = QuorumBasis.NONE
    share: Fraction = Fraction(1, 2)
    strict: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise InvalidInput(f"a quorum is a share between 0 and 1, not {self.share}")
        if self.strict and self.share == 1 and self.basis != QuorumBasis.NONE:
            raise InvalidInput("a quorum of more than all seats can never be met")

    def required(self, electorate: Electorate) -> int:
        """How many must be present."""
        if self.basis == QuorumBasis.NONE:
            return 0
        base = electorate.seats if self.basis == QuorumBasis.SEATS else electorate.members
        if self.strict:
            return math.floor(self.share * base) + 1
        return math.ceil(self.share * base)

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": self.basis.value,
            "share": f"{self.share.numerator}/{self.share.denominator}",
            "strict": self.strict,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Quorum:
        return cls(QuorumBasis(data["basis"]), Fraction(data["share"]), bool(data["strict"]))

    def describe(self) -> str:
        """English words for the docs and the record, e.g. 'more than 1/2 of seats'."""
        if self.basis == QuorumBasis.NONE:
            return "no quorum"
        words = "more than" if self.strict else "at least"
        return f"{words} {self.share} of {self.basis.value}"


@dataclass(frozen=True)
class Rule:
    """The rule a decision is taken under."""

    threshold: Threshold = Threshold.SIMPLE
    quorum: Quorum = field(default_factory=Quorum)

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold.value, "quorum": self.quorum.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rule:
        return cls(Threshold(data["threshold"]), Quorum.from_json(data["quorum"]))


class Reason(StrEnum):
    """Why a decision came out as it did, in one word each (pages translate them)."""

    PASSED = "passed"
    NO_QUORUM = "no-quorum"
    TIE = "tie"  # simple majority: as many yes as no (and at least one vote cast)
    NO_VOTES = "no-votes"  # present, but nobody voted yes or no
    SHORT = "short"  # too few yes for the threshold


@dataclass(frozen=True)
class Decision:
    """The outcome of a vote under a rule, with the figures a result page shows."""

    passed: bool
    reason: Reason
    tally: Tally
    electorate: Electorate
    rule: Rule
    quorum_required: int
    yes_required: int

    @property
    def quorum_met(self) -> bool:
        return self.tally.present >= self.quorum_required

    @property
    def absent(self) -> int:
        return self.electorate.members - self.tally.present

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "reason": self.reason.value,
            **self.tally.to_json(),
            "seats": self.electorate.seats,
            "members": self.electorate.members,
            "vacant": self.electorate.vacant,
            "present": self.tally.present,
            "absent": self.absent,
            "quorum_required": self.quorum_required,
            "yes_required": self.yes_required,
        }


def yes_required(threshold: Threshold, tally: Tally, electorate: Electorate) -> int:
    """The fewest yes votes that would carry the motion, the other votes as they are."""
    if threshold == Threshold.SIMPLE:
        return tally.no + 1
    if threshold == Threshold.ABSOLUTE:
        return electorate.seats // 2 + 1
    # 3y >= 2(y + n)  <=>  y >= 2n; and a motion nobody supports never passes.
    return max(1, 2 * tally.no)


def decide(tally: Tally, electorate: Electorate, rule: Rule) -> Decision:
    """Whether a yes/no/abstain vote carries under `rule` (see the module doc)."""
    if tally.present > electorate.members:
        raise InvalidInput(
            f"{tally.present} votes from a body of {electorate.members} members: "
            "more votes than voters"
        )
    quorum = rule.quorum.required(electorate)
    needed = yes_required(rule.threshold, tally, electorate)
    if tally.present < quorum:
        reason = Reason.NO_QUORUM
    elif tally.yes >= needed:
        reason = Reason.PASSED
    elif tally.cast == 0:
        reason = Reason.NO_VOTES
    elif rule.threshold == Threshold.SIMPLE and tally.yes == tally.no:
        reason = Reason.TIE
    else:
        reason = Reason.SHORT
    return Decision(
        passed=reason == Reason.PASSED,
        reason=reason,
        tally=tally,
        electorate=electorate,
        rule=rule,
        quorum_required=quorum,
        yes_required=needed,
    )


# ---------------------------------------------------------------- mandates


@dataclass(frozen=True)
class MandateDecision:
    """What a constituency's mandate vote instructs, and why."""

    instruction: MandateChoice
    votes: Mapping[str, int]
    quorum_required: int
    present: int
    reason: str  # "plurality", "no-quorum", "tie", "no-votes"

    def to_json(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction.value,
            "votes": dict(self.votes),
            "quorum_required": self.quorum_required,
            "present": self.present,
            "reason": self.reason,
        }


def decide_mandate(
    votes: Mapping[str, int], electorate: Electorate, quorum: Quorum
) -> MandateDecision:
    """The instruction a mandate vote gives: the option with the most votes.

    Without a quorum, with no votes, or with a tie for the most votes, no
    instruction was agreed and the delegates vote freely: a constituency binds
    its delegates only when more of it wanted one instruction than any other.
    """
    counts = {choice.value: int(votes.get(choice.value, 0)) for choice in MandateChoice}
    unknown = set(votes) - set(counts)
    if unknown:
        raise InvalidInput(f"a mandate vote reads {sorted(unknown)[0]!r}; expected yes, no or free")
    present = sum(counts.values())
    if present > electorate.members:
        raise InvalidInput(f"{present} mandate votes from a body of {electorate.members} members")
    required = quorum.required(electorate)
    top = max(counts.values())
    leaders = [choice for choice, n in counts.items() if n == top]
    if present < required:
        instruction, reason = MandateChoice.FREE, "no-quorum"
    elif present == 0:
        instruction, reason = MandateChoice.FREE, "no-votes"
    elif len(leaders) > 1:
        instruction, reason = MandateChoice.FREE, "tie"
    else:
        instruction, reason = MandateChoice(leaders[0]), "plurality"
    return MandateDecision(instruction, counts, required, present, reason)


def compliance(instruction: MandateChoice | str | None, vote: Choice | str | None) -> Compliance:
    """A delegate's vote against their mandate (None: no mandate / did not vote)."""
    if instruction is None or MandateChoice(instruction) == MandateChoice.FREE:
        return Compliance.FREE
    if vote is None:
        return Compliance.ABSENT
    return (
        Compliance.KEPT
        if Choice(vote).value == MandateChoice(instruction).value
        else Compliance.BROKE
    )


# ---------------------------------------------------------------- ranked options


def count_options(
    options: Sequence[str], rankings: Mapping[tuple[str, ...], int], seed: int
) -> dict[str, Any]:
    """Rank several options by Schulze (winning votes) from aggregated rankings.

    Returns {"ranking": [...], "winner": name, "papers": n, "draws": [...],
    "pairwise": {...}} ; level options are ordered by the seeded lot, recorded in
    "draws".
    """
    from asamblea.counting.ballots import build_profile, rankings_to_arrays
    from asamblea.counting.schulze import count_schulze

    if len(options) < 2:
        raise InvalidInput("a ranked vote needs at least two options")
    if len(set(options)) != len(options):
        raise InvalidInput("two options have the same text")
    index = {name: number for number, name in enumerate(options)}
    rows: dict[tuple[int, ...], int] = {}
    for ranking, papers in rankings.items():
        if len(set(ranking)) != len(ranking):
            raise InvalidInput(f"a ballot ranks an option twice: {list(ranking)!r}")
        try:
            key = tuple(index[name] for name in ranking)
        except KeyError as error:
            raise InvalidInput(f"{error.args[0]!r} is not one of the options") from None
        if papers < 1:
            raise InvalidInput("each published ranking is carried by at least one paper")
        rows[key] = rows.get(key, 0) + papers
    if not rows:
        return {"ranking": [], "winner": None, "papers": 0, "draws": [], "pairwise": {}}
    matrix, papers_array = rankings_to_arrays(rows)
    profile = build_profile(candidates=tuple(options), matrix=matrix, papers=papers_array, seats=1)
    result = count_schulze(profile, seats=1, seed=seed)
    return {
        "ranking": list(result.ranking),
        "winner": result.ranking[0],
        "papers": profile.total_papers,
        "draws": [{"tied": list(d.tied), "chosen": d.chosen} for d in result.draws],
        "pairwise": result.stages[0].notes["pairwise"],
    }


# ---------------------------------------------------------------- referendums


def attribute_people(memberships: Mapping[P, Sequence[B]], voted_in: Mapping[P, B]) -> dict[P, B]:
    """The one body each person is counted in, for a referendum's per-body table.

    `memberships` lists each person's base assemblies under the council, the one
    they joined first first. A person who voted is counted in the body where they
    voted (they choose it when they have several); one who has not is counted in
    the body they joined first. So every person is in exactly one row, and the
    rows add up to the whole electorate and to every vote, however many
    assemblies a person belongs to.
    """
    attribution: dict[P, B] = {}
    for person, bodies in memberships.items():
        if not bodies:
            raise InvalidInput(f"person {person!r} has no assembly under the council")
        where = voted_in.get(person)
        if where is not None and where not in bodies:
            raise InvalidInput(f"person {person!r} voted through {where!r}, not one of theirs")
        attribution[person] = bodies[0] if where is None else where
    stray = set(voted_in) - set(memberships)
    if stray:
        raise InvalidInput(f"person {sorted(map(str, stray))[0]} voted but is not on the roll")
    return attribution


@dataclass(frozen=True)
class Turnout:
    """A base assembly's people in a referendum: on its roll (attributed) and who voted."""

    electorate: int
    voted: int

    def __post_init__(self) -> None:
        if not 0 <= self.voted <= self.electorate:
            raise InvalidInput(f"{self.voted} voters out of {self.electorate}: impossible")


def turnout_by_body(attribution: Mapping[P, B], voted: Iterable[P]) -> dict[B, Turnout]:
    """Per body: people attributed to it and how many of them voted."""
    electorate: Counter[B] = Counter(attribution.values())
    voters: Counter[B] = Counter(attribution[person] for person in set(voted))
    return {body: Turnout(electorate[body], voters[body]) for body in electorate}


@dataclass(frozen=True)
class ScopeTree:
    """The bodies under a council: each council's children and each body's parent row.

    `children` maps a council to the bodies that send delegates to it (within
    the referendum's scope). `parent` names one parent for each body below the
    top (its first council within scope), used to pool small assemblies; a body
    under two councils still counts in both councils' rows.
    """

    top: Hashable
    children: Mapping[Any, Sequence[Any]]

    def parent_of(self) -> dict[Any, Any]:
        parent: dict[Any, Any] = {}
        for council in self.councils():
            for child in self.children.get(council, ()):
                parent.setdefault(child, council)
        return parent

    def councils(self) -> list[Any]:
        """Councils in scope, top first (breadth first), each once."""
        seen, order, queue = {self.top}, [self.top], [self.top]
        while queue:
            node = queue.pop(0)
            for child in self.children.get(node, ()):
                if child not in seen and self.children.get(child):
                    seen.add(child)
                    order.append(child)
                    queue.append(child)
        return order

    def bases_under(self) -> dict[Any, frozenset[Any]]:
        """Each council's base assemblies (bodies with no children), however deep."""
        memo: dict[Any, frozenset[Any]] = {}

        def walk(node: Any, path: frozenset[Any]) -> frozenset[Any]:
            if node in memo:
                return memo[node]
            kids = self.children.get(node, ())
            if not kids:
                return frozenset({node})
            if node in path:
                raise InvalidInput(f"the delegation graph loops through {node!r}")
            found: set[Any] = set()
            for kid in kids:
                found |= walk(kid, path | {node})
            memo[node] = frozenset(found)
            return memo[node]

        for council in self.councils():
            walk(council, frozenset())
        return memo


POOL_PREFIX = "pool:"


def reporting_units(
    turnout: Mapping[Any, Turnout], tree: ScopeTree, min_voters: int
) -> dict[Any, str]:
    """Which published row each base assembly's ballots go into.

    A base where at least `min_voters` voted is its own row (its key as a string).
    A smaller one is pooled with the other small bases under the same council
    ("pool:<council>"); a pool still under `min_voters` joins its council's
    parent's pool, and so on up to the top, whose pool is published whatever its
    size; since the total is public and the top pool could be worked out by
    subtraction, a top pool under `min_voters` takes in the smallest other rows
    until it is not. No published row (nor any difference of rows) then shows the
    choices of fewer than `min_voters` people, unless the whole referendum had fewer.
    Returns base -> unit name.
    """
    parent = tree.parent_of()
    unit: dict[Any, str] = {}
    pooled: dict[Any, list[Any]] = defaultdict(list)  # council -> bases pooled there
    for base, figures in turnout.items():
        if figures.voted >= min_voters:
            unit[base] = str(base)
        else:
            pooled[parent.get(base, tree.top)].append(base)
    # Deepest councils first, so a pool that is too small can move up before its
    # parent's pool is judged.
    for council in reversed(tree.councils()):
        bases = pooled.get(council)
        if not bases:
            continue
        voters = sum(turnout[base].voted for base in bases)
        if voters >= min_voters or council == tree.top or council not in parent:
            for base in bases:
                unit[base] = f"{POOL_PREFIX}{council}"
        else:
            pooled[parent[council]].extend(bases)
        del pooled[council]
    # The total is public, so the top pool can be worked out by subtraction: when it
    # is too small, it takes in the smallest other rows until it is not.
    top = f"{POOL_PREFIX}{tree.top}"
    in_unit: Counter[str] = Counter()
    for base, name in unit.items():
        in_unit[name] += turnout[base].voted
    if top in in_unit:
        others = sorted((n, name) for name, n in in_unit.items() if name != top)
        while in_unit[top] < min_voters and others:
            n, absorbed = others.pop(0)
            in_unit[top] += n
            for base, name in unit.items():
                if name == absorbed:
                    unit[base] = top
    return unit


@dataclass(frozen=True)
class Row:
    """One line of a referendum's per-body table."""

    body: Any
    electorate: int
    voted: int
    # None when the body's own choices are not published (too few voters).
    tally: Tally | None

    def to_json(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "electorate": self.electorate,
            "voted": self.voted,
            "tally": None if self.tally is None else self.tally.to_json(),
        }


@dataclass(frozen=True)
class Breakdown:
    """A referendum counted per member: the total, the published units and the body rows."""

    total: Tally
    electorate: int
    voted: int
    units: dict[str, Tally]  # unit -> tally; the units add up to the total
    unit_of: dict[Any, str]  # base -> unit
    rows: dict[Any, Row]  # every base and council in scope


def table(
    turnout: Mapping[Any, Turnout],
    units: Mapping[str, Tally],
    unit_of: Mapping[Any, str],
    tree: ScopeTree,
) -> dict[Any, Row]:
    """The per-body rows from the published units (what a verifier recomputes).

    A base shows its own tally when it is its own unit; a council adds up the
    units wholly under it, and shows turnout only when one of its bases was
    pooled with bases outside it (so pooled choices cannot be worked out by
    subtraction).
    """
    rows: dict[Any, Row] = {}
    for base, figures in turnout.items():
        own = unit_of[base] == str(base)
        rows[base] = Row(
            base, figures.electorate, figures.voted, units.get(str(base), Tally()) if own else None
        )
    under = tree.bases_under()
    bases_of_unit: dict[str, set[Any]] = defaultdict(set)
    for base, unit in unit_of.items():
        bases_of_unit[unit].add(base)
    for council in tree.councils():
        inside = under.get(council, frozenset())
        bases = [b for b in inside if b in turnout]
        members = {unit_of[b] for b in bases}
        # Whole units only: every base of each unit lies under this council.
        whole = all(bases_of_unit[unit] <= inside for unit in members)
        tally = sum((units.get(unit, Tally()) for unit in members), Tally()) if whole else None
        rows[council] = Row(
            council,
            sum(turnout[b].electorate for b in bases),
            sum(turnout[b].voted for b in bases),
            tally,
        )
    return rows


def breakdown(
    turnout: Mapping[Any, Turnout],
    ballots: Mapping[Any, Tally],
    tree: ScopeTree,
    min_voters: int,
) -> Breakdown:
    """The per-body results of a referendum from its per-base turnout and ballots.

    `ballots` maps a base to the tally of the ballots attributed to it (a person
    voting in one of their several assemblies is attributed to that one). Base
    rows show their own tally when the base is its own unit; a council's row adds
    up the units wholly under it, and shows its tally only when none of its bases
    was pooled outside it (otherwise its row gives turnout only, to keep pooled
    choices from being worked out by subtraction).
    """
    for base, tally in ballots.items():
        figures = turnout.get(base)
        if figures is None:
            raise InvalidInput(f"ballots attributed to {base!r}, which is not on the roll")
        if tally.present != figures.voted:
            raise InvalidInput(
                f"{base!r}: {tally.present} ballots but {figures.voted} people voted there"
            )
    unit_of = reporting_units(turnout, tree, min_voters)
    units: dict[str, Tally] = {}
    for base, unit in unit_of.items():
        units[unit] = units.get(unit, Tally()) + ballots.get(base, Tally())
    return breakdown_of_units(turnout, units, unit_of, tree)


def breakdown_of_units(
    turnout: Mapping[Any, Turnout],
    units: Mapping[str, Tally],
    unit_of: Mapping[Any, str],
    tree: ScopeTree,
) -> Breakdown:
    """The per-body results from the tally of each unit (`reporting_units`): how a sealed
    referendum is counted, its box opened one unit at a time."""
    units = dict(units)
    for unit in set(unit_of.values()):
        units.setdefault(unit, Tally())
        voted = sum(turnout[b].voted for b, u in unit_of.items() if u == unit)
        if units[unit].present != voted:
            raise InvalidInput(f"{unit!r}: {units[unit].present} ballots but {voted} people voted")
    rows = table(turnout, units, unit_of, tree)
    total = sum(units.values(), Tally())
    return Breakdown(
        total=total,
        electorate=sum(t.electorate for t in turnout.values()),
        voted=sum(t.voted for t in turnout.values()),
        units=units,
        unit_of=dict(unit_of),
        rows=rows,
    )
