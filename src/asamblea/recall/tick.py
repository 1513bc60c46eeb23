"""The recall app's step at every scheduler tick: petitions past their deadline expire.

Recall votes are elections: the elections app's step of the tick opens and closes
them, and their close runs `services.close_recall` (the result, and the cascade if it passed).
"""

from __future__ import annotations

from datetime import datetime

from asamblea import hooks
from asamblea.recall import services


@hooks.tick.register(name="recall", order=20)
def recall_tick(now: datetime) -> int:
    """Expire the petitions due at `now`; idempotent (a second run finds none)."""
    return services.do_expire_petitions(now=now)
