"""The BLT reader: the format as OpenSTV, Droop and the Scottish councils write it."""

from __future__ import annotations

import concurrent.futures
import io
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.counting import blt
from asamblea.counting.blt import parse_blt, read_blt
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidFile

DATA = Path(__file__).parent / "data" / "glasgow"

NAMES = '"Ana"\n"Luis"\n"Rosa"\n'


def rankings_of(profile: Profile) -> dict[tuple[str, ...], int]:
    """The profile as {ranking by name: papers}, easy to compare."""
    result: dict[tuple[str, ...], int] = {}
    for row, papers in zip(profile.rankings.tolist(), profile.multiplicity.tolist(), strict=True):
        result[tuple(profile.candidates[c] for c in row if c >= 0)] = papers
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "3 1\n1 1 2 0\n1 2 0\n0\n" + NAMES,
            {("Ana", "Luis"): 1, ("Luis",): 1},
            id="one-paper-per-line",
        ),
        pytest.param(
            "3 1\n1 1 2 0\n1 1 2 0\n4 1 2 0\n0\n" + NAMES,
            {("Ana", "Luis"): 6},
            id="identical-rankings-are-counted-once-with-their-papers",
        ),
        pytest.param(
            "3 1\r\n1 1 2 0\r\n1 1 2 0\n 1  1   2 0 \n0\r\n" + NAMES.replace("\n", "\r\n"),
            {("Ana", "Luis"): 3},
            id="crlf-and-spacing-do-not-matter",
        ),
        pytest.param(
            "3 1\n-2\n2 1 2 3 0\n1 2 0\n0\n" + NAMES,
            {("Ana", "Rosa"): 2},
            id="withdrawn-candidate-is-skipped-and-empty-papers-dropped",
        ),
        pytest.param(
            "3 1\n(b1) 1 1 2 0\n\n(ballot 2) 2 1 2 0\n0\n" + NAMES,
            {("Ana", "Luis"): 3},
            id="ballot-ids-are-ignored",
        ),
        pytest.param(
            "3 1\n1 1 - 3 0\n1 1 0\n0\n" + NAMES,
            {("Ana",): 2},
            id="skipped-preference-ends-the-ranking",
        ),
        pytest.param(
            "\n3 1\n\n1 3 0\n\n0\n\n" + NAMES + "\n",
            {("Rosa",): 1},
            id="blank-lines-are-ignored",
        ),
        pytest.param(
            "3 1\n1 1 0000000002 0\n0\n" + NAMES,
            {("Ana", "Luis"): 1},
            id="long-numbers-are-read-carefully",
        ),
        pytest.param(
            "3 1\n1 1 0\n0\n" + NAMES.rstrip("\n"),
            {("Ana",): 1},
            id="no-newline-at-end-of-file",
        ),
        pytest.param(
            "3 1\n-2\n(b1) 1 2 0\n1 1 0\n0\n" + NAMES,
            {("Ana",): 1},
            id="a-paper-for-withdrawn-candidates-only-is-dropped-when-read-line-by-line",
        ),
    ],
)
def test_ballots_are_read_into_aggregated_rankings(
    text: str, expected: dict[tuple[str, ...], int]
) -> None:
    profile = parse_blt(text)
    assert rankings_of(profile) == expected
    assert profile.candidates == ("Ana", "Luis", "Rosa")
    assert profile.total_papers == sum(expected.values())


def test_header_names_groups_and_title_are_kept() -> None:
    text = '3 2\n-3\n1 1 0\n0\n"Ana" "Women"\n"Luis" ""\n"Rosa" "Women"\n"Delegates 2026"\n'
    profile = parse_blt(text)
    assert profile.seats == 2
    assert profile.title == "Delegates 2026"
    assert profile.groups == ("Women", None, "Women")
    assert profile.withdrawn == frozenset({2})


