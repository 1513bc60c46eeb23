"""Fuzzing the federation file importer: a malformed JSON or CSV file (any bytes, or a good
file with parts spoilt: wrong types, huge or control-character text, numbers out of range,
rows cut short or doubled) is refused with a named error, and nothing of it is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from asamblea.cli.federation import spec_to_csv
from asamblea.errors import AsambleaError, InvalidFile
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Body, Delegation, Federation, Level, Sector
from asamblea.federation.spec import parse_file
from asamblea.record.models import Entry
from asamblea.textfiles import decode
from support.factories import small_federation_spec

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TABLES = (Federation, Level, Sector, Body, Delegation, Entry)
GOOD = small_federation_spec("fuzzed")
GOOD_JSON: dict[str, Any] = GOOD.to_json()
GOOD_CSV = spec_to_csv(GOOD)

junk = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            -1,
            0,
            2**70,
            -(2**70),
            1e308,
            "",
            "x" * 100_000,
            "\x00",
            "a\x1b[31mb",
            "../../etc",
            [],
            {},
            [[[[[[[[[[[]]]]]]]]]]],
            "national",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
)


def counts() -> list[int]:
    return [table.objects.count() for table in TABLES]  # type: ignore[attr-defined]


def import_or_refuse(text: str, path: str) -> None:
    """Import the file, or refuse it with a named error having written nothing."""
    before = counts()
    try:
        do_import_federation(parse_file(text, path=path, slug="fuzzed", name="Fuzzed"), path=path)
    except AsambleaError as refused:
        assert str(refused)
        assert counts() == before


@st.composite
def spoilt_json(draw: st.DrawFn) -> str:
    data = json.loads(json.dumps(GOOD_JSON))
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(data)))
        value = data[key]
        if isinstance(value, list) and value and draw(st.booleans()):
            item = draw(st.sampled_from(value))
            if isinstance(item, dict) and item:
                item[draw(st.sampled_from(sorted(item)))] = draw(junk)
            else:
                value.append(draw(junk))
        elif draw(st.booleans()):
            data[key] = draw(junk)
        else:
            del data[key]
    return json.dumps(data)


@st.composite
def spoilt_csv(draw: st.DrawFn) -> str:
    rows = [line.split(",") for line in GOOD_CSV.splitlines()]
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.integers(0, len(rows) - 1))
        how = draw(st.sampled_from(["cell", "cut", "double", "drop"]))
        if how == "cell":
            column = draw(st.integers(0, len(rows[row]) - 1))
            rows[row][column] = str(draw(junk)).replace(",", ";").replace("\n", " ")
        elif how == "cut":
            rows[row] = rows[row][: draw(st.integers(0, len(rows[row])))]
        elif how == "double":
            rows.append(list(rows[row]))
        elif len(rows) > 1:
            del rows[row]
    return "\n".join(",".join(row) for row in rows) + "\n"


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=300), path=st.sampled_from(["f.json", "f.csv"]))
@example(data=b"slug\r,name", path="f.csv")  # found: csv.Error escaped, not InvalidFile
def test_any_bytes_are_imported_or_refused_by_name(data: bytes, path: str) -> None:
    import_or_refuse(decode(data), path)


@pytest.mark.django_db
@FUZZ
@given(text=spoilt_json())
def test_a_spoilt_json_file_is_imported_or_refused_whole(text: str) -> None:
    import_or_refuse(text, "f.json")


@pytest.mark.django_db
@FUZZ
@given(text=spoilt_csv())
def test_a_spoilt_csv_file_is_imported_or_refused_whole(text: str) -> None:
    import_or_refuse(text, "f.csv")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "slug\r,name,kind,level,sector\n",  # a lone carriage return inside the header
        GOOD_CSV + "x" * 200_000 + ",x,base,base,workers\n",  # beyond the csv module's limit
    ],
    ids=["carriage-return", "huge-cell"],
)
def test_an_unreadable_csv_file_is_refused_as_an_invalid_file(text: str) -> None:
    with pytest.raises(InvalidFile) as refused:
        parse_file(text, path="f.csv", slug="fuzzed", name="Fuzzed")
    if "x" * 1000 in text:  # the line of the huge cell is named
        assert f"line {GOOD_CSV.count(chr(10)) + 1}:" in str(refused.value)
    assert not Federation.objects.exists()
