"""PostgreSQL only: the log tables refuse UPDATE, DELETE and TRUNCATE, and concurrent
appenders to one federation are serialised by the tree state's row lock."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from asamblea.federation.models import Federation
from asamblea.record import services
from asamblea.record.models import Checkpoint, Entry
from asamblea.record.services import Event, append_entries
from asamblea.record.verify import verify_lines
from support.factories import make_federation

pytestmark = [pytest.mark.postgres_only]

# The migration's own SQL, applied as is to a scratch database below.
append_only = importlib.import_module("asamblea.record.migrations.0004_append_only_on_postgresql")


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            "UPDATE record_entry SET payload = '{}' WHERE federation_id = %s", id="entry-update"
        ),
        pytest.param(
            'UPDATE record_entry SET "index" = "index" + 1 WHERE federation_id = %s',
            id="entry-reindex",
        ),
        pytest.param("DELETE FROM record_entry WHERE federation_id = %s", id="entry-delete"),
        pytest.param(
            "UPDATE record_checkpoint SET root_hash = '' WHERE federation_id = %s",
            id="checkpoint-update",
        ),
        pytest.param(
            "DELETE FROM record_checkpoint WHERE federation_id = %s", id="checkpoint-delete"
        ),
        pytest.param(
            "UPDATE record_node SET hash = '\\x00' WHERE federation_id = %s", id="node-update"
        ),
        pytest.param("DELETE FROM record_node WHERE federation_id = %s", id="node-delete"),
    ],
)
def test_direct_sql_update_or_delete_on_the_log_tables_fails(
    federation: Federation, sql: str
) -> None:
    before = list(services.export_lines(federation))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [federation.pk])
    assert list(services.export_lines(federation)) == before
    assert Entry.objects.filter(federation=federation).count() > 0


def test_inserting_still_works_and_the_tree_state_may_change(federation: Federation) -> None:
    size = services.published_size(federation)
    with transaction.atomic():
        append_entries(federation, [Event("test.event", {"n": 1})])
    assert services.published_size(federation) == size + 1


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A throw-away database NOT named test_*, where the migration's SQL is applied as is."""
    settings = connection.settings_dict
    params = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }
    name = f"asamblea_trigger_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield psycopg.conninfo.make_conninfo(dbname=name, **params)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_truncate_is_refused_outside_the_test_runner_databases(scratch_database: str) -> None:
    # Table names below are the migration's constants, not input (hence the noqa S608).
    with psycopg.connect(scratch_database, autocommit=True) as db:
        for table in append_only.TABLES:
            db.execute(f"CREATE TABLE {table} (id integer)")
            db.execute(f"INSERT INTO {table} VALUES (1)")  # noqa: S608
        db.execute(append_only.FUNCTION)
        for table in append_only.TABLES:
            for statement in append_only.trigger_statements(table):
                db.execute(statement)
        for table in append_only.TABLES:
            for sql in [f"TRUNCATE {table}", f"DELETE FROM {table}", f"UPDATE {table} SET id = 2"]:  # noqa: S608
                with pytest.raises(
                    psycopg.errors.IntegrityConstraintViolation, match="append-only"
                ):
                    db.execute(sql)
            assert db.execute(f"SELECT id FROM {table}").fetchall() == [(1,)]  # noqa: S608
            db.execute(f"INSERT INTO {table} VALUES (3)")  # noqa: S608


def test_the_test_database_may_be_emptied_by_the_test_runner(transactional_db: None) -> None:
    assert connection.settings_dict["NAME"].startswith("test_")
    make_federation("emptied")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE record_entry, record_checkpoint, record_node, record_treestate")
    assert not Entry.objects.exists()


def _in_thread(job: Any, results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = job()
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_second_appender_waits_for_the_first_to_commit(transactional_db: None) -> None:
    federation = make_federation("busy")
    start = services.published_size(federation)
    first_appended = threading.Event()
    times: dict[str, float] = {}
    results: dict[str, Any] = {}

    def first() -> list[int]:
        with transaction.atomic():
            entries = append_entries(federation, [Event("test.first", {"n": n}) for n in range(3)])
            first_appended.set()
            time.sleep(0.5)  # holds the tree state's row lock
            times["first_commit"] = time.monotonic()
        return [e.index for e in entries]

    def second() -> list[int]:
        assert first_appended.wait(10)
        with transaction.atomic():
            entries = append_entries(federation, [Event("test.second", {"n": n}) for n in range(2)])
            times["second_appended"] = time.monotonic()
        return [e.index for e in entries]

    threads = [_in_thread(first, results, "first"), _in_thread(second, results, "second")]
    for thread in threads:
        thread.join(30)
    assert results["first"] == [start, start + 1, start + 2], results
    assert results["second"] == [start + 3, start + 4], results
    assert times["second_appended"] >= times["first_commit"]
    assert verify_lines(list(services.export_lines(federation))).entries == start + 5


def test_many_concurrent_appenders_leave_one_gapless_signed_log(transactional_db: None) -> None:
    federation = make_federation("crowd")
    start = services.published_size(federation)
    barrier = threading.Barrier(6)
    results: dict[str, Any] = {}

    def appender(number: int) -> int:
        barrier.wait(10)
        for round_ in range(8):
            with transaction.atomic():
                append_entries(
                    federation,
                    [
                        Event("test.event", {"who": number, "round": round_, "n": n})
                        for n in range(3)
                    ],
                )
        return number

    threads = [_in_thread(lambda n=n: appender(n), results, f"t{n}") for n in range(6)]
    for thread in threads:
        thread.join(60)
    assert sorted(results.values()) == list(range(6)), results
    indexes = list(
        Entry.objects.filter(federation=federation)
        .order_by("index")
        .values_list("index", flat=True)
    )
    assert indexes == list(range(start + 6 * 8 * 3))
    sizes = list(
        Checkpoint.objects.filter(federation=federation)
        .order_by("size")
        .values_list("size", flat=True)
    )
    assert sizes[-48:] == [start + 3 * k for k in range(1, 49)]
    report = verify_lines(list(services.export_lines(federation)), public_key=services.public_key())
    assert report.entries == start + 144 and report.checkpoints == len(sizes)
