"""Background tasks (django-tasks, database queue; `asamblea worker` runs them).

Arguments are ids only, so the queue's table holds no personal data; a task that
fails would store its exception there, so the delivery task catches its channel's
errors itself (asamblea.notices.services.delivery).
"""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from asamblea.notices import services


@task()
def announce_entries(federation_id: int, indexes: list[int]) -> int:
    """Notices for the record entries just appended; queue their sending. Returns notices."""
    told = due = 0
    for index in indexes:
        announcement = services.announcement_for_entry(federation_id, index)
        if announcement is not None:
            made, now = services.do_announce(announcement)
            told, due = told + made, due + now
    if due:
        deliver.enqueue()
    return told


@task()
def announce_membership(membership_id: int, action: str) -> int:
    announcement = services.announcement_for_membership(membership_id, action)
    if announcement is None:
        return 0
    told, due = services.do_announce(announcement)
    if due:
        deliver.enqueue()
    return told


@task()
def deliver(up_to: str = "") -> int:
    """Send what is due (at `up_to`, an ISO time, or now); returns messages sent."""
    return services.do_deliver_due(datetime.fromisoformat(up_to) if up_to else None)
