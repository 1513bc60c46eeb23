"""The method registry: one name per method, seats from the file, options only where they fit."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import numpy as np
import pytest

from asamblea.counting import methods
from asamblea.counting.methods import count, method_names, resolve
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult
from asamblea.counting.stv_scottish import count_stv_scottish
from asamblea.errors import InvalidInput


def profile(seats: int | None = 2) -> Profile:
    return Profile(
        candidates=("A", "B", "C"),
        rankings=np.array([[0, 1], [1, -1], [2, 0]], dtype=np.int32),
        multiplicity=np.array([5, 3, 2], dtype=np.int64),
        seats=seats,
    )


def simple_method(profile: Profile, *, seats: int) -> CountResult:
    """A method with no lot and no group rule: elects the first `seats` candidates."""
    return CountResult(
        method="first-names",
        seats=seats,
        candidates=profile.candidates,
        valid_votes=profile.total_papers,  # type: ignore[arg-type]
        quota=None,
        elected=tuple((name, 1) for name in profile.candidates[:seats]),
        stages=(),
    )


@pytest.fixture
def registered_simple_method(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    module = types.ModuleType("fake_counting_method")
    module.simple_method = simple_method  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_counting_method", module)
    monkeypatch.setitem(methods.METHODS, "first-names", "fake_counting_method:simple_method")
    yield "first-names"


def test_every_method_of_the_issue_is_registered() -> None:
    assert {"plurality", "approval", "irv", "stv-scottish", "stv-meek", "schulze"} <= set(
        method_names()
    )
    assert list(method_names()) == sorted(method_names())


def test_a_name_resolves_to_its_function() -> None:
    assert resolve("stv-scottish") is count_stv_scottish


def test_an_unknown_method_names_the_known_ones() -> None:
    with pytest.raises(
        InvalidInput, match=r"unknown counting method 'borda'; expected one of: .*stv-scottish"
    ):
        count(profile(), "borda")


@pytest.mark.parametrize(
    ("file_seats", "asked", "expected"),
    [
        pytest.param(2, None, 2, id="seats-from-the-file"),
        pytest.param(2, 1, 1, id="asked-seats-win-over-the-file"),
        pytest.param(None, 3, 3, id="asked-seats-without-file-seats"),
    ],
)
def test_seats_come_from_the_caller_or_the_file(
    file_seats: int | None, asked: int | None, expected: int
) -> None:
    assert count(profile(file_seats), "stv-scottish", seats=asked).seats == expected


def test_single_winner_methods_default_to_one_seat(registered_simple_method: str) -> None:
    methods.DEFAULT_SEATS[registered_simple_method] = 1
    try:
        assert count(profile(None), registered_simple_method).seats == 1
    finally:
        del methods.DEFAULT_SEATS[registered_simple_method]


def test_no_seats_anywhere_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="number of seats is not given"):
        count(profile(None), "stv-scottish")


def test_seats_below_one_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 1, not 0"):
        count(profile(), "stv-scottish", seats=0)


def test_seed_and_group_rule_reach_methods_that_take_them() -> None:
    grouped = Profile(
        candidates=("A", "B", "C"),
        rankings=np.array([[0], [1], [2]], dtype=np.int32),
        multiplicity=np.array([5, 5, 1], dtype=np.int64),
        groups=("M", "M", "F"),
    )
    result = count(grouped, "stv-scottish", seats=2, seed=9, at_least={"F": 1})
    assert "C" in result.elected_names
    assert result.seed == 9  # a lot between A and B was needed, and used this seed
    assert result.draws


def test_a_seed_is_not_forced_on_a_method_without_lots(registered_simple_method: str) -> None:
    assert count(profile(), registered_simple_method, seed=3).elected_names == ("A", "B")


def test_a_group_rule_for_a_method_without_one_is_a_user_error(
    registered_simple_method: str,
) -> None:
    with pytest.raises(InvalidInput, match="does not take a group constraint"):
        count(profile(), registered_simple_method, at_least={"F": 1})
