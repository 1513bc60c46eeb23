"""Real app servers for fault tests: gunicorn serving asamblea.wsgi on a free port, and
waiting on what can be seen (never a fixed sleep)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from support.server import free_port


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    what: str,
    every: float = 0.2,
    detail: Callable[[], str] | None = None,
) -> float:
    """Poll `condition` until it holds; the seconds it took, or the test fails naming
    `what` (and what `detail()` then says)."""
    start = time.monotonic()
    deadline = start + seconds
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic() - start
        time.sleep(every)
    pytest.fail(f"waited {seconds:.0f} s for {what}" + (f":\n{detail()}" if detail else ""))


def children(pid: int) -> list[int]:
    """The process ids of `pid`'s children (Linux)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


class Gunicorn:
    """gunicorn (`workers` sync workers) serving asamblea.wsgi on a free port."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "asamblea.wsgi:application",
                    "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                    "--timeout", "120",
                ],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.log = log

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def answers(self, path: str = "/") -> bool:
        """Whether `path` answers 200 now (the server must still be running)."""
        assert self.process.poll() is None, self.log.read_text()
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
