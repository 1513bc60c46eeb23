"""Votes and referendums close on time by themselves: deliberation's step of the periodic
tick (asamblea.scheduler).

Each step is idempotent and taken under a row lock (see asamblea.hooks.tick),
so a missed tick is harmless and two ticks never close the same vote twice.
"""

from __future__ import annotations

from datetime import datetime

from asamblea import hooks
from asamblea.ballots import codes
from asamblea.deliberation import services
from asamblea.deliberation.models import Motion, Referendum


@hooks.tick.register(name="deliberation", order=30)
def advance_deliberation(now: datetime) -> int:
    """Close the motion votes and referendums that are due; rewrite the ballots of open
    secret votes and referendums when new ones arrived (their order must not follow the
    voting order)."""
    steps = services.close_due_votes(now) + services.close_due_referendums(now)
    for motion in Motion.objects.filter(status=Motion.Status.VOTING, secret=True).order_by("pk"):
        if services.do_reshuffle_motion(motion, now=now):
            steps += 1
    for referendum in Referendum.objects.filter(
        status=Referendum.Status.VOTING, closes_at__gt=now
    ).order_by("pk"):
        if services.do_reshuffle_referendum(referendum, now=now):
            steps += 1
    return steps


@hooks.overdue.register(name="deliberation")
def overdue_votes(cutoff: datetime) -> int:
    """Motion votes and referendums due to close before `cutoff`, still open (two counts)."""
    motions = Motion.objects.filter(status=Motion.Status.VOTING, closes_at__lt=cutoff).count()
    referendums = Referendum.objects.filter(
        status=Referendum.Status.VOTING, closes_at__lt=cutoff
    ).count()
    return motions + referendums


@hooks.ballot_votes_over.register(codes.MOTION)
def motions_over(ids: list[int]) -> set[int]:
    """Motions whose vote is closed (counted in the app or in the room), or that lapsed or
    were withdrawn: their keys open nothing more."""
    still = (Motion.Status.PROPOSED, Motion.Status.TABLED, Motion.Status.VOTING)
    return set(
        Motion.objects.filter(pk__in=ids).exclude(status__in=still).values_list("pk", flat=True)
    )


@hooks.ballot_votes_over.register(codes.REFERENDUM)
def referendums_over(ids: list[int]) -> set[int]:
    """Referendums counted (their close committed)."""
    closed = Referendum.Status.CLOSED
    return set(Referendum.objects.filter(pk__in=ids, status=closed).values_list("pk", flat=True))
