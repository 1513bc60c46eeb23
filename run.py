#!/usr/bin/env python3
"""Set up and run Asamblea with nothing but Python 3.11+ and the package index.

    python3 run.py demo    # the demo federation on SQLite at http://127.0.0.1:8000
    python3 run.py test    # the checks, then the full test suite on SQLite and on PostgreSQL,
                           # then the fault suite (tests/faults) on a cluster of its own
    python3 run.py test tests/web/test_language.py   # just these tests (no checks), both passes
    python3 run.py demo --port 8080                  # arguments pass to `asamblea up`

Creates `.venv` beside this file and installs the pinned package into it the
first time (and again whenever pyproject.toml changes). Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".asamblea-installed"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/asamblea"


def say(message: str) -> None:
    print(f"[run.py] {message}", flush=True)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py may be started by an older Python
        sys.exit("Asamblea needs Python 3.11 or newer.")
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + extras.encode()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say("creating the virtual environment .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing Asamblea and its pinned dependencies (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f".[{extras}]" if extras else "."], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def postgres_reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


def demo(args: list[str]) -> int:
    ensure_venv("")
    return subprocess.call([str(BIN / "asamblea"), "up", *args], cwd=ROOT)


def checks(env: dict[str, str], workers: int) -> int:
    """Every check besides the tests, each run and reported even when an earlier one fails.

    Lint and format (ruff), types (mypy, configured in pyproject.toml), the import
    contracts (import-linter, once pyproject.toml declares them), migrations in step
    with the models, and the counting engine's own tests covering every line and
    branch of it (measured over tests/counting only: a line that only other apps'
    tests reach does not count)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    sources = ["src", "tests", "benchmarks"]
    steps: list[tuple[str, list[str]]] = [
        ("ruff check", [str(BIN / "ruff"), "check", *sources]),
        ("ruff format --check", [str(BIN / "ruff"), "format", "--check", *sources]),
        ("mypy", [str(BIN / "mypy")]),
    ]
    if "importlinter" in config.get("tool", {}):
        steps.append(("lint-imports", [str(BIN / "lint-imports")]))
    steps += [
        (
            "makemigrations --check",
            [str(PYTHON), "-m", "asamblea.cli", "manage", "makemigrations", "--check", "--dry-run"],
        ),
        (
            "counting coverage (lines and branches, 100%)",
            [
                str(PYTHON),
                "-m",
                "pytest",
                "tests/counting",
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                str(workers),
                "--cov=asamblea.counting",
                "--cov-branch",
                "--cov-report=term-missing:skip-covered",
                "--cov-fail-under=100",
            ],
        ),
    ]
    coverage_env = {**env, "COVERAGE_FILE": str(ROOT / "var" / "test" / ".coverage")}
    (ROOT / "var" / "test").mkdir(parents=True, exist_ok=True)
    failed = []
    for name, command in steps:
        say(f"check: {name}")
        if subprocess.call(command, cwd=ROOT, env=coverage_env) != 0:
            failed.append(name)
    if failed:
        say("checks FAILED: " + ", ".join(failed))
        return 1
    say("checks passed")
    return 0


def test(args: list[str]) -> int:
    ensure_venv("dev")
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    env = {**os.environ, "ASAMBLEA_DATA_DIR": str(ROOT / "var" / "test")}
    env.pop("DATABASE_URL", None)
    if not Path("/usr/bin/chromium").exists() and not shutil.which("chromium"):
        message = "Chromium is not installed: the browser tests will be skipped"
        if ci:
            say(message.replace("will be skipped", "are required in CI"))
            return 1
        say(message + " (Debian: apt-get install chromium).")
    # One worker per core (at most 4): the suite is mostly database and browser waits.
    workers = max(1, min(4, os.cpu_count() or 1))
    # The fault suite (marker "faults") runs apart, after the PostgreSQL pass.
    pytest = [str(PYTHON), "-m", "pytest", "-n", str(workers), "-m", "not faults"]
    sqlite_args = args
    if not args:
        # The whole run: the checks first, and the tests only if they pass. With a test
        # path (a developer running a few tests) they are skipped.
        say("checks (ruff, mypy, import contracts, migrations, counting coverage)")
        if checks(env, workers) != 0:
            return 1
        # The checks just ran the pure counting tests (under coverage): not again.
        sqlite_args = ["--ignore=tests/counting"]
    say("test pass 1/2: SQLite")
    code = subprocess.call([*pytest, *sqlite_args], cwd=ROOT, env=env)
    pg_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
    if not postgres_reachable(pg_url):
        say(
            f"PostgreSQL is not reachable at {pg_url}: the PostgreSQL pass was NOT run "
            "(start it, or set TEST_DATABASE_URL)."
        )
        return code or (1 if ci else 0)
    say("test pass 2/2: PostgreSQL (tests that use the database)")
    pg_env = {**env, "DATABASE_URL": pg_url, "ASAMBLEA_DB_PASS": "postgres"}
    code_pg = subprocess.call([*pytest, *args], cwd=ROOT, env=pg_env)
    # The fault suite: in one process, so its tests share one PostgreSQL cluster of
    # their own (which they stop, crash and fill; never the server above). Its table of
    # faults and recovery times ends its output. Exit 5: the paths given hold none.
    say("the fault suite (tests/faults: its own PostgreSQL cluster, gunicorn, HAProxy)")
    faults = [str(PYTHON), "-m", "pytest", "-n", "0", "-m", "faults"]
    code_faults = subprocess.call([*faults, *(args or ["tests/faults"])], cwd=ROOT, env=pg_env)
    return code or code_pg or (0 if code_faults == 5 else code_faults)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return demo(rest) if command == "demo" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
