"""The fault suite's stand, built once per test process: a cluster of its own, migrated,
and one gunicorn on it. `run.py test` runs the suite in one process (`-n 0 -m faults`),
after the PostgreSQL pass, so the whole suite builds it once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.faultstand import Stand


@pytest.fixture(scope="session")
def built_stand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stand]:
    """The suite's cluster, migrated, served by one gunicorn (two sync workers)."""
    built = Stand(tmp_path_factory.mktemp("faults"))
    try:
        built.start()
        built.serve(1, workers=2)
        yield built
    finally:
        built.stop()


@pytest.fixture
def stand(built_stand: Stand) -> Iterator[Stand]:
    """The suite's stand, with no worker left running after the test."""
    try:
        yield built_stand
    finally:
        built_stand.stop_workers()
