"""Benchmark: paper-ballot entry for a 10-candidate STV election, through the real pages.

    .venv/bin/python benchmarks/paper_entry.py [--papers 500] [--candidates 10] [--seed 13]

Set-up (not timed): a throw-away data folder (SQLite; or PostgreSQL with DATABASE_URL),
the Peru template's province 0501, one district with `--papers` verified members
(bulk inserted), all checked in to a meeting in session through the services; an STV
election of 3 delegates with `--candidates` candidates, its vote open; its paper vote,
`--papers` papers recorded as printed, and every member handed a paper at the table
(timed separately: `do_mark_paper_voter`, the officer's tap).

Timed: two tellers (logins named for the meeting) enter every paper through the paper
vote's page with Django's test client, as a browser without JavaScript does: POST the
entry form (paper number and "3 1 4 ..."), follow the redirect to the page (the next
form, with its once token), per paper. The first teller enters papers 1..N in order, the
second in a shuffled order (the papers shuffled), with 2% of the papers mistyped by the
second teller and entered again by the first after the discrepancy shows. Then the vote
is closed and counted (`do_close_election`: the online and the N paper ballots).

SYNTHETIC DATA: the rankings are random (seeded): each paper ranks 1 to
`--candidates` candidates, their length uniform; a real hall's papers are shorter.

Reports: seconds per paper (p50, p90, max) for each pass, the SQL queries of one entry
(POST + the page it leads to), the keystrokes a teller types per paper (the number is
offered: the digits and spaces of the ranking, plus one tap on "Enter the paper"), the
time to mark the roll, and the close.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Hall:
    """The meeting, the election and its paper vote, set up through the services."""

    def __init__(self, papers: int, candidates: int) -> None:
        from asamblea.cli import _django

        _django.setup()
        from datetime import timedelta

        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.db import transaction
        from django.utils import timezone

        from asamblea.deliberation import services as deliberation
        from asamblea.elections import services as elections
        from asamblea.federation.importing import do_import_federation
        from asamblea.federation.models import (
            Body,
            Delegation,
            Membership,
            Officer,
            Person,
        )
        from asamblea.federation.peru import peru_spec
        from asamblea.meetings import services
        from asamblea.meetings.models import Attendance

        user_model = get_user_model()
        unusable = make_password(None)
        with transaction.atomic():
            federation = do_import_federation(peru_spec({"0501"}), path="benchmark")
            base = Body.objects.get(federation=federation, slug="distrito-050101-ayacucho")
            self.chair = user_model.objects.create(username="chair", password=unusable)
            Officer.objects.create(user=self.chair, body=base)
            users = user_model.objects.bulk_create(
                [user_model(username=f"m-{n:05d}", password=unusable) for n in range(papers)]
            )
            people = Person.objects.bulk_create(
                [
                    Person(federation=federation, full_name=f"Member {n}", user=u)
                    for n, u in enumerate(users)
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        person=p,
                        body=base,
                        sector=base.sector,
                        status=Membership.Status.VERIFIED,
                        decided_at=timezone.now(),
                    )
                    for p in people
                ]
            )
        meeting = deliberation.do_create_meeting(
            self.chair, base, title="Electoral assembly", starts_at=timezone.now()
        )
        deliberation.do_set_meeting_status(self.chair, meeting, "open")
        self.room = services.do_set_up_room(self.chair, meeting)
        Attendance.objects.bulk_create(
            [
                Attendance(room=self.room, person=p, how="officer", checked_in_at=timezone.now())
                for p in people
            ]
        )
        now = timezone.now()
        election = elections.do_open_election(
            self.chair,
            base,
            delegation=Delegation.objects.filter(source=base).first(),
            seats=3,
            method="stv-scottish",
            nominations_close_at=now + timedelta(hours=1),
            voting_opens_at=now + timedelta(hours=1),
            voting_closes_at=now + timedelta(hours=5),
        )
        for n in range(candidates):
            elections.do_stand(users[n], election, public_name=f"Candidate {n + 1:02d}")
        self.election = elections.do_open_voting(election)
        self.vote = services.do_open_paper_vote(self.chair, self.room, self.election)
        services.do_print_papers(self.chair, self.vote, papers)
        self.tellers = [
            user_model.objects.create(username=f"teller-{n}", password=unusable) for n in (1, 2)
        ]
        for teller in self.tellers:
            services.do_name_teller(self.chair, self.room, teller)
        began = time.perf_counter()
        for person in people:
            services.do_mark_paper_voter(self.chair, self.vote, person.pk)
        self.mark_seconds = (time.perf_counter() - began) / papers
        slug = federation.slug
        self.page = f"/f/{slug}/meetings/{meeting.pk}/room/paper/{self.vote.pk}/"
        self.action = self.page + "action/"


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


TOKEN = re.compile(r'name="once" value="([^"]+)"')


def enter(client: Any, hall: Hall, page: str, number: int, text: str) -> str:
    """POST one paper from the page last shown; returns the next page (followed redirect)."""
    token = TOKEN.search(page)
    assert token, "no form on the page"
    response = client.post(
        hall.action,
        {"once": token.group(1), "action": "enter", "number": str(number), "paper": text},
        follow=True,
    )
    assert response.status_code == 200, response.content[:300]
    return str(response.content.decode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASAMBLEA_DATA_DIR": str(Path(tmp) / "data"), "LOG_LEVEL": "WARNING"}
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "-m", "asamblea.cli", "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        start = time.perf_counter()
        hall = Hall(args.papers, args.candidates)
        print(
            f"set-up: {args.papers} members present and handed a paper, "
            f"{args.candidates} candidates, {time.perf_counter() - start:.1f} s; "
            f"marking the roll: {hall.mark_seconds * 1000:.1f} ms per member"
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from asamblea.elections import services as elections
        from asamblea.meetings import services

        numbers = list(range(1, args.candidates + 1))
        papers = {}
        for n in range(1, args.papers + 1):
            rng.shuffle(numbers)
            papers[n] = " ".join(str(x) for x in numbers[: rng.randint(1, args.candidates)])
        keystrokes = [len(text) + 1 for text in papers.values()]
        first, second = (client_for(t) for t in hall.tellers)
        timings: dict[str, list[float]] = {"first": [], "second": []}
        page = first.get(hall.page).content.decode()
        for n, text in papers.items():
            began = time.perf_counter()
            page = enter(first, hall, page, n, text)
            timings["first"].append(time.perf_counter() - began)
        order = list(papers)
        rng.shuffle(order)
        mistyped = set(order[: max(1, args.papers // 50)])
        page = second.get(hall.page).content.decode()
        queries = 0
        for n in order:
            text = papers[n]
            if n in mistyped:
                text = " ".join(reversed(text.split())) if " " in text else "0"
            began = time.perf_counter()
            if n == order[len(order) // 2]:
                with CaptureQueriesContext(connection) as captured:
                    page = enter(second, hall, page, n, text)
                queries = len(captured)
            else:
                page = enter(second, hall, page, n, text)
            timings["second"].append(time.perf_counter() - began)
        state = services.paper_state(hall.vote)
        shown = len(state.discrepancies)
        page = first.get(hall.page).content.decode()
        for d in state.discrepancies:
            page = enter(first, hall, page, d.number, papers[d.number])
        state = services.paper_state(hall.vote)
        began = time.perf_counter()
        election = elections.do_close_election(hall.election)
        close = time.perf_counter() - began
        assert state.agreed == args.papers and election.result["papers"] == args.papers
        print(f"papers: {args.papers}, all agreed after {shown} discrepancies entered again")
        for name, values in timings.items():
            ms = [v * 1000 for v in values]
            print(
                f"{name} pass: p50 {pct(ms, 50):.1f} ms  p90 {pct(ms, 90):.1f} ms  "
                f"max {max(ms):.1f} ms  mean {statistics.fmean(ms):.1f} ms per paper; "
                f"{sum(values):.1f} s in all"
            )
        print(f"SQL queries per paper (POST + the page it leads to): {queries}")
        print(
            f"keystrokes per paper (ranking + 1 tap): mean {statistics.fmean(keystrokes):.1f}, "
            f"max {max(keystrokes)}"
        )
        print(f"close and count ({args.papers} paper ballots, STV): {close:.2f} s")


if __name__ == "__main__":
    main()
