"""Apportionment: share a council's seats among the bodies that send delegations to it.

Pure and exact: populations are integers, every quotient is a `Fraction`, and no
comparison ever goes through a float.

Methods (by the names used everywhere in Asamblea):

- ``dhondt`` (Jefferson): highest averages with divisors 1, 2, 3, ...
- ``sainte-lague`` (Webster): divisors 1, 3, 5, 7, ...; ``first_divisor``
  replaces the leading 1 (the Nordic *modified* Sainte-Laguë uses 1.4, i.e. the
  divisors 1.4, 3, 5, ...). It must lie in (0, 3] so the divisors never decrease.
- ``largest-remainder`` (Hamilton, Hare quota): each body gets the whole part of
  its quota (population / Hare quota, the Hare quota being total population /
  seats); the seats left go to the largest remainders.
- ``huntington-hill`` (the US House method): divisors sqrt(s(s+1)), i.e.
  0, √2, √6, √12, ...; compared exactly through their squares.

Divisor methods are computed by giving seats one at a time to the body with the
highest priority (population / next divisor), so they are house-monotone by
construction: one more seat in the council never costs any body a seat.

Minimums and maximums. Every body starts with its minimum and never passes its
maximum. For divisor methods this is the usual bounded divisor method: a body's
seats are its rounded quotient clamped to [min, max] for a common divisor. For
largest remainder each body's quota is its population times a common factor,
clamped to [min, max], the factor chosen so the quotas add up to the seats
(with no bounds this is exactly the Hare quota); whole parts first, then the
largest remainders. A body with population 0 gets its minimum and never more:
seats follow members.

Ties. When bodies tie for the last seat(s) (equal priority, or equal remainder),
the body with the larger population goes first. If that still leaves a tie
across the last seat, the seats are drawn by lot: the tied names are put in
code-point order and shuffled with ``random.Random(seed)``; the first ones win.
The draw is recorded (`LotDraw`) with the seed, so anyone can reproduce it.
Without a seed, a lot that is needed draws a fresh seed from the operating
system and records it. At most one lot is ever needed (it settles the last
seats), and with a fixed seed a larger council takes a superset of the tied
bodies a smaller one took, so the lot keeps house-monotonicity.

Huntington-Hill and few seats. Its first divisor is 0, so every body with
population > 0 has infinite priority until it holds a seat: no body gets a
second seat before every populated body has one. With fewer seats than
populated bodies (and no maximum of 0 to hold some back), the seats go one
each to the most populous bodies, a tie at the boundary settled by lot as above.
"""

from __future__ import annotations

import heapq
import math
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from asamblea.errors import InvalidInput

METHODS: tuple[str, ...] = ("dhondt", "sainte-lague", "largest-remainder", "huntington-hill")
DIVISOR_METHODS: frozenset[str] = frozenset({"dhondt", "sainte-lague", "huntington-hill"})

Bound = int | Mapping[str, int]
# A priority that sorts exactly: (1, 0) is infinite (Huntington-Hill's first
# seat); (0, q) is the finite quotient q.
_Priority = tuple[int, Fraction]


@dataclass(frozen=True)
class LotDraw:
    """A tie across the last seat(s) that only a lot could settle, and its outcome."""

    tied: tuple[str, ...]  # the bodies tied (same priority and population), code-point order
    seats: int  # how many of them get a seat
    chosen: tuple[str, ...]  # the winners, in the order the lot drew them


@dataclass(frozen=True)
class Apportionment:
    """The seats of each body (in the order the bodies were given) and how they were settled."""

    method: str
    total_seats: int
    seats: Mapping[str, int]
    populations: Mapping[str, int]
    min_seats: Mapping[str, int]
    max_seats: Mapping[str, int | None]
    first_divisor: Fraction | None = None  # sainte-lague only
    # Largest remainder: population per seat used (the Hare quota when no bound binds).
    quota: Fraction | None = None
    seed: int | None = None  # the seed given, or drawn for a lot; None if neither
    draws: tuple[LotDraw, ...] = ()


def apportion(
    populations: Mapping[str, int],
    seats: int,
    method: str,
    min_seats: Bound = 0,
    max_seats: Bound | None = None,
    seed: int | None = None,
    *,
    first_divisor: Fraction | Decimal | int | str | None = None,
) -> Apportionment:
    """Share `seats` among the bodies in `populations` by `method` (see the module doc).

    `min_seats`/`max_seats` are one bound for every body or a mapping per body
    (bodies left out get 0 / no maximum). Raises `InvalidInput` when the request
    cannot be met or makes no sense.
    """
    if method not in METHODS:
        raise InvalidInput(
            f"unknown apportionment method {method!r}; expected one of: {', '.join(METHODS)}"
        )
    divisor_one = _first_divisor(method, first_divisor)
    names = _check_populations(populations)
    if not _is_int(seats) or seats < 0:
        raise InvalidInput(f"the number of seats must be a whole number ≥ 0, got {seats!r}")
    pops = {name: populations[name] for name in names}
    low = _bounds(min_seats, names, "minimum")
    high_given = _bounds(max_seats, names, "maximum") if max_seats is not None else {}
    high: dict[str, int | None] = {name: high_given.get(name) for name in names}
    _check_feasible(names, pops, seats, low, high)

    if method == "largest-remainder":
        result, quota, draw, used_seed = _largest_remainder(names, pops, seats, low, high, seed)
    else:
        priority = _priority_function(method, divisor_one)
        result, draw, used_seed = _highest_priority(names, pops, seats, low, high, priority, seed)
        quota = None
    return Apportionment(
        method=method,
        total_seats=seats,
        seats=MappingProxyType({name: result[name] for name in names}),
        populations=MappingProxyType(pops),
        min_seats=MappingProxyType(low),
        max_seats=MappingProxyType(high),
        first_divisor=divisor_one if method == "sainte-lague" else None,
        quota=quota,
        seed=used_seed,
        draws=() if draw is None else (draw,),
    )


