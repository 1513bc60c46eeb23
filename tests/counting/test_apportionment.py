"""Apportionment: classic cases per method, the paradoxes, bounds, ties, and invariants."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.apportionment import (
    DIVISOR_METHODS,
    METHODS,
    Apportionment,
    LotDraw,
    apportion,
)
from asamblea.errors import InvalidInput

# The Wikipedia D'Hondt / Sainte-Laguë example: 230,000 votes, 8 seats.
FOUR_PARTIES = {"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}
# The Wikipedia largest-remainder example (100,000 votes, 10 seats): each of the
# four methods gives a different answer. Worked by hand:
#   Hare quota 10,000 -> quotas 4.7 1.6 1.58 1.2 0.61 0.31; floors give 7 seats;
#     the 3 left go to the remainders .7 (A), .61 (E), .60 (B).
#   D'Hondt: 47000 23500 16000 15800 15667 12000 11750 9400 8000 7900 -> A5 B2 C2 D1.
#   Sainte-Laguë: 47000 16000 15800 15667 12000 9400 6714 6100 5333 5267 -> A4 B2 C2 D1 E1.
#   Huntington-Hill: one seat each (6), then 47000/√2, 47000/√6, 47000/√12, 16000/√2
#     -> A4 B2 C1 D1 E1 F1.
SIX_PARTIES = {"A": 47_000, "B": 16_000, "C": 15_800, "D": 12_000, "E": 6_100, "F": 3_100}


def seats_of(result: Apportionment) -> dict[str, int]:
    return dict(result.seats)


@pytest.mark.parametrize(
    ("populations", "seats", "method", "options", "expected"),
    [
        pytest.param(
            FOUR_PARTIES,
            8,
            "dhondt",
            {},
            {"A": 4, "B": 3, "C": 1, "D": 0},
            id="dhondt-favours-the-largest-party",
        ),
        pytest.param(
            FOUR_PARTIES,
            8,
            "sainte-lague",
            {},
            {"A": 3, "B": 3, "C": 1, "D": 1},
            id="sainte-lague-gives-the-smallest-party-a-seat",
        ),
        pytest.param(
            # A/7 = 100000/7 and D/1.4 = 20000/1.4 = 100000/7 tie exactly for the
            # 8th seat; the larger body (A) takes it.
            FOUR_PARTIES,
            8,
            "sainte-lague",
            {"first_divisor": "1.4"},
            {"A": 4, "B": 3, "C": 1, "D": 0},
            id="modified-sainte-lague-exact-tie-goes-to-larger-body",
        ),
        pytest.param(
            FOUR_PARTIES,
            8,
            "largest-remainder",
            {},
            {"A": 3, "B": 3, "C": 1, "D": 1},
            id="largest-remainder-four-parties",
        ),
        pytest.param(
            FOUR_PARTIES,
            8,
            "huntington-hill",
            {},
            {"A": 3, "B": 3, "C": 1, "D": 1},
            id="huntington-hill-four-parties",
        ),
        pytest.param(
            SIX_PARTIES,
            10,
            "dhondt",
            {},
            {"A": 5, "B": 2, "C": 2, "D": 1, "E": 0, "F": 0},
            id="dhondt-six-parties",
        ),
        pytest.param(
            SIX_PARTIES,
            10,
            "sainte-lague",
            {},
            {"A": 4, "B": 2, "C": 2, "D": 1, "E": 1, "F": 0},
            id="sainte-lague-six-parties",
        ),
        pytest.param(
            SIX_PARTIES,
            10,
            "largest-remainder",
            {},
            {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0},
            id="largest-remainder-six-parties",
        ),
        pytest.param(
            SIX_PARTIES,
            10,
            "huntington-hill",
            {},
            {"A": 4, "B": 2, "C": 1, "D": 1, "E": 1, "F": 1},
            id="huntington-hill-gives-every-party-a-seat-first",
        ),
        pytest.param(
            {"A": 200, "B": 100},
            2,
            "dhondt",
            {},
            {"A": 2, "B": 0},
            id="dhondt-tie-goes-to-larger-body",
        ),
        pytest.param(
            {"A": 200, "B": 100},
            3,
            "dhondt",
            {},
            {"A": 2, "B": 1},
            id="dhondt-tie-with-seats-for-all-tied-needs-no-rule",
        ),
        pytest.param(
            {"A": 1_000, "B": 10},
            5,
            "dhondt",
            {"min_seats": 1},
            {"A": 4, "B": 1},
            id="dhondt-minimum-seat-for-a-small-body",
        ),
        pytest.param(
            {"A": 1_000, "B": 500, "C": 10},
            10,
            "dhondt",
            {},
            {"A": 7, "B": 3, "C": 0},
            id="dhondt-without-maximum",
        ),
        pytest.param(
            {"A": 1_000, "B": 500, "C": 10},
            10,
            "dhondt",
            {"max_seats": 5},
            {"A": 5, "B": 5, "C": 0},
            id="dhondt-maximum-passes-seats-on",
        ),
        pytest.param(
            {"A": 1_000, "B": 500, "C": 10},
            10,
            "dhondt",
            {"max_seats": 4},
            {"A": 4, "B": 4, "C": 2},
            id="dhondt-maximum-reaches-the-smallest-body",
        ),
        pytest.param(
            {"A": 1_000, "B": 500, "C": 10},
            10,
            "dhondt",
            {"max_seats": {"A": 6}},
            {"A": 6, "B": 4, "C": 0},
            id="dhondt-maximum-for-one-body-only",
        ),
        pytest.param(
            {"A": 90, "B": 10},
            10,
            "largest-remainder",
            {"min_seats": 2},
            {"A": 8, "B": 2},
            id="largest-remainder-minimum-takes-seats-from-the-others",
        ),
        pytest.param(
            # A capped at 5; B and C share 5 in proportion: 3.75 and 1.25 -> 4 and 1.
            {"A": 60, "B": 30, "C": 10},
            10,
            "largest-remainder",
            {"max_seats": 5},
            {"A": 5, "B": 4, "C": 1},
            id="largest-remainder-maximum-shares-the-rest-in-proportion",
        ),
        pytest.param(
            {"A": 60, "B": 30, "C": 10},
            10,
            "largest-remainder",
            {"min_seats": {"C": 3}, "max_seats": {"A": 4}},
            {"A": 4, "B": 3, "C": 3},
            id="largest-remainder-minimum-and-maximum-together",
        ),
        pytest.param(
            {"A": 50, "B": 40, "C": 30},
            2,
            "huntington-hill",
            {},
            {"A": 1, "B": 1, "C": 0},
            id="huntington-hill-fewer-seats-than-bodies-go-to-the-most-populous",
        ),
        pytest.param(
            # A 50/√2 = 35.4 then C 30/√2 = 21.2 beats A 50/√6 = 20.4.
            {"A": 50, "B": 40, "C": 30},
            4,
            "huntington-hill",
            {"max_seats": {"B": 0}},
            {"A": 2, "B": 0, "C": 2},
            id="huntington-hill-maximum-zero-holds-a-body-back",
        ),
        pytest.param(
            {"A": 50, "B": 0},
            3,
            "dhondt",
            {"min_seats": 1},
            {"A": 2, "B": 1},
            id="dhondt-body-with-no-members-gets-its-minimum-only",
        ),
        pytest.param(
            {"A": 50, "B": 0},
            3,
            "largest-remainder",
            {"min_seats": {"B": 1}},
            {"A": 2, "B": 1},
            id="largest-remainder-body-with-no-members-gets-its-minimum-only",
        ),
        pytest.param(
            {"A": 50, "B": 40},
            0,
            "sainte-lague",
            {},
            {"A": 0, "B": 0},
            id="sainte-lague-no-seats",
        ),
        pytest.param(
            {"A": 50, "B": 40},
            2,
            "largest-remainder",
            {"min_seats": 1},
            {"A": 1, "B": 1},
            id="largest-remainder-minimums-fill-every-seat",
        ),
        pytest.param(
            {"A": 7, "B": 5, "C": 3},
            15,
            "largest-remainder",
            {},
            {"A": 7, "B": 5, "C": 3},
            id="largest-remainder-whole-quotas-leave-nothing-over",
        ),
    ],
)
def test_classic_cases(
    populations: Mapping[str, int],
    seats: int,
    method: str,
    options: dict[str, object],
    expected: dict[str, int],
) -> None:
    result = apportion(populations, seats, method, **options)  # type: ignore[arg-type]
    assert seats_of(result) == expected
    assert list(result.seats) == list(populations), "bodies keep the order they were given"
    assert result.draws == ()


def test_the_methods_disagree_on_the_six_party_case() -> None:
    outcomes = {tuple(apportion(SIX_PARTIES, 10, m).seats.values()) for m in METHODS}
    assert len(outcomes) == 4


# --- the Alabama paradox --------------------------------------------------------


def test_largest_remainder_shows_the_alabama_paradox() -> None:
    # 10 seats: quotas 4.29 4.29 1.43 -> C takes the last seat with .43.
    # 11 seats: quotas 4.71 4.71 1.57 -> A and B's .71 beat C's .57: C loses a seat.
    states = {"A": 6, "B": 6, "C": 2}
    assert seats_of(apportion(states, 10, "largest-remainder")) == {"A": 4, "B": 4, "C": 2}
    assert seats_of(apportion(states, 11, "largest-remainder")) == {"A": 5, "B": 5, "C": 1}


@pytest.mark.parametrize("method", sorted(DIVISOR_METHODS))
def test_divisor_methods_do_not_show_the_alabama_paradox_on_the_same_figures(
    method: str,
) -> None:
    states = {"A": 6, "B": 6, "C": 2}
    ten = apportion(states, 10, method, seed=1).seats
    eleven = apportion(states, 11, method, seed=1).seats
    assert all(eleven[name] >= ten[name] for name in states)


# --- ties and the lot -----------------------------------------------------------


def test_a_tie_only_a_lot_can_settle_is_drawn_and_recorded() -> None:
    result = apportion({"A": 100, "B": 100, "C": 100}, 4, "dhondt", seed=2026)
    assert sum(result.seats.values()) == 4
    assert result.seed == 2026
    (draw,) = result.draws
    assert draw.tied == ("A", "B", "C")
    assert draw.seats == 1
    (winner,) = draw.chosen
    assert result.seats[winner] == 2
    again = apportion({"C": 100, "A": 100, "B": 100}, 4, "dhondt", seed=2026)
    assert again.draws == result.draws, "the lot does not depend on the order of the input"


def test_without_a_seed_the_lot_draws_one_and_records_it() -> None:
    populations = {"A": 10, "B": 10, "C": 10, "D": 10}
    result = apportion(populations, 2, "sainte-lague")
    assert result.seed is not None
    assert apportion(populations, 2, "sainte-lague", seed=result.seed) == result


def test_no_seed_is_recorded_when_no_lot_is_needed() -> None:
    assert apportion({"A": 10, "B": 10}, 2, "dhondt").seed is None


def test_population_settles_a_tie_before_the_lot() -> None:
    # D'Hondt: B's 200/2 ties C's and D's 100/1 for the last two seats;
    # the larger B goes first, then C and D (equal) draw for the one left.
    result = apportion({"B": 200, "C": 100, "D": 100}, 3, "dhondt", seed=5)
    assert result.seats["B"] == 2
    assert result.draws == (LotDraw(tied=("C", "D"), seats=1, chosen=result.draws[0].chosen),)
    assert result.draws[0].chosen in {("C",), ("D",)}


def test_largest_remainder_equal_remainders_go_to_larger_body_then_lot() -> None:
    # Quotas 1.5, 1.5, 3 (no remainder): one seat left for two equal remainders.
    by_population = apportion({"A": 3, "B": 3, "C": 6}, 6, "largest-remainder", seed=9)
    assert by_population.draws[0].tied == ("A", "B")
    # Quotas .5 and 1.5: equal remainders, populations differ: B is larger, no lot.
    settled = apportion({"A": 5, "B": 15}, 2, "largest-remainder")
    assert seats_of(settled) == {"A": 0, "B": 2}
    assert settled.draws == ()
    uneven = apportion({"A": 1, "B": 3, "C": 4}, 4, "largest-remainder")
    # quotas .5 1.5 2 -> floors 0 1 2; one seat for the .5s of A and B: B is larger.
    assert seats_of(uneven) == {"A": 0, "B": 2, "C": 2}
    assert uneven.draws == ()


def test_a_larger_council_keeps_the_lot_winners_of_a_smaller_one() -> None:
    populations = {name: 100 for name in "ABCDE"}
    previous = apportion(populations, 1, "dhondt", seed=3).seats
    for house in range(2, 12):
        current = apportion(populations, house, "dhondt", seed=3).seats
        assert all(current[name] >= previous[name] for name in populations)
        previous = current


# --- the result's record --------------------------------------------------------


def test_result_records_the_inputs_and_the_quota() -> None:
    result = apportion(SIX_PARTIES, 10, "largest-remainder", min_seats={"F": 1})
    assert result.method == "largest-remainder"
    assert result.total_seats == 10
    assert dict(result.populations) == SIX_PARTIES
    assert result.min_seats["F"] == 1 and result.min_seats["A"] == 0
    assert result.max_seats["A"] is None
    assert result.quota is not None
    plain = apportion(SIX_PARTIES, 10, "largest-remainder")
    assert plain.quota == Fraction(10_000), "with no binding bound the quota is Hare's"
    assert apportion(SIX_PARTIES, 10, "dhondt").quota is None
    with pytest.raises(TypeError):
        result.seats["A"] = 9  # type: ignore[index]


def test_first_divisor_is_recorded_for_sainte_lague_only() -> None:
    assert apportion(FOUR_PARTIES, 8, "sainte-lague").first_divisor == 1
    modified = apportion(FOUR_PARTIES, 8, "sainte-lague", first_divisor=Decimal("1.4"))
    assert modified.first_divisor == Fraction(7, 5)
    assert apportion(FOUR_PARTIES, 8, "dhondt").first_divisor is None
    assert apportion(FOUR_PARTIES, 8, "sainte-lague", first_divisor=3).seats is not None


def test_largest_remainder_with_every_seat_fixed_by_minimums_has_no_quota() -> None:
    result = apportion({"A": 5, "B": 5}, 0, "largest-remainder")
    assert seats_of(result) == {"A": 0, "B": 0}
    assert result.quota is None


# --- impossible or meaningless requests -----------------------------------------


@pytest.mark.parametrize(
    ("populations", "seats", "method", "options", "message"),
    [
        pytest.param({"A": 1}, 1, "borda", {}, "unknown apportionment method", id="unknown-method"),
        pytest.param({}, 1, "dhondt", {}, "no bodies", id="no-bodies"),
        pytest.param({"A": -1, "B": 5}, 1, "dhondt", {}, "negative", id="negative-population"),
        pytest.param({"A": 1.5}, 1, "dhondt", {}, "whole number", id="fractional-population"),
        pytest.param({"A": True}, 1, "dhondt", {}, "whole number", id="boolean-population"),
        pytest.param({"A": 0, "B": 0}, 1, "dhondt", {}, "total population is 0", id="zero-total"),
        pytest.param({"": 5}, 1, "dhondt", {}, "needs a name", id="empty-name"),
        pytest.param({"A": 5}, -1, "dhondt", {}, "seats must be", id="negative-seats"),
        pytest.param({"A": 5}, True, "dhondt", {}, "seats must be", id="boolean-seats"),
        pytest.param(
            {"A": 5, "B": 5},
            3,
            "dhondt",
            {"min_seats": 2},
            "minimums add up to 4",
            id="minimums-exceed-seats",
        ),
        pytest.param(
            {"A": 5, "B": 5},
            5,
            "sainte-lague",
            {"max_seats": 2},
            "maximums allow at most 4",
            id="maximums-too-small",
        ),
        pytest.param(
            {"A": 5, "B": 0},
            3,
            "dhondt",
            {"max_seats": {"A": 2}},
            "maximums allow at most 2",
            id="a-body-with-no-members-cannot-take-the-spare-seats",
        ),
        pytest.param(
            {"A": 5},
            3,
            "dhondt",
            {"min_seats": 2, "max_seats": 1},
            "below its minimum",
            id="maximum-below-minimum",
        ),
        pytest.param(
            {"A": 5},
            3,
            "dhondt",
            {"min_seats": -1},
            "minimum seats of 'A'",
            id="negative-minimum",
        ),
        pytest.param(
            {"A": 5},
            3,
            "dhondt",
            {"max_seats": {"Z": 1}},
            "unknown bodies: Z",
            id="maximum-for-an-unknown-body",
        ),
        pytest.param(
            {"A": 5},
            3,
            "dhondt",
            {"first_divisor": "1.4"},
            "only be given with the sainte-lague",
            id="first-divisor-with-dhondt",
        ),
        pytest.param(
            {"A": 5},
            3,
            "sainte-lague",
            {"first_divisor": "one"},
            "such as 1.4",
            id="first-divisor-not-a-number",
        ),
        pytest.param(
            {"A": 5},
            3,
            "sainte-lague",
            {"first_divisor": Decimal("Infinity")},
            "such as 1.4",
            id="first-divisor-infinite",
        ),
        pytest.param(
            {"A": 5},
            3,
            "sainte-lague",
            {"first_divisor": "0"},
            "greater than 0 and at most 3",
            id="first-divisor-zero",
        ),
        pytest.param(
            {"A": 5},
            3,
            "sainte-lague",
            {"first_divisor": 4},
            "greater than 0 and at most 3",
            id="first-divisor-above-the-next-divisor",
        ),
    ],
)
def test_impossible_requests_are_refused_with_a_clear_message(
    populations: Mapping[str, int],
    seats: int,
    method: str,
    options: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message):
        apportion(populations, seats, method, **options)  # type: ignore[arg-type]


# --- invariants (hypothesis) ----------------------------------------------------

populations_st = st.dictionaries(
    st.text(alphabet="ABCDEFGHIJ", min_size=1, max_size=2),
    st.integers(min_value=0, max_value=10_000),
    min_size=1,
    max_size=8,
).filter(lambda pops: sum(pops.values()) > 0)


@st.composite
def feasible_requests(
    draw: st.DrawFn,
) -> tuple[dict[str, int], int, dict[str, int], dict[str, int]]:
    """Populations, seats and per-body bounds that admit an apportionment."""
    pops = draw(populations_st)
    low = {name: draw(st.integers(0, 2)) for name in pops}
    high = {
        name: low[name] + extra
        for name in pops
        if (extra := draw(st.one_of(st.none(), st.integers(0, 4)))) is not None
    }
    floor = sum(low.values())
    unbounded = any(pops[name] > 0 and name not in high for name in pops)
    ceiling = sum(high[name] if pops[name] > 0 else low[name] for name in pops if name in high)
    ceiling += sum(low[name] for name in pops if pops[name] == 0 and name not in high)
    top = floor + 30 if unbounded else ceiling
    seats = draw(st.integers(floor, max(floor, top)))
    if not unbounded and seats > ceiling:
        seats = ceiling
    return pops, seats, low, high


@settings(max_examples=150, deadline=None)
@given(request=feasible_requests(), method=st.sampled_from(METHODS), seed=st.integers(0, 99))
def test_seats_always_sum_to_the_council_size_within_the_bounds(
    request: tuple[dict[str, int], int, dict[str, int], dict[str, int]], method: str, seed: int
) -> None:
    pops, seats, low, high = request
    result = apportion(pops, seats, method, min_seats=low, max_seats=high, seed=seed)
    assert sum(result.seats.values()) == seats
    for name, held in result.seats.items():
        assert held >= low[name]
        if name in high:
            assert held <= high[name]
        if pops[name] == 0:
            assert held == low[name]


@settings(max_examples=100, deadline=None)
@given(
    request=feasible_requests(),
    method=st.sampled_from(sorted(DIVISOR_METHODS)),
    seed=st.integers(0, 99),
)
def test_every_divisor_method_is_house_monotone(
    request: tuple[dict[str, int], int, dict[str, int], dict[str, int]], method: str, seed: int
) -> None:
    pops, _, low, _ = request
    # Without maximums the council can always grow; check every size up to +12.
    start = sum(low.values())
    previous = apportion(pops, start, method, min_seats=low, seed=seed).seats
    for house in range(start + 1, start + 13):
        current = apportion(pops, house, method, min_seats=low, seed=seed).seats
        assert all(current[name] >= previous[name] for name in pops), (house, dict(current))
        previous = current


def _divisor(method: str, held: int) -> Fraction:
    """The (squared, for Huntington-Hill) divisor for a body's seat number held+1."""
    if method == "dhondt":
        return Fraction(held + 1)
    if method == "sainte-lague":
        return Fraction(2 * held + 1)
    return Fraction(held * (held + 1))


