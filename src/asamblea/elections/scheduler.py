"""The elections app's step of the periodic tick: elections open and close on time.

`advance_elections(now)` is registered with `asamblea.hooks.tick` like any other
app's step; the runner is `asamblea.scheduler.tick`. Each step is idempotent: it
looks for what is due at `now` and moves each election one step under a row lock,
re-checking the status inside the lock, so a missed tick is harmless (the next one
catches up, several steps at once if need be) and two ticks running at the same
time (two workers) never do a step twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from asamblea import hooks
from asamblea.ballots import codes
from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.errors import AsambleaError
from asamblea.scheduler import tick

__all__ = ["advance_elections", "catch_up", "register_tick", "tick"]

logger = logging.getLogger(__name__)


def register_tick(name: str) -> Callable[[hooks.TickStep], hooks.TickStep]:
    """Old name of `hooks.tick.register(name=name)`: run `fn(now)` at every tick."""
    return hooks.tick.register(name=name)


STEPS: tuple[tuple[str, str, str, Callable[..., Election]], ...] = (
    # (what, status it leaves, the time field that makes it due, the service)
    ("closing nominations", Election.Status.NOMINATIONS, "nominations_close_at",
     services.do_close_nominations_on_time),
    ("opening the vote", Election.Status.READY, "voting_opens_at", services.do_open_voting),
    ("closing the vote", Election.Status.VOTING, "voting_closes_at", services.do_close_election),
)  # fmt: skip


def _step(label: str, election: Election, action: Callable[..., Election], now: datetime) -> int:
    """One step on one election; a step refused (another tick took it first) counts 0."""
    try:
        action(election, now=now)
    except AsambleaError as error:
        logger.info("election %s: %s skipped (%s)", election.pk, label, error)
        return 0
    return 1


@hooks.tick.register(name="elections", order=10)
def advance_elections(now: datetime) -> int:
    """Every election step due at `now`, in order, so one tick can catch up several."""
    steps = 0
    for label, status, due_field, action in STEPS:
        due = Election.objects.filter(status=status, **{f"{due_field}__lte": now}).order_by("pk")
        for election in due:
            steps += _step(label, election, action, now)
    for election in Election.objects.filter(
        status=Election.Status.VOTING, voting_closes_at__gt=now
    ).order_by("pk"):
        if services.do_reshuffle_ballots(election, now=now):
            steps += 1
    return steps


@hooks.overdue.register(name="elections")
def overdue_elections(cutoff: datetime) -> int:
    """Elections with a step due before `cutoff` still not taken (one count)."""
    late = Q()
    for _label, status, due_field, _action in STEPS:
        late |= Q(status=status, **{f"{due_field}__lt": cutoff})
    return Election.objects.filter(late).count()


def _due(election: Election, now: datetime) -> bool:
    """Whether a step is due for the election as read (its status and times)."""
    return any(
        election.status == status and getattr(election, due_field) <= now
        for _label, status, due_field, _action in STEPS
    )


def catch_up(election: Election, now: datetime | None = None) -> Election:
    """Take the steps due for this one election now. Pages call it, so a late tick
    never shows a vote as not yet open (or still open) when its time has come.

    `election` is as just read: when no step is due by its status and times (the
    usual case), it is returned as it is, with no query."""
    now = now or timezone.now()
    if not _due(election, now):
        return election
    for label, status, due_field, action in STEPS:
        election = Election.objects.get(pk=election.pk)
        if election.status == status and getattr(election, due_field) <= now:
            _step(label, election, action, now)
    # The public facts, read again as anyone may read them.
    return services.access_election(AnonymousUser(), election.federation, election.pk)


@hooks.ballot_votes_over.register(codes.ELECTION)
def elections_over(ids: list[int]) -> set[int]:
    """Elections counted (their close committed) or cancelled: their keys open nothing more."""
    over = (Election.Status.CLOSED, Election.Status.CANCELLED)
    return set(Election.objects.filter(pk__in=ids, status__in=over).values_list("pk", flat=True))
