"""On a fresh data folder (no tables yet), every command that needs the database says
in one line what to run, never a traceback; `asamblea demo` sets up its own tables
(issue 14, "Commands on a fresh database end in tracebacks")."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support.server import asamblea_command

NEEDS_TABLES = [
    pytest.param(["seats", "recompute"], id="seats-recompute"),
    pytest.param(["admin", "list", "peru"], id="admin-list"),
    pytest.param(["record", "export", "peru"], id="record-export"),
    pytest.param(["federation", "export", "peru"], id="federation-export"),
    pytest.param(["worker", "--once"], id="worker-once"),
]


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASAMBLEA_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [asamblea_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("args", NEEDS_TABLES)
def test_a_command_on_a_fresh_database_says_what_to_run(tmp_path: Path, args: list[str]) -> None:
    done = _run(tmp_path / "var", *args)
    assert done.returncode == 8, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "asamblea: the database is not set up for this version of Asamblea: "
        "run `asamblea migrate` first (it keeps the data there)."
    ]


def test_migrate_then_the_command_works(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert _run(data, "migrate").returncode == 0
    done = _run(data, "seats", "recompute")
    assert done.returncode == 0, done.stderr
