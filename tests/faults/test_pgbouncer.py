"""The app and the worker through PgBouncer in transaction mode (issue 15): ballots cast
from 16 clients, the election closed by the worker, every acknowledged ballot stored
once and the record verifying.

PgBouncer runs the configuration printed in docs/deployment.md, read from there: only
the addresses, the user list's path and the pool's size are put in (each exactly once,
so the page and the test cannot drift apart), and the test adds an admin user for SHOW
and no Unix socket. The pool is made small (2 server connections for the 4 app
workers' and the worker's client connections), so transactions of different clients
take turns on the same server connections: any state kept on a connection between
transactions (a cursor, a prepared statement, a lock, a setting) would be lost or
cross to another client.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from support.faultstand import PATIENCE, Stand, Tally, cast_all, record_figures
from support.gunicorn import wait_for
from support.server import asamblea_command, free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.faults]

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
CLIENTS = 16
VOTERS = 40
POOL = 2
PASSWORD = "bouncer-test"  # a throw-away cluster's
PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)


def documented_configuration(server_port: int, port: int, users: Path) -> str:
    """The PgBouncer configuration of docs/deployment.md, with this test's addresses."""
    blocks = [
        block
        for block in re.findall(r"```ini\n(.*?)```", DEPLOYMENT.read_text(encoding="utf-8"), re.S)
        if "[pgbouncer]" in block
    ]
    assert len(blocks) == 1, "docs/deployment.md should show one PgBouncer configuration"
    text = blocks[0]
    for old, new in (
        ("host=10.0.0.20 port=5432", f"host=127.0.0.1 port={server_port}"),
        ("listen_addr = 10.0.0.10", "listen_addr = 127.0.0.1"),
        ("listen_port = 6432", f"listen_port = {port}"),
        ("/etc/pgbouncer/userlist.txt", str(users)),
        ("default_pool_size = 20", f"default_pool_size = {POOL}"),
    ):
        assert text.count(old) == 1, f"docs/deployment.md's configuration lost {old!r}"
        text = text.replace(old, new)
    assert "pool_mode = transaction" in text
    # The test's own: the admin console for SHOW, and no Unix socket in a shared folder.
    return text + "admin_users = asamblea\nunix_socket_dir =\n"


