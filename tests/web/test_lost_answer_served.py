"""A ballot cast whose answer is lost because the app process is killed mid-answer: the
voter sends the same form again and gets their code and tracker; nothing is cast twice
(issue 15, fault 5). Real parts: gunicorn serving a PostgreSQL cluster of the test's own;
once with one server, once with two (scale-out: the re-send goes to the other one).

The kill lands between the commit and the answer, every time: the test holds a lock on
the voter's session row, so the worker, its cast committed, waits at the session's save
(seen in pg_stat_activity) until it is SIGKILLed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import asamblea
from asamblea.ballots import codes
from asamblea.web.sessions import stored_key
from support.gunicorn import Gunicorn
from support.gunicorn import wait_for as _wait_for
from support.pgcluster import Cluster
from support.server import CSRF, ONCE, Asamblea, Browser

pytestmark = pytest.mark.postgres_only

TESTS = Path(__file__).resolve().parents[1]
SRC = Path(asamblea.__file__).resolve().parents[1]
CODE = re.compile(r'id="ballot-code">([^<]+)<')
TRACKER = re.compile(r'id="tracker">([0-9a-f]{64})<')


@pytest.fixture
def served(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Cluster, list[Gunicorn], dict[str, object]]]:
    """A cluster with a vote under way, served by `request.param` gunicorn servers."""
    cluster = Cluster()
    cluster.start()
    servers: list[Gunicorn] = []
    try:
        cluster.create_database()
        operator = Asamblea(tmp_path / "var", database_url=cluster.url)
        operator.run("migrate")
        env = {**operator.env, "PYTHONPATH": f"{SRC}{os.pathsep}{TESTS}"}
        seeded = subprocess.run(
            [sys.executable, "-m", "support.seed_vote"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        vote = json.loads(seeded.stdout.strip().splitlines()[-1])
        for number in range(request.param):
            servers.append(Gunicorn(env, tmp_path / f"gunicorn-{number}.log"))
        for server in servers:
            _wait_for(server.answers, 120, "gunicorn to answer")
        yield cluster, servers, vote
    finally:
        for server in servers:
            server.stop()
        cluster.remove()


def _post(site: Browser, url: str, form: dict[str, str]) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with site.opener.open(url, data=data, timeout=120) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _session_key(site: Browser) -> str:
    for handler in site.opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            for cookie in handler.cookiejar:
                if cookie.name == "sessionid" and cookie.value:
                    return cookie.value
    pytest.fail("no session cookie")


@pytest.mark.parametrize(
    ("served", "kill"),
    [
        pytest.param(1, "worker", id="one-server-its-worker-killed"),
        pytest.param(2, "server", id="two-servers-the-first-killed-whole"),
    ],
    indirect=["served"],
)
def test_an_app_process_killed_after_the_cast_committed_and_the_voter_gets_the_same_receipt(
    served: tuple[Cluster, list[Gunicorn], dict[str, object]], kill: str
) -> None:
    """One server: gunicorn's worker is killed and the master starts another. Two (as
    behind a load balancer, which sends the voter's re-send to the one still up): the
    first server is killed whole, master and worker."""
    cluster, servers, vote = served
    first, last = servers[0], servers[-1]
    site = Browser(first.url)
    path = f"/f/{vote['federation']}/e/{vote['election']}/ballot/"
    site.log_in(str(vote["voter"]), str(vote["password"]), path)
    _status, _type, page = site.get(path)
    csrf, once = CSRF.search(page), ONCE.search(page)
    assert csrf and once, page[:2000]
    candidates = vote["candidates"]
    assert isinstance(candidates, list)
    form = {
        "csrfmiddlewaretoken": csrf.group(1),
        "once": once.group(1),
        f"rank-{candidates[0]}": "1",
        f"rank-{candidates[1]}": "2",
    }
    with psycopg.connect(cluster.url) as watch, psycopg.connect(cluster.url) as lock:
        watch.autocommit = True

        def count(table: str) -> int:
            row = watch.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
            return int(row[0]) if row else 0

        def waiting_on_a_lock() -> bool:
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchone()
            return bool(row and row[0])

        # The session's row locked: the answer cannot be finished after the cast.
        lock.execute(
            "SELECT 1 FROM django_session WHERE session_key = %s FOR UPDATE",
            [stored_key(_session_key(site))],
        )
        answered: dict[str, object] = {}

        def cast() -> None:
            try:
                answered["answer"] = _post(site, first.url + path, form)
            except OSError as error:  # the connection dies with the process
                answered["error"] = error

        caster = threading.Thread(target=cast)
        caster.start()
        _wait_for(lambda: count("elections_votecast") == 1, 60, "the cast to commit")
        _wait_for(waiting_on_a_lock, 60, "the worker to wait at the session's save")
        (worker,) = first.workers()
        if kill == "server":
            first.process.kill()
        with contextlib.suppress(ProcessLookupError):  # gone with its master already
            os.kill(worker, signal.SIGKILL)
        caster.join(120)
        lock.rollback()
        assert "answer" not in answered, answered  # the voter saw no receipt
        assert count("elections_votecast") == count("elections_ballot") == 1

        # The voter sends the same form again (to a new worker, or the other server).
        status, text = _post(site, last.url + path, form)
        assert status == 200, text[:3000]
        code, tracker = CODE.search(text), TRACKER.search(text)
        assert code and tracker, text[:3000]
        row = watch.execute(
            "SELECT p.id FROM federation_person p JOIN auth_user u ON u.id = p.user_id "
            "WHERE u.username = %s",
            [vote["voter"]],
        ).fetchone()
        assert row is not None
        election, person = int(str(vote["election"])), int(row[0])
        assert codes.tracker_for(codes.ELECTION, election, person, code.group(1)) == (
            tracker.group(1)
        )
        stored = watch.execute("SELECT tracker FROM elections_ballot").fetchall()
        assert stored == [(tracker.group(1),)]
        # Sent once more: the same receipt again; nothing more was cast.
        again = _post(site, last.url + path, form)
        assert again[0] == 200 and tracker.group(1) in again[1]
        assert count("elections_votecast") == count("elections_ballot") == 1


def _ballot_form(site: Browser, path: str, vote: dict[str, object]) -> dict[str, str]:
    _status, _type, page = site.get(path)
    csrf, once = CSRF.search(page), ONCE.search(page)
    assert csrf and once, page[:2000]
    candidates = vote["candidates"]
    assert isinstance(candidates, list)
    return {
        "csrfmiddlewaretoken": csrf.group(1),
        "once": once.group(1),
        f"rank-{candidates[0]}": "1",
    }


@pytest.mark.parametrize("served", [1], indirect=True)
def test_a_read_only_database_refuses_the_cast_with_a_503_and_the_same_form_casts_later(
    served: tuple[Cluster, list[Gunicorn], dict[str, object]],
) -> None:
    """A failover to a standby, or an operator who made the database read-only (a full
    disk): the voter is told, in their language, that nothing was cast and to try again;
    once it is writable, the same form casts the ballot, once."""
    cluster, (server,), vote = served
    site = Browser(server.url)
    path = f"/f/{vote['federation']}/e/{vote['election']}/ballot/"
    site.log_in(str(vote["voter"]), str(vote["password"]), path)
    form = _ballot_form(site, path, vote)
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        # Reloaded: the server's open connections turn read-only too.
        admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        admin.execute("SELECT pg_reload_conf()")
        try:
            data = urllib.parse.urlencode(form).encode()
            with pytest.raises(urllib.error.HTTPError) as refused:
                site.opener.open(server.url + path, data=data, timeout=120)
            assert refused.value.code == 503
            assert refused.value.headers["Retry-After"] == "30"
            page = refused.value.read().decode()
            assert "no puede conectarse con su base de datos" in page  # the site's Spanish
            assert "recargue esta página" in page
        finally:
            admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
            admin.execute("SELECT pg_reload_conf()")
        row = admin.execute("SELECT count(*) FROM elections_votecast").fetchone()
        assert row == (0,)
        status, text = _post(site, server.url + path, form)
        assert status == 200 and CODE.search(text), text[:3000]
        counts = admin.execute(
            "SELECT (SELECT count(*) FROM elections_votecast), "
            "(SELECT count(*) FROM elections_ballot)"
        ).fetchone()
        assert counts == (1, 1)
