"""The fault suite's test stand: a PostgreSQL cluster of its own (so it may be stopped,
crashed or filled), gunicorn app servers and `asamblea worker` processes, voters who
cast over HTTP, and the checks made after every fault.

A voter's client behaves as a phone does: a post that got no answer (the connection
cut) or a 503 is sent again as it was, the same form, until a receipt comes back.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

import asamblea
from support.gunicorn import Gunicorn, wait_for
from support.pgcluster import Cluster
from support.server import asamblea_command
from support.voter_http import CSRF, ONCE, TRACKER, Gone, send

TESTS = Path(__file__).resolve().parents[1]
SRC = Path(asamblea.__file__).resolve().parents[1]
# Generous: a busy CI machine with two cores shared by many jobs.
PATIENCE = 180.0


@dataclass
class Vote:
    """An election open for voting, as `support.fault_vote` set it up."""

    federation: str
    election: int
    candidates: list[int]
    sessions: dict[str, str]


@dataclass
class Tally:
    """What the voters' clients sent and got back (thread-safe counts)."""

    requests: int = 0
    receipts: int = 0
    resent_receipts: int = 0
    lost_answers: int = 0
    refused: int = 0
    trackers: dict[str, str] = field(default_factory=dict)  # voter: acknowledged tracker
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class VoterClient:
    """One voter's HTTP client (their session cookie; English pages), to `base` URLs."""

    def __init__(self, username: str, session: str) -> None:
        self.username = username
        self.cookies = {"sessionid": session, "django_language": "en"}

    def request(
        self, base: str, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, str]:
        url = urllib.parse.urlsplit(base)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        connection: http.client.HTTPConnection
        if url.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
            connection = http.client.HTTPSConnection(host, port, timeout=60, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=60)
        # A form carries the Origin a browser sends (CSRF, behind TLS too).
        headers = {} if fields is None else {"Origin": base}
        status, _headers, text = send(connection, method, path, self.cookies, headers, fields)
        return status, text

    def ballot_form(self, base: str, vote: Vote, ranking: Sequence[int]) -> dict[str, str]:
        """The filled-in ballot form, as the page gave it (its one-time token)."""
        status, page = self.request(base, "GET", f"/f/{vote.federation}/e/{vote.election}/ballot/")
        csrf, once = CSRF.search(page), ONCE.search(page)
        assert status == 200 and csrf and once, f"{self.username}: {status}\n{page[:2000]}"
        fields = {"csrfmiddlewaretoken": csrf.group(1), "once": once.group(1)}
        fields.update({f"rank-{pk}": str(n) for n, pk in enumerate(ranking, start=1)})
        return fields

    def cast(
        self,
        base: str,
        vote: Vote,
        ranking: Sequence[int],
        tally: Tally,
        fields: dict[str, str] | None = None,
    ) -> str:
        """Cast until a receipt comes back, re-sending the same form after a lost answer
        or a 503 (as a phone's reload does); the receipt's tracker. `fields`: a form
        already fetched (`ballot_form`)."""
        path = f"/f/{vote.federation}/e/{vote.election}/ballot/"
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if fields is None:
                try:
                    fields = self.ballot_form(base, vote, ranking)
                except (Gone, AssertionError):  # down, or a 5xx while it comes back
                    time.sleep(0.2)
                    continue
            tally.add(requests=1)
            try:
                status, page = self.request(base, "POST", path, fields)
            except Gone:
                tally.add(lost_answers=1)
                time.sleep(0.2)
                continue
            if status in (502, 504):  # a load balancer's word: the app server died on it
                tally.add(lost_answers=1)
                time.sleep(0.2)
                continue
            if status == 503:  # nothing was cast (the database failed): the same form again
                tally.add(refused=1)
                time.sleep(0.2)
                continue
            found = TRACKER.search(page)
            assert status == 200 and found, f"{self.username}: cast {status}\n{page[:3000]}"
            tally.add(receipts=1, resent_receipts=int('id="resent"' in page))
            with tally.lock:
                tally.trackers[self.username] = found.group(1)
            return found.group(1)
        pytest.fail(f"{self.username}: no receipt within {PATIENCE:.0f} s")


