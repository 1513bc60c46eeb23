"""`asamblea apportion`: reading the CSV file, the table, the JSON, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from asamblea.cli.main import main

FOUR_PARTIES = "name,population\nA,100000\nB,80000\nC,30000\nD,20000\n"


def write(tmp_path: Path, text: str | bytes, name: str = "bodies.csv") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["apportion", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        pytest.param("dhondt", [], {"A": 4, "B": 3, "C": 1, "D": 0}, id="dhondt"),
        pytest.param("sainte-lague", [], {"A": 3, "B": 3, "C": 1, "D": 1}, id="sainte-lague"),
        pytest.param(
            "sainte-lague",
            ["--first-divisor", "1.4"],
            {"A": 4, "B": 3, "C": 1, "D": 0},
            id="sainte-lague-modified",
        ),
        pytest.param(
            "largest-remainder", [], {"A": 3, "B": 3, "C": 1, "D": 1}, id="largest-remainder"
        ),
        pytest.param("huntington-hill", [], {"A": 3, "B": 3, "C": 1, "D": 1}, id="huntington-hill"),
        pytest.param(
            # The minimum is a floor, not a head start: C and D are lifted to 1 and
            # A and B share the rest by the same divisor (26,000 works: 3, 3, 1, 0->1).
            "dhondt",
            ["--min-seats", "1"],
            {"A": 3, "B": 3, "C": 1, "D": 1},
            id="dhondt-min-1",
        ),
        pytest.param(
            "dhondt", ["--max-seats", "3"], {"A": 3, "B": 3, "C": 1, "D": 1}, id="dhondt-max-3"
        ),
    ],
)
def test_json_gives_the_method_and_seats_per_body(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    method: str,
    extra: list[str],
    expected: dict[str, int],
) -> None:
    path = write(tmp_path, FOUR_PARTIES)
    report = run_json(capsys, path, "--seats", "8", "--method", method, *extra)
    assert report["method"] == method
    assert report["seats"] == expected
    assert list(report["seats"]) == ["A", "B", "C", "D"]


def test_json_records_quota_first_divisor_seed_and_draws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, FOUR_PARTIES)
    report = run_json(capsys, path, "--seats", "8", "--method", "largest-remainder")
    assert report["quota"] == "28750.000000"
    assert report["seed"] is None and report["draws"] == []
    report = run_json(
        capsys, path, "--seats", "8", "--method", "sainte-lague", "--first-divisor", "1.40"
    )
    assert report["first_divisor"] == "1.4"
    tied = write(tmp_path, "A,1\nB,1\nC,1\n", "tied.csv")
    report = run_json(capsys, tied, "--seats", "2", "--method", "dhondt", "--seed", "7")
    assert report["seed"] == 7
    (draw,) = report["draws"]
    assert draw["tied"] == ["A", "B", "C"] and draw["seats"] == 2
    assert sorted(name for name, held in report["seats"].items() if held) == sorted(draw["chosen"])


def test_the_table_shows_population_seats_and_shares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, FOUR_PARTIES)
    assert main(["apportion", path, "--seats", "8", "--method", "dhondt"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Apportionment of 8 seats by dhondt"
    assert lines[2].split() == ["Body", "Population", "Pop.", "share", "Seats", "Seat", "share"]
    assert lines[4].split() == ["A", "100,000", "43.48%", "4", "50.00%"]
    assert lines[7].split() == ["D", "20,000", "8.70%", "0", "0.00%"]
    assert lines[-1].split() == ["Total", "230,000", "100.00%", "8", "100.00%"]


def test_the_table_names_the_quota_the_first_divisor_and_any_lot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, FOUR_PARTIES)
    assert main(["apportion", path, "--seats", "8", "--method", "largest-remainder"]) == 0
    assert "Quota: 28750.00 people per seat" in capsys.readouterr().out
    argv = ["apportion", path, "--seats", "8", "--method", "sainte-lague"]
    assert main([*argv, "--first-divisor", "1.4"]) == 0
    assert "by sainte-lague (first divisor 1.4)" in capsys.readouterr().out
    tied = write(tmp_path, "A,1\nB,1\nC,1\n", "tied.csv")
    assert main(["apportion", tied, "--seats", "1", "--method", "dhondt", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Tie settled by lot (seed 3): A, B, C tied for 1 seat(s); drawn: " in out


def test_no_seats_shows_zero_shares(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "A,5\nB,5\n")
    assert main(["apportion", path, "--seats", "0", "--method", "dhondt"]) == 0
    assert capsys.readouterr().out.splitlines()[4].split() == ["A", "5", "50.00%", "0", "0.00%"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A,6\nB,6\nC,2\n", id="no-header"),
        pytest.param("name,population\nA,6\nB,6\nC,2\n", id="header"),
        pytest.param(
            "\ufeffName , Population\r\nA, 6\r\n\r\nB ,6\r\nC,2\r\n", id="bom-crlf-spaces"
        ),
        pytest.param('"name","population"\n"A",6\n"B",6\n"C",2\n', id="quoted"),
    ],
)
def test_the_file_may_have_a_header_or_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = write(tmp_path, text)
    report = run_json(capsys, path, "--seats", "11", "--method", "largest-remainder")
    assert report["seats"] == {"A": 5, "B": 5, "C": 1}


def test_per_body_bounds_in_the_file_override_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "name,population,min_seats,max_seats\nA,1000,,6\nB,500,,\nC,10,2,\n"
    path = write(tmp_path, text)
    report = run_json(capsys, path, "--seats", "10", "--method", "dhondt", "--max-seats", "4")
    # A capped at 6 (file), B at 4 (flag), C at least 2 (file).
    assert report["seats"] == {"A": 6, "B": 2, "C": 2}
    report = run_json(capsys, path, "--seats", "12", "--method", "dhondt", "--max-seats", "4")
    assert report["seats"] == {"A": 6, "B": 4, "C": 2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("A,100\nB,lots\n", "line 2: population must be a whole number", id="word"),
        pytest.param("A,100\nB,-5\n", "line 2: population must be a whole number", id="negative"),
        pytest.param("A,100\nB,1.5\n", "line 2: population must be a whole number", id="decimal"),
        pytest.param(
            "A,100\nB\n", "line 2: expected 2 fields (name,population), found 1", id="short"
        ),
        pytest.param("A,100\nB,1,2\n", "line 2: expected 2 fields", id="long"),
        pytest.param("A,100\n,7\n", "line 2: the body's name is empty", id="no-name"),
        pytest.param(
            "A,1\nB,2\nA,3\n", "line 3: 'A' is listed twice (first on line 1)", id="twice"
        ),
        pytest.param(
            "Body,People\nA,1\n", "line 1: expected the header name,population", id="header"
        ),
        pytest.param(
            "name,population,seats\nA,1\n", "line 1: unexpected header column(s) seats", id="column"
        ),
        pytest.param(
            "name,population,min_seats,min_seats\nA,1,1,1\n",
            "line 1: unexpected header",
            id="repeated-column",
        ),
        pytest.param(
            "name,population,max_seats\nA,1,x\n",
            "line 2: max_seats must be a whole number",
            id="bad-bound",
        ),
        pytest.param("name,population\n\n", "has no bodies", id="empty"),
        pytest.param("", "has no bodies", id="empty-file"),
        pytest.param('A,1\nB,"2\n', "line 2: is not valid CSV", id="open-quote"),
    ],
)
def test_bad_rows_are_reported_with_their_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, message: str
) -> None:
    path = write(tmp_path, text)
    assert main(["apportion", path, "--seats", "3", "--method", "dhondt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"asamblea: {path}")
    assert message in err
    assert "Traceback" not in err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "nowhere.csv")
    assert main(["apportion", path, "--seats", "3", "--method", "dhondt"]) == 2
    assert (
        capsys.readouterr().err == f"asamblea: {path}: cannot be read (No such file or directory)\n"
    )


def test_an_impossible_request_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "A,5\nB,5\n")
    argv = ["apportion", path, "--seats", "3", "--method", "dhondt", "--min-seats", "2"]
    assert main(argv) == 2
    assert "the minimums add up to 4 seats, more than the 3" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--seats", "many", "--method", "dhondt"], id="seats-not-a-number"),
        pytest.param(["--seats", "-1", "--method", "dhondt"], id="negative-seats"),
        pytest.param(["--seats", "3", "--method", "borda"], id="unknown-method"),
        pytest.param(["--method", "dhondt"], id="no-seats"),
    ],
)
def test_bad_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    path = write(tmp_path, "A,5\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["apportion", path, *argv])
    assert exit_info.value.code == 2
    assert "apportion" in capsys.readouterr().err


def test_the_installed_command_runs_end_to_end(tmp_path: Path) -> None:
    path = write(tmp_path, FOUR_PARTIES)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "asamblea.cli",
            "apportion",
            path,
            "--seats",
            "8",
            "--method",
            "huntington-hill",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["seats"] == {"A": 3, "B": 3, "C": 1, "D": 1}


def test_a_spreadsheet_saved_on_windows_in_spanish_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Excel in a Spanish locale: semicolons, Windows-1252, a blank line at the end.
    path = write(
        tmp_path, "name;population\r\nCañete;240000\r\nHuaraz;180000\r\n\r\n".encode("cp1252")
    )
    assert main(["apportion", path, "--seats", "5", "--method", "dhondt", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seats"] == {"Cañete": 3, "Huaraz": 2}
