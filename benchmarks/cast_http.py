"""Benchmark: ballot casts per second over HTTP on PostgreSQL (or SQLite), under
gunicorn with several workers, next to the same server's throughput on its simplest page.

    .venv/bin/python benchmarks/cast_http.py [--workers 4] [--threads 1] [--connections 32]
        [--duration 10] [--voters 6000] [--pg postgres://postgres@127.0.0.1:5432/postgres]
        [--sqlite] [--unsealed]

What it does, in order:

1. Creates a throw-away PostgreSQL database (dropped at the end) and a temporary
   data folder; `asamblea migrate`. With `--sqlite` there is no DATABASE_URL: the
   app's own SQLite file in the temporary data folder (WAL, IMMEDIATE transactions,
   as settings.py configures it), so every cast waits for the one write lock.
2. Imports the Peru template with the districts of Huamanga as base assemblies
   (the real importer) and gives one district `--voters` verified members with
   logins. SYNTHETIC DATA, BULK INSERTED: the users, people and memberships are
   written with bulk inserts (this benchmark measures casting, not joining).
   The election itself goes through the services: `do_open_election`,
   candidates `do_stand`, `do_open_voting` (the roll of every voter is frozen).
3. Gives every voter a logged-in session, as the login would (session rows under
   the hash of their key, as `asamblea.web.sessions` stores them, with the auth
   keys and the last-seen time), a CSRF cookie, and one one-time form token in the
   session, as opening the ballot page does; then writes one POST per voter:
   the ballot form with a random ranking of the 6 candidates.
4. Starts `gunicorn asamblea.wsgi:application -w N` (sync workers; `--threads T`
   > 1 uses gthread workers) and drives it with `wrk` (Debian package `wrk`):
   - the simplest page, `GET /accounts/login/` (a template and a CSRF token, no
     database), and the home page `GET /` (the list of federations: a few queries);
   - the ballot page, `GET /f/<fed>/e/<id>/ballot/`, logged in (a rotating set
     of voters kept apart for this; each view writes their session);
   - the cast, `POST` of the ballot form, each request a different voter
     (one person, one ballot: a voter is never reused). Each cast is the full
     request path: session, CSRF check, one-time token, `do_cast_ballot` (roll
     and eligibility checks, VoteCast and Ballot rows), the receipt page.
   Requests per second, p50 and p99 latency from wrk's own histogram, `--duration`
   seconds each after a warm-up.
   The election is sealed (every election is: docs/elections.md), so each cast
   also encrypts the ranking on the server and proves it (about 0.3 ms of CPU for
   6 candidates); `--unsealed` drops the election's key after the opening, as an
   election opened before sealing, to measure the same casts without encryption.
   While the casts run, the CPU time of the gunicorn workers and of the PostgreSQL
   backends serving them is read from /proc: CPU per cast is the figure that holds
   on a machine shared with other work, where casts/s moves with everyone's load.
5. Checks that the casts were all taken: the database holds as many VoteCast and
   Ballot rows as wrk saw 200 answers, and no answer was an error.

wrk runs on the same machine as gunicorn and PostgreSQL and takes some of the
CPU; its Lua script picks a pre-built request per call (no parsing in the loop).
Latency is wrk's (closed loop: each connection sends its next request when the
last one is answered), so p99 is the latency at saturation, not at a set rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CANDIDATES = 6
GET_VOTERS = 1000  # voters kept for the ballot-page GET run, never for casting

DONE_LUA = r"""
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.status, errors,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""

