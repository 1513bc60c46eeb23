"""`asamblea worker`: runs background tasks and the periodic tick, so elections (and
recall petitions and votes) open and close on time with nobody online.

    asamblea worker [--tick-seconds S]   run until stopped (Ctrl+C or SIGTERM)
    asamblea worker --once               run one tick now, print what it did, exit

The worker is django-tasks' database worker (tasks queue in the app's own
database, no other service) plus a scheduler loop that puts a tick task on the
queue every S seconds (ELECTION_TICK_SECONDS, default 30) unless one is already
waiting. The tick is idempotent, so several workers, a missed tick or a restart
in the middle of one do no harm. `asamblea up` starts the same thing in
background threads next to the web server.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from asamblea.cli import _django

logger = logging.getLogger("asamblea.worker")

PRUNE_EVERY_SECONDS = 3600.0
# A line in the log saying how the installation is (as `asamblea health` does), this often.
HEALTH_EVERY_SECONDS = 600.0
# After losing the database, wait this long before trying again, at first and at most.
RETRY_FIRST_SECONDS = 1.0
RETRY_MOST_SECONDS = 15.0
# A tick task still RUNNING this long after it started was killed mid-tick.
STALE_RUNNING_SECONDS = 3600.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run background tasks and the tick that opens and closes elections on time",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--tick-seconds",
        type=float,
        default=None,
        help="seconds between ticks (default: the ELECTION_TICK_SECONDS setting, 30)",
    )
    parser.add_argument("--once", action="store_true", help="run one tick now and exit")
    parser.set_defaults(handler=worker_command)


@dataclass
class BackgroundWorker:
    """The task worker and the tick scheduler, each in a thread; `stop()` ends both."""

    tick_seconds: float
    # Seconds the database may stay unreachable before the worker gives up (so that a
    # supervisor restarts the process); 0: never give up.
    give_up_seconds: float = 0.0
    stopping: threading.Event = field(default_factory=threading.Event)
    # Set when the worker gave up on the database; `stopping` is set with it.
    failed: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    task_worker: Any = None
    # monotonic time since which the database has been unreachable, or None.
    unreachable_since: float | None = None

    def start(self) -> BackgroundWorker:
        from django.conf import settings
        from django.utils.crypto import get_random_string
        from django_tasks_db.management.commands.db_worker import Worker

        if not settings.DEBUG:
            # One line per task every tick would bury the log; failures still show.
            logging.getLogger("django_tasks").setLevel(logging.WARNING)
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self.task_worker = Worker(
            queue_names=["default"],
            interval=1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"asamblea-{get_random_string(12)}",
            excluded_queue_names=[],
        )
        for target, name in ((self._run_tasks, "tasks"), (self._schedule, "tick")):
            thread = threading.Thread(target=target, name=f"asamblea-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.task_worker is not None:
            self.task_worker.running = False
        for thread in self.threads:
            thread.join(timeout)

    def _run_tasks(self) -> None:
        """Run queued tasks until stopped. A lost database (restarted, cut off) ends
        django-tasks' loop with an exception: start it again, waiting longer each time,
        so that the worker never goes deaf while its process lives on."""
        from django.db import connections

        wait = RETRY_FIRST_SECONDS
        while not self.stopping.is_set():
            try:
                self.task_worker.running = True
                self.task_worker.run()
            except Exception as error:
                self._database_lost(error)
                self.stopping.wait(wait)
                wait = min(wait * 2, RETRY_MOST_SECONDS)
            else:
                wait = RETRY_FIRST_SECONDS
            finally:
                connections.close_all()

    def _database_lost(self, error: Exception) -> None:
        now = time.monotonic()
        if self.unreachable_since is None:
            self.unreachable_since = now
            # One line, not a traceback: the database's own message says why.
            logger.error("the task worker lost the database, retrying: %s", error)
        away = now - self.unreachable_since
        if self.give_up_seconds and away >= self.give_up_seconds:
            logger.error(
                "the database has been unreachable for %.0f s: the worker stops so that "
                "its supervisor can restart it",
                away,
            )
            self.failed.set()
            self.stopping.set()

    def _database_back(self) -> None:
        if self.unreachable_since is not None:
            logger.warning(
                "the database is back after %.0f s", time.monotonic() - self.unreachable_since
            )
            self.unreachable_since = None

    def _schedule(self) -> None:
        from django.db import connections

        last_prune = 0.0
        # The first line once the first tick had its chance to run.
        last_health = time.monotonic() - HEALTH_EVERY_SECONDS + 2 * self.tick_seconds
        while not self.stopping.is_set():
            try:
                enqueue_tick_if_none_waiting()
                self._database_back()
                if time.monotonic() - last_prune >= PRUNE_EVERY_SECONDS:
                    prune_finished_ticks()
                    last_prune = time.monotonic()
                if time.monotonic() - last_health >= HEALTH_EVERY_SECONDS:
                    log_health()
                    last_health = time.monotonic()
            except Exception as error:
                # The database may be briefly away; the next round tries again.
                self._database_lost(error)
            finally:
                connections.close_all()
            self.stopping.wait(self.tick_seconds)


def enqueue_tick_if_none_waiting() -> bool:
    """Put a tick on the queue unless one is already waiting; True if one was added."""
    from django_tasks_db.models import DBTaskResult

    from asamblea.scheduler import run_tick

    if DBTaskResult.objects.ready().filter(task_path=run_tick.module_path).exists():
        return False
    run_tick.enqueue()
    return True


def log_health() -> None:
    """One line in the log: the database, the last tick, the queue, what is overdue."""
    from asamblea.web.health import check_health

    health = check_health()
    level = logging.INFO if health.status == "ok" else logging.WARNING
    logger.log(level, "health: %s", health.summary())


def prune_finished_ticks() -> None:
    """Forget tick results older than a day (a tick a minute would fill the table), and
    ticks left RUNNING by a worker killed mid-tick (the tick is idempotent: the next one
    does what that one did not)."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from asamblea.scheduler import run_tick

    call_command("prune_db_task_results", min_age_days=1, verbosity=0)
    stale = timezone.now() - timedelta(seconds=STALE_RUNNING_SECONDS)
    DBTaskResult.objects.running().filter(
        task_path=run_tick.module_path, started_at__lt=stale
    ).delete()


