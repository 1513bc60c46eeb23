"""Old names of the hooks other apps register into when an election closes or a seat ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asamblea import hooks
from asamblea.elections.models import Election, Seat
from asamblea.record.services import Event

CloseHandler = Callable[[Election, dict[str, Any]], list[Event]]
SeatEndedHandler = Callable[[Seat], list[Event]]


def register_close_handler(kind: str) -> Callable[[CloseHandler], CloseHandler]:
    """Old name of `hooks.election_closed.register(kind)`."""
    return hooks.election_closed.register(kind)


def register_seat_ended_handler(func: SeatEndedHandler) -> SeatEndedHandler:
    """Old name of `hooks.seat_ended.register()`."""
    return hooks.seat_ended.register()(func)
