"""Two app servers behind HAProxy on one PostgreSQL, one killed mid-cast while 32
clients cast (issue 15, scale-out): nothing lost, and the voter whose answer was lost
re-sends the same form and gets their receipt from the other server.

HAProxy runs the configuration printed in docs/deployment.md, read from there: only
the certificate, the listening address and the two servers' addresses are put in
(each exactly once, so the page and the test cannot drift apart). The kill lands
between a cast's commit and its answer, every time: the test holds a lock on one
voter's session row, so the server casting that voter's ballot waits at the session's
save (seen in pg_stat_activity); that server, found by the connection it waits on, is
SIGKILLed whole, master and workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from asamblea.web.sessions import stored_key
from support.faultstand import (
    PATIENCE,
    Stand,
    Tally,
    VoterClient,
    cast_all,
    record_figures,
)
from support.gunicorn import Gunicorn, wait_for
from support.server import free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.faults]

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
CLIENTS = 32
VOTERS = 48
HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
)


def documented_configuration(certificate: Path, port: int, app1: str, app2: str) -> str:
    """The HAProxy configuration of docs/deployment.md, with this test's addresses."""
    blocks = re.findall(r"```haproxy\n(.*?)```", DEPLOYMENT.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/deployment.md should show one HAProxy configuration"
    text = blocks[0]
    for old, new in (
        ("bind :443 ssl crt /etc/haproxy/asamblea.pem", f"bind 127.0.0.1:{port} ssl crt {certificate}"),
        ("10.0.0.11:8000", app1),
        ("10.0.0.12:8000", app2),
    ):  # fmt: skip
        assert text.count(old) == 1, f"docs/deployment.md's configuration lost {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def balancer(stand: Stand) -> Iterator[tuple[str, list[Gunicorn]]]:
    """HAProxy (the documented configuration, TLS with a throw-away certificate) in front
    of two new gunicorn servers of the stand: (its https URL, the two servers)."""
    if HAPROXY is None:
        pytest.skip("HAProxy is not installed (Debian: apt-get install haproxy; .ci/run does)")
    folder = stand.folder / f"haproxy-{free_port()}"
    folder.mkdir()
    key, certificate = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    bundle = folder / "asamblea.pem"
    bundle.write_bytes(certificate.read_bytes() + key.read_bytes())
    servers = stand.serve(2, workers=2, PROXY_COUNT="1")
    port = free_port()
    config = folder / "haproxy.cfg"
    config.write_text(
        documented_configuration(
            bundle, port, f"127.0.0.1:{servers[0].port}", f"127.0.0.1:{servers[1].port}"
        )
    )
    checked = subprocess.run(
        [HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    log = folder / "haproxy.log"
    with log.open("wb") as out:
        proxy = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"https://127.0.0.1:{port}"
    probe = VoterClient("probe", "")

    def answers() -> bool:
        assert proxy.poll() is None, log.read_text()
        try:
            return probe.request(url, "GET", "/healthz")[0] == 200
        except Exception:  # not yet listening
            return False

    try:
        wait_for(answers, PATIENCE, "HAProxy to answer")
        yield url, servers
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        for server in servers:
            server.stop()
            stand.servers.remove(server)


def _server_holding(stand: Stand, servers: list[Gunicorn], session_row: str) -> Gunicorn:
    """The app server whose worker's database connection waits at `session_row`'s lock."""
    ports = {
        int(port)
        for (port,) in stand.query(
            "SELECT client_port FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query ILIKE %s",
            ["%django_session%"],
        )
    }
    assert len(ports) == 1, ports
    (port,) = ports
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            inode = fields[9]
    assert inode, f"no socket on port {port}"
    for server in servers:
        for worker in server.workers():
            with contextlib.suppress(FileNotFoundError, PermissionError):
                for fd in Path(f"/proc/{worker}/fd").iterdir():
                    with contextlib.suppress(FileNotFoundError):
                        if os.readlink(fd) == f"socket:[{inode}]":
                            return server
    pytest.fail(f"no app server holds the connection from port {port}")


def test_an_app_server_killed_mid_cast_behind_haproxy_loses_nothing(
    stand: Stand, balancer: tuple[str, list[Gunicorn]]
) -> None:
    url, servers = balancer
    vote = stand.seed("balanced", VOTERS)
    names = sorted(vote.sessions)
    caught, others = names[0], names[1:]
    voter = VoterClient(caught, vote.sessions[caught])
    form = voter.ballot_form(url, vote, vote.candidates[:2])
    tally = Tally()
    problems: list[BaseException] = []
    with psycopg.connect(stand.cluster.url) as lock:
        # The caught voter's session row locked: their answer cannot be finished.
        lock.execute(
            "SELECT 1 FROM django_session WHERE session_key = %s FOR UPDATE",
            [stored_key(vote.sessions[caught])],
        )

        def caught_cast() -> None:
            try:
                voter.cast(url, vote, vote.candidates[:2], tally, fields=form)
            except BaseException as problem:  # reported below
                problems.append(problem)

        def everyone_else() -> None:
            rest = dataclasses.replace(vote, sessions={n: vote.sessions[n] for n in others})
            try:
                cast_all([url], rest, tally, clients=CLIENTS - 1)
            except BaseException as problem:  # reported below
                problems.append(problem)

        threads = [
            threading.Thread(target=target, daemon=True) for target in (caught_cast, everyone_else)
        ]
        for thread in threads:
            thread.start()
        wait_for(
            lambda: stand.waiting_on_a_lock("django_session") == 1 and tally.receipts >= 8,
            PATIENCE,
            "the caught cast to wait at its session, and others to be cast",
            detail=stand.activity,
        )
        casts = stand.scalar(
            "SELECT count(*) FROM elections_votecast WHERE election_id = %s", [vote.election]
        )
        assert casts > tally.receipts  # the caught voter's cast is committed, unanswered
        victim = _server_holding(stand, servers, stored_key(vote.sessions[caught]))
        workers = victim.workers()
        victim.process.send_signal(signal.SIGKILL)
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()
        victim.process.wait(timeout=30)
        lock.rollback()
    caught_in = wait_for(
        lambda: caught in tally.trackers or bool(problems), PATIENCE, "the caught voter's receipt"
    )
    for thread in threads:
        thread.join(PATIENCE + 60)
    assert not problems, problems[0]
    everyone_in = time.monotonic() - killed
    assert tally.receipts == VOTERS
    assert tally.lost_answers >= 1 and tally.resent_receipts >= 1
    rows = stand.check(vote, tally, closed=False)
    assert rows["ballots"] == VOTERS
    record_figures(
        f"one of two app servers behind HAProxy SIGKILLed mid-cast ({CLIENTS} clients)",
        tally,
        rows,
        f"the lost answer's receipt {caught_in:.1f} s after the kill (same form re-sent), "
        f"every voter's in {everyone_in:.1f} s",
    )
