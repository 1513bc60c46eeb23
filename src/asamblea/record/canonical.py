"""Canonical JSON for the public record: one value, one byte string.

A record entry is hashed as bytes, so everyone who holds the same facts must
produce the same bytes. The canonical form is JSON with keys sorted by code
point, UTF-8 without escaping non-ASCII, no insignificant whitespace, and only
exact values: strings, integers, booleans, null, arrays and objects.
`Decimal` values (vote totals, quotas) are written as strings in plain
notation ("12.50000", never "1.25E+1") so no float rounding can creep in;
floats and non-finite numbers are refused. Aware datetimes are written as UTC
timestamps (`format_time`).

An entry is an object with at least "type" (dotted lower-case name, e.g.
"body.created"), "time" (UTC ISO-8601 ending in "Z") and "federation" (the log
it belongs to), plus the event's public facts.

Pure module: no Django import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from asamblea.errors import InvalidInput

ENTRY_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
# Seconds are required, a fraction of 1 to 6 digits is optional, the zone is always Z.
TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
REQUIRED_ENTRY_FIELDS = ("type", "time", "federation")


def format_time(moment: datetime) -> str:
    """An aware datetime as the record's UTC timestamp, e.g. 2026-11-28T08:07:44.000000Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("a record time must be timezone-aware (got a naive datetime)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """The aware UTC datetime of a record timestamp; InvalidInput if it is not one."""
    if not isinstance(text, str) or not TIME_PATTERN.match(text):
        raise InvalidInput(f"expected a UTC time like 2026-11-28T08:07:44.000000Z, got {text!r}")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a real date and time") from None


def _plain(value: Any, where: str) -> Any:
    """The JSON-ready form of a value, refusing anything that has no exact form."""
    # bool before int: True is an int in Python but must stay a JSON boolean.
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(f"{where}: {value} is not a finite number")
        return format(value, "f")
    if isinstance(value, float):
        raise InvalidInput(
            f"{where}: floats are not allowed in the record (got {value!r}); use Decimal or int"
        )
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, Mapping):
        plain: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"{where}: object keys must be strings (got {key!r})")
            plain[key] = _plain(item, f"{where}.{key}")
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{number}]") for number, item in enumerate(value)]
    raise InvalidInput(f"{where}: {type(value).__name__} values cannot be recorded")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON-able value (see the module docstring)."""
    plain = _plain(value, "$")
    try:
        return json.dumps(
            plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput(f"text that is not valid Unicode cannot be recorded: {error}") from None


def check_entry(entry: Mapping[str, Any]) -> None:
    """Raise InvalidInput unless the entry has a valid type, time and federation."""
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"an entry must be a JSON object, got {type(entry).__name__}")
    missing = [name for name in REQUIRED_ENTRY_FIELDS if name not in entry]
    if missing:
        raise InvalidInput(f"an entry needs the fields {', '.join(missing)}")
    kind = entry["type"]
    if not isinstance(kind, str) or not ENTRY_TYPE_PATTERN.match(kind):
        raise InvalidInput(
            f'"type" must be a dotted lower-case name like "body.created", got {kind!r}'
        )
    parse_time(entry["time"])
    federation = entry["federation"]
    if not isinstance(federation, str) or not federation.strip():
        raise InvalidInput(f'"federation" must be a non-empty string, got {federation!r}')


def canonical_entry(entry: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed into the log for this entry, after checking its shape."""
    check_entry(entry)
    return canonical_json(entry)


def make_entry(type: str, time: datetime, federation: str, **facts: Any) -> dict[str, Any]:
    """An entry object from its type, time, federation and public facts."""
    entry = {"type": type, "time": format_time(time), "federation": federation, **facts}
    check_entry(entry)
    return entry


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON refusing duplicate keys and NaN/Infinity; ValueError if it cannot.

    JSON nested deeper than Python's recursion limit is refused the same way, not with
    a RecursionError: a hostile log line must end in the verifier's documented exit."""
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
