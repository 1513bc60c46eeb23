"""The recall cascade over plain values: which seats fall and how each is refilled."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.recall.cascade import (
    BY_ELECTION,
    COUNTBACK,
    Id,
    SeatFact,
    plan,
    seats_lost,
)

# The federation of tests/support/factories.py, by slug:
#   national <- region-a <- {prov-a1 <- {base-1, base-2, union-1}, prov-a2 <- base-3}
#   national <- region-b <- prov-b1 <- base-4
# Each council has a command "<council>/cmd".


def d(seat_id: str, holder: str, source: str, council: str) -> SeatFact:
    """A seat in the delegation source -> council."""
    return SeatFact(
        id=seat_id,
        holder=holder,
        place=f"{source}->{council}",
        rests_on=source,
        admits_to=council,
    )


def c(seat_id: str, holder: str, body: str) -> SeatFact:
    """A seat in the command of `body`."""
    return SeatFact(id=seat_id, holder=holder, place=f"{body}/cmd", rests_on=body)


# Ana came up from base-1: provincial, regional (and its command), national (and its command).
ANA_TO_THE_TOP = [
    d("ana-prov", "ana", "base-1", "prov-a1"),
    d("ana-region", "ana", "prov-a1", "region-a"),
    c("ana-region-cmd", "ana", "region-a"),
    d("ana-national", "ana", "region-a", "national"),
    c("ana-national-cmd", "ana", "national"),
]
OTHERS = [
    d("bea-prov", "bea", "base-2", "prov-a1"),
    d("bea-region", "bea", "prov-a1", "region-a"),
    d("carl-prov", "carl", "base-3", "prov-a2"),
    d("carl-region", "carl", "prov-a2", "region-a"),
    c("carl-region-cmd", "carl", "region-a"),
    d("carl-national", "carl", "region-a", "national"),
    d("dora-prov", "dora", "base-4", "prov-b1"),
    d("ivan-prov", "ivan", "base-2", "prov-a1"),
]


def chain(losses: Sequence[object]) -> list[tuple[str, str | None, str | None]]:
    return [(x.seat.id, x.cause, x.lost_membership) for x in losses]  # type: ignore[attr-defined]


LOSS_CASES = [
    pytest.param(
        ANA_TO_THE_TOP + OTHERS,
        "ana-prov",
        [
            ("ana-prov", None, "prov-a1"),
            ("ana-region", "ana-prov", "region-a"),
            ("ana-national", "ana-region", "national"),
            ("ana-region-cmd", "ana-region", None),
            ("ana-national-cmd", "ana-national", None),
        ],
        id="base-delegate-recalled-loses-regional-command-and-national-seats",
    ),
    pytest.param(
        ANA_TO_THE_TOP + OTHERS,
        "ana-region",
        [
            ("ana-region", None, "region-a"),
            ("ana-national", "ana-region", "national"),
            ("ana-region-cmd", "ana-region", None),
            ("ana-national-cmd", "ana-national", None),
        ],
        id="regional-delegate-recalled-keeps-the-provincial-seat-below",
    ),
    pytest.param(
        ANA_TO_THE_TOP + OTHERS,
        "ana-region-cmd",
        [("ana-region-cmd", None, None)],
        id="command-seat-vacated-takes-nothing-else",
    ),
    pytest.param(
        ANA_TO_THE_TOP + OTHERS,
        "ana-national-cmd",
        [("ana-national-cmd", None, None)],
        id="top-seat-vacated-alone",
    ),
    pytest.param(
        [
            *ANA_TO_THE_TOP,
            d("ana-prov-2", "ana", "base-3", "prov-a2"),
            d("ana-region-2", "ana", "prov-a2", "region-a"),
        ],
        "ana-prov",
        [
            ("ana-prov", None, "prov-a1"),
            ("ana-region", "ana-prov", None),
        ],
        id="two-independent-paths-to-the-region-keep-the-seats-above",
    ),
    pytest.param(
        [*ANA_TO_THE_TOP, d("ana-prov-union", "ana", "union-1", "prov-a1")],
        "ana-prov",
        [("ana-prov", None, None)],
        id="second-seat-into-the-same-council-keeps-its-membership",
    ),
    pytest.param(
        [
            d("eva-prov", "eva", "base-1", "prov-a1"),
            d("eva-region", "eva", "prov-a1", "region-a"),
            d("eva-national", "eva", "region-a", "national"),
            d("eva-region-b", "eva", "prov-a1", "region-b"),
            c("eva-prov-cmd", "eva", "prov-a1"),
        ],
        "eva-prov",
        [
            ("eva-prov", None, "prov-a1"),
            ("eva-region", "eva-prov", "region-a"),
            ("eva-region-b", "eva-prov", "region-b"),
            ("eva-prov-cmd", "eva-prov", None),
            ("eva-national", "eva-region", "national"),
        ],
        id="council-sending-to-two-councils-loses-both-delegations",
    ),
    pytest.param(
        [
            d("eva-prov", "eva", "base-1", "prov-a1"),
            d("eva-region", "eva", "prov-a1", "region-a"),
            d("eva-national", "eva", "region-a", "national"),
            d("eva-region-b", "eva", "prov-a1", "region-b"),
            d("eva-national-b", "eva", "region-b", "national"),
        ],
        "eva-prov",
        [
            ("eva-prov", None, "prov-a1"),
            ("eva-region", "eva-prov", "region-a"),
            ("eva-region-b", "eva-prov", "region-b"),
            # The membership of national goes with the first of the two; once.
            ("eva-national", "eva-region", "national"),
            ("eva-national-b", "eva-region-b", None),
        ],
        id="two-paths-that-share-a-root-both-fall",
    ),
]


@pytest.mark.parametrize(("seats", "vacated", "expected"), LOSS_CASES)
def test_seats_lost_follow_membership_up_the_tiers(
    seats: list[SeatFact], vacated: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert chain(seats_lost(seats, vacated)) == expected


def test_other_holders_seats_are_never_lost() -> None:
    losses = seats_lost(ANA_TO_THE_TOP + OTHERS, "ana-prov")
    assert {loss.seat.holder for loss in losses} == {"ana"}


def test_an_unknown_seat_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        seats_lost(OTHERS, "nobody")


# --- refills ------------------------------------------------------------------------


def runners_up(
    order: Mapping[str, Sequence[str]],
) -> Callable[[SeatFact, Callable[[Id], bool]], Id | None]:
    """A fake countback: each place's runners-up in order; the first eligible one wins."""

    def countback(seat: SeatFact, eligible: Callable[[Id], bool]) -> Id | None:
        return next((p for p in order.get(str(seat.place), ()) if eligible(p)), None)

    return countback


