"""Votes and referendums close on time by themselves: deliberation's step of the periodic
tick (asamblea.scheduler).

Each step is idempotent and taken under a row lock (see asamblea.hooks.tick),
so a missed tick is harmless and two ticks never close the same vote twice.
"""

from __future__ import annotations

from datetime import datetime

from asamblea import hooks
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
