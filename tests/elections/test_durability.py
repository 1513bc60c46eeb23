"""Nothing lost: the real server is killed (SIGKILL) at random moments while ballots are
cast over HTTP, restarted, and every ballot whose cast was acknowledged is counted, once.

The server is `asamblea serve` in a subprocess on its own data folder and database
(SQLite there, or a throw-away PostgreSQL database). Voters are HTTP clients with
their own sessions: a few log in through the login form, the rest get a session made
by Django's login for them beforehand (a login form per voter would spend the run
hashing passwords). Each voter opens the ballot page and posts it, as a phone does;
some then replace their ballot with their ballot code. A killer thread waits until
a ballot is on its way, kills the server a moment later, and starts it again.

A voter whose post got no answer sends the same form again until the server
answers: a receipt (acknowledged; the same one if the earlier post was committed and
only its answer lost), or, for a replacement done whose answer was lost, "already
sent", and the voter replaces again with a fresh form. Every voter ends with a code. At the end the election's window is moved to
end now and the scheduler's tick (what `asamblea worker` runs) closes and counts it;
the published record must hold:

- every acknowledged tracker, and exactly one ballot per voter (no more trackers
  than voters, none missing);
- the ballots, as published for the recount, are exactly the voters' last
  acknowledged choices (or, for a voter whose only answer was "already voted", the
  choices that post carried): nothing lost, nothing twice, replacements kept.

Run as a script (`python test_durability.py setup|close`) it is the helper
that the test runs inside the server's environment to set up and read the election.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from support.server import Asamblea, postgres_database
from support.voter_http import CODE, CSRF, ONCE, TRACKER, Gone, send

VOTERS = 48
FORM_LOGINS = 3  # voters who log in through the login form
CLIENT_THREADS = 6
KILLS = 4
REPLACE_SHARE = 0.3
PASSWORD = "durable ballots 2026"  # a throw-away test login
FEDERATION = "test"
TESTS = Path(__file__).resolve().parent.parent
SRC = TESTS.parent / "src"
RANK_FIELD = re.compile(r'name="rank-(\d+)"')
ALREADY_VOTED = "You have already voted"


# ---------------------------------------------------------------- the voter's side


@dataclass
class Voter:
    username: str
    cookies: dict[str, str] = field(default_factory=dict)
    first: list[int] = field(default_factory=list)
    # The last acknowledged cast: its ranking, tracker and ballot code.
    acknowledged: list[int] | None = None
    tracker: str | None = None
    code: str | None = None
    already_voted: bool = False
    interrupted_posts: int = 0


class Site:
    """HTTP to the served site whichever port it is on now; cookies kept per voter."""

    def __init__(self, server: Asamblea) -> None:
        self.server = server
        self.posts_in_flight = 0
        self.lock = threading.Lock()
        self.post_started = threading.Event()

    def request(
        self, voter: Voter, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{self.server.port}"}
        # English pages (the language switcher's cookie), so the test can read them.
        voter.cookies.setdefault("django_language", "en")
        posting = method == "POST"
        if posting:
            with self.lock:
                self.posts_in_flight += 1
            self.post_started.set()
        try:
            return send(connection, method, path, voter.cookies, headers, fields)
        finally:
            if posting:
                with self.lock:
                    self.posts_in_flight -= 1


def log_in(site: Site, voter: Voter) -> None:
    """Through the login form, until the server answers."""
    while True:
        try:
            status, _headers, page = site.request(voter, "GET", "/accounts/login/")
            token = CSRF.search(page)
            assert status == 200 and token, f"login page: {status}"
            status, _headers, _page = site.request(
                voter,
                "POST",
                "/accounts/login/",
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "username": voter.username,
                    "password": PASSWORD,
                },
            )
            assert status == 302, f"login of {voter.username}: {status}"
            return
        except Gone:
            time.sleep(0.1)


def cast(site: Site, voter: Voter, election: int, ranking: list[int], code: str | None) -> None:
    """Cast (or, with the code, replace) until the server answers; records the outcome.

    A post that got no answer is sent again as it was, the same form, as a phone's
    reload does: the server shows the receipt of the ballot it cast, if it did."""
    path = f"/f/{FEDERATION}/e/{election}/ballot/"
    fields: dict[str, str] | None = None
    while True:
        if fields is None:
            try:
                status, _headers, page = site.request(voter, "GET", path)
            except Gone:
                time.sleep(0.1)
                continue
            assert status == 200, f"{voter.username}: ballot page {status}\n{page[-2000:]}"
            csrf, once = CSRF.search(page), ONCE.search(page)
            assert csrf and once, f"{voter.username}: no ballot form"
            fields = {"csrfmiddlewaretoken": csrf.group(1), "once": once.group(1)}
            fields.update({f"rank-{pk}": str(n) for n, pk in enumerate(ranking, start=1)})
            if code:
                fields["code"] = code
        try:
            status, _headers, page = site.request(voter, "POST", path, fields)
        except Gone:
            voter.interrupted_posts += 1
            time.sleep(0.1)
            continue
        if status == 200 and TRACKER.search(page):
            voter.acknowledged = ranking
            voter.tracker = TRACKER.search(page).group(1)
            voter.code = CODE.search(page).group(1).strip()
            return
        if status == 409 and ALREADY_VOTED in page and code is None:
            # The earlier post was done; only its answer was lost.
            voter.already_voted = True
            return
        if status == 409 and "already sent" in page:
            # A replacement done whose answer was lost (the voter holds the code): again.
            fields = None
            continue
        raise AssertionError(f"{voter.username}: cast answered {status}\n{page[-2000:]}")


# ---------------------------------------------------------------- the server's side


def helper(server: Asamblea, *args: str) -> Any:
    """Run this file as a script in the server's environment; its JSON answer."""
    done = subprocess.run(
        [sys.executable, __file__, *args],
        # The code under test, wherever it is (a work tree's src/ before the installed one).
        env={**server.env, "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"helper {args}:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def restart(server: Asamblea) -> None:
    server.start(["serve", "--threads", "4"], timeout=120)


def kill(server: Asamblea) -> None:
    assert server.process is not None
    server.process.kill()  # SIGKILL: no clean shutdown, whatever was in flight
    server.process.wait(timeout=30)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres_only),
    ]
)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Asamblea]:
    """A migrated, empty Asamblea on its own data folder and database (not yet serving)."""
    with contextlib.ExitStack() as stack:
        database_url = None
        if request.param == "postgresql":
            database_url = stack.enter_context(postgres_database())
        served = Asamblea(tmp_path, database_url)
        stack.callback(served.stop)
        served.run("migrate")
        yield served