@settings(max_examples=150, deadline=None)
@given(
    pops=populations_st,
    seats=st.integers(0, 40),
    method=st.sampled_from(sorted(DIVISOR_METHODS)),
)
def test_divisor_results_have_a_common_divisor(
    pops: dict[str, int], seats: int, method: str
) -> None:
    """Independent check: the weakest seat won beats (or ties) the strongest seat not won."""
    result = apportion(pops, seats, method, seed=0)

    def strength(population: int, divisor: Fraction) -> Fraction | float:
        power = 2 if method == "huntington-hill" else 1
        return math.inf if divisor == 0 else Fraction(population**power) / divisor

    won = [
        strength(pops[name], _divisor(method, held - 1))
        for name, held in result.seats.items()
        if held > 0
    ]
    not_won = [
        strength(pops[name], _divisor(method, held))
        for name, held in result.seats.items()
        if pops[name] > 0
    ]
    if won and not_won:
        assert min(won) >= max(not_won)


@settings(max_examples=150, deadline=None)
@given(pops=populations_st, seats=st.integers(0, 40))
def test_largest_remainder_stays_within_the_quota(pops: dict[str, int], seats: int) -> None:
    result = apportion(pops, seats, "largest-remainder", seed=0)
    total = sum(pops.values())
    for name, held in result.seats.items():
        quota = Fraction(pops[name] * seats, total)
        assert math.floor(quota) <= held <= math.ceil(quota)


@settings(max_examples=150, deadline=None)
@given(pops=populations_st, seats=st.integers(0, 40), method=st.sampled_from(METHODS))
def test_a_larger_body_never_gets_fewer_seats(
    pops: dict[str, int], seats: int, method: str
) -> None:
    result = apportion(pops, seats, method, seed=0)
    for a in pops:
        for b in pops:
            if pops[a] > pops[b]:
                assert result.seats[a] >= result.seats[b]


@settings(max_examples=60, deadline=None)
@given(
    pops=populations_st,
    seats=st.integers(0, 30),
    method=st.sampled_from(METHODS),
    seed=st.integers(0, 2**32),
)
def test_the_same_seed_gives_the_same_result_whatever_the_input_order(
    pops: dict[str, int], seats: int, method: str, seed: int
) -> None:
    forward = apportion(pops, seats, method, seed=seed)
    backward = apportion(dict(reversed(pops.items())), seats, method, seed=seed)
    assert dict(forward.seats) == dict(backward.seats)
    assert forward.draws == backward.draws
