"""ASAMBLEA_DB_POOLER (issue 15): behind PgBouncer in transaction mode nothing may outlive
a transaction on its server connection. tests/faults/test_pgbouncer.py runs the app so."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from asamblea.settings import postgres_database

URL = "postgres://asamblea:secret@10.0.0.10:6432/asamblea"


def test_a_plain_postgresql_keeps_server_side_cursors() -> None:
    database = postgres_database(URL, "")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("10.0.0.10", 6432, "asamblea")
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    assert not database.get("DISABLE_SERVER_SIDE_CURSORS")


def test_transaction_mode_turns_off_what_outlives_a_transaction() -> None:
    database = postgres_database(URL, " Transaction ")
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["prepare_threshold"] is None
    # Persistent, health-checked connections to PgBouncer stay.
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True


def test_another_mode_is_refused_with_what_to_write() -> None:
    with pytest.raises(
        ImproperlyConfigured, match="ASAMBLEA_DB_POOLER='session': write transaction"
    ):
        postgres_database(URL, "session")
