"""Shared test set-up.

The suite runs twice (run.py test): on SQLite, then on PostgreSQL with
ASAMBLEA_DB_PASS=postgres, where only the tests that touch the database run
again (pure tests gain nothing from a second pass).
"""

from __future__ import annotations

import os

import pytest

DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


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
