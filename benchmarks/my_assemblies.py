"""Benchmark: "Mis asambleas" (/me/) on the full Peru demo: queries per request and the
time of a request at the p50 and p99, for a member of several bodies (issue 10).

    .venv/bin/python benchmarks/my_assemblies.py [--requests 500] \
        [--pg postgres://postgres@127.0.0.1:5432/postgres | --sqlite] [--keep]

What it does:

1. Creates a throw-away database (PostgreSQL by default, dropped at the end; or a
   SQLite file in a temporary folder) and migrates it.
2. Loads the demo as `asamblea demo` does, through the real services: the Peru
   template (every region and province, the demo provinces' districts as base
   assemblies, sector bases, hundreds of members), the elections held at every tier
   with one still open, the national motion with mandates, a referendum under way and
   a call to action. Not timed.
3. For three demo logins - `socio-sutep-huamanga-1` (a member of a sector base and a
   district, delegate in councils up to the national assembly), a plain member of
   the base with the open election, and the officer of a base - counts the queries of
   one GET /me/ (and of each provider of asamblea.hooks.member_agenda), then times
   `--requests` GETs after 20 of warm-up: the whole request in-process through
   Django's test client (middleware, session, the page's queries and its template;
   no network, no web server), one after another.

Figures go into RESULTS.md with the date and the command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "asamblea_bench_my_assemblies"
LOGINS = {
    "member of several bodies": "socio-sutep-huamanga-1",
    "member with the open election": None,  # found from the demo
    "officer of a base": "oficial-sutep-huamanga",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    data_dir = tempfile.mkdtemp(prefix="asamblea-bench-")
    os.environ["ASAMBLEA_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "asamblea.settings"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        run(args, "SQLite")
        return
    import psycopg

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
    from django.test.utils import CaptureQueriesContext

    from asamblea import hooks
    from asamblea.deliberation.demo import load_deliberation_demo
    from asamblea.elections.demo import OPEN_LOGINS, load_elections_demo
    from asamblea.federation import agenda
    from asamblea.federation.demo import load_demo
    from asamblea.federation.models import Body

    print(f'"Mis asambleas" on the Peru demo, {engine}', flush=True)
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()
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
        member = agenda.member_of(user)
        items = agenda.agenda(member)
        with CaptureQueriesContext(connection) as loading:
            agenda.member_of(user)
        per_provider = {}
        for name, provider in hooks.member_agenda.named():
            with CaptureQueriesContext(connection) as queries:
                provider(member)
            per_provider[name] = len(queries)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        with CaptureQueriesContext(connection) as page:
            response = client.get("/me/")
        assert response.status_code == 200, response.status_code
        for _ in range(20):
            client.get("/me/")
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            client.get("/me/")
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"\n  {label} ({username}): {len(member.body_ids)} bodies as member, "
            f"{len(member.officer_of)} as officer, {len(items)} items waiting",
            flush=True,
        )
        print(
            f"    queries per request: {len(page)} "
            f"(roles {len(loading)}, providers {per_provider})",
            flush=True,
        )
        print(
            f"    {args.requests} requests: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {times[-1]:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
