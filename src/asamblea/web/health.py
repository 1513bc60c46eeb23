"""The health of an installation, for monitoring: `GET /healthz` and `asamblea health`.

Cheap (a handful of small queries) and public: nothing about any person, only
whether the database answers, how long ago the worker last finished a tick, how
many tasks wait in its queue, and how many timed steps (an election due to open
or close, a vote due to close: `asamblea.hooks.overdue`) are overdue.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from asamblea import hooks
from asamblea.web.errors import RETRY_AFTER_SECONDS

# A step due longer ago than this many ticks is overdue; so is a last tick older.
LATE_AFTER_TICKS = 3
# But never less than this, however often the tick runs.
LATE_AFTER_AT_LEAST = timedelta(minutes=2)


def late_after() -> timedelta:
    """How long after its time a step, or since the last tick, counts as late."""
    every = timedelta(seconds=float(settings.ELECTION_TICK_SECONDS))
    return max(every * LATE_AFTER_TICKS, LATE_AFTER_AT_LEAST)


@dataclass(frozen=True)
class Health:
    """What `check_health` found. `database`: it answered. `last_tick_seconds`: since the
    worker last finished a tick (None: none on record). `queued`: tasks waiting.
    `overdue`: per app, timed steps late by more than `late_after()`. `problem`: the
    database's error, for the operator's command only."""

    database: bool
    last_tick_seconds: float | None = None
    queued: int | None = None
    overdue: dict[str, int] = field(default_factory=dict)
    problem: str = ""

    @property
    def worker_late(self) -> bool:
        """The worker has not finished a tick lately, or has let steps fall behind."""
        if not self.database:
            return False
        late = late_after().total_seconds()
        stale = self.last_tick_seconds is None or self.last_tick_seconds > late
        return stale or any(self.overdue.values())

    @property
    def status(self) -> str:
        return "unavailable" if not self.database else "late" if self.worker_late else "ok"

    def summary(self) -> str:
        """One line for a log or a terminal."""
        if not self.database:
            return (
                "unavailable: the database did not answer as expected (if it has no tables "
                f"yet, run `asamblea migrate`): {self.problem}"
            )
        tick = (
            "no tick finished yet"
            if self.last_tick_seconds is None
            else f"last tick finished {self.last_tick_seconds:g} s ago"
        )
        overdue = ", ".join(f"{name} {count}" for name, count in self.overdue.items())
        return (
            f"{self.status}: the database answers; {tick}; {self.queued} task(s) queued; "
            f"overdue by more than {late_after().total_seconds():g} s: {overdue or 'nothing'}"
        )

    def as_dict(self) -> dict[str, object]:
        """What the public health page shows: not `problem`, which may name hosts."""
        figures = {k: v for k, v in asdict(self).items() if k != "problem"}
        return {"status": self.status, **figures}


def check_health(now: datetime | None = None) -> Health:
    """Ask the database; if it answers, the worker's figures too."""
    from django_tasks_db.models import DBTaskResult

    from asamblea.scheduler import run_tick

    now = now or timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        ticks = DBTaskResult.objects.successful().filter(task_path=run_tick.module_path)
        last = ticks.aggregate(last=Max("finished_at"))["last"]
        queued = DBTaskResult.objects.ready().count()
        cutoff = now - late_after()
        overdue = {name: count(cutoff) for name, count in hooks.overdue.named()}
    except DatabaseError as error:
        # The database's own message says why (it names hosts, never a person).
        return Health(database=False, problem=str(error).strip().splitlines()[0][:200])
    age = round((now - last).total_seconds(), 1) if last is not None else None
    return Health(database=True, last_tick_seconds=age, queued=queued, overdue=overdue)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the database answers (the figures say whether the worker keeps up),
    503 with Retry-After when it does not."""
    health = check_health()
    response = HttpResponse(
        json.dumps(health.as_dict()),
        content_type="application/json",
        status=200 if health.database else 503,
    )
    if not health.database:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
