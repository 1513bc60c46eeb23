"""The ballot file readers on malformed input: any bytes give a profile or a named
InvalidFile, never another exception (the property tests elsewhere check what well-formed
files mean; these only check that nothing else escapes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting.blt import parse_blt
from asamblea.counting.csvballots import parse_csv
from asamblea.errors import InvalidFile

FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None)

# Bytes that look like a file of the kind a little, so the readers get past their first line.
blt_like = st.lists(
    st.one_of(
        st.sampled_from(
            [b"3 1", b"-1", b"1 1 2 0", b"2 3 1 0", b"0", b'"Ana"', b'"Title"', b"1 99 0"]
        ),
        st.sampled_from([b"1 " + str(2**70).encode() + b" 0", b"1 -5 0", b"\x00", b"\xff\xfe"]),
        st.binary(max_size=12),
    ),
    max_size=12,
).map(b"\n".join)
csv_like = st.lists(
    st.one_of(
        st.sampled_from([b"Ana,Rosa", b"1,2,3", b"weight,1,2", b'"A""B",C', b"Ana;Rosa", b""]),
        st.sampled_from([b"x" * 200_000, b"\r", b'"unclosed', b"\x00", b"\xff\xfe"]),
        st.binary(max_size=12),
    ),
    max_size=10,
).map(b"\n".join)


def read_or_refuse(reader, data: bytes) -> None:  # type: ignore[no-untyped-def]
    try:
        profile = reader(data, path="ballots")
    except InvalidFile as refused:
        assert str(refused)
    else:
        assert profile.total_papers >= 0


@FUZZ
@given(data=st.one_of(blt_like, st.binary(max_size=200)))
def test_a_malformed_blt_file_is_read_or_refused_by_name(data: bytes) -> None:
    read_or_refuse(parse_blt, data)


@FUZZ
@given(data=st.one_of(csv_like, st.binary(max_size=200)))
def test_a_malformed_csv_ballot_file_is_read_or_refused_by_name(data: bytes) -> None:
    read_or_refuse(parse_csv, data)


@pytest.mark.parametrize("reader", [parse_blt, parse_csv])
def test_an_empty_file_is_refused_by_name(reader) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidFile):
        reader(b"", path="ballots")
