"""Calls released together in threads, for concurrency tests on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from asamblea.errors import AsambleaError

PATIENCE = 120  # seconds a thread may take before the test says it hung


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together (each on its own database connection,
    closed after); each job's result, or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(number: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[number] = job()
        except Exception as error:
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    assert not any(thread.is_alive() for thread in threads), f"a call still runs after {PATIENCE} s"
    return results


def run_at_once(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls in threads released together; 'ok' or the error's class name each
    (an error that is not one of ours is raised here: the test fails on it)."""
    outcomes = []
    for result in all_at_once(calls):
        if isinstance(result, AsambleaError):
            outcomes.append(type(result).__name__)
        elif isinstance(result, Exception):
            raise result
        else:
            outcomes.append("ok")
    return outcomes