def test_title_is_optional() -> None:
    assert parse_blt("3 1\n1 1 0\n0\n" + NAMES).title == ""


def test_rankings_are_int32_padded_and_sorted_whatever_the_ballot_order() -> None:
    first = parse_blt("3 1\n1 3 1 0\n2 1 0\n1 2 3 1 0\n0\n" + NAMES)
    second = parse_blt("3 1\n1 2 3 1 0\n1 1 0\n1 3 1 0\n1 1 0\n0\n" + NAMES)
    assert first.rankings.dtype == np.int32
    assert first.multiplicity.dtype == np.int64
    assert first.rankings.tolist() == [[0, -1, -1], [1, 2, 0], [2, 0, -1]]
    assert first.rankings.tolist() == second.rankings.tolist()
    assert first.multiplicity.tolist() == second.multiplicity.tolist() == [2, 1, 1]


def test_unicode_names_are_read_as_given() -> None:
    profile = parse_blt('2 1\n1 1 0\n0\n"Oisín DUNCAN"\n"Ñusta"\n'.encode())
    assert profile.candidates == ("Oisín DUNCAN", "Ñusta")


def test_a_glasgow_ward_is_read_from_disk() -> None:
    profile = read_blt(DATA / "ward-01-linn.blt")
    assert profile.candidates[0] == "Euan BLOCKLEY"
    assert profile.groups[0] == "Scottish Conservative and Unionist"
    assert profile.groups[6] is None  # James TONER stood with no party
    assert profile.seats == 4
    assert profile.title == "Ward 1 Linn"
    assert profile.total_papers == 8994


