"""The real `asamblea` command in a subprocess: a server on a free port and a fresh data
folder (SQLite there, or a throw-away PostgreSQL database), fetched over HTTP."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE = re.compile(r'name="once" value="([^"]+)"')


def asamblea_command() -> str:
    """The installed `asamblea` command beside this interpreter."""
    command = Path(sys.executable).with_name("asamblea")
    found = str(command) if command.exists() else shutil.which("asamblea")
    assert found, "the asamblea command is not installed (pip install -e .)"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server of DATABASE_URL; dropped afterwards."""
    import psycopg

    server_url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    # The maintenance database: the one named in DATABASE_URL need not exist.
    admin_url = server_url._replace(path="/postgres").geturl()
    name = f"asamblea_srv_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Asamblea:
    """Runs `asamblea ...` with its own data folder and database, as an operator would."""

    def __init__(self, data_dir: Path, database_url: str | None = None, **env: str) -> None:
        self.data_dir = data_dir
        # Server mode for its elections, as the suite's (tests/conftest.py), unless told.
        self.env = {
            **os.environ,
            "ASAMBLEA_DATA_DIR": str(data_dir),
            "ELECTION_KEY_MODE": "server",
            **env,
        }
        # Never the test run's database: this one is the server's own.
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> str:
        """Run a sub-command to the end; its output, or the test fails with it."""
        done = subprocess.run(
            [asamblea_command(), *args], env=self.env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"asamblea {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def start(self, args: Sequence[str], timeout: float = 1200) -> None:
        """Start `asamblea <args> --port <free port>` and wait until it answers."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [asamblea_command(), *args, "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"asamblea stopped with {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"asamblea did not serve within {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        """Everything the server wrote to standard output and error so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


class Browser:
    """A cookie-keeping HTTP client for the served site (urllib, no JavaScript)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        """(status, content type, text) of a GET, errors included."""
        try:
            with self.opener.open(self.base_url + path, timeout=60) as answer:
                text = answer.read().decode("utf-8", errors="replace")
                return answer.status, answer.headers.get("Content-Type", ""), text
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read().decode()

    def post_form(self, path: str, fields: dict[str, str], *, form_page: str) -> tuple[int, str]:
        """Post `fields` plus the CSRF token (and one-time token, if any) of the first form
        on `form_page`, as the browser would; follows redirects. (status, final URL)."""
        _status, _type, page = self.get(form_page)
        token = CSRF.search(page)
        assert token, f"no form on {form_page}"
        hidden = {"csrfmiddlewaretoken": token.group(1)}
        if once := ONCE.search(page):
            hidden["once"] = once.group(1)
        data = urllib.parse.urlencode({**hidden, **fields}).encode()
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=60) as answer:
                answer.read()
                return answer.status, answer.url
        except urllib.error.HTTPError as error:
            return error.code, error.url

    def log_in(
        self, username: str, password: str, then: str, code: Callable[[], str] | None = None
    ) -> str:
        """Log in through the login form, and the second factor's page if asked with
        `code()`; the URL landed on."""
        status, landed = self.post_form(
            "/accounts/login/",
            {"username": username, "password": password, "next": then},
            form_page="/accounts/login/",
        )
        assert status == 200, f"login of {username}: {status}"
        if code is not None and "/accounts/login/code/" in landed:
            status, landed = self.post_form(
                "/accounts/login/code/", {"code": code()}, form_page="/accounts/login/code/"
            )
            assert status == 200, f"second factor of {username}: {status}"
        return landed


@contextmanager
def demo_served(
    data_dir: Path, database: str, *, threads: int = 4, timeout: float = 1200
) -> Iterator[tuple[Asamblea, str | None]]:
    """`asamblea up` (what `python3 run.py demo` runs) on a fresh data folder, on
    "sqlite" or on a throw-away "postgresql" database: (the server, its database URL)."""
    with contextlib.ExitStack() as stack:
        database_url = None
        if database == "postgresql":
            database_url = stack.enter_context(postgres_database())
        server = Asamblea(data_dir, database_url)
        stack.callback(server.stop)
        server.start(["up", "--threads", str(threads)], timeout=timeout)
        yield server, database_url
