"""The tick opens and closes elections on time, catches up after missed ticks, and
never does a step twice; the worker runs it from the django-tasks queue."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from asamblea import hooks
from asamblea.cli.worker import BackgroundWorker, enqueue_tick_if_none_waiting
from asamblea.elections import scheduler, services
from asamblea.elections.models import Election
from asamblea.record.models import Entry
from elections.helpers import open_election, voters


def entry_types(federation) -> list[str]:
    return list(
        Entry.objects.filter(federation=federation).order_by("index").values_list("type", flat=True)
    )


def with_candidates(federation, **kwargs):
    members = voters(federation, "base-1", 3)
    election = open_election(federation, seats=1, **kwargs)
    for member in members[:2]:
        services.do_stand(member, election)
    return election, members


def test_each_step_happens_at_its_time_and_only_once(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    now = timezone.now()
    election, members = with_candidates(
        federation,
        times={
            "nominations_close_at": now + timedelta(minutes=10),
            "voting_opens_at": now + timedelta(minutes=20),
            "voting_closes_at": now + timedelta(minutes=30),
        },
    )

    def status_at(minutes: int) -> str:
        scheduler.tick(now + timedelta(minutes=minutes))
        election.refresh_from_db()
        return election.status

    assert status_at(5) == Election.Status.NOMINATIONS
    assert status_at(11) == Election.Status.READY
    assert status_at(12) == Election.Status.READY
    assert status_at(21) == Election.Status.VOTING
    services.do_cast_ballot(members[2], election, [services.standing(election)[0].pk])
    assert status_at(31) == Election.Status.CLOSED
    before = entry_types(federation)
    # Later ticks, even with an earlier clock, change nothing and publish nothing more.
    for minutes in (31, 32, 25, 60):
        assert scheduler.tick(now + timedelta(minutes=minutes))["elections"] == 0
    assert entry_types(federation) == before
    assert before.count("election.counted") == 1
    assert before.count("election.voting_opened") == 1


def test_one_late_tick_catches_up_every_missed_step(federation):
    now = timezone.now()
    election, _members = with_candidates(
        federation,
        times={
            "nominations_close_at": now + timedelta(minutes=1),
            "voting_opens_at": now + timedelta(minutes=2),
            "voting_closes_at": now + timedelta(minutes=3),
        },
    )
    done = scheduler.tick(now + timedelta(hours=5))
    assert done["elections"] == 3
    election.refresh_from_db()
    assert election.status == Election.Status.CLOSED
    types = entry_types(federation)
    assert (
        types.index("election.nominations_closed")
        < types.index("election.voting_opened")
        < types.index("election.counted")
    )


def test_a_page_view_catches_up_when_the_tick_is_late(federation):
    now = timezone.now()
    election, _members = with_candidates(
        federation,
        times={
            "nominations_close_at": now + timedelta(minutes=1),
            "voting_opens_at": now + timedelta(minutes=1),
            "voting_closes_at": now + timedelta(hours=1),
        },
    )
    assert scheduler.catch_up(election, now + timedelta(minutes=2)).status == "voting"


def test_a_failing_tick_function_does_not_stop_the_others(federation):
    calls = []

    @scheduler.register_tick("zz-broken")
    def broken(now):
        raise RuntimeError("boom")

    @scheduler.register_tick("zz-fine")
    def fine(now):
        calls.append(now)
        return 1

    try:
        done = scheduler.tick()
    finally:
        hooks.tick.unregister("zz-broken")
        hooks.tick.unregister("zz-fine")
    assert done["zz-broken"] == -1 and done["zz-fine"] == 1 and len(calls) == 1


def test_a_tick_is_queued_once_however_often_the_scheduler_wakes(db):
    from django_tasks_db.models import DBTaskResult

    assert enqueue_tick_if_none_waiting() is True
    assert enqueue_tick_if_none_waiting() is False
    assert DBTaskResult.objects.count() == 1


@pytest.mark.postgres_only
def test_two_ticks_at_once_close_an_election_once(transactional_db, federation):
    import threading

    from django.db import connection

    now = timezone.now()
    with_candidates(
        federation,
        times={
            "nominations_close_at": now + timedelta(minutes=1),
            "voting_opens_at": now + timedelta(minutes=1),
            "voting_closes_at": now + timedelta(minutes=2),
        },
    )
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        scheduler.tick(now + timedelta(minutes=5))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    types = entry_types(federation)
    assert types.count("election.counted") == 1
    assert types.count("election.voting_opened") == 1
    assert types.count("election.nominations_closed") == 1


def test_the_worker_closes_an_election_with_nobody_online(transactional_db, federation):
    """The real task runner: the scheduler thread queues ticks, the worker runs them."""
    later = timezone.now() + timedelta(hours=1)
    election, _members = with_candidates(
        federation,
        times={
            "nominations_close_at": later,
            "voting_opens_at": later + timedelta(minutes=1),
            "voting_closes_at": later + timedelta(minutes=2),
        },
    )
    # Every step already due once the candidates stand, however slow the setup was on a
    # busy machine: the worker's first ticks must take the election through to its close.
    past = timezone.now() - timedelta(seconds=3)
    Election.objects.filter(pk=election.pk).update(
        nominations_close_at=past,
        voting_opens_at=past + timedelta(seconds=1),
        voting_closes_at=past + timedelta(seconds=2),
    )
    worker = BackgroundWorker(tick_seconds=0.5).start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            election.refresh_from_db()
            if election.status == Election.Status.CLOSED:
                break
            time.sleep(0.3)
    finally:
        worker.stop()
    assert election.status == Election.Status.CLOSED