def test_large_files_read_in_chunks_give_the_same_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = read_blt(DATA / "ward-02-newlands-auldburn.blt")
    # Tiny chunks and a tiny first look at the tail force every boundary case.
    monkeypatch.setattr(blt, "CHUNK_SIZE", 7)
    monkeypatch.setattr(blt, "_TAIL_START", 5)
    chunked = read_blt(DATA / "ward-02-newlands-auldburn.blt")
    assert chunked.rankings.tolist() == whole.rankings.tolist()
    assert chunked.multiplicity.tolist() == whole.multiplicity.tolist()
    assert chunked.candidates == whole.candidates
    assert chunked.title == whole.title


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("", 1, "the file is empty", id="empty-file"),
        pytest.param("3\n0\n" + NAMES, 1, "two whole numbers", id="header-without-seats"),
        pytest.param("x 1\n0\n" + NAMES, 1, "two whole numbers", id="header-not-numbers"),
        pytest.param("0 1\n0\n", 1, "at least 1 candidate", id="no-candidates"),
        pytest.param("3 4\n0\n" + NAMES, 1, "4 seats but only 3", id="more-seats-than-candidates"),
        pytest.param("3 1\n-4\n1 1 0\n0\n" + NAMES, 2, "withdrawn", id="withdrawn-out-of-range"),
        pytest.param("3 1\n-1 -x\n1 1 0\n0\n" + NAMES, 2, "'-x'", id="withdrawn-not-a-number"),
        pytest.param("3 1\n1 1 2\n0\n" + NAMES, 2, "end with 0", id="ballot-without-final-0"),
        pytest.param("3 1\n1 1 4 0\n0\n" + NAMES, 2, "from 1 to 3, found '4'", id="no-such-cand"),
        pytest.param("3 1\n1 1 x 0\n0\n" + NAMES, 2, "found 'x'", id="preference-not-a-number"),
        pytest.param("3 1\n1 1 2 1 0\n0\n" + NAMES, 2, "ranked twice", id="candidate-twice"),
        pytest.param("3 1\n1 1 - 1 0\n0\n" + NAMES, 2, "ranked twice", id="twice-after-a-gap"),
        pytest.param("3 1\n1 1 2=3 0\n0\n" + NAMES, 2, "equal rankings", id="equal-ranking"),
        pytest.param("3 1\n0 1 2 0\n0\n" + NAMES, 2, "weight", id="zero-weight"),
        pytest.param("3 1\n1.5 1 2 0\n0\n" + NAMES, 2, "weight", id="fractional-weight"),
        pytest.param("3 1\n1000000001 1 0\n0\n" + NAMES, 2, "at most", id="huge-weight"),
        pytest.param("3 1\n(id)\n0\n" + NAMES, 2, "ballot id", id="ballot-id-alone"),
        pytest.param("3 1\n1 1 0 2 0\n0\n" + NAMES, 2, "found '0'", id="zero-inside-ballot"),
        pytest.param(
            "3 1\n1 1 0\n1 2 0\n0\n1 3 0\n0\n" + NAMES, 4, "second line 0", id="two-zero-lines"
        ),
        pytest.param("3 1\n1 1 0\n" + NAMES, 3, "the line 0", id="missing-zero-line"),
        pytest.param("3 1\n1 1 0\n", 3, "the line 0", id="missing-zero-and-names"),
        pytest.param("3 1\n" + NAMES, None, "expected ballots", id="names-but-no-ballots"),
        pytest.param("3 1\n1 1 0\n0\nAna\n", 4, "quoted text", id="unquoted-name"),
        pytest.param('3 1\n1 1 0\n0\n"A" x\n', 4, "quoted text", id="text-after-quotes"),
        pytest.param('3 1\n1 1 0\n0\n"Ana\n', 4, "quoted text", id="unclosed-quote"),
        pytest.param('3 1\n1 1 0\n0\n"A" "B" "C"\n', 4, "candidate line", id="three-fields"),
        pytest.param('3 1\n1 1 0\n0\n""\n', 4, "candidate line", id="empty-name"),
        pytest.param('3 1\n1 1 0\n0\n"A"\n"A"\n', 5, "named twice", id="same-name-twice"),
        pytest.param('3 1\n1 1 0\n0\n"A"\n', None, "3 candidates but 1", id="too-few-names"),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n"T" "x"\n', 7, "the title", id="title-with-two-fields"
        ),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n"T"\n"more"\n', 8, "after the title", id="extra-text"
        ),
        pytest.param("3 1\n0\n" + NAMES, None, "no ballot", id="no-ballots"),
        pytest.param("3 1\n-1\n1 1 0\n0\n" + NAMES, None, "no ballot", id="only-withdrawn"),
        pytest.param("3 1\n1 0\n0\n" + NAMES, None, "no ballot", id="only-blank-papers"),
        pytest.param(
            "3 1\n2 0\n5 0\n0\n" + NAMES, None, "no ballot", id="only-blank-papers-on-two-lines"
        ),
        pytest.param(
            "3 1\n1 0\n(b1) 1 0\n0\n" + NAMES, None, "no ballot", id="blank-papers-with-ids"
        ),
    ],
)
def test_bad_files_say_which_line_and_what_was_expected(
    text: str, line: int | None, message: str
) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_blt(text, path="ballots.blt")
    assert caught.value.line == line
    assert message in caught.value.detail
    assert str(caught.value).startswith("ballots.blt")


def test_names_in_the_windows_code_page_are_read_as_written() -> None:
    # Files saved on Windows: names in cp1252 rather than UTF-8; a byte order mark.
    profile = parse_blt(
        b'\xef\xbb\xbf2 1\r\n1 1 0\r\n0\r\n"\xd3 Ceallaigh"\r\n"Nu\xf1ez"\r\n"T\x92s"\r\n'
    )
    assert profile.candidates == ("Ó Ceallaigh", "Nuñez")
    assert profile.title == "T\u2019s"
    assert parse_blt('2 1\n1 2 0\n0\n"Ana"\n"Zoë"\n').candidates == ("Ana", "Zoë")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        read_blt(tmp_path / "nowhere.blt")
    assert "cannot read the file" in str(caught.value)
    assert caught.value.path == str(tmp_path / "nowhere.blt")


