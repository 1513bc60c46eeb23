"""One member, one vote under concurrency, against real PostgreSQL (threads, own connections)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from asamblea.elections import services
from asamblea.elections.models import Ballot, Election, VoteCast
from asamblea.errors import Conflict
from elections.helpers import open_election, voters
from support.sealed import ballot_says
from support.threads import all_at_once

pytestmark = [pytest.mark.postgres_only]
THREADS = 16


def voting(federation, n_voters: int) -> tuple[Election, list[Any], list[int]]:
    members = voters(federation, "base-1", n_voters)
    election = open_election(federation, seats=1)
    candidates = [services.do_stand(m, election).pk for m in members[:2]]
    services.do_open_voting(election)
    return election, members, candidates


def test_many_simultaneous_casts_by_one_member_count_once(transactional_db, federation):
    election, members, (first, second) = voting(federation, 3)
    voter = members[2]
    results = all_at_once(
        [
            lambda n=n: services.do_cast_ballot(voter, election, [first if n % 2 else second])
            for n in range(THREADS)
        ]
    )
    # The refusals are Conflicts (AlreadyVoted: a second ballot without the code).
    kinds = Counter(
        "Conflict" if isinstance(result, Conflict) else type(result).__name__ for result in results
    )
    assert kinds == {"CastReceipt": 1, "Conflict": THREADS - 1}, kinds
    assert VoteCast.objects.filter(election=election).count() == 1
    assert Ballot.objects.filter(election=election).count() == 1
    (receipt,) = [r for r in results if isinstance(r, services.CastReceipt)]
    assert Ballot.objects.get(election=election).tracker == receipt.tracker


def test_simultaneous_replacements_leave_exactly_one_ballot(transactional_db, federation):
    election, members, (first, second) = voting(federation, 3)
    voter = members[2]
    receipt = services.do_cast_ballot(voter, election, [first])
    results = all_at_once(
        [
            lambda n=n: services.do_cast_ballot(
                voter, election, [first, second] if n % 2 else [second], ballot_code=receipt.ballot_code
            )
            for n in range(THREADS)
        ]
    )  # fmt: skip
    assert all(isinstance(r, services.CastReceipt) and r.replaced for r in results), results
    (ballot,) = Ballot.objects.filter(election=election)
    assert ballot.tracker == receipt.tracker
    assert ballot_says(ballot) in ([first, second], [second])


def test_every_acknowledged_cast_racing_the_close_is_counted(
    transactional_db, federation, settings
):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    election, members, (first, _second) = voting(federation, THREADS)
    jobs: list[Callable[[], Any]] = [
        lambda m=m: services.do_cast_ballot(m, election, [first]) for m in members
    ]
    jobs.insert(THREADS // 2, lambda: services.do_close_election(election))
    results = all_at_once(jobs)
    acknowledged = [r for r in results if isinstance(r, services.CastReceipt)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(acknowledged) + len(refused) == THREADS, results
    election.refresh_from_db()
    assert election.status == Election.Status.CLOSED
    assert election.result["papers"] == len(acknowledged)
    assert election.result["casts"] == len(acknowledged)
    counted_papers = int(election.result["count"]["valid_votes"] or 0)
    assert counted_papers == len(acknowledged)