def cast_all(
    bases: Sequence[str], vote: Vote, tally: Tally, *, clients: int = 8, voters: int | None = None
) -> None:
    """Every voter of `vote` (or the first `voters`) casts, from `clients` threads at once,
    each voter to `bases[i % len(bases)]`; the test fails if one is left without a receipt."""
    names = sorted(vote.sessions)[:voters]
    queue = list(enumerate(names))
    lock = threading.Lock()
    problems: list[BaseException] = []

    def run() -> None:
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    number, name = queue.pop(0)
                ranking = [vote.candidates[(number + k) % len(vote.candidates)] for k in range(3)]
                client = VoterClient(name, vote.sessions[name])
                client.cast(bases[number % len(bases)], vote, ranking, tally)
        except BaseException as problem:  # reported by the caller's thread
            problems.append(problem)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE + 60)
    assert not problems, problems[0]
    assert not any(thread.is_alive() for thread in threads), "voters still casting"


class Stand:
    """A migrated database on a cluster of its own, and the app's processes on it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cluster = Cluster()
        self.servers: list[Gunicorn] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.env: dict[str, str] = {}

    def start(self, **env: str) -> Stand:
        self.cluster.start()
        self.cluster.create_database()
        data = self.folder / "var"
        data.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "ASAMBLEA_DATA_DIR": str(data),
            "DATABASE_URL": self.cluster.url,
            # The code under test, wherever it is (a work tree's src/ before the installed one).
            "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)]),
            # Its elections open at once, in server mode, as the suite's (tests/conftest.py).
            "ELECTION_KEY_MODE": "server",
            **env,
        }
        self.run("migrate")
        return self

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [asamblea_command(), *args], env=self.env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"asamblea {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def seed(self, slug: str, voters: int) -> Vote:
        """A federation `slug` with an election open for voting and `voters` voters."""
        (vote,) = self.seed_many([slug], voters)
        return vote

    def seed_many(self, slugs: Sequence[str], voters: int) -> list[Vote]:
        """`seed` for each of `slugs`, in one process."""
        done = subprocess.run(
            [sys.executable, "-m", "support.fault_vote", str(voters), *slugs],
            env=self.env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [Vote(**facts) for facts in json.loads(done.stdout.strip().splitlines()[-1])]

    def serve(self, count: int = 1, workers: int = 2, **env: str) -> list[Gunicorn]:
        """`count` more gunicorn servers (with `env` added to the stand's), answering."""
        new = [
            Gunicorn(
                {**self.env, **env},
                self.folder / f"gunicorn-{len(self.servers) + n}.log",
                workers,
            )
            for n in range(count)
        ]
        self.servers += new
        for server in new:
            wait_for(server.answers, PATIENCE, "gunicorn to answer")
        return new

    def worker(self) -> subprocess.Popen[bytes]:
        """`asamblea worker`, a tick a second, its output in the stand's folder."""
        log = self.folder / f"worker-{len(self.workers)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [asamblea_command(), "worker", "--tick-seconds", "1"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.workers.append(process)
        return process

    def worker_logs(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.folder.glob("worker-*.log"))
        )

    def stop_workers(self) -> None:
        """Every worker started so far, stopped (SIGTERM, as a supervisor does)."""
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.stop_workers()
        self.cluster.remove()

    # ------------------------------------------------------------- the database, read

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.cluster.url, autocommit=True, connect_timeout=10) as db:
            cursor = db.execute(sql, params)  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.query(sql, params)[0][0]

    def reachable(self) -> bool:
        try:
            self.scalar("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def status(self, election: int) -> str:
        return str(self.scalar("SELECT status FROM elections_election WHERE id = %s", [election]))

    def make_due(self, *elections: int) -> None:
        """The vote's window ends now (as the clock would have it): the next tick closes it."""
        with psycopg.connect(self.cluster.url, autocommit=True) as db:
            for election in elections:
                db.execute(
                    "UPDATE elections_election SET nominations_close_at = roll_frozen_at, "
                    "voting_opens_at = roll_frozen_at, voting_closes_at = now() WHERE id = %s",
                    [election],
                )

    def waiting_on_a_lock(self, table: str = "") -> int:
        """Backends waiting on a lock (whose statement names `table`, if given)."""
        return int(
            self.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE %s",
                [f"%{table}%"],
            )
        )

    def activity(self) -> str:
        """What every other backend is doing, for a failure's message."""
        rows = self.query(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 120) "
            "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname IS NOT NULL"
        )
        return "\n".join(" | ".join(str(cell) for cell in row) for row in rows)

    @contextlib.contextmanager
    def record_held(self, federation: str) -> Iterator[psycopg.Connection[Any]]:
        """The federation's record locked (its tree state's row, FOR UPDATE) until the
        block ends: a close waits there, at its very end, its ballots reshuffled and its
        count made but nothing committed. The connection, to roll back earlier."""
        db = psycopg.connect(self.cluster.url)
        try:
            row = db.execute(
                "SELECT 1 FROM record_treestate t JOIN federation_federation f "
                "ON f.id = t.federation_id WHERE f.slug = %s FOR UPDATE OF t",
                [federation],
            ).fetchone()
            assert row, f"no record yet for {federation}"
            yield db
        finally:
            with contextlib.suppress(psycopg.Error):
                db.rollback()
            with contextlib.suppress(psycopg.Error):
                db.close()

    # ------------------------------------------------------------- the checks

    def check(self, vote: Vote, tally: Tally, *, closed: bool) -> dict[str, int]:
        """Every acknowledged ballot stored once, a cast for each ballot and none without,
        and, once closed, the close published once and the record verifying."""
        casts = self.scalar(
            "SELECT count(*) FROM elections_votecast WHERE election_id = %s", [vote.election]
        )
        stored = [
            row[0]
            for row in self.query(
                "SELECT tracker FROM elections_ballot WHERE election_id = %s", [vote.election]
            )
        ]
        assert casts == len(stored), f"{casts} casts but {len(stored)} ballots"
        assert len(stored) == len(set(stored)), "a ballot stored twice"
        acknowledged = set(tally.trackers.values())
        assert acknowledged <= set(stored), "an acknowledged ballot is missing"
        assert len(stored) == len(tally.trackers), "a ballot stored that no voter cast"
        entries = {
            kind: int(count)
            for kind, count in self.query(
                "SELECT type, count(*) FROM record_entry "
                "WHERE payload::jsonb ->> 'election' = %s GROUP BY type",
                [str(vote.election)],
            )
        }
        if not closed:
            assert self.status(vote.election) == "voting"
            assert entries.get("election.closed", 0) == 0
            return {"casts": casts, "ballots": len(stored)}
        assert self.status(vote.election) == "closed"
        assert entries.get("election.closed") == 1, entries
        assert entries.get("election.counted") == 1, entries
        published = {
            row[0]
            for row in self.query(
                "SELECT payload::jsonb ->> 'tracker' FROM record_entry "
                "WHERE type = 'ballot.tracker' AND payload::jsonb ->> 'election' = %s",
                [str(vote.election)],
            )
        }
        assert entries.get("ballot.tracker") == len(published) == len(stored)
        assert published == set(stored), "the published trackers are not the stored ballots"
        result = self.scalar("SELECT result FROM elections_election WHERE id = %s", [vote.election])
        assert result["casts"] == casts == result["papers"]
        export = self.folder / f"record-{vote.federation}.jsonl"
        self.run("record", "export", str(export), "--federation", vote.federation)
        verified = json.loads(self.run("record", "verify", str(export), "--json"))
        assert verified["ok"], verified
        return {"casts": casts, "ballots": len(stored), "record_entries": verified["entries"]}


FIGURES = "faults.jsonl"


def figures_file() -> Path:
    """Where the fault tests write their figures for the run's table (see tests/conftest.py)."""
    return Path(os.environ.get("ASAMBLEA_DATA_DIR", "var")) / FIGURES


def record_figures(fault: str, tally: Tally, rows: dict[str, int], recovery: str) -> None:
    """One row of the fault table: the fault, requests sent, receipts, rows, recovery."""
    line = {
        "fault": fault,
        "requests": tally.requests,
        "receipts": tally.receipts,
        "lost": tally.lost_answers,
        "refused": tally.refused,
        "rows": rows.get("ballots", 0),
        "recovery": recovery,
    }
    path = figures_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    print(line)