def test_every_acknowledged_ballot_is_counted_once_across_kills(server: Asamblea) -> None:
    facts = helper(server, "setup", str(VOTERS), str(FORM_LOGINS))
    election = facts["election"]
    candidates = [int(pk) for pk in facts["candidates"]]
    rng = random.Random(5)
    voters = []
    for username in facts["voters"]:
        voter = Voter(username)
        if username in facts["sessions"]:
            voter.cookies["sessionid"] = facts["sessions"][username]
        voter.first = rng.sample(candidates, rng.randint(1, len(candidates)))
        voters.append(voter)
    restart(server)
    site = Site(server)
    for voter in voters[:FORM_LOGINS]:
        log_in(site, voter)

    queue = list(voters)
    queue_lock = threading.Lock()
    problems: list[BaseException] = []

    def vote() -> None:
        try:
            while True:
                with queue_lock:
                    if not queue:
                        return
                    voter = queue.pop(0)
                local = random.Random(voter.username)
                cast(site, voter, election, voter.first, None)
                if voter.tracker and local.random() < REPLACE_SHARE:
                    second = local.sample(candidates, local.randint(1, len(candidates)))
                    cast(site, voter, election, second, voter.code)
        except BaseException as problem:  # reported by the main thread
            problems.append(problem)

    workers = [threading.Thread(target=vote, daemon=True) for _ in range(CLIENT_THREADS)]
    for worker in workers:
        worker.start()
    kills = 0
    killer_rng = random.Random(11)
    while kills < KILLS and any(w.is_alive() for w in workers):
        # Kill at a random moment while a ballot is on its way.
        site.post_started.clear()
        if not site.post_started.wait(timeout=5):
            break
        time.sleep(killer_rng.uniform(0.0, 0.25))
        kill(server)
        kills += 1
        time.sleep(killer_rng.uniform(0.0, 0.3))
        restart(server)
    for worker in workers:
        worker.join(timeout=180)
    assert not problems, problems[0]
    assert all(not w.is_alive() for w in workers), "voters still casting after 3 minutes"
    server.stop()

    assert kills >= 2, f"only {kills} kills: the voters finished too soon"
    interrupted = sum(v.interrupted_posts for v in voters)
    assert interrupted >= 1, "no kill hit a ballot on its way"
    # Whose answer was lost sent the same form again and got their receipt (issue 15).
    assert not [v.username for v in voters if not v.tracker], "a voter left without a code"
    print(
        f"{kills} kills; {interrupted} posts cut off; "
        f"{sum(v.already_voted for v in voters)} casts done but not acknowledged; "
        f"{sum(bool(v.interrupted_posts and v.tracker) for v in voters)} voters cut off "
        "got their code by sending the same form again; "
        f"{sum(bool(v.tracker) for v in voters)} voters acknowledged"
    )

    # The vote's window ends now and the scheduler's tick (what `asamblea worker` runs)
    # closes and counts it; then what the record published is read back.
    published = helper(server, "close", str(election))

    assert published["status"] == "closed"
    trackers = published["trackers"]
    assert len(trackers) == len(set(trackers)) == len(voters) == published["casts"]
    acknowledged = {v.tracker for v in voters if v.tracker}
    assert acknowledged <= set(trackers), "an acknowledged ballot is missing from the count"
    names = published["names"]
    expected = Counter(
        tuple(names[str(pk)] for pk in (v.acknowledged if v.tracker else v.first)) for v in voters
    )
    stored = published["stored"]
    # The box holds exactly one whole ballot per voter: their last acknowledged choice.
    assert Counter(tuple(names[str(pk)] for pk in ranking) for ranking in stored.values()) == (
        expected
    )
    # The record publishes each paper as far as the count read it (issue 12): as many
    # papers, each the start of a stored one.
    assert sum(row["count"] for row in published["ballots"]) == len(voters)
    whole = {tuple(names[str(pk)] for pk in ranking) for ranking in stored.values()}
    for row in published["ballots"]:
        cut = tuple(row["ranking"])
        assert any(paper[: len(cut)] == cut for paper in whole), cut
    # And each acknowledged voter's stored ballot is their last acknowledged choice.
    for voter in voters:
        if voter.tracker:
            assert stored[voter.tracker] == voter.acknowledged, voter.username


