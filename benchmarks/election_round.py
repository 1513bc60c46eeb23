"""Benchmark: a full round of elections over the Peru template with 1,000,000 members,
on PostgreSQL, through the elections services.

    .venv/bin/python benchmarks/election_round.py [--members 1000000] [--turnout 0.5]
        [--processes 2] [--pg postgres://postgres@127.0.0.1:5432/postgres]

Set-up (timed apart, not part of the round):

- a throw-away PostgreSQL database (dropped at the end), `asamblea migrate`;
- the Peru template with all 1,891 districts as base assemblies, through the
  real importer;
- SYNTHETIC MEMBERS, BULK INSERTED: `--members` users, people and verified
  memberships written with PostgreSQL COPY, spread over the districts by a
  seeded log-normal draw (a few large districts, many small ones). This skips
  the joining services on purpose: joining is not what is measured. Then the
  real `do_recompute_seats` counts the members and apportions every council.

The round (timed, phase by phase), every step a service call:

1. every district base with at least two members elects its delegates to its
   provincial assembly: `do_open_election` (seats = the apportioned figure),
   candidates `do_stand`, `do_open_voting` (freezes the voter roll: one row
   per member), then `do_cast_ballot` for a `--turnout` share of each roll (a
   random ranking each; the services have no bulk cast, so each ballot is one
   call, run in `--processes` worker processes, each taking whole elections),
   then the windows end and the scheduler's `tick` closes every election:
   ballots rewritten in tracker order, counted (STV, or IRV for one seat),
   published on the record with every ballot's tracker, seats filled;
2. each of the 196 provincial assemblies elects its delegates to its regional
   assembly (its voters: the delegates just seated);
3. each of the 26 regional assemblies elects its delegates to the national
   assembly, and its command (5 seats, with the parity rule);
4. the national assembly elects the national command (7 seats, parity).

Council tiers vote with a 0.9 turnout. The report gives each phase's wall
time, the ballots cast, the record entries written, and the seats held at
every tier at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
REGIONAL_COMMAND_SEATS = 5
NATIONAL_COMMAND_SEATS = 7
COUNCIL_TURNOUT = 0.9


@contextmanager
def throwaway_database(server_url: str, keep: bool) -> Iterator[str]:
    import psycopg

    name = f"asamblea_round_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        if keep:
            print(f"kept the database {name}")
        else:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup() -> None:
    from asamblea.cli import _django

    _django.setup()


# ---------------------------------------------------------------- set-up


def _copy(model: Any, rows: Iterator[dict[str, Any]], start_id: int) -> int:
    """COPY rows (dicts by column) into the model's table with explicit ids; the id
    sequence is moved past them. Returns the number of rows. SYNTHETIC DATA ONLY."""
    from django.db import connection

    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for n, row in enumerate(rows):
                row = {"id": start_id + n, **row}
                copy.write_row([row[c] for c in columns])
                count += 1
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)",
            [start_id + count],
        )
    return count


def set_up(members: int, seed: int) -> dict[str, Any]:
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from asamblea.federation.importing import do_import_federation
    from asamblea.federation.models import Body, FederationAdmin, Membership, Person
    from asamblea.federation.peru import peru_spec
    from asamblea.federation.services import do_recompute_seats

    timings: dict[str, float] = {}
    start = time.perf_counter()
    federation = do_import_federation(peru_spec("all"), path="benchmark")
    timings["import the Peru template (1,891 districts)"] = time.perf_counter() - start
    user_model = get_user_model()
    admin = user_model.objects.create(username="admin", password=make_password(None))
    FederationAdmin.objects.create(user=admin, federation=federation)

    start = time.perf_counter()
    bases = list(
        Body.objects.filter(federation=federation, kind=Body.Kind.BASE)
        .order_by("pk")
        .values_list("pk", "sector_id")
    )
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 1.0, len(bases))
    sizes = rng.multinomial(members, weights / weights.sum())
    now = timezone.now()
    unusable = make_password(None)
    user_start = (user_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    person_start = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    member_start = (
        Membership.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    with transaction.atomic():
        # SYNTHETIC DATA, BULK INSERTED (see the module docstring).
        _copy(
            user_model,
            (
                {
                    "password": unusable,
                    "last_login": None,
                    "is_superuser": False,
                    "username": f"member-{n:07d}",
                    "first_name": "",
                    "last_name": "",
                    "email": "",
                    "is_staff": False,
                    "is_active": True,
                    "date_joined": now,
                }
                for n in range(members)
            ),
            user_start,
        )
        _copy(
            Person,
            (
                {
                    "federation_id": federation.pk,
                    "full_name": f"Miembro {n}",
                    "phone": "",
                    "email": "",
                    "user_id": user_start + n,
                    "created_at": now,
                }
                for n in range(members)
            ),
            person_start,
        )

        def memberships() -> Iterator[dict[str, Any]]:
            person = person_start
            for (body_id, sector_id), size in zip(bases, sizes, strict=True):
                for _ in range(int(size)):
                    yield {
                        "person_id": person,
                        "body_id": body_id,
                        "sector_id": sector_id,
                        "status": Membership.Status.VERIFIED,
                        "reason": "",
                        "applied_at": now,
                        "decided_at": now,
                        "decided_by_id": None,
                    }
                    person += 1

        _copy(Membership, memberships(), member_start)
    timings[f"synthetic members: COPY {members:,} users, people, memberships"] = (
        time.perf_counter() - start
    )
    start = time.perf_counter()
    do_recompute_seats(federation)
    timings["do_recompute_seats (count members, apportion every council)"] = (
        time.perf_counter() - start
    )
    return {"federation": federation.pk, "timings": timings, "largest": int(sizes.max())}


# ---------------------------------------------------------------- the round


def _window() -> dict[str, datetime]:
    now = datetime.now(UTC)
    return {
        "nominations_close_at": now + timedelta(hours=1),
        "voting_opens_at": now + timedelta(hours=1),
        "voting_closes_at": now + timedelta(hours=2),
    }


def open_tier(
    federation_id: int, tier: str, rng: random.Random
) -> tuple[list[int], dict[str, float]]:
    """Open this tier's elections, let candidates stand, open the votes. Election ids."""
    from django.contrib.auth import get_user_model

    from asamblea.elections import services
    from asamblea.federation.models import Body, Delegation, Federation

    federation = Federation.objects.get(pk=federation_id)
    admin = get_user_model().objects.get(username="admin")
    plans: list[dict[str, Any]] = []
    if tier == "base":
        for delegation in Delegation.objects.filter(
            federation=federation, source__kind=Body.Kind.BASE
        ).select_related("source", "council"):
            plans.append({"constituency": delegation.source, "delegation": delegation})
    elif tier == "provincial":
        for delegation in Delegation.objects.filter(
            federation=federation, source__level__key="provincial"
        ).select_related("source", "council"):
            plans.append({"constituency": delegation.source, "delegation": delegation})
    elif tier == "regional":
        for delegation in Delegation.objects.filter(
            federation=federation, source__level__key="regional"
        ).select_related("source", "council"):
            plans.append({"constituency": delegation.source, "delegation": delegation})
            command = Body.objects.get(command_of=delegation.source)
            plans.append(
                {
                    "constituency": delegation.source,
                    "command": command,
                    "seats": REGIONAL_COMMAND_SEATS,
                    "parity": True,
                }
            )
    else:
        national = Body.objects.get(federation=federation, slug="nacional")
        plans.append(
            {
                "constituency": national,
                "command": Body.objects.get(command_of=national),
                "seats": NATIONAL_COMMAND_SEATS,
                "parity": True,
            }
        )
    timings = {"open": 0.0, "stand": 0.0, "open voting (freeze rolls)": 0.0}
    opened = []
    for plan in plans:
        body = plan["constituency"]
        eligible = list(services.eligible_people(body).values_list("pk", "user_id")[:200])
        if len(eligible) < 2:
            continue  # nobody to hold an election with
        start = time.perf_counter()
        election = services.do_open_election(
            admin,
            body,
            delegation=plan.get("delegation"),
            command=plan.get("command"),
            seats=plan.get("seats"),
            parity=plan.get("parity", False),
            kind="command" if plan.get("command") else "delegation",
            **_window(),
        )
        timings["open"] += time.perf_counter() - start
        start = time.perf_counter()
        wanted = min(len(eligible), election.seats + rng.randint(1, 3))
        user_model = get_user_model()
        for n, (_person, user_id) in enumerate(rng.sample(eligible, wanted)):
            group = ("women", "men")[n % 2] if election.parity else ""
            services.do_stand(user_model(pk=user_id), election, group=group)
        timings["stand"] += time.perf_counter() - start
        start = time.perf_counter()
        services.do_open_voting(election)
        timings["open voting (freeze rolls)"] += time.perf_counter() - start
        opened.append(election.pk)
    return opened, timings


