"""The health check for monitoring: GET /healthz and `asamblea health` say whether the
database answers and whether the worker keeps up, with nothing about any person."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from asamblea.cli.main import main
from asamblea.scheduler import run_tick
from elections.helpers import open_election
from support.factories import make_federation


def _health(client: Client) -> dict[str, object]:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return dict(response.json())


def _run_queued_tasks() -> None:
    """What `asamblea worker` does with its queue, once: django-tasks' own worker (which
    closes the database connections when done: hence transactional_db in these tests)."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_a_worker_that_never_ticked_is_late_and_one_that_did_is_well(
    client: Client, transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    health = _health(client)
    assert health == {
        "status": "late",
        "database": True,
        "last_tick_seconds": None,
        "queued": 0,
        "overdue": {"elections": 0, "deliberation": 0},
    }
    assert main(["health"]) == 1
    assert "no tick finished yet" in capsys.readouterr().out
    run_tick.enqueue()
    assert _health(client)["queued"] == 1
    _run_queued_tasks()
    health = _health(client)
    assert health["status"] == "ok" and health["queued"] == 0
    assert isinstance(health["last_tick_seconds"], float) and health["last_tick_seconds"] < 60
    assert main(["health", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"


def test_an_election_left_past_its_time_is_overdue(
    client: Client, transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run_tick.enqueue()
    _run_queued_tasks()
    past = timezone.now() - timedelta(hours=1)
    open_election(
        make_federation(),
        times={
            "nominations_close_at": past,
            "voting_opens_at": past + timedelta(minutes=1),
            "voting_closes_at": timezone.now() + timedelta(hours=1),
        },
    )
    health = _health(client)
    assert health["status"] == "late"
    assert health["overdue"] == {"elections": 1, "deliberation": 0}
    assert main(["health"]) == 1
    assert "elections 1" in capsys.readouterr().out