def test_the_error_names_the_first_of_identical_bad_lines() -> None:
    text = "3 1\n1 1 0\n1 1 0\n1 1 9 0\n1 2 0\n1 1 9 0\n0\n" + NAMES
    with pytest.raises(InvalidFile) as caught:
        parse_blt(text)
    assert caught.value.line == 4


def test_many_candidates_ranked_in_full_are_aggregated_too() -> None:
    # 40 candidates: a ranking no longer fits one 64-bit key; rows are compared instead.
    names = "".join(f'"C{i}"\n' for i in range(1, 41))
    full = " ".join(str(c) for c in range(1, 41))
    backwards = " ".join(str(c) for c in range(40, 0, -1))
    text = f"40 3\n1 {backwards} 0\n1 {full} 0\n2 {full} 0\n0\n{names}"
    profile = parse_blt(text)
    assert profile.rankings.tolist() == [list(range(40)), list(range(39, -1, -1))]
    assert profile.multiplicity.tolist() == [3, 1]


@pytest.mark.parametrize("workers", [2, 3], ids=["two-processes", "three-processes"])
def test_large_files_counted_by_several_processes_give_the_same_profile(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    path = DATA / "ward-02-newlands-auldburn.blt"
    whole = read_blt(path)
    monkeypatch.setattr(blt, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(blt, "MAX_WORKERS", workers)
    monkeypatch.setattr(blt.os, "cpu_count", lambda: workers)
    split = read_blt(path)
    assert split.rankings.tolist() == whole.rankings.tolist()
    assert split.multiplicity.tolist() == whole.multiplicity.tolist()


def test_one_core_counts_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(blt, "MAX_WORKERS", 1)
    assert read_blt(DATA / "ward-11-hillhead.blt").total_papers == 6925


def test_a_threaded_program_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", None)  # would fail if used
    gate = threading.Event()
    other = threading.Thread(target=gate.wait)
    other.start()
    try:
        assert read_blt(DATA / "ward-11-hillhead.blt").total_papers == 6925
    finally:
        gate.set()
        other.join()


@given(
    st.lists(st.text(alphabet="0123456789 -\t(x", max_size=20), max_size=40),
    st.booleans(),
    st.sampled_from([7, 64, 1 << 20]),
)
@settings(max_examples=200, deadline=None)
def test_lines_are_counted_as_split_sees_them_however_they_are_packed(
    lines: list[str], final_newline: bool, chunk_size: int
) -> None:
    # Short lines of digits, blanks and "-" are packed into numbers; others are not.
    data = "\n".join(lines).encode() + (b"\n" if final_newline and lines else b"")
    expected = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        expected.pop()
    original = blt.CHUNK_SIZE
    blt.CHUNK_SIZE = chunk_size
    try:
        counted, total = blt._count_chunks(io.BytesIO(data), len(data))
    finally:
        blt.CHUNK_SIZE = original
    assert total == len(expected)
    assert counted == Counter(expected)


def test_a_range_of_the_file_is_counted_up_to_its_end() -> None:
    path = DATA / "ward-11-hillhead.blt"
    data = path.read_bytes()
    start = data.index(b"\n") + 1
    end = data.index(b"\n", start + 100) + 1
    lines, total = blt._count_range(str(path), start, end)
    expected = data[start:end].split(b"\n")[:-1]
    assert total == len(expected)
    assert sum(lines.values()) == total
    assert set(lines) == set(expected)


def test_a_file_that_shrinks_while_read_stops_the_count(tmp_path: Path) -> None:
    path = tmp_path / "short.blt"
    path.write_bytes(b"1 1 0\n1 2 0\n")
    lines, total = blt._count_range(str(path), 0, 1000)
    assert (dict(lines), total) == ({b"1 1 0": 1, b"1 2 0": 1}, 2)
