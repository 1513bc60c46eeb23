"""Background tasks of the elections app, on the django-tasks queue.

django-tasks is the backport of Django 6's tasks framework: on Django 6 the
import becomes `from django.tasks import task` and nothing else changes.
"""

from __future__ import annotations

from django_tasks import task

from asamblea.elections.scheduler import tick


@task()
def run_tick() -> dict[str, int]:
    """One tick: every election (and recall) step that is due now."""
    return tick()
