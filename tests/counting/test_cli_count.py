"""`asamblea count FILE`: the result sheet on stdout, clear errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asamblea.cli.count import parse_at_least
from asamblea.cli.main import main
from asamblea.errors import InvalidInput

LINN = Path(__file__).parent / "data" / "glasgow" / "ward-01-linn.blt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_count_prints_the_result_sheet_with_seats_from_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "count", str(LINN), "--method", "stv-scottish")
    assert code == 0
    assert err == ""
    assert out.startswith("Ward 1 Linn\n")
    assert "  4. Catherine VALLIS          at stage 9" in out


def test_stv_scottish_is_the_default_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(capsys, "count", str(LINN))[1]
        == run(capsys, "count", str(LINN), "--method", "stv-scottish")[1]
    )


def test_json_output_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "count", str(LINN), "--json", "--seats", "3")
    data = json.loads(out)
    assert code == 0
    assert data["seats"] == 3
    assert data["quota"] == "2249"  # 8994 // 4 + 1
    assert len(data["elected"]) == 3


def test_csv_ballots_with_seed_and_parity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ballots = tmp_path / "delegates.CSV"
    ballots.write_text(
        "# seats: 2\n# candidate: Ana | F\n# candidate: Rosa | F\n"
        "# candidate: Luis | M\n# candidate: Hugo | M\n"
        "weight,1,2\n5,Luis,Hugo\n4,Hugo,Luis\n2,Ana,\n1,Rosa,\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "count", str(ballots), "--json", "--seed", "4")
    assert code == 0
    assert [e["name"] for e in json.loads(out)["elected"]] == ["Luis", "Hugo"]
    code, out, _ = run(capsys, "count", str(ballots), "--json", "--seed", "4", "--at-least", "F=1")
    assert code == 0
    assert sorted(e["name"] for e in json.loads(out)["elected"]) == ["Ana", "Luis"]
    code, out, _ = run(capsys, "count", str(ballots), "--json", "--at-least", "F=1", "M=1")
    assert code == 0
    assert sorted(e["name"] for e in json.loads(out)["elected"]) == ["Ana", "Luis"]


def test_format_option_overrides_the_file_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ballots = tmp_path / "ballots.txt"
    ballots.write_text("1,2\nAna,Luis\n", encoding="utf-8")
    code, out, _ = run(capsys, "count", str(ballots), "--format", "csv", "--seats", "1")
    assert code == 0
    assert "  1. Ana" in out


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        pytest.param(
            '3 1\n1 1 4 0\n0\n"A"\n"B"\n"C"\n',
            [],
            "ballots.blt, line 2: expected a candidate number from 1 to 3, found '4'",
            id="bad-ballot-line",
        ),
        pytest.param(
            '2 1\n0\n"A"\n"B"\n"t"\n',
            [],
            "ballots.blt: no ballot with a preference for a candidate was found",
            id="no-papers",
        ),
        pytest.param(
            '2 1\n1 0\n0\n"A"\n"B"\n"t"\n',
            [],
            "ballots.blt: no ballot with a preference for a candidate was found",
            id="only-blank-papers",
        ),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n',
            ["--method", "borda"],
            "unknown counting method 'borda'",
            id="unknown-method",
        ),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n',
            ["--at-least", "women"],
            "expected --at-least GROUP=K",
            id="bad-at-least",
        ),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n',
            ["--at-least", "F=1"],
            "unknown candidate group 'F'",
            id="unknown-group",
        ),
        pytest.param(
            '3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n',
            ["--seats", "0"],
            "at least 1",
            id="zero-seats",
        ),
    ],
)
def test_bad_input_is_a_message_and_exit_code_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str,
    extra: list[str],
    message: str,
) -> None:
    path = tmp_path / "ballots.blt"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "count", str(path), *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("asamblea: ")
    assert message in err
    assert "Traceback" not in err


def test_a_missing_file_is_exit_code_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "count", str(tmp_path / "nowhere.blt"))
    assert code == 2
    assert "cannot read the file" in err


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], {}, id="none"),
        pytest.param(["women=2"], {"women": 2}, id="one"),
        pytest.param(["a=b=1", " x = 0"], {"a=b": 1, "x": 0}, id="last-equals-sign-splits"),
    ],
)
def test_at_least_values_are_parsed(values: list[str], expected: dict[str, int]) -> None:
    assert parse_at_least(values) == expected


@pytest.mark.parametrize("value", ["women", "=2", "women=", "women=two", "women=-1"])
def test_bad_at_least_values_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="GROUP=K"):
        parse_at_least([value])


def test_the_installed_command_runs_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asamblea.cli", "count", str(LINN), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["elected"][-1] == {"name": "Catherine VALLIS", "stage": 9}


def test_the_help_lists_every_registered_method() -> None:
    from asamblea.cli.count import METHOD_NAMES
    from asamblea.counting.methods import method_names

    assert method_names() == METHOD_NAMES
