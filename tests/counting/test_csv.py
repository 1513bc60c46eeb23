"""The CSV ballot reader: one ballot per row, names in order of preference."""

from __future__ import annotations

from pathlib import Path

import pytest

from asamblea.counting.csvballots import parse_csv, read_csv
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidFile


def rankings_of(profile: Profile) -> dict[tuple[str, ...], int]:
    result: dict[tuple[str, ...], int] = {}
    for row, papers in zip(profile.rankings.tolist(), profile.multiplicity.tolist(), strict=True):
        result[tuple(profile.candidates[c] for c in row if c >= 0)] = papers
    return result


@pytest.mark.parametrize(
    ("text", "candidates", "expected"),
    [
        pytest.param(
            "1,2,3\nRosa,Ana,\nAna,,\nRosa,Ana\n",
            ("Ana", "Rosa"),
            {("Rosa", "Ana"): 2, ("Ana",): 1},
            id="no-weight-column-one-paper-per-row-names-sorted",
        ),
        pytest.param(
            "Weight,first,second\n3,Ana,Luis\n2,Ana,Luis\n1,Luis,\n",
            ("Ana", "Luis"),
            {("Ana", "Luis"): 5, ("Luis",): 1},
            id="weight-column-any-case",
        ),
        pytest.param(
            "first,second,weight\nAna,Luis,2\n",
            ("Ana", "Luis"),
            {("Ana", "Luis"): 2},
            id="weight-column-anywhere",
        ),
        pytest.param(
            "1,2,3\nAna,,Luis\n",
            ("Ana",),
            {("Ana",): 1},
            id="a-gap-ends-the-ranking",
        ),
        pytest.param(
            "1,2\n\n , \n Ana , Luis \n,\n",
            ("Ana", "Luis"),
            {("Ana", "Luis"): 1},
            id="blank-rows-and-spaces-are-ignored",
        ),
        pytest.param(
            '1,2\n"Quispe, Ana",Luis\n',
            ("Luis", "Quispe, Ana"),
            {("Quispe, Ana", "Luis"): 1},
            id="quoted-names-may-hold-commas",
        ),
        pytest.param(
            "\ufeff1,2\r\nAna,Luis\r\n",
            ("Ana", "Luis"),
            {("Ana", "Luis"): 1},
            id="byte-order-mark-and-crlf",
        ),
        pytest.param(
            "1,2\nAna,Luis\nAna\n",
            ("Ana", "Luis"),
            {("Ana", "Luis"): 1, ("Ana",): 1},
            id="short-rows-are-fine",
        ),
        pytest.param(
            "weight,1\n2,\n1,Ana\n",
            ("Ana",),
            {("Ana",): 1},
            id="a-weighted-row-without-a-preference-is-no-ballot",
        ),
    ],
)
def test_rows_are_read_into_aggregated_rankings(
    text: str, candidates: tuple[str, ...], expected: dict[tuple[str, ...], int]
) -> None:
    profile = parse_csv(text)
    assert profile.candidates == candidates
    assert rankings_of(profile) == expected
    assert profile.seats is None


def test_settings_lines_give_title_seats_candidates_and_groups() -> None:
    text = (
        "# title: Provincial delegation\n"
        "# seats: 2\n"
        "# candidate: Rosa | women\n"
        "# candidate: Luis|men\n"
        "# candidate: Ana\n"
        "#\n"
        "weight,1,2\n"
        "2,Ana,Rosa\n"
    )
    profile = parse_csv(text.encode())
    assert profile.title == "Provincial delegation"
    assert profile.seats == 2
    assert profile.candidates == ("Rosa", "Luis", "Ana")
    assert profile.groups == ("women", "men", None)
    assert rankings_of(profile) == {("Ana", "Rosa"): 2}


def test_row_order_never_changes_the_profile() -> None:
    first = parse_csv("1,2\nAna,Luis\nLuis,Ana\nAna,Luis\n")
    second = parse_csv("1,2\nLuis,Ana\nAna,Luis\nAna,Luis\n")
    assert first.rankings.tolist() == second.rankings.tolist()
    assert first.multiplicity.tolist() == second.multiplicity.tolist()


def test_a_file_is_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("# seats: 1\n1,2\nAna,Luis\n", encoding="utf-8")
    assert read_csv(path).candidates == ("Ana", "Luis")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="cannot read the file"):
        read_csv(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(b"", None, "header row", id="empty-file"),
        pytest.param(b"\n,\n", None, "header row", id="blank-header"),
        pytest.param(b"# seats: many\n1\nAna\n", 1, "# seats: N", id="seats-not-a-number"),
        pytest.param(b"# seats: 0\n1\nAna\n", 1, "1 or more", id="zero-seats"),
        pytest.param(b"# candidate:  | g\n1\nAna\n", 1, "# candidate: NAME", id="no-name"),
        pytest.param(
            b"# candidate: A\n# candidate: A\n1\nA\n", 2, "declared twice", id="declared-twice"
        ),
        pytest.param(b"# colour: red\n1\nAna\n", 1, "unknown setting 'colour'", id="unknown"),
        pytest.param(b"weight,1,weight\n1,A,1\n", 1, "two weight columns", id="two-weights"),
        pytest.param(b"1,2\nA,B,C\n", 2, "at most 2 cells", id="too-many-cells"),
        pytest.param(b"weight,1\nx,A\n", 2, "the weight", id="weight-not-a-number"),
        pytest.param(b"weight,1\n0,A\n", 2, "the weight", id="zero-weight"),
        pytest.param(b"weight,1\n100000001,A\n", 2, "the weight", id="huge-weight"),
        pytest.param(b"1,weight\nA\n", 2, "the weight", id="missing-weight"),
        pytest.param(b"1,2\nA,B\nB,B\n", 3, "ranked twice", id="ranked-twice"),
        pytest.param(
            b"# candidate: Ana\n1\nAna\nAnna\n", 4, "not a declared candidate", id="typo-in-name"
        ),
        pytest.param(b"1,2\n,\n", None, "no ballot", id="no-ballots"),
        pytest.param(b'1,2\nA,"B\n', 2, "expected CSV", id="unclosed-quote"),
    ],
)
def test_bad_files_say_which_line_and_what_was_expected(
    data: bytes, line: int | None, message: str
) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_csv(data, path="ballots.csv")
    assert caught.value.line == line
    assert message in caught.value.detail
    assert caught.value.path == "ballots.csv"


def test_ballots_saved_by_a_spreadsheet_on_windows_are_read() -> None:
    # Semicolons (Excel in a Spanish locale) and Windows-1252 names.
    rows = "weight;1st;2nd\r\n2;Núñez;Ana\r\n1;Ana;Núñez\r\n1;Ana;\r\n"
    profile = parse_csv(rows.encode("cp1252"))
    assert set(profile.candidates) == {"Núñez", "Ana"}
    assert profile.total_papers == 4
