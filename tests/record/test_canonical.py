"""Canonical JSON: one value, one byte string; anything inexact is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asamblea.errors import InvalidInput
from asamblea.record.canonical import (
    canonical_entry,
    canonical_json,
    check_entry,
    format_time,
    loads_strict,
    make_entry,
    parse_time,
)

WHEN = datetime(2026, 11, 28, 8, 7, 44, tzinfo=UTC)


def good_entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "body.created",
        "time": "2026-11-28T08:07:44.000000Z",
        "federation": "frente-sur",
        "body": "comunidad-1",
    }
    entry.update(changes)
    return entry


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"b": 1, "a": 2}, b'{"a":2,"b":1}', id="keys-sorted-no-spaces"),
        pytest.param(
            {"z": {"y": [3, {"b": None, "a": True}]}},
            b'{"z":{"y":[3,{"a":true,"b":null}]}}',
            id="nested-objects-sorted-too",
        ),
        pytest.param(
            {"nombre": "Ñusta Quispe"},
            '{"nombre":"Ñusta Quispe"}'.encode(),
            id="non-ascii-kept-as-utf8",
        ),
        pytest.param(
            {"é": 1, "e": 2, "z": 3}, '{"e":2,"z":3,"é":1}'.encode(), id="code-point-order"
        ),
        pytest.param({"s": 'a"b\\c\n'}, b'{"s":"a\\"b\\\\c\\n"}', id="escapes-minimal"),
        pytest.param({"v": Decimal("12.50000")}, b'{"v":"12.50000"}', id="decimal-as-string"),
        pytest.param({"v": Decimal("1.25E+1")}, b'{"v":"12.5"}', id="decimal-plain-notation"),
        pytest.param({"v": Decimal("-0.001")}, b'{"v":"-0.001"}', id="negative-decimal"),
        pytest.param({"n": 10**30}, b'{"n":1000000000000000000000000000000}', id="big-int-exact"),
        pytest.param({"t": (1, 2)}, b'{"t":[1,2]}', id="tuple-is-array"),
        pytest.param({"when": WHEN}, b'{"when":"2026-11-28T08:07:44.000000Z"}', id="datetime-utc"),
        pytest.param([False, None, "x"], b'[false,null,"x"]', id="top-level-array"),
    ],
)
def test_canonical_json_writes_one_exact_form(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"share": 0.5}, "floats are not allowed", id="float"),
        pytest.param({"list": [1, 2.0]}, "$.list[1]: floats", id="nested-float-named-by-path"),
        pytest.param({"v": Decimal("NaN")}, "not a finite number", id="decimal-nan"),
        pytest.param({"v": Decimal("Infinity")}, "not a finite number", id="decimal-infinity"),
        pytest.param({1: "x"}, "keys must be strings", id="non-string-key"),
        pytest.param({"s": {1, 2}}, "set values cannot be recorded", id="set"),
        pytest.param({"b": b"raw"}, "bytes values cannot be recorded", id="bytes"),
        pytest.param({"when": datetime(2026, 1, 1)}, "timezone-aware", id="naive-datetime"),  # noqa: DTZ001
        pytest.param({"s": "\ud800"}, "not valid Unicode", id="lone-surrogate"),
    ],
)
def test_canonical_json_refuses_inexact_values(value: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("$", r"\$").replace("[", r"\[")):
        canonical_json(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_a_fixed_point_of_parsing(value: Any) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=8), st.randoms())
def test_key_insertion_order_does_not_matter(value: dict[str, int], random: Any) -> None:
    items = list(value.items())
    random.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(value)


def test_format_time_converts_any_zone_to_utc() -> None:
    lima = timezone(timedelta(hours=-5))
    assert format_time(datetime(2026, 11, 28, 3, 7, 44, 5, tzinfo=lima)) == (
        "2026-11-28T08:07:44.000005Z"
    )


@pytest.mark.parametrize(
    "text",
    ["2026-11-28T08:07:44Z", "2026-11-28T08:07:44.5Z", "2026-11-28T08:07:44.123456Z"],
)
def test_parse_time_reads_utc_timestamps_with_or_without_fraction(text: str) -> None:
    moment = parse_time(text)
    assert moment.tzinfo is UTC
    assert moment.replace(microsecond=0) == WHEN


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2026-11-28T08:07:44+00:00", id="offset-instead-of-Z"),
        pytest.param("2026-11-28T08:07:44", id="no-zone"),
        pytest.param("2026-11-28 08:07:44Z", id="space-separator"),
        pytest.param("2026-11-28T08:07:44.1234567Z", id="seven-fraction-digits"),
        pytest.param("2026-02-30T08:07:44Z", id="no-such-day"),
        pytest.param(20261128, id="not-a-string"),
    ],
)
def test_parse_time_refuses_anything_else(text: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_time(text)


def test_make_entry_builds_a_checked_entry() -> None:
    entry = make_entry("seat.filled", WHEN, "frente-sur", seat=3, delegate="Ana Mamani")
    assert entry == {
        "type": "seat.filled",
        "time": "2026-11-28T08:07:44.000000Z",
        "federation": "frente-sur",
        "seat": 3,
        "delegate": "Ana Mamani",
    }
    assert canonical_entry(entry) == canonical_json(entry)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(["not", "an", "object"], "must be a JSON object", id="not-an-object"),
        pytest.param({"type": "x.y"}, "needs the fields time, federation", id="missing-fields"),
        pytest.param(good_entry(type="Body.Created"), "dotted lower-case", id="upper-case-type"),
        pytest.param(good_entry(type="body..created"), "dotted lower-case", id="empty-segment"),
        pytest.param(good_entry(type=""), "dotted lower-case", id="empty-type"),
        pytest.param(good_entry(type=7), "dotted lower-case", id="type-not-a-string"),
        pytest.param(good_entry(time="yesterday"), "expected a UTC time", id="bad-time"),
        pytest.param(good_entry(federation=" "), "non-empty string", id="blank-federation"),
        pytest.param(good_entry(federation=None), "non-empty string", id="no-federation"),
        pytest.param(good_entry(share=0.25), "floats are not allowed", id="float-fact"),
    ],
)
def test_canonical_entry_refuses_malformed_entries(entry: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        canonical_entry(entry)


def test_check_entry_accepts_a_good_entry() -> None:
    check_entry(good_entry())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"a":1,"a":2}', "duplicate key 'a'", id="duplicate-key"),
        pytest.param('{"a":NaN}', "NaN is not allowed", id="nan"),
        pytest.param('{"a":-Infinity}', "-Infinity is not allowed", id="infinity"),
    ],
)
def test_loads_strict_refuses_ambiguous_json(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        loads_strict(text)


def test_loads_strict_reads_plain_json() -> None:
    assert loads_strict(b'{"a":[1,{"b":null}]}') == {"a": [1, {"b": None}]}
