"""Benchmark: "Mis asambleas" (/me/) on the full Peru demo: queries per request and the
time of a request at the p50 and p99, for a member of several bodies (issue 10).

    .venv/bin/python benchmarks/my_assemblies.py [--requests 500] \
        [--pg postgres://postgres@127.0.0.1:5432/postgres | --sqlite] [--keep] [--reuse]

What it does:

1. Creates a throw-away database (PostgreSQL by default, dropped at the end; or a
   SQLite file in a temporary folder) and migrates it.
2. Loads the demo as `asamblea demo` does, through the real services: the Peru
   template (every region and province, the demo provinces' districts as base
   assemblies, sector bases, hundreds of members), the elections held at every tier
   with one still open, the national motion with mandates, a referendum under way and
   a call to action. Not timed.
3. For three demo logins - `miembro-sutep-huamanga-1` (a member of a sector base and a
   district, delegate in councils up to the national assembly), a plain member of
   the base with the open election, and the officer of a base - counts the queries of
   one GET /me/ (and of each provider of asamblea.hooks.member_agenda), then times
   `--requests` GETs after 20 of warm-up: the whole request in-process through
   Django's test client (middleware, session, the page's queries and its template;
   no network, no web server), one after another, each followed by a GET of the
   login form (no query of its own) as the machine's own yardstick.

Figures go into RESULTS.md with the date and the command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "asamblea_bench_my_assemblies"
LOGINS = {
    "member of several bodies": "miembro-sutep-huamanga-1",
    "member with the open election": None,  # found from the demo
    "officer of a base": "dirigente-sutep-huamanga",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left (PostgreSQL)"
    )
    parser.add_argument(
        "--data-dir", help="the data folder (its keys): give a --keep run's to --reuse it"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="asamblea-bench-")
    print(f"data folder (keys): {data_dir}", flush=True)
    os.environ["ASAMBLEA_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "asamblea.settings"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        run(args, "SQLite")
        return
    import psycopg

    if not args.reuse:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + DB_NAME
    try:
        run(args, "PostgreSQL")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def run(args: argparse.Namespace, engine: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from asamblea import hooks
    from asamblea.deliberation.demo import load_deliberation_demo
    from asamblea.elections.demo import OPEN_LOGINS, load_elections_demo
    from asamblea.federation import agenda
    from asamblea.federation.demo import load_demo
    from asamblea.federation.models import Body

    print(f'"Mis asambleas" on the Peru demo, {engine}', flush=True)
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()  # each loader does nothing when its part is there already (--reuse)
    load_elections_demo()
    load_deliberation_demo()
    print(
        f"  set-up (migrate and the demo, not measured): {time.perf_counter() - start:.0f} s; "
        f"{Body.objects.count()} bodies",
        flush=True,
    )
    users = get_user_model().objects
    logins = dict(LOGINS)
    logins["member with the open election"] = OPEN_LOGINS[-1]
    for label, username in logins.items():
        user = users.get(username=username)
        with counted(connection) as loading:
            member = agenda.member_of(user)
        items = agenda.agenda(member)
        per_provider = {}
        for name, provider in hooks.member_agenda.named():
            with counted(connection) as queries:
                provider(member)
            per_provider[name] = queries[0]
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        with counted(connection) as page:
            response = client.get("/me/")
        assert response.status_code == 200, response.status_code
        print(
            f"\n  {label} ({username}): {len(member.body_ids)} bodies as member, "
            f"{len(member.officer_of)} as officer, {len(items)} items waiting",
            flush=True,
        )
        print(
            f"    queries per request: {page[0]} (roles {loading[0]}, providers {per_provider})",
            flush=True,
        )
        # Interleaved with a page that reads nothing (the login form, through the same
        # middleware), so that a busy machine shows in both figures alike.
        for path in ("/me/", "/accounts/login/"):
            for _ in range(20):
                client.get(path)
        times: dict[str, list[float]] = {"/me/": [], "/accounts/login/": []}
        for _ in range(args.requests):
            for path, kept in times.items():
                began = time.perf_counter()
                client.get(path)
                kept.append((time.perf_counter() - began) * 1000)
        for path, kept in times.items():
            kept.sort()
            p99 = kept[min(len(kept) - 1, int(len(kept) * 0.99))]
            print(
                f"    GET {path:<17} {args.requests} requests: p50 "
                f"{statistics.median(kept):6.1f} ms, p99 {p99:6.1f} ms",
                flush=True,
            )
    print(f"\n  load average during the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


@contextmanager
def counted(connection: Any) -> Iterator[list[int]]:
    """Count the SQL statements run inside the block: `with counted(c) as n: ...; n[0]`."""
    found = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        found[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield found


if __name__ == "__main__":
    main()
