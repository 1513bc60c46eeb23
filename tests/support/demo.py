"""`asamblea demo`, run in-process on the test database as a person runs it."""

from __future__ import annotations

import contextlib
import io


def run_demo() -> str:
    """Run `asamblea demo`; what it printed."""
    from asamblea.cli.main import main  # after Django is set up

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo"]) == 0
    return printed.getvalue()