def start_background_worker(
    tick_seconds: float | None = None, give_up_seconds: float = 0.0
) -> BackgroundWorker:
    """Start the worker and the tick in daemon threads of this process (`asamblea up`)."""
    from django.conf import settings

    seconds = tick_seconds if tick_seconds is not None else settings.ELECTION_TICK_SECONDS
    return BackgroundWorker(tick_seconds=seconds, give_up_seconds=give_up_seconds).start()


def _setup_when_the_database_answers() -> bool:
    """Start Django, waiting for a database that does not answer yet (restarting, or
    started after the worker) as the running worker does: False if it stays away longer
    than WORKER_GIVE_UP_SECONDS, so that the supervisor restarts the worker."""
    _django.setup(tables=False)
    from django.conf import settings
    from django.db import InterfaceError, OperationalError, connections

    give_up = float(settings.WORKER_GIVE_UP_SECONDS)
    started = time.monotonic()
    wait = RETRY_FIRST_SECONDS
    while True:
        try:
            _django.require_migrated()
            return True
        except (OperationalError, InterfaceError) as error:
            away = time.monotonic() - started
            if give_up and away >= give_up:
                print(
                    "asamblea: the worker did not start: the database stayed unreachable for "
                    f"{away:.0f} s (WORKER_GIVE_UP_SECONDS): {error}",
                    file=sys.stderr,
                )
                return False
            logger.warning("the database does not answer yet, retrying: %s", error)
            connections.close_all()
            time.sleep(wait)
            wait = min(wait * 2, RETRY_MOST_SECONDS)


def worker_command(args: argparse.Namespace) -> int:
    if args.once:
        _django.setup()
        from asamblea.scheduler import tick

        done = tick()
        print(", ".join(f"{name}: {steps} step(s)" for name, steps in done.items()) or "nothing")
        return 1 if any(steps < 0 for steps in done.values()) else 0
    if not _setup_when_the_database_answers():
        return 1
    from django.conf import settings

    worker = start_background_worker(args.tick_seconds, settings.WORKER_GIVE_UP_SECONDS)
    print(
        f"Asamblea worker running: a tick every {worker.tick_seconds:g} s (Ctrl+C stops it)",
        flush=True,
    )
    stopped = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopped.wait(1.0):
        if worker.failed.is_set():
            break
    worker.stop()
    if worker.failed.is_set():
        print(
            "asamblea: the worker stopped: the database stayed unreachable for "
            f"{worker.give_up_seconds:g} s (WORKER_GIVE_UP_SECONDS).",
            file=sys.stderr,
        )
        return 1
    return 0
