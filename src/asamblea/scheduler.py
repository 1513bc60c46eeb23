"""The periodic tick: votes open and close on time by themselves, with nobody online.

`tick(now)` runs every step registered with `asamblea.hooks.tick` (the elections,
recall and deliberation apps each register theirs), in order. The worker
(`asamblea worker`, started by `asamblea up` too) enqueues `run_tick` every
ELECTION_TICK_SECONDS on the django-tasks database queue and runs it.

django-tasks is the backport of Django 6's tasks framework: on Django 6 the
import becomes `from django.tasks import task` and nothing else changes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks import task

from asamblea import hooks

logger = logging.getLogger(__name__)


def tick(now: datetime | None = None) -> dict[str, int]:
    """Run every registered tick step; returns {name: steps it took}.

    A step that fails is logged, counts -1, and the others still run: one broken
    election must not keep the rest from opening and closing.
    """
    now = now or timezone.now()
    done: dict[str, int] = {}
    for name, step in hooks.tick.named():
        try:
            done[name] = step(now)
        except (OperationalError, InterfaceError) as error:
            # The database went away (restarted, cut off, full): no bug to trace, one line;
            # the step's transaction rolled back and a later tick does it.
            reason = (str(error).strip().splitlines() or [repr(error)])[0]
            logger.error("tick %s failed, the database refused or went away: %s", name, reason)
            done[name] = -1
            continue
        except Exception:
            logger.exception("tick %s failed", name)
            done[name] = -1
    return done


@task()
def run_tick() -> dict[str, int]:
    """One tick: every step that is due now."""
    return tick()