BASE_MEMBERS = {"base-1": {"ana", "fe", "gus", "hal"}, "base-2": {"bea"}, "base-3": {"carl"}}


def base_member(person: Id, body: Id) -> bool:
    return person in BASE_MEMBERS.get(str(body), set())


REFILL_CASES = [
    pytest.param(
        {
            "base-1->prov-a1": ["fe"],
            # Bea already sits in this delegation; Ivan is a provincial delegate.
            "prov-a1->region-a": ["bea", "ivan"],
            "region-a/cmd": ["carl"],
            "region-a->national": ["bea"],
            "national/cmd": ["carl"],
        },
        [
            ("ana-prov", COUNTBACK, "fe"),
            ("ana-region", COUNTBACK, "ivan"),
            ("ana-national", COUNTBACK, "bea"),
            # Carl already holds a seat of the regional command: nobody else ran.
            ("ana-region-cmd", BY_ELECTION, None),
            ("ana-national-cmd", COUNTBACK, "carl"),
        ],
        id="each-tier-refilled-from-its-own-runners-up",
    ),
    pytest.param(
        {"base-1->prov-a1": ["bea", "gus"]},
        [
            # Bea sits for base-2, not base-1: not a member of the constituency.
            ("ana-prov", COUNTBACK, "gus"),
            ("ana-region", BY_ELECTION, None),
            ("ana-national", BY_ELECTION, None),
            ("ana-region-cmd", BY_ELECTION, None),
            ("ana-national-cmd", BY_ELECTION, None),
        ],
        id="countback-skips-a-runner-up-no-longer-a-member-and-no-runner-up-opens-a-by-election",
    ),
    pytest.param(
        {"region-a->national": ["carl", "bea"], "base-1->prov-a1": ["ana", "hal"]},
        [
            # The departing delegate is never their own replacement.
            ("ana-prov", COUNTBACK, "hal"),
            ("ana-region", BY_ELECTION, None),
            # Carl already sits in the region's delegation to national: skipped.
            ("ana-national", COUNTBACK, "bea"),
            ("ana-region-cmd", BY_ELECTION, None),
            ("ana-national-cmd", BY_ELECTION, None),
        ],
        id="countback-that-would-elect-someone-already-seated-skips-them",
    ),
    pytest.param(
        {"base-1->prov-a1": ["fe"], "prov-a1->region-a": ["fe"], "region-a->national": ["fe"]},
        [
            ("ana-prov", COUNTBACK, "fe"),
            # Fe has just joined the provincial council (the refill before this one).
            ("ana-region", COUNTBACK, "fe"),
            ("ana-national", COUNTBACK, "fe"),
            ("ana-region-cmd", BY_ELECTION, None),
            ("ana-national-cmd", BY_ELECTION, None),
        ],
        id="refills-run-bottom-up-so-a-new-member-counts-for-the-tier-above",
    ),
    pytest.param(
        {"region-a->national": ["dora"]},
        [
            ("ana-prov", BY_ELECTION, None),
            ("ana-region", BY_ELECTION, None),
            # Dora sits in region-b's councils, not region-a.
            ("ana-national", BY_ELECTION, None),
            ("ana-region-cmd", BY_ELECTION, None),
            ("ana-national-cmd", BY_ELECTION, None),
        ],
        id="runner-up-from-another-region-is-not-eligible",
    ),
]


