"""The registry of counting methods: one name per method, one call to count.

A method is a function `fn(profile, *, seats, seed=None, at_least=None) -> CountResult`
living in its own module. Register it with one line in `METHODS` below
("method-name": "module:function"); modules are imported only when their method is
used, so a slow or broken method never slows the others down.

`seed` and `at_least` are passed only when given, so a method that cannot break
ties by lot or honour a group constraint may leave those parameters out: asking
it for them is then reported as a user error, not a crash.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any, Protocol

from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult
from asamblea.errors import InvalidInput


class CountMethod(Protocol):
    """The shape of a counting method (keyword arguments after the profile)."""

    def __call__(
        self,
        profile: Profile,
        *,
        seats: int,
        seed: int | None = ...,
        at_least: Mapping[str, int] | None = ...,
    ) -> CountResult: ...


# Method name -> "module:function". One line per method.
METHODS: dict[str, str] = {
    "stv-scottish": "asamblea.counting.stv_scottish:count_stv_scottish",
    "stv-meek": "asamblea.counting.meek:count_meek",
    "irv": "asamblea.counting.irv:count_irv",
    "plurality": "asamblea.counting.plurality:count_plurality",
    "approval": "asamblea.counting.approval:count_approval",
    "schulze": "asamblea.counting.schulze:count_schulze",
}

# Seats assumed when neither the caller nor the ballot file says (single-winner methods).
DEFAULT_SEATS: dict[str, int] = {
    "irv": 1,
    "schulze": 1,
}


def method_names() -> tuple[str, ...]:
    """The registered method names, sorted."""
    return tuple(sorted(METHODS))


def resolve(method: str) -> CountMethod:
    """The function registered for `method`; InvalidInput names the known methods."""
    target = METHODS.get(method)
    if target is None:
        known = ", ".join(method_names())
        raise InvalidInput(f"unknown counting method {method!r}; expected one of: {known}")
    module_name, _, function_name = target.partition(":")
    function: CountMethod = getattr(importlib.import_module(module_name), function_name)
    return function


def count(
    profile: Profile,
    method: str,
    seats: int | None = None,
    seed: int | None = None,
    at_least: Mapping[str, int] | None = None,
) -> CountResult:
    """Count `profile` with the named method; seats default to the ballot file's."""
    function = resolve(method)
    if seats is None:
        seats = profile.seats if profile.seats is not None else DEFAULT_SEATS.get(method)
    if seats is None:
        raise InvalidInput(f"the number of seats is not given; say how many ({method})")
    if seats < 1:
        raise InvalidInput(f"the number of seats must be at least 1, not {seats}")
    kwargs: dict[str, Any] = {"seats": seats}
    parameters = inspect.signature(function).parameters
    if seed is not None and "seed" in parameters:
        kwargs["seed"] = seed
    if at_least:
        if "at_least" not in parameters:
            raise InvalidInput(f"the method {method!r} does not take a group constraint")
        kwargs["at_least"] = dict(at_least)
    return function(profile, **kwargs)