def cast_worker(election_ids: list[int], turnout: float, seed: int) -> dict[str, Any]:
    """Cast ballots for a share of each roll, one `do_cast_ballot` per voter."""
    from django.contrib.auth import get_user_model

    from asamblea.elections import services
    from asamblea.elections.models import Election
    from asamblea.federation.models import Person

    rng = random.Random(seed)
    user_model = get_user_model()
    casts = 0
    start = time.perf_counter()
    for election in Election.objects.filter(pk__in=election_ids).select_related(
        "federation", "constituency"
    ):
        candidates = [c.pk for c in services.standing(election)]
        roll = election.roll.values_list("person_id", flat=True)
        users = dict(Person.objects.filter(pk__in=roll).values_list("pk", "user_id"))
        for person_id in sorted(users):
            if rng.random() >= turnout:
                continue
            ranking = rng.sample(candidates, rng.randint(1, len(candidates)))
            services.do_cast_ballot(user_model(pk=users[person_id]), election, ranking)
            casts += 1
    return {"casts": casts, "seconds": time.perf_counter() - start}


def cast_tier(election_ids: list[int], turnout: float, processes: int, env: dict[str, str]) -> int:
    """Split whole elections between worker processes (largest first, round robin)."""
    from django.db.models import Count

    from asamblea.elections.models import RollEntry

    sizes = dict(
        RollEntry.objects.filter(election_id__in=election_ids)
        .values_list("election_id")
        .annotate(n=Count("id"))
    )
    ordered = sorted(election_ids, key=lambda pk: -sizes.get(pk, 0))
    shares: list[list[int]] = [[] for _ in range(processes)]
    loads = [0] * processes
    for pk in ordered:
        lightest = loads.index(min(loads))
        shares[lightest].append(pk)
        loads[lightest] += sizes.get(pk, 0)
    workers = []
    for n, share in enumerate(shares):
        if not share:
            continue
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--cast-worker",
                    json.dumps(share),
                    str(turnout),
                    str(n),
                ],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    total = 0
    for worker in workers:
        out, _err = worker.communicate()
        if worker.returncode != 0:
            raise SystemExit("a cast worker failed")
        total += json.loads(out.strip().splitlines()[-1])["casts"]
    return total


