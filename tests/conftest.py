"""Shared test set-up.

The suite runs twice (run.py test): on SQLite, then on PostgreSQL with
ASAMBLEA_DB_PASS=postgres, where only the tests that touch the database run
again (pure tests gain nothing from a second pass).

On SQLite each test process has its own database file, not Django's shared
in-memory database: threads that meet in it (the live server, the task worker)
then wait for each other's locks instead of failing with "table is locked".

The demo federation (`asamblea demo`, minutes of work) is loaded once per run
for the tests that read it (fixture `demo_loaded`), and copied back for each of
their modules.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.demo import run_demo

DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix: None
) -> None:
    """SQLite: a test database file per test process (test-gw0.sqlite3 ... in the data folder)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
        name = Path(database["NAME"]).with_name(f"test-{worker}.sqlite3")
        database.setdefault("TEST", {})["NAME"] = str(name)


def _flush() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


SNAPSHOT_SCHEMA = "demo_snapshot"


@pytest.fixture(scope="session", autouse=True)
def ballot_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's ballot keys (BALLOT_KEY_DIR) in a folder of this test process's own:
    xdist workers and PostgreSQL passes make keys for the same vote numbers, and a key
    file is named by its vote. Subprocesses (a served site) are told it too."""
    from django.conf import settings

    path = tmp_path_factory.getbasetemp() / "ballot-keys"
    settings.BALLOT_KEY_DIR = path
    os.environ["ASAMBLEA_BALLOT_KEY_DIR"] = str(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def server_key_mode() -> str:
    """The suite was written for server mode (a key file): ELECTION_KEY_MODE=server for
    every test, and for the sites and workers tests start as subprocesses (they inherit
    the environment). The trustees tests turn trustees mode on with pytest-django's
    `settings` fixture, which puts this value back after them."""
    from django.conf import settings

    settings.ELECTION_KEY_MODE = "server"
    os.environ["ELECTION_KEY_MODE"] = "server"
    return "server"


def _copy_keys(source: Path, target: Path) -> None:
    """The ballot keys go with the database they open (a snapshot and its restore)."""
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True))


def _take_snapshot(copy: Path) -> None:
    """Copy the database as it is: to the file `copy` (SQLite) or to a schema (PostgreSQL)."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(copy)) as target:
            connection.connection.backup(target)
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in _tables():
            cursor.execute(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{quote(table)} AS TABLE {quote(table)}")


def _restore_snapshot(copy: Path) -> None:
    """Put the copy back into the (empty) database, sequences included."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(copy)) as source:
            source.backup(connection.connection)
        return
    quote = connection.ops.quote_name
    models = apps.get_models(include_auto_created=True)
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        # A flush leaves the rows that post_migrate makes again (permissions, content types).
        for statement in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(statement)
        for table in tables:
            cursor.execute(
                f"INSERT INTO {quote(table)} SELECT * FROM {SNAPSHOT_SCHEMA}.{quote(table)}"  # noqa: S608
            )
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


@pytest.fixture(scope="session")
def demo_snapshot(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    ballot_key_dir: Path,
) -> tuple[str, Path]:
    """`asamblea demo` run once: what it printed, and a copy of the database it left.

    On SQLite the copy is a file shared by the run's xdist workers: the first to need
    it loads the demo while the others wait for it. On PostgreSQL it is a schema in
    each worker's own test database, so each worker loads the demo once."""
    from django.db import connection

    worker = getattr(request.config, "workerinput", {}).get("workerid")
    run_folder = tmp_path_factory.getbasetemp()
    if connection.vendor != "sqlite":
        with django_db_blocker.unblock():
            try:
                output = run_demo()
                _take_snapshot(run_folder / "demo.sqlite3")
                _copy_keys(ballot_key_dir, run_folder / "demo-ballot-keys")
            finally:
                _flush()
        return output, run_folder / "demo.sqlite3"
    shared = run_folder.parent if worker else run_folder  # one folder per run either way
    copy, printed = shared / "demo.sqlite3", shared / "demo.txt"
    with django_db_blocker.unblock(), (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if printed.exists():
            return printed.read_text(encoding="utf-8"), copy
        try:
            output = run_demo()
            _take_snapshot(copy)
            _copy_keys(ballot_key_dir, shared / "demo-ballot-keys")
        finally:
            _flush()
        printed.write_text(output, encoding="utf-8")  # last: the copy is complete
    return output, copy


@pytest.fixture(scope="module")
def demo_loaded(
    demo_snapshot: tuple[str, Path], django_db_blocker: Any, ballot_key_dir: Path
) -> Iterator[str]:
    """The demo in the database for this module (what `asamblea demo` printed), with the
    keys of its sealed votes; emptied out afterwards. Each test's own changes are rolled
    back by its `db` fixture."""
    output, copy = demo_snapshot
    with django_db_blocker.unblock():
        _restore_snapshot(copy)
        _copy_keys(copy.with_name("demo-ballot-keys"), ballot_key_dir)
        try:
            yield output
        finally:
            _flush()


@pytest.fixture
def demo_live(
    demo_snapshot: tuple[str, Path],
    transactional_db: None,
    django_db_blocker: Any,
    ballot_key_dir: Path,
) -> Iterator[str]:
    """The demo in the database a live server reads (emptied after the test, as the
    live server's database is); what `asamblea demo` printed. For browser tests:
    `demo_loaded` keeps a connection of its own across the module, which PostgreSQL
    then will not drop."""
    output, copy = demo_snapshot
    with django_db_blocker.unblock():
        _restore_snapshot(copy)
    _copy_keys(copy.with_name("demo-ballot-keys"), ballot_key_dir)
    yield output


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with no rate-limit counts left by another (the cache is process-wide).

    A database cache (CACHE_URL=db) is left alone: a test without the database may not
    touch it, and a test with it rolls its counts back with everything else."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    if not isinstance(caches["default"], DatabaseCache):
        caches["default"].clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres_pass = os.environ.get("ASAMBLEA_DB_PASS") == "postgres"
    skip_pg_only = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass)")
    kept, dropped = [], []
    for item in items:
        uses_db = (
            bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))
            or bool(item.get_closest_marker("django_db"))
            # A PostgreSQL-only test that makes its own database must still run somewhere.
            or bool(item.get_closest_marker("postgres_only"))
        )
        if postgres_pass and not uses_db:
            dropped.append(item)
            continue
        if not postgres_pass and item.get_closest_marker("postgres_only"):
            item.add_marker(skip_pg_only)
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionstart(session: pytest.Session) -> None:
    """A fresh table of fault figures for this run (the controller's, under xdist)."""
    if not hasattr(session.config, "workerinput"):
        from support.faultstand import figures_file

        figures_file().unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault suite's table (tests/faults): each fault, requests sent, receipts,
    ballot rows and the time the service took to recover by itself."""
    import json

    from support.faultstand import figures_file

    path = figures_file()
    if not path.exists():
        return
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("faults: nothing lost, and recovered by itself")
    head = ("fault", "requests", "receipts", "lost", "503", "rows", "recovered")
    write("| " + " | ".join(head) + " |")
    write("|" + "---|" * len(head))
    for row in rows:
        cells = (
            row["fault"], row["requests"], row["receipts"], row["lost"], row["refused"],
            row["rows"], row["recovery"],
        )  # fmt: skip
        write("| " + " | ".join(str(cell) for cell in cells) + " |")
