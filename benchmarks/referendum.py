"""Benchmark: a referendum of 1,000,000 members across Peru, counted per member and
broken down per body, on PostgreSQL (issue 6: under 30 s).

Builds a fresh database (dropped at the end unless --keep):

1. the Peru template with all 1,891 districts as base assemblies (the real importer);
2. N synthetic verified members spread over the districts by their 2025 population,
   5% of them also members of a second district (they must count once), written
   with COPY (setting up a million members through the services one by one would
   take hours and is not what is measured);
3. two national delegates elected through real elections (district -> province ->
   region -> national), who table a national motion;
4. the referendum opened through the service (`do_open_referendum`: the roll of
   distinct people frozen with one INSERT ... SELECT) - timed;
5. the votes of a 70% turnout written directly (the roll's "voted" marks and the
   secret ballots, each attributed to the assembly the person voted through: their
   second one for half of the people in two), as the casting service would leave them;
6. timed: `count_referendum` (turnout per assembly, ballots per assembly, the
   pooling of small assemblies and every row down the tree), the tick's rewrite of
   the ballots in tracker order (`do_reshuffle_referendum`), and the whole close
   `do_close_referendum` (rewriting the ballots in tracker order, the count, the
   decision, publishing the trackers and the count on the public record).

The totals are checked against the generated votes. Run:

    .venv/bin/python benchmarks/referendum.py [--members 1000000] \
        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--keep]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "asamblea_bench_referendum"
CHOICES = np.array(["yes", "no", "abstain"])


@contextmanager
def timed(label: str, figures: dict[str, float]):
    start = time.perf_counter()
    yield
    figures[label] = time.perf_counter() - start
    print(f"  {label:<46} {figures[label]:8.2f} s", flush=True)


def copy_rows(cursor: Any, table: str, columns: list[str], rows: Any) -> None:
    """COPY rows (an iterable of tuples) into `table`, in chunks of text."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--turnout", type=float, default=0.7)
    parser.add_argument("--in-two", type=float, default=0.05, help="share in two districts")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    data_dir = tempfile.mkdtemp(prefix="asamblea-bench-")
    os.environ["DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + DB_NAME
    os.environ["ASAMBLEA_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "asamblea.settings"
    os.environ.setdefault("ELECTION_MIN_VOTERS_FOR_BREAKDOWN", "5")
    try:
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from asamblea.deliberation import rules, services
    from asamblea.deliberation.models import ReferendumBallot, ReferendumRoll
    from asamblea.federation.importing import do_import_federation
    from asamblea.federation.models import Body, Membership, Person
    from asamblea.federation.peru import _rows, peru_spec

    figures: dict[str, float] = {}
    rng = np.random.default_rng(2026)
    n = args.members
    print(f"Referendum of {n:,} members on PostgreSQL ({connection.vendor})", flush=True)
    print("set-up (not the figure asked for):", flush=True)
    with timed("migrate", figures):
        call_command("migrate", verbosity=0)
    with timed("import Peru, all 1,891 districts", figures):
        federation = do_import_federation(peru_spec("all"), path="benchmark")
    bases = list(
        Body.objects.filter(federation=federation, kind=Body.Kind.BASE)
        .order_by("pk")
        .values_list("pk", "code", "sector_id")
    )
    population = {row["ubigeo"]: int(row["poblacion_2025"]) for row in _rows("distritos.csv")}
    base_ids = np.array([pk for pk, _code, _sector in bases])
    sector_id = bases[0][2]
    weights = np.array([population[code] for _pk, code, _sector in bases], dtype=float)
    weights /= weights.sum()

    # Two delegates with logins, first members of the Huamanga district, are elected up.
    huamanga = Body.objects.get(federation=federation, code="050101")
    user_model = get_user_model()
    delegates = [user_model.objects.create(username=f"delegate-{k}", password="!") for k in (1, 2)]
    with timed(f"COPY {n:,} people and their memberships", figures):
        home = rng.choice(len(base_ids), size=n, p=weights)
        home[:2] = np.searchsorted(base_ids, huamanga.pk)
        two = rng.random(n) < args.in_two
        two[:2] = False
        second = (home + rng.integers(1, len(base_ids), size=n)) % len(base_ids)
        now = timezone.now()
        first_id = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        person_ids = np.arange(first_id, first_id + n)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            copy_rows(
                raw,
                Person._meta.db_table,
                ["id", "federation_id", "full_name", "phone", "email", "created_at"],
                ((int(pid), federation.pk, f"Persona {pid}", "", "", now) for pid in person_ids),
            )
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{Person._meta.db_table}', 'id'), %s)",
                [int(person_ids[-1])],
            )
            columns = ["person_id", "body_id", "sector_id", "status", "reason", "applied_at"]
            verified = Membership.Status.VERIFIED
            copy_rows(
                raw,
                Membership._meta.db_table,
                columns,
                (
                    (int(pid), int(base_ids[h]), sector_id, verified, "", now)
                    for pid, h in zip(person_ids, home, strict=True)
                ),
            )
            # Second memberships after every first one: the first is the one joined first.
            copy_rows(
                raw,
                Membership._meta.db_table,
                columns,
                (
                    (int(pid), int(base_ids[s]), sector_id, verified, "", now)
                    for pid, s in zip(person_ids[two], second[two], strict=True)
                ),
            )
            raw.execute("ANALYZE")
        for user, pid in zip(delegates, person_ids[:2], strict=True):
            Person.objects.filter(pk=int(pid)).update(user=user)
    print(f"    {int(two.sum()):,} people belong to two districts", flush=True)

    with timed("elect 2 delegates up to the national assembly", figures):
        motion = elect_and_table(federation, huamanga, delegates)

    print("the referendum:", flush=True)
    with timed("do_open_referendum (freeze the roll)", figures):
        referendum = services.do_open_referendum(
            user_model.objects.create_superuser("bench-admin", password="bench admin password"),
            motion,
            closes_at=timezone.now() + timedelta(days=1),
        )
    assert referendum.electorate == n, (referendum.electorate, n)

    with timed(f"write the votes of a {args.turnout:.0%} turnout", figures):
        voted = rng.random(n) < args.turnout
        through_second = two & (rng.random(n) < 0.5)
        where = np.where(through_second, base_ids[second], base_ids[home])
        choice = rng.choice(3, size=n, p=[0.55, 0.35, 0.10])
        with connection.cursor() as cursor:
            raw = cursor.cursor
            raw.execute("CREATE TEMP TABLE bench_votes (person_id bigint, body_id bigint)")
            copy_rows(
                raw,
                "bench_votes",
                ["person_id", "body_id"],
                ((int(p), int(b)) for p, b in zip(person_ids[voted], where[voted], strict=True)),
            )
            raw.execute(
                f"UPDATE {ReferendumRoll._meta.db_table} r SET voted_body_id = v.body_id "
                "FROM bench_votes v WHERE r.referendum_id = %s AND r.person_id = v.person_id",
                [referendum.pk],
            )
            order = rng.permutation(int(voted.sum()))
            bodies_v, choices_v = where[voted][order], choice[voted][order]
            copy_rows(
                raw,
                ReferendumBallot._meta.db_table,
                ["referendum_id", "body_id", "tracker", "choice"],
                (
                    (
                        referendum.pk,
                        int(b),
                        secrets.token_hex(32),
                        CHOICES[c],
                    )
                    for b, c in zip(bodies_v, choices_v, strict=True)
                ),
            )
            raw.execute("ANALYZE")
    expected = rules.Tally(
        int((choice[voted] == 0).sum()),
        int((choice[voted] == 1).sum()),
        int((choice[voted] == 2).sum()),
    )

    print("measured:", flush=True)
    with timed("count_referendum (count + breakdown per body)", figures):
        counted, turnout = services.count_referendum(referendum)
    assert counted.total == expected, (counted.total, expected)
    assert counted.voted == int(voted.sum()) and counted.electorate == n
    assert sum(t.electorate for t in turnout.values()) == n
    national = counted.rows["nacional"]
    assert national.tally == expected
    with timed("do_reshuffle_referendum (the tick's rewrite)", figures):
        assert services.do_reshuffle_referendum(referendum)
    with timed("do_close_referendum (reshuffle, count, publish)", figures):
        referendum = services.do_close_referendum(None, referendum, now=referendum.closes_at)
    assert referendum.result["yes"] == expected.yes
    rows = referendum.result["rows"]
    regions = [r for r in rows if r.startswith("region-")]
    assert sum(rows[r]["voted"] for r in regions) == int(voted.sum())
    pooled = sum(1 for unit in referendum.result["units"] if unit.startswith("pool:"))
    print(
        f"result: yes {expected.yes:,} · no {expected.no:,} · abstain {expected.abstain:,}; "
        f"{len(rows):,} rows ({len(turnout):,} assemblies with members, "
        f"{len(referendum.result['units']):,} published units, {pooled} pools)",
        flush=True,
    )
    print(
        f"FIGURE: {n:,} members, {int(voted.sum()):,} ballots: counted and broken down per body "
        f"in {figures['count_referendum (count + breakdown per body)']:.2f} s; whole close "
        f"{figures['do_close_referendum (reshuffle, count, publish)']:.2f} s "
        f"(target: under 30 s)",
        flush=True,
    )


def elect_and_table(federation: Any, district: Any, users: list[Any]) -> Any:
    """Elect `users` district -> province -> region -> national; they table a motion."""
    from asamblea.deliberation import services
    from asamblea.elections import services as elections
    from asamblea.elections.models import Seat
    from asamblea.federation.models import Body, Delegation

    source = district
    while True:
        delegation = (
            Delegation.objects.filter(source=source)
            .select_related("council")
            .order_by("pk")
            .first()
        )
        if delegation is None:
            break
        now = timezone_now()
        election = elections.do_open_election(
            None,
            source,
            delegation=delegation,
            seats=len(users),
            method="plurality",
            nominations_close_at=now + timedelta(hours=1),
            voting_opens_at=now + timedelta(hours=1),
            voting_closes_at=now + timedelta(hours=2),
        )
        candidacies = [elections.do_stand(u, election) for u in users]
        elections.do_open_voting(election)
        elections.do_cast_ballot(users[0], election, [c.pk for c in candidacies])
        elections.do_close_election(election)
        assert Seat.objects.filter(election=election, status=Seat.Status.HELD).count() == len(users)
        source = delegation.council
    national = Body.objects.get(federation=federation, slug="nacional")
    motion = services.do_propose_motion(
        users[0], national, title="Asamblea constituyente", text="¿Aprueba usted ...?"
    )
    return services.do_second_motion(users[1], motion)


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