def close_tier(election_ids: list[int]) -> None:
    """The windows end now; the scheduler's tick closes, counts and fills every one."""
    from django.utils import timezone

    from asamblea.elections.models import Election
    from asamblea.elections.scheduler import tick

    for election in Election.objects.filter(pk__in=election_ids):
        opened = election.roll_frozen_at
        Election.objects.filter(pk=election.pk).update(
            nominations_close_at=opened, voting_opens_at=opened, voting_closes_at=timezone.now()
        )
    tick(timezone.now())
    left = Election.objects.filter(pk__in=election_ids).exclude(status=Election.Status.CLOSED)
    if left.exists():
        raise SystemExit(f"{left.count()} elections were not closed by the tick")


def seats_report(federation_id: int) -> dict[str, int]:
    from asamblea.elections.models import Seat

    held = Seat.objects.filter(federation_id=federation_id, status=Seat.Status.HELD)
    return {
        "district -> provincial": held.filter(delegation__source__kind="base").count(),
        "provincial -> regional": held.filter(delegation__source__level__key="provincial").count(),
        "regional -> national": held.filter(delegation__source__level__key="regional").count(),
        "regional commands": held.filter(command__level__key="regional").count(),
        "national command": held.filter(command__level__key="nacional").count(),
    }


def progress(phase: tuple[str, float, str]) -> None:
    """A line on standard error as each phase ends: the whole run takes a while."""
    print(f"... {phase[0]}: {phase[1]:.1f} s {phase[2]}", file=sys.stderr, flush=True)


