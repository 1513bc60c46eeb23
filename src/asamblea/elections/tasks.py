"""Kept so that a tick queued before the upgrade (task path
`asamblea.elections.tasks.run_tick`) still runs: the task is `asamblea.scheduler.run_tick`."""

from __future__ import annotations

from asamblea.scheduler import run_tick

__all__ = ["run_tick"]
