"""The recall cascade over plain values: which seats fall when one is vacated, and
how each is refilled. Pure: no Django import, so it is tested in microseconds.

The rule (DOMAIN.md, "Recall"): a seat in a delegation makes its holder a member
of the delegation's council. Membership of a council is what every seat the
holder has *through* that council rests on: the council's command, and the
council's own delegations to the councils above it. So when a seat is vacated,
its holder stops being a member of the council it admitted them to -- unless
another seat they still hold admits them to the same council (a second,
independent path) -- and with that membership they lose every seat resting on
that council; each of those is treated the same way, tier by tier, up to the top.

Data shapes (ids are whatever the caller uses, typically database keys: one type,
`IdT`, for the seats, people and bodies of one cascade; a place is any hashable):

    SeatFact(id, holder, place, rests_on, admits_to)
        place     -- the group of seats one election fills together: a delegation or
                     a command ("delegation:12", "command:7"); nobody holds two seats
                     of one place.
        rests_on  -- the body whose membership the seat needs: a delegation's source
                     body, or the body a command belongs to.
        admits_to -- the council the seat makes its holder a member of (a delegation's
                     council), or None (a command seat admits to nothing).

Refilling (`plan`) walks the losses in order (lowest tier first) and, for each,
asks the caller's `countback` for a new holder among the people who may hold the
seat *at that moment*: members of the body it rests on (after every loss of the
cascade, and every refill before it), who hold no seat of the same place. No one
found, or a federation that refills by by-election, opens a by-election instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, Protocol, TypeVar

Id = Hashable
IdT = TypeVar("IdT", bound=Hashable)

COUNTBACK: Literal["countback"] = "countback"
BY_ELECTION: Literal["by-election"] = "by-election"
RefillMethod = Literal["countback", "by-election"]


@dataclass(frozen=True)
class SeatFact(Generic[IdT]):
    """One held seat, as the cascade sees it (see the module docstring for fields)."""

    id: IdT
    holder: IdT
    place: Id
    rests_on: IdT
    admits_to: IdT | None = None


@dataclass(frozen=True)
class Loss(Generic[IdT]):
    """A seat lost in the cascade and why.

    `cause` is the id of the seat whose loss took this one (None for the seat that was
    vacated first); `lost_membership` the council its holder stopped belonging to
    because of this loss (None when they still belong through another seat, or the
    seat admitted them to nothing).
    """

    seat: SeatFact[IdT]
    cause: IdT | None
    lost_membership: IdT | None


@dataclass(frozen=True)
class Refill(Generic[IdT]):
    """How one lost seat is refilled: a countback's new holder, or a by-election."""

    seat: SeatFact[IdT]
    method: RefillMethod
    new_holder: IdT | None = None

    @property
    def opens_by_election(self) -> bool:
        return self.method == BY_ELECTION


@dataclass(frozen=True)
class Plan(Generic[IdT]):
    """The whole outcome of vacating one seat: every loss, then every refill, in order."""

    losses: tuple[Loss[IdT], ...]
    refills: tuple[Refill[IdT], ...]


class Countback(Protocol[IdT]):
    """Who a countback would put in `seat` among people `eligible` says may hold it
    (None: nobody left). The caller's countback knows the ballots; the cascade does not."""

    # Positional-only: the cascade calls it positionally, so any parameter names do.
    def __call__(self, seat: SeatFact[IdT], eligible: Callable[[IdT], bool], /) -> IdT | None: ...


def seats_lost(seats: Iterable[SeatFact[IdT]], vacated: IdT) -> tuple[Loss[IdT], ...]:
    """Every seat lost when seat `vacated` is vacated, breadth first (tier by tier),
    the vacated seat first. Raises KeyError if `vacated` is not among `seats`."""
    held = {seat.id: seat for seat in seats}
    first = held.pop(vacated)
    losses: list[Loss[IdT]] = []
    gone: set[IdT] = set()  # councils the holder no longer belongs to
    queue: deque[tuple[SeatFact[IdT], IdT | None]] = deque([(first, None)])
    while queue:
        seat, cause = queue.popleft()
        council = seat.admits_to
        still_member = council is not None and any(
            other.holder == seat.holder and other.admits_to == council for other in held.values()
        )
        lost_membership = None if council is None or still_member or council in gone else council
        losses.append(Loss(seat=seat, cause=cause, lost_membership=lost_membership))
        if lost_membership is None:
            continue
        gone.add(lost_membership)
        resting = sorted(
            (
                other
                for other in held.values()
                if other.holder == seat.holder and other.rests_on == lost_membership
            ),
            key=_order_key,
        )
        for other in resting:
            del held[other.id]
            queue.append((other, seat.id))
    return tuple(losses)


def plan(
    seats: Iterable[SeatFact[IdT]],
    vacated: IdT,
    *,
    method: RefillMethod = COUNTBACK,
    countback: Countback[IdT] | None = None,
    is_member: Callable[[IdT, IdT], bool] = lambda person, body: False,
    refill_first: bool = True,
) -> Plan[IdT]:
    """The losses from vacating `vacated` and the refill of each, in order.

    `is_member(person, body)` answers for memberships no seat gives (a base
    assembly's verified members); membership of a council comes from the seats.
    With `method` "by-election", or no `countback`, every lost seat opens a
    by-election. With `refill_first` False the vacated seat itself gets no refill
    (a new election has just filled it: only the seats above it are refilled).
    """
    seats = list(seats)
    losses = seats_lost(seats, vacated)
    lost_ids = {loss.seat.id for loss in losses}
    # The state refills see: seats still held, updated as refills put people in.
    state: dict[IdT, SeatFact[IdT]] = {seat.id: seat for seat in seats if seat.id not in lost_ids}
    refills: list[Refill[IdT]] = []
    for loss in losses if refill_first else losses[1:]:
        seat = loss.seat
        new_holder: IdT | None = None
        if method == COUNTBACK and countback is not None:
            eligible = _eligibility(state, seat, is_member)
            new_holder = countback(seat, eligible)
            if new_holder is not None and not eligible(new_holder):
                raise ValueError(
                    f"the countback for seat {seat.id!r} chose {new_holder!r}, who may not hold it"
                )
        if new_holder is None:
            refills.append(Refill(seat=seat, method=BY_ELECTION))
        else:
            state[seat.id] = replace(seat, holder=new_holder)
            refills.append(Refill(seat=seat, method=COUNTBACK, new_holder=new_holder))
    return Plan(losses=losses, refills=tuple(refills))


def _eligibility(
    state: dict[IdT, SeatFact[IdT]],
    seat: SeatFact[IdT],
    is_member: Callable[[IdT, IdT], bool],
) -> Callable[[IdT], bool]:
    """Who may take `seat` now: a member of the body it rests on, not the holder who
    just lost it, holding no seat of the same place."""
    seated = {other.holder for other in state.values() if other.place == seat.place}
    members_by_seat = {other.holder for other in state.values() if other.admits_to == seat.rests_on}

    def eligible(person: IdT) -> bool:
        if person == seat.holder or person in seated:
            return False
        return person in members_by_seat or is_member(person, seat.rests_on)

    return eligible


def _order_key(seat: SeatFact[Any]) -> tuple[tuple[int, int, str], tuple[int, int, str]]:
    # Deterministic order among seats lost at the same step: numbers in number order.
    return (_sortable(seat.place), _sortable(seat.id))


def _sortable(value: Id) -> tuple[int, int, str]:
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, str(value))