# --- validation ---------------------------------------------------------------


def _is_int(value: object) -> bool:
    # bool is an int subclass; True seats or True people is a bug, not a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _first_divisor(
    method: str, first_divisor: Fraction | Decimal | int | str | None
) -> Fraction | None:
    if first_divisor is None:
        return Fraction(1) if method == "sainte-lague" else None
    if method != "sainte-lague":
        raise InvalidInput("a first divisor can only be given with the sainte-lague method")
    try:
        value = Fraction(first_divisor)
    except (ValueError, TypeError, ArithmeticError):
        raise InvalidInput(
            f"the first divisor must be a number such as 1.4, got {first_divisor!r}"
        ) from None
    if not 0 < value <= 3:
        raise InvalidInput(
            f"the first divisor must be greater than 0 and at most 3 (the next divisor), "
            f"got {first_divisor}"
        )
    return value


def _check_populations(populations: Mapping[str, int]) -> list[str]:
    names = list(populations)
    if not names:
        raise InvalidInput("there are no bodies to apportion seats among")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"every body needs a name, got {name!r}")
        population = populations[name]
        if not _is_int(population):
            raise InvalidInput(
                f"the population of {name!r} must be a whole number, got {population!r}"
            )
        if population < 0:
            raise InvalidInput(f"the population of {name!r} is negative ({population})")
    if sum(populations[name] for name in names) == 0:
        raise InvalidInput("the total population is 0: there is nothing to apportion by")
    return names


def _bounds(bound: Bound, names: list[str], what: str) -> dict[str, int]:
    if isinstance(bound, Mapping):
        unknown = sorted(set(bound) - set(names))
        if unknown:
            raise InvalidInput(f"{what} seats given for unknown bodies: {', '.join(unknown)}")
        values = {name: bound[name] for name in names if name in bound}
        if what == "minimum":
            values = {name: values.get(name, 0) for name in names}
    else:
        values = {name: bound for name in names}
    for name, value in values.items():
        if not _is_int(value) or value < 0:
            raise InvalidInput(
                f"the {what} seats of {name!r} must be a whole number ≥ 0, got {value!r}"
            )
    return values


def _check_feasible(
    names: list[str],
    pops: Mapping[str, int],
    seats: int,
    low: Mapping[str, int],
    high: Mapping[str, int | None],
) -> None:
    for name in names:
        top = high[name]
        if top is not None and top < low[name]:
            raise InvalidInput(
                f"{name!r} has a maximum of {top} seats, below its minimum of {low[name]}"
            )
    floor = sum(low.values())
    if floor > seats:
        raise InvalidInput(
            f"the minimums add up to {floor} seats, more than the {seats} to apportion"
        )
    # A body with no population only ever gets its minimum.
    capacity: int | None = 0
    for name in names:
        top = high[name] if pops[name] > 0 else low[name]
        if top is None:
            capacity = None
            break
        assert capacity is not None
        capacity += top
    if capacity is not None and capacity < seats:
        raise InvalidInput(
            f"the maximums allow at most {capacity} seats, fewer than the {seats} to apportion "
            f"(a body with population 0 gets only its minimum)"
        )


# --- tie rule -----------------------------------------------------------------


def _settle_tie(
    tied: list[str], k: int, pops: Mapping[str, int], seed: int | None
) -> tuple[list[str], LotDraw | None, int | None]:
    """Pick `k` (0 < k < len(tied)) of the tied bodies: larger population first, then lot."""
    ordered = sorted(tied, key=lambda name: (-pops[name], name))
    boundary = pops[ordered[k - 1]]
    sure = [name for name in ordered if pops[name] > boundary]
    group = sorted(name for name in ordered if pops[name] == boundary)
    need = k - len(sure)
    if need == len(group):
        return sure + group, None, seed
    if seed is None:
        seed = secrets.randbits(63)
    drawn = list(group)
    random.Random(seed).shuffle(drawn)
    chosen = drawn[:need]
    draw = LotDraw(tied=tuple(group), seats=need, chosen=tuple(chosen))
    return sure + chosen, draw, seed


# --- divisor methods ----------------------------------------------------------


