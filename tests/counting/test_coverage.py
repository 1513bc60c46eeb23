"""The counting engine's own tests cover every line of it (issue 2 asks for 100%).

Run as a separate pytest process over tests/counting only, with coverage measured
on `asamblea.counting`: a line that only other apps' tests reach does not count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent.parent
INNER = "ASAMBLEA_COVERAGE_INNER"


@pytest.mark.skipif(os.environ.get(INNER) == "1", reason="this is the inner run")
def test_the_engines_own_tests_cover_every_line_of_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--cov=asamblea.counting",
            "--cov-report=term-missing:skip-covered",
            "--cov-fail-under=100",
            f"--ignore={Path(__file__)}",
        ],
        cwd=ROOT,
        env={**os.environ, INNER: "1", "COVERAGE_FILE": str(tmp_path / ".coverage")},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = done.stdout[-3000:]
    assert done.returncode == 0, report
    assert "Required test coverage of 100% reached" in done.stdout, report
