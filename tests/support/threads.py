"""Calls released together in threads, for concurrency tests on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection

from asamblea.errors import AsambleaError


def run_at_once(calls: list[Any]) -> list[str]:
    """Run the calls in threads released together; 'ok' or the error's class name each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except AsambleaError as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
