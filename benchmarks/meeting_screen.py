"""Benchmark: the projector's live fragment over a simulated 3-hour meeting, on SQLite
under gunicorn (one sync worker, as a small installation runs it).

    .venv/bin/python benchmarks/meeting_screen.py [--requests 2160] [--members 300]

A projector polls `GET /f/<fed>/meetings/<id>/screen/live/?t=<token>` every
MEETING_SCREEN_REFRESH_SECONDS (5 s): 3 h / 5 s = 2,160 requests. The benchmark sends
them one after the other from one client (the time of the meeting is compressed: no
waiting between polls), while the meeting goes on through the real services in this
process, on the same database: every 36 polls (3 minutes of meeting) someone checks in
or out and the chair gives the floor to the next speaker (the list is refilled); every
360 polls (half an hour) a motion is put to a show of hands and two tellers count it
(once disagreeing, then agreeing).

What it reports:

- the fragment's request cost: latency p50 / p90 / p99 / max (client side, loopback),
  and the SQL queries one request makes (counted in this process with Django's test
  client on the same page);
- the server's memory: the gunicorn worker's resident set (VmRSS from /proc) after a
  warm-up of 50 requests, then every 216 requests, and its growth over the run.

SYNTHETIC DATA: a throw-away data folder with the Peru template (province 0501) and
`--members` verified members bulk inserted in one district; the meeting, the room,
check-ins, speakers and votes go through the services.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

BIN = Path(sys.executable).parent
EVERY_ACTIVITY = 36  # 3 minutes of meeting at one poll every 5 s
EVERY_VOTE = 360  # half an hour
RSS_EVERY = 216
WARM_UP = 50


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[int]:
    command = [
        str(BIN / "gunicorn"),
        "asamblea.wsgi:application",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
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
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


class Meeting:
    """The meeting that goes on while the projector polls, through the services."""

    def __init__(self, members: int) -> None:
        from asamblea.cli import _django

        _django.setup()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.db import transaction
        from django.utils import timezone

        from asamblea.deliberation import services as deliberation
        from asamblea.federation.importing import do_import_federation
        from asamblea.federation.models import Body, Membership, Officer, Person
        from asamblea.federation.peru import peru_spec
        from asamblea.meetings import services

        user_model = get_user_model()
        with transaction.atomic():
            federation = do_import_federation(peru_spec({"0501"}), path="benchmark")
            base = Body.objects.get(federation=federation, slug="distrito-050101-ayacucho")
            unusable = make_password(None)
            self.chair = user_model.objects.create(username="chair", password=unusable)
            self.second = user_model.objects.create(username="second", password=unusable)
            for officer in (self.chair, self.second):
                Officer.objects.create(user=officer, body=base)
            users = user_model.objects.bulk_create(
                [user_model(username=f"m-{n:05d}", password=unusable) for n in range(members)]
            )
            self.people = Person.objects.bulk_create(
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
                    for p in self.people
                ]
            )
        self.users = users
        self.base = base
        self.motions = []
        for n in range(8):
            motion = deliberation.do_propose_motion(
                users[0], base, title=f"Motion {n}", text="The text of the motion."
            )
            self.motions.append(deliberation.do_second_motion(users[1], motion))
        meeting = deliberation.do_create_meeting(
            self.chair,
            base,
            title="Ordinary assembly",
            starts_at=timezone.now(),
            motions=self.motions,
        )
        deliberation.do_set_meeting_status(self.chair, meeting, "open")
        self.room = services.do_set_up_room(self.chair, meeting)
        # Two thirds of the members come (quorum: more than half).
        self.present = int(members * 2 / 3)
        for person in self.people[: self.present]:
            services.do_check_in_member(self.chair, self.room, person.pk)
        self.next_person = self.present
        self.asked = 0
        self.votes = 0
        self.refill()
        services.do_next_speaker(self.chair, self.room)
        self.url = (
            f"/f/{federation.slug}/meetings/{meeting.pk}/screen/live/?t={self.room.screen_token}"
        )

    def refill(self) -> None:
        from asamblea.meetings import services

        while services.floor(self.room).waiting.__len__() < 12:
            user = self.users[self.asked % self.present]
            self.asked += 1
            try:
                services.do_ask_for_floor(user, self.room)
            except Exception:
                continue

    def activity(self, step: int) -> None:
        from asamblea.meetings import services
        from asamblea.meetings.models import Attendance

        services.do_next_speaker(self.chair, self.room)
        self.refill()
        if step % 2:
            person = self.people[self.next_person % len(self.people)]
            self.next_person += 1
            with suppress(Exception):
                services.do_check_in_member(self.chair, self.room, person.pk)
        else:
            last = Attendance.objects.filter(room=self.room, checked_out_at__isnull=True).last()
            if last is not None:
                services.do_check_out(self.chair, self.room, last.pk)

    def vote(self) -> None:
        from asamblea.meetings import services

        if self.votes >= len(self.motions):
            return
        motion = self.motions[self.votes]
        self.votes += 1
        vote = services.do_open_room_vote(self.chair, self.room, motion)
        present = services.present_count(self.room)
        yes, no = present // 2, present // 4
        services.do_enter_count(self.chair, vote, yes, no, 0)
        services.do_enter_count(self.second, vote, yes - 1, no, 0)  # they differ
        services.do_enter_count(self.chair, vote, yes, no, 1)
        services.do_enter_count(self.second, vote, yes, no, 1)

    def queries_per_request(self) -> int:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(HTTP_HOST="localhost")
        client.get(self.url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(self.url)
        assert response.status_code == 200, response.status_code
        return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2160, help="polls (default 3 h / 5 s)")
    parser.add_argument("--members", type=int, default=300, help="verified members")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ASAMBLEA_DATA_DIR": str(Path(tmp) / "data"),
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": "",
        }
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "-m", "asamblea.cli", "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        start = time.perf_counter()
        meeting = Meeting(args.members)
        print(
            f"set-up: {args.members} members, {meeting.present} present, "
            f"{time.perf_counter() - start:.1f} s"
        )
        queries = meeting.queries_per_request()
        port = free_port()
        latencies: list[float] = []
        rss: list[tuple[int, int]] = []
        with gunicorn(env, port) as master:
            worker = worker_pid(master)
            url = f"http://127.0.0.1:{port}{meeting.url}"

            def poll() -> float:
                began = time.perf_counter()
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                    if response.status != 200:
                        raise SystemExit(f"status {response.status}")
                return time.perf_counter() - began

            for _ in range(WARM_UP):
                poll()
            rss.append((0, rss_kib(worker)))
            for n in range(1, args.requests + 1):
                if n % EVERY_ACTIVITY == 0:
                    meeting.activity(n // EVERY_ACTIVITY)
                if n % EVERY_VOTE == 0:
                    meeting.vote()
                latencies.append(poll())
                if n % RSS_EVERY == 0:
                    rss.append((n, rss_kib(worker)))
        ms = sorted(x * 1000 for x in latencies)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p / 100 * len(ms)))]

        print(f"requests: {len(ms)} to the fragment; SQL queries per request: {queries}")
        print(
            f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  "
            f"max {ms[-1]:.1f}  mean {statistics.fmean(ms):.1f}"
        )
        print("worker RSS (KiB) by request: " + ", ".join(f"{n}: {kib}" for n, kib in rss))
        growth = rss[-1][1] - rss[0][1]
        half = rss[len(rss) // 2][1]
        print(
            f"RSS after warm-up {rss[0][1]} KiB, at the end {rss[-1][1]} KiB: "
            f"growth {growth:+d} KiB over the run, {rss[-1][1] - half:+d} KiB over its "
            "second half"
        )
        print(f"votes counted during the run: {meeting.votes}")


if __name__ == "__main__":
    main()