def refills(result: object) -> list[tuple[str, str, str | None]]:
    return [(r.seat.id, r.method, r.new_holder) for r in result.refills]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("order", "expected"), REFILL_CASES)
def test_refill_plan_by_countback(
    order: Mapping[str, Sequence[str]], expected: list[tuple[str, str, str | None]]
) -> None:
    result = plan(
        ANA_TO_THE_TOP + OTHERS, "ana-prov", countback=runners_up(order), is_member=base_member
    )
    assert refills(result) == expected


def test_federation_that_refills_by_by_election_opens_one_per_lost_seat() -> None:
    result = plan(
        ANA_TO_THE_TOP + OTHERS,
        "ana-prov",
        method=BY_ELECTION,
        countback=runners_up({"base-1->prov-a1": ["fe"]}),
        is_member=base_member,
    )
    assert [r.method for r in result.refills] == [BY_ELECTION] * 5
    assert all(r.opens_by_election for r in result.refills)


def test_a_seat_refilled_by_a_new_election_leaves_only_the_seats_above_to_refill() -> None:
    result = plan(
        ANA_TO_THE_TOP + OTHERS,
        "ana-prov",
        countback=runners_up({"prov-a1->region-a": ["ivan"]}),
        is_member=base_member,
        refill_first=False,
    )
    assert result.losses[0].seat.id == "ana-prov"
    assert refills(result)[0] == ("ana-region", COUNTBACK, "ivan")
    assert "ana-prov" not in [r.seat.id for r in result.refills]