@pytest.fixture
def bouncer(stand: Stand) -> Iterator[str]:
    """PgBouncer (the documented configuration) in front of the stand's cluster: the
    DATABASE_URL that goes through it."""
    if PGBOUNCER is None:
        pytest.skip("PgBouncer is not installed (Debian: apt-get install pgbouncer; .ci/run does)")
    # The role of the documentation's configuration, with a password (PgBouncer checks it
    # with SCRAM; the cluster behind trusts its local connections).
    stand.query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'asamblea') THEN "
        f"CREATE ROLE asamblea LOGIN SUPERUSER PASSWORD '{PASSWORD}'; END IF; END $$"
    )
    # PgBouncer refuses to run as root: as the cluster's owner, in a folder it can read.
    folder = Path(tempfile.mkdtemp(prefix="asamblea-pgbouncer-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    users = folder / "userlist.txt"
    users.write_text(f'"asamblea" "{PASSWORD}"\n')
    port = free_port()
    config = folder / "pgbouncer.ini"
    config.write_text(documented_configuration(stand.cluster.port, port, users))
    for path in (users, config):
        path.chmod(0o644)
    log = folder / "pgbouncer.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*prefix, PGBOUNCER, str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"postgres://asamblea:{PASSWORD}@127.0.0.1:{port}/asamblea"

    def answers() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            with psycopg.connect(url, connect_timeout=5) as db:
                return db.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    try:
        wait_for(answers, PATIENCE, "PgBouncer to answer")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        print(log.read_text(errors="replace")[-3000:])
        shutil.rmtree(folder, ignore_errors=True)


def admin(url: str, command: str) -> list[dict[str, object]]:
    """PgBouncer's admin console's answer to `command` (SHOW …), row by row. The console
    speaks the simple query protocol only: a client-side cursor."""
    console = re.sub(r"/asamblea$", "/pgbouncer", url)
    with psycopg.connect(console, autocommit=True, cursor_factory=psycopg.ClientCursor) as db:
        cursor = db.execute(command)
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_cast_and_close_through_pgbouncer_in_transaction_mode(stand: Stand, bouncer: str) -> None:
    pooled = {"DATABASE_URL": bouncer, "ASAMBLEA_DB_POOLER": "transaction"}
    vote = stand.seed("pooled", VOTERS)
    (server,) = stand.serve(1, workers=4, **pooled)
    tally = Tally()
    try:
        cast_all([server.url], vote, tally, clients=CLIENTS)
        assert tally.receipts == VOTERS
        stand.check(vote, tally, closed=False)

        # The close, by a worker connected through PgBouncer too.
        log = stand.folder / f"worker-{len(stand.workers)}.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [asamblea_command(), "worker", "--tick-seconds", "1"],
                env={**stand.env, **pooled}, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        stand.workers.append(worker)
        stand.make_due(vote.election)
        closed_in = wait_for(
            lambda: stand.status(vote.election) == "closed",
            PATIENCE,
            "the worker to close the election through PgBouncer",
            detail=stand.worker_logs,
        )
        rows = stand.check(vote, tally, closed=True)

        # The record exported and verified through PgBouncer as well.
        export = stand.folder / "record-pooled-through-pgbouncer.jsonl"
        for args in (
            ["record", "export", str(export), "--federation", vote.federation],
            ["record", "verify", str(export)],
        ):
            done = subprocess.run(
                [asamblea_command(), *args], env={**stand.env, **pooled},
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"asamblea {' '.join(args)}:\n{done.stdout}{done.stderr}"

        # It went through PgBouncer, many clients taking turns on at most POOL servers.
        clients = [row for row in admin(bouncer, "SHOW CLIENTS") if row["database"] == "asamblea"]
        servers = [row for row in admin(bouncer, "SHOW SERVERS") if row["database"] == "asamblea"]
        (stats,) = [row for row in admin(bouncer, "SHOW STATS") if row["database"] == "asamblea"]
        assert len(servers) <= POOL < len(clients), (clients, servers)
        assert int(str(stats["total_xact_count"])) > VOTERS, stats
    finally:
        stand.servers.remove(server)
        server.stop()
    record_figures(
        f"PgBouncer in transaction mode ({POOL} server connections; {CLIENTS} clients, "
        "4 app workers, the worker)",
        tally,
        rows,
        f"closed {closed_in:.1f} s after due; {int(str(stats['total_xact_count']))} "
        f"transactions on {len(servers)} server connections for {len(clients)} clients",
    )


# A queryset's iterator() outside a transaction, as the worker's notice fan-out reads its
# recipients between its batches' transactions: its first rows read, then another client
# takes that server connection (a transaction left open), then the rest read.
ITERATE = """
import django, psycopg, sys
django.setup()
from django.contrib.contenttypes.models import ContentType
rows = ContentType.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=1)
first = next(rows)
other = psycopg.connect(sys.argv[1])
other.execute("SELECT 1")  # a transaction now holds the server connection the cursor is on
rest = list(rows)
other.rollback()
print(1 + len(rest))
"""


@pytest.mark.parametrize("pooler", ["", "transaction"])
def test_an_iterator_outside_a_transaction_needs_the_pooler_setting(
    stand: Stand, bouncer: str, pooler: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ITERATE, bouncer],
        env={
            **stand.env,
            "DATABASE_URL": bouncer,
            "ASAMBLEA_DB_POOLER": pooler,
            "DJANGO_SETTINGS_MODULE": "asamblea.settings",
        },
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    expected = stand.scalar("SELECT count(*) FROM django_content_type")
    if pooler == "transaction":
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.strip().splitlines()[-1]) == expected
    else:
        # Django's server-side cursor stayed on the other server connection.
        assert done.returncode != 0, done.stdout
        assert re.search(r'cursor "[^"]+" does not exist', done.stderr), done.stderr[-3000:]
