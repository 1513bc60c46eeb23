"""Logging filters: a database that is down is one line in the log, not a traceback.

When the database stops (a restart, a crash, a full disk), every piece of code that
was using it fails at once: the worker's task runner (django-tasks logs a task it
could not mark finished with its traceback), the tick, requests. The operator needs
to read that the database was unreachable, once per failure, not pages of stack
frames that say nothing more; the worker and the app recover by themselves
(docs/faults.md). Any other error keeps its traceback.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError


class DatabaseDownOneLine(logging.Filter):
    """Turn a record carrying a database connection error into one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, OperationalError | InterfaceError) or _from_driver(exc):
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {first})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _from_driver(exc: BaseException | None) -> bool:
    """The driver's own OperationalError (psycopg), when Django did not wrap it."""
    return exc is not None and type(exc).__name__ == "OperationalError"