def _priority_function(
    method: str, first_divisor: Fraction | None
) -> Callable[[int, int], _Priority]:
    """Priority of a body of `population` holding `held` seats, for its next seat."""
    if method == "dhondt":

        def dhondt(population: int, held: int) -> _Priority:
            return (0, Fraction(population, held + 1))

        return dhondt
    if method == "sainte-lague":
        assert first_divisor is not None
        first = first_divisor

        def sainte_lague(population: int, held: int) -> _Priority:
            divisor = first if held == 0 else Fraction(2 * held + 1)
            return (0, population / divisor)

        return sainte_lague

    def huntington_hill(population: int, held: int) -> _Priority:
        if held == 0:
            return (1, Fraction(0))
        # population / sqrt(s(s+1)) orders exactly as its square does.
        return (0, Fraction(population * population, held * (held + 1)))

    return huntington_hill


def _highest_priority(
    names: list[str],
    pops: Mapping[str, int],
    seats: int,
    low: Mapping[str, int],
    high: Mapping[str, int | None],
    priority: Callable[[int, int], _Priority],
    seed: int | None,
) -> tuple[dict[str, int], LotDraw | None, int | None]:
    held = dict(low)
    remaining = seats - sum(low.values())

    def open_to(name: str) -> bool:
        top = high[name]
        return pops[name] > 0 and (top is None or held[name] < top)

    # Max-heap on priority: store the negated key; name breaks heap ties only.
    heap: list[tuple[int, Fraction, str]] = []

    def push(name: str) -> None:
        flag, value = priority(pops[name], held[name])
        heapq.heappush(heap, (-flag, -value, name))

    for name in names:
        if open_to(name):
            push(name)
    draw: LotDraw | None = None
    while remaining > 0:
        # Feasibility was checked, so someone can always take the next seat.
        top_flag, top_value, first = heapq.heappop(heap)
        tied = [first]
        while heap and heap[0][:2] == (top_flag, top_value):
            tied.append(heapq.heappop(heap)[2])
        if remaining < len(tied):
            tied, draw, seed = _settle_tie(tied, remaining, pops, seed)
        for name in tied:
            held[name] += 1
            remaining -= 1
            if open_to(name):
                push(name)
    return held, draw, seed


# --- largest remainder --------------------------------------------------------


def _clamp(value: Fraction, low: int, high: int | None) -> Fraction:
    if value < low:
        return Fraction(low)
    if high is not None and value > high:
        return Fraction(high)
    return value


def _largest_remainder(
    names: list[str],
    pops: Mapping[str, int],
    seats: int,
    low: Mapping[str, int],
    high: Mapping[str, int | None],
    seed: int | None,
) -> tuple[dict[str, int], Fraction | None, LotDraw | None, int | None]:
    populated = [name for name in names if pops[name] > 0]
    target = seats - sum(low[name] for name in names if pops[name] == 0)
    factor = _seats_per_person(populated, pops, target, low, high)
    quotas = {name: _clamp(factor * pops[name], low[name], high[name]) for name in populated}
    result = {name: low[name] for name in names}
    for name in populated:
        result[name] = math.floor(quotas[name])
    left = target - sum(result[name] for name in populated)
    remainders: dict[Fraction, list[str]] = {}
    for name in populated:
        remainder = quotas[name] - result[name]
        if remainder > 0:
            remainders.setdefault(remainder, []).append(name)
    draw: LotDraw | None = None
    # The remainders add up to `left`, each below 1, so there are more than `left` of them.
    for remainder in sorted(remainders, reverse=True):
        if left == 0:
            break
        tied = remainders[remainder]
        if left < len(tied):
            tied, draw, seed = _settle_tie(tied, left, pops, seed)
        for name in tied:
            result[name] += 1
        left -= len(tied)
    quota = 1 / factor if factor > 0 else None
    return result, quota, draw, seed


def _seats_per_person(
    populated: list[str],
    pops: Mapping[str, int],
    target: int,
    low: Mapping[str, int],
    high: Mapping[str, int | None],
) -> Fraction:
    """The factor λ with Σ clamp(λ·population, min, max) = target over the populated bodies.

    The sum is continuous, non-decreasing and linear between the points where a
    body meets one of its bounds, so λ is found exactly by walking those points.
    """

    def total(factor: Fraction) -> Fraction:
        return sum(
            (_clamp(factor * pops[name], low[name], high[name]) for name in populated),
            Fraction(0),
        )

    points = {Fraction(low[name], pops[name]) for name in populated}
    points |= {Fraction(top, pops[name]) for name in populated if (top := high[name]) is not None}
    before, at_before = Fraction(0), total(Fraction(0))
    if at_before >= target:
        return Fraction(0)
    for point in sorted(points):
        at_point = total(point)
        if at_point >= target:
            return before + (target - at_before) * (point - before) / (at_point - at_before)
        before, at_before = point, at_point
    # Past the last bound only the bodies without a maximum still grow.
    slope = sum(pops[name] for name in populated if high[name] is None)
    return before + (target - at_before) / slope
