"""The worker survives a database restart and gives up, for its supervisor, when the
database stays away (issue 15, fault 1: it used to stay alive and deaf for good)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

import psycopg
import pytest

from support.pgcluster import Cluster
from support.server import asamblea_command

pytestmark = pytest.mark.postgres_only

GIVE_UP = 20  # seconds; a restart here takes a few


def _ticks_finished_since(url: str, since: float) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'SUCCESSFUL' AND finished_at > to_timestamp(%s)",
            [since],
        ).fetchone()
    return int(row[0]) if row else 0


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"waited {seconds:.0f} s for {what}")


def test_the_worker_runs_ticks_after_a_database_restart_and_gives_up_when_it_stays_away(
    tmp_path: object,
) -> None:
    cluster = Cluster()
    worker: subprocess.Popen[str] | None = None
    try:
        cluster.start()
        cluster.create_database()
        env = {
            **os.environ,
            "ASAMBLEA_DATA_DIR": str(cluster.folder / "var"),
            "DATABASE_URL": cluster.url,
            "WORKER_GIVE_UP_SECONDS": str(GIVE_UP),
        }
        done = subprocess.run(
            [asamblea_command(), "migrate"], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        worker = subprocess.Popen(
            [asamblea_command(), "worker", "--tick-seconds", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        start = time.time()
        _wait_for(lambda: _ticks_finished_since(cluster.url, start) > 0, 120, "a first tick")

        cluster.stop("immediate")
        cluster.start()
        restarted = time.time()
        _wait_for(
            lambda: _ticks_finished_since(cluster.url, restarted) > 0,
            120,
            "a tick after the database restarted",
        )
        assert worker.poll() is None

        cluster.stop("fast")
        try:
            code = worker.wait(timeout=GIVE_UP + 60)
        except subprocess.TimeoutExpired:
            pytest.fail("the worker stayed up with the database gone")
        output = worker.stdout.read() if worker.stdout else ""
        assert code == 1, output
        assert "WORKER_GIVE_UP_SECONDS" in output
        assert "Traceback" not in output
    finally:
        if worker is not None:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
            if worker.stdout:
                worker.stdout.close()
        cluster.remove()
