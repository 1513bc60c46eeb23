"""Notices test helpers: a real SMTP server (aiosmtpd) on this machine, and the queued
tasks run by django-tasks' own worker code, in the test's transaction."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.raw.append(content)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """An SMTP server on 127.0.0.1 that keeps what it receives; stop() and start() again
    on the same port (a mail server that goes away and comes back)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def run_queued_tasks() -> int:
    """Run every task waiting on the database queue, as `asamblea worker` does (its
    Worker.run_task), in this thread and transaction; returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (waiting := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        waiting.claim(worker.worker_id)
        worker.run_task(waiting)
        waiting.refresh_from_db()
        assert waiting.status == "SUCCESSFUL", waiting.traceback
        ran += 1
        assert ran < 100, "tasks keep queueing tasks"
    return ran