def run_round(
    federation_id: int, turnout: float, processes: int, env: dict[str, str], seed: int
) -> dict[str, Any]:
    from asamblea.record.models import Entry

    rng = random.Random(seed)
    phases: list[tuple[str, float, str]] = []
    totals = {"elections": 0, "casts": 0}
    entries_before = Entry.objects.filter(federation_id=federation_id).count()
    round_start = time.perf_counter()
    for tier in ("base", "provincial", "regional", "national"):
        tier_turnout = turnout if tier == "base" else COUNCIL_TURNOUT
        start = time.perf_counter()
        elections, timings = open_tier(federation_id, tier, rng)
        for name, seconds in timings.items():
            phases.append((f"{tier}: {name}", seconds, f"{len(elections)} elections"))
            progress(phases[-1])
        start = time.perf_counter()
        casts = cast_tier(elections, tier_turnout, processes, env)
        seconds = time.perf_counter() - start
        phases.append(
            (
                f"{tier}: cast (do_cast_ballot)",
                seconds,
                f"{casts:,} ballots, {casts / seconds:,.0f}/s",
            )
        )
        progress(phases[-1])
        start = time.perf_counter()
        close_tier(elections)
        phases.append(
            (f"{tier}: close, count, publish, fill (tick)", time.perf_counter() - start, "")
        )
        progress(phases[-1])
        totals["elections"] += len(elections)
        totals["casts"] += casts
    total = time.perf_counter() - round_start
    entries = Entry.objects.filter(federation_id=federation_id).count() - entries_before
    return {
        "phases": phases,
        "round_seconds": total,
        "totals": totals,
        "record_entries": entries,
        "seats": seats_report(federation_id),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--turnout", type=float, default=0.5, help="share of each base roll voting")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--cast-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cast_worker:
        django_setup()
        share, turnout, n = args.cast_worker
        print(json.dumps(cast_worker(json.loads(share), float(turnout), args.seed + int(n) + 1)))
        return

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(args.pg, args.keep) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ASAMBLEA_DATA_DIR": str(Path(tmp) / "data"),
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        subprocess.run([str(BIN / "asamblea"), "migrate"], env=env, check=True)
        django_setup()
        facts = set_up(args.members, args.seed)
        result = run_round(facts["federation"], args.turnout, args.processes, env, args.seed)
        from django.db import connection

        connection.close()
    load_after = os.getloadavg()

    print(
        f"A full round of elections over the Peru template: {args.members:,} synthetic members "
        f"in 1,891 district assemblies (largest {facts['largest']:,}), base turnout "
        f"{args.turnout:.0%}, {args.processes} casting processes; PostgreSQL; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after"
    )
    print("\nSet-up (not part of the round):")
    for name, seconds in facts["timings"].items():
        print(f"  {name:<66} {seconds:9.1f} s")
    print("\nThe round:")
    for name, seconds, note in result["phases"]:
        print(f"  {name:<66} {seconds:9.1f} s  {note}")
    print(
        f"  {'TOTAL':<66} {result['round_seconds']:9.1f} s  "
        f"{result['totals']['elections']:,} elections, {result['totals']['casts']:,} ballots, "
        f"{result['record_entries']:,} record entries"
    )
    print("\nSeats held at the end:")
    for name, seats in result["seats"].items():
        print(f"  {name:<30} {seats:6,}")


if __name__ == "__main__":
    main()
