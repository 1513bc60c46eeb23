"""What the notices app hears from the layers below (asamblea.hooks): it queues a task,
in a savepoint, and never breaks the change that caused it."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from asamblea import hooks
from asamblea.notices import tasks
from asamblea.notices.services.fanout import ENTRY_TYPES

logger = logging.getLogger("asamblea.notices")


@hooks.recorded.register(name="notices")
def entries_recorded(federation: Any, entries: list[Any]) -> None:
    indexes = [entry.index for entry in entries if entry.type in ENTRY_TYPES]
    if not indexes:
        return
    try:
        with transaction.atomic():
            tasks.announce_entries.enqueue(federation.pk, indexes)
    except Exception:
        # The change stands without its notices; ids only in the log.
        logger.exception(
            "could not queue the notices of %s entries of federation %s",
            len(indexes),
            federation.pk,
        )


@hooks.membership_decided.register(name="notices")
def membership_decided(membership: Any, action: str) -> None:
    try:
        with transaction.atomic():
            tasks.announce_membership.enqueue(membership.pk, action)
    except Exception:
        logger.exception("could not queue the notice of membership %s", membership.pk)
