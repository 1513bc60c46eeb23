"""A database that is down is one line in the log; any other error keeps its traceback."""

from __future__ import annotations

import io
import logging

import pytest
from django.db import OperationalError

from asamblea.logfilters import DatabaseDownOneLine


def _logged(error: BaseException) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(DatabaseDownOneLine())
    logger = logging.getLogger("asamblea.tests.logfilters")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise error
        except BaseException:
            logger.exception("Task id=%s state=%s", 7, "FAILED")
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


def test_a_database_that_is_down_is_one_line() -> None:
    text = _logged(OperationalError("connection failed: server at 127.0.0.1\nIs it running?"))
    assert "Traceback" not in text
    assert text.strip() == (
        "Task id=7 state=FAILED (OperationalError: connection failed: server at 127.0.0.1)"
    )


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("x")])
def test_any_other_error_keeps_its_traceback(error: BaseException) -> None:
    text = _logged(error)
    assert "Traceback (most recent call last)" in text
    assert text.startswith("Task id=7 state=FAILED\n")
