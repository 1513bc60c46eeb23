"""The tick step: queue the sending of what is due again (retries, the daily digest)."""

from __future__ import annotations

from datetime import datetime

from django_tasks_db.models import DBTaskResult

from asamblea import hooks
from asamblea.notices import tasks
from asamblea.notices.services.delivery import has_due


@hooks.tick.register(name="notices", order=90)
def queue_due_deliveries(now: datetime) -> int:
    """1 if a delivery task was queued for what is due at `now`, else 0."""
    if not has_due(now):
        return 0
    if DBTaskResult.objects.ready().filter(task_path=tasks.deliver.module_path).exists():
        return 0
    tasks.deliver.enqueue(now.isoformat())
    return 1