# Each wrk thread reads its share of the pre-built POSTs and sends each once (GETs:
# every thread takes every line and cycles through them).
REQUESTS_LUA = (
    r"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local prepared = {}
local next_one = 0
local method = "POST"
function init(args)
  local path, threads = args[1], tonumber(args[2])
  method = args[3] or "POST"
  local target, i = nil, 0
  for line in io.lines(path) do
    if i == 0 then
      target = line
    elseif method == "GET" or (i - 1) % threads == id then
      local cookie, body = line:match("^(%S+) ?(%S*)$")
      table.insert(prepared, {cookie = cookie, body = body})
    end
    i = i + 1
  end
  wrk.path = target
end

function request()
  next_one = next_one + 1
  local item = prepared[((next_one - 1) % #prepared) + 1]
  if method == "POST" then
    return wrk.format("POST", wrk.path, {
      ["Cookie"] = item.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, item.body)
  end
  return wrk.format("GET", wrk.path, {["Cookie"] = item.cookie})
end
"""
    + DONE_LUA
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str | None]:
    if server_url is None:  # SQLite: the data folder's own file, removed with it
        yield None
        return
    import psycopg

    name = f"asamblea_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up(voters: int, out_dir: Path, *, sealed: bool = True) -> dict[str, Any]:
    """Federation, voters, open election, sessions; writes the wrk request files."""
    from asamblea.cli import _django

    _django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from asamblea.elections import services
    from asamblea.federation.importing import do_import_federation
    from asamblea.federation.models import Body, Delegation, Membership, Officer, Person
    from asamblea.federation.peru import peru_spec
    from asamblea.federation.services import do_recompute_seats
    from asamblea.web.once import SESSION_KEY as ONCE_KEY
    from asamblea.web.once import token_digest
    from asamblea.web.sessions import LAST_SEEN, SessionStore, stored_key

    user_model = get_user_model()
    with transaction.atomic():
        federation = do_import_federation(peru_spec({"0501"}), path="benchmark")
        base = Body.objects.get(federation=federation, slug="distrito-050101-ayacucho")
        officer = user_model.objects.create(username="officer", password=make_password(None))
        Officer.objects.create(user=officer, body=base)
        # SYNTHETIC DATA, BULK INSERTED (see the module docstring).
        now = timezone.now()
        unusable = make_password(None)
        users = user_model.objects.bulk_create(
            [user_model(username=f"voter-{n:07d}", password=unusable) for n in range(voters)],
            batch_size=5000,
        )
        people = Person.objects.bulk_create(
            [
                Person(federation=federation, full_name=f"Voter {n}", user=u)
                for n, u in enumerate(users)
            ],
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    person=p,
                    body=base,
                    sector=base.sector,
                    status=Membership.Status.VERIFIED,
                    decided_at=now,
                )
                for p in people
            ],
            batch_size=5000,
        )
        do_recompute_seats(federation)
        election = services.do_open_election(
            officer,
            base,
            delegation=Delegation.objects.get(source=base),
            seats=3,
            nominations_close_at=now + timedelta(hours=1),
            voting_opens_at=now + timedelta(hours=1),
            voting_closes_at=now + timedelta(hours=6),
        )
        candidates = [services.do_stand(u, election) for u in users[:CANDIDATES]]
        services.do_open_voting(election)
        if not sealed:
            # As an election opened before sealing existed: plaintext rankings, no encryption.
            from asamblea.ballots.models import BallotKey

            BallotKey.objects.filter(vote_id=election.pk).delete()
    # Sessions as Django's login writes them, plus one form token as the ballot page does.
    rng = random.Random(2026)
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, casts, pages = [], [], []
    for n, user in enumerate(users):
        key = secrets.token_hex(16)
        once = secrets.token_urlsafe(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            ONCE_KEY: [token_digest(once)],  # kept hashed, as the ballot page does
            LAST_SEEN: int(time.time()),
        }
        sessions.append(  # stored under the key's hash, as asamblea.web.sessions does
            Session(
                session_key=stored_key(key),
                session_data=SessionStore().encode(data),
                expire_date=expire,
            )
        )
        csrf = secrets.token_hex(16)  # a 32-character CSRF secret, cookie and form alike
        cookie = f"sessionid={key};csrftoken={csrf}"
        if n < GET_VOTERS:
            pages.append(cookie)
            continue
        ranking = rng.sample(candidates, rng.randint(1, CANDIDATES))
        fields = {"csrfmiddlewaretoken": csrf, "once": once}
        fields.update({f"rank-{c.pk}": str(i) for i, c in enumerate(ranking, start=1)})
        casts.append(f"{cookie} {urllib.parse.urlencode(fields)}")
    Session.objects.bulk_create(sessions, batch_size=5000)
    ballot = f"/f/{federation.slug}/e/{election.pk}/ballot/"
    (out_dir / "casts.txt").write_text("\n".join([ballot, *casts]) + "\n")
    (out_dir / "pages.txt").write_text("\n".join([ballot, *pages]) + "\n")
    (out_dir / "home.txt").write_text("/\nx=1\n")
    (out_dir / "login.txt").write_text("/accounts/login/\nx=1\n")
    from django.db import connection

    connection.close()
    return {"election": election.pk, "casts": len(casts)}


def wrk(
    url: str,
    script: Path,
    requests_file: Path,
    method: str,
    *,
    threads: int,
    connections: int,
    duration: float,
) -> dict[str, Any]:
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
            "--",
            str(requests_file),
            str(threads),
            method,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    line = next(row for row in done.stdout.splitlines() if row.startswith("WRKJSON "))
    figures = json.loads(line.removeprefix("WRKJSON "))
    figures["per_second"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def taken(election: int) -> tuple[int, int, int]:
    """VoteCast rows, Ballot rows, and Ballot rows that are sealed (encrypted)."""
    from asamblea.elections.models import Ballot, VoteCast

    ballots = Ballot.objects.filter(election_id=election)
    return (
        VoteCast.objects.filter(election_id=election).count(),
        ballots.count(),
        ballots.filter(sealed__isnull=False).count(),
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(master: int) -> dict[str, list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving them (not this script's)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    found = {"gunicorn workers": [int(pid) for pid in children], "PostgreSQL backends": []}
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            found["PostgreSQL backends"] = [row[0] for row in cursor.fetchall()]
    return found


def cpu_snapshot(master: int) -> dict[str, dict[int, float]]:
    return {
        name: {pid: cpu_seconds(pid) for pid in pids}
        for name, pids in server_processes(master).items()
    }


def cpu_used(before: dict[str, dict[int, float]], master: int) -> dict[str, float]:
    """CPU seconds the server's processes used since `before` (new ones counted whole)."""
    after = cpu_snapshot(master)
    return {
        name: sum(cpu - before[name].get(pid, 0.0) for pid, cpu in pids.items())
        for name, pids in after.items()
    }


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, workers: int, worker_threads: int
) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        str(BIN / "gunicorn"),
        "asamblea.wsgi:application",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if worker_threads > 1:
        command += ["-k", "gthread", "--threads", str(worker_threads)]
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (gthread if > 1)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (default 10)")
    parser.add_argument("--voters", type=int, default=8000, help="voters (casts available)")
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="the app's SQLite file in a temporary data folder instead of PostgreSQL",
    )
    parser.add_argument(
        "--unsealed",
        action="store_true",
        help="cast plaintext ballots, as in an election opened before sealing (to compare)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    server = None if args.sqlite else args.pg
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(server) as database_url:
        work = Path(tmp)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "ASAMBLEA_DATA_DIR": str(work / "data"),
            "LOG_LEVEL": "WARNING",
        }
        if database_url is not None:
            env["DATABASE_URL"] = database_url
        os.environ.pop("DATABASE_URL", None)
        os.environ.update(env)
        subprocess.run([str(BIN / "asamblea"), "migrate"], env=env, check=True)
        start = time.perf_counter()
        facts = set_up(args.voters, work, sealed=not args.unsealed)
        print(
            f"set-up: {facts['casts']} voters with sessions in {time.perf_counter() - start:.1f} s"
        )
        script = work / "requests.lua"
        script.write_text(REQUESTS_LUA)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        results: dict[str, dict[str, Any]] = {}
        with gunicorn(env, port, args.workers, args.threads) as server:
            common = {"threads": args.wrk_threads, "connections": args.connections}
            # Warm-up: every worker loads the app, templates and connections.
            wrk(url, script, work / "home.txt", "GET", duration=2, **common)
            wrk(url, script, work / "pages.txt", "GET", duration=2, **common)
            results["GET login page (simplest)"] = wrk(
                url, script, work / "login.txt", "GET", duration=args.duration, **common
            )
            results["GET / (home, reads the db)"] = wrk(
                url, script, work / "home.txt", "GET", duration=args.duration, **common
            )
            results["GET ballot page (logged in)"] = wrk(
                url, script, work / "pages.txt", "GET", duration=args.duration, **common
            )
            before = taken(facts["election"])
            cpu_before = cpu_snapshot(server.pid)
            cast = wrk(url, script, work / "casts.txt", "POST", duration=args.duration, **common)
            results["POST ballot (cast)"] = cast
            time.sleep(2)  # casts in flight when wrk stopped finish (uncounted by wrk)
            after = taken(facts["election"])
            cpu = cpu_used(cpu_before, server.pid)
        from django.db import connection

        connection.close()
    casts = after[0] - before[0]
    load = os.getloadavg()
    print(
        f"gunicorn -w {args.workers}"
        + (f" -k gthread --threads {args.threads}" if args.threads > 1 else " (sync workers)")
        + f"; wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s; "
        + ("SQLite; " if args.sqlite else "PostgreSQL; ")
        + ("plaintext " if args.unsealed else "sealed (encrypted on the server) ")
        + f"ballots; {os.cpu_count()} CPUs; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for name, figures in results.items():
        print(
            f"{name:<30} {figures['per_second']:8.1f} {figures['p50_us'] / 1000:8.1f} "
            f"{figures['p99_us'] / 1000:8.1f} {figures['requests']:9d} "
            f"{figures['non_2xx_3xx'] + figures['socket_errors']:7d}"
        )
    print(
        f"casts taken by the database: {casts} VoteCast and {after[1] - before[1]} Ballot rows "
        f"({after[2] - before[2]} of them sealed) for {cast['requests']} POSTs answered"
    )
    if casts:
        # CPU per cast is steadier than casts/s on a machine shared with other work.
        print(
            "server CPU per cast: "
            + ", ".join(f"{name} {seconds * 1000 / casts:.1f} ms" for name, seconds in cpu.items())
            + f" (total {sum(cpu.values()) * 1000 / casts:.1f} ms; wrk and this script not counted)"
        )
    if cast["requests"] > facts["casts"]:
        print("WARNING: more POSTs than voters: some were repeats (409); raise --voters")
    answered = cast["requests"] - cast["non_2xx_3xx"]
    # wrk stops with up to one request per connection in flight: those are cast, not counted.
    sealed_as_asked = after[2] - before[2] == (0 if args.unsealed else after[1] - before[1])
    if (
        cast["non_2xx_3xx"]
        or not answered <= casts <= answered + args.connections
        or not sealed_as_asked
    ):
        raise SystemExit("some casts were refused or lost: the figures above are not valid")


if __name__ == "__main__":
    main()