# ---------------------------------------------------------------- run as a script


def _django() -> None:
    from asamblea.cli import _django as setup

    setup.setup()


def _setup(voters: int, form_logins: int) -> dict[str, Any]:
    """A federation, `voters` verified members of base-1 with logins, an election whose
    vote is open; sessions for all but the first `form_logins` voters."""
    _django()
    from support.open_vote import open_vote

    return open_vote(FEDERATION, voters, prefix="voter", password=PASSWORD, form_logins=form_logins)


def _close(election_id: int) -> dict[str, Any]:
    """Time travel: the vote's window ends now; the scheduler's tick closes and counts it.
    Then what the record published about it, and the stored ballots by tracker."""
    _django()
    from django.utils import timezone

    from asamblea.elections.models import Ballot, Election
    from asamblea.elections.scheduler import tick
    from asamblea.record.models import Entry
    from support.sealed import ballot_says

    election = Election.objects.get(pk=election_id)
    # The ballots are sealed: read them with the vote's key before the close deletes it.
    stored = {b.tracker: ballot_says(b) for b in Ballot.objects.filter(election=election)}
    opened = election.roll_frozen_at
    Election.objects.filter(pk=election_id).update(
        nominations_close_at=opened, voting_opens_at=opened, voting_closes_at=timezone.now()
    )
    assert tick(timezone.now())["elections"] >= 1
    election = Election.objects.get(pk=election_id)
    payloads = [
        json.loads(payload)
        for payload in Entry.objects.filter(
            federation=election.federation, type__in=["ballot.tracker", "election.counted"]
        ).values_list("payload", flat=True)
    ]
    mine = [p for p in payloads if p.get("election") == election_id]
    counted = next(p for p in mine if p["type"] == "election.counted")
    return {
        "status": election.status,
        "casts": (election.result or {}).get("casts"),
        "trackers": [p["tracker"] for p in mine if p["type"] == "ballot.tracker"],
        "ballots": counted["ballots"],
        "names": {str(c.pk): c.public_name for c in election.candidacies.all()},
        "stored": stored,
    }


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "setup":
        answer = _setup(int(arguments[0]), int(arguments[1]))
    else:
        answer = _close(int(arguments[0]))
    print(json.dumps(answer))