def test_a_countback_that_picks_an_ineligible_person_is_refused() -> None:
    def rogue(seat: SeatFact, eligible: Callable[[Id], bool]) -> Id | None:
        return "ana"

    with pytest.raises(ValueError, match="may not hold it"):
        plan(ANA_TO_THE_TOP, "ana-prov", countback=rogue, is_member=base_member)


# --- properties -----------------------------------------------------------------------

# A layered federation: tier 0 bases b0..b3, tier 1 councils p0, p1, tier 2 r0, tier 3 n0;
# each body sends to every council one tier up. Seats are built bottom-up so that every
# seat resting on a council has its holder admitted to that council: a consistent state.
TIERS = [["b0", "b1", "b2", "b3"], ["p0", "p1"], ["r0"], ["n0"]]


@st.composite
def consistent_states(draw: st.DrawFn) -> list[SeatFact]:
    people = ["p" + str(i) for i in range(5)]
    seats: list[SeatFact] = []
    members: dict[str, set[str]] = {b: set(people) for b in TIERS[0]}
    counter = 0
    for tier in range(1, len(TIERS)):
        for council in TIERS[tier]:
            members.setdefault(council, set())
        for source in TIERS[tier - 1]:
            for council in TIERS[tier]:
                for person in sorted(members[source]):
                    if draw(st.booleans()):
                        counter += 1
                        seats.append(d(f"s{counter}", person, source, council))
                        members[council].add(person)
        for body in TIERS[tier]:
            for person in sorted(members[body]):
                if draw(st.integers(0, 3)) == 0:
                    counter += 1
                    seats.append(c(f"s{counter}", person, body))
    return seats


def is_consistent(seats: Sequence[SeatFact]) -> bool:
    admitted = {(s.holder, s.admits_to) for s in seats if s.admits_to is not None}
    return all(
        (s.holder, s.rests_on) in admitted for s in seats if not str(s.rests_on).startswith("b")
    )


@settings(max_examples=200, deadline=None)
@given(consistent_states(), st.data())
def test_the_cascade_leaves_a_consistent_state_and_takes_no_more_than_it_must(
    seats: list[SeatFact], data: st.DataObject
) -> None:
    if not seats:
        return
    vacated = data.draw(st.sampled_from(seats))
    losses = seats_lost(seats, vacated.id)
    lost = {loss.seat.id for loss in losses}
    remaining = [s for s in seats if s.id not in lost]
    # Nobody keeps a seat resting on a council they no longer belong to ...
    assert is_consistent(remaining)
    # ... only the vacated holder loses anything ...
    assert {loss.seat.holder for loss in losses} == {vacated.holder}
    # ... and every seat lost after the first was resting on a membership just lost.
    order = {loss.seat.id: i for i, loss in enumerate(losses)}
    by_id = {loss.seat.id: loss for loss in losses}
    for loss in losses[1:]:
        cause = by_id[loss.cause]
        assert order[loss.cause] < order[loss.seat.id]
        assert cause.lost_membership == loss.seat.rests_on


@settings(max_examples=100, deadline=None)
@given(consistent_states(), st.data())
def test_refills_never_seat_one_person_twice_in_a_place(
    seats: list[SeatFact], data: st.DataObject
) -> None:
    if not seats:
        return
    vacated = data.draw(st.sampled_from(seats))
    everyone = ["p" + str(i) for i in range(5)]

    def anyone(seat: SeatFact, eligible: Callable[[Id], bool]) -> Id | None:
        return next((p for p in everyone if eligible(p)), None)

    result = plan(
        seats, vacated.id, countback=anyone, is_member=lambda p, b: str(b).startswith("b")
    )
    lost = {r.seat.id for r in result.refills}
    final = [s for s in seats if s.id not in lost] + [
        SeatFact(r.seat.id, r.new_holder, r.seat.place, r.seat.rests_on, r.seat.admits_to)
        for r in result.refills
        if r.new_holder is not None
    ]
    places = [(s.place, s.holder) for s in final]
    assert len(places) == len(set(places))
    assert is_consistent(final)
