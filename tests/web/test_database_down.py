"""A database that stops and comes back under a running server: the reader gets a page
in their language that says what happened (503 with Retry-After, never Django's bare
"Server Error (500)"), and the first requests after the restart are served, not 500s
from stale connections (issue 15, faults 2 and 3)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pgcluster import Cluster
from support.server import Asamblea, Browser, asamblea_command

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Cluster, Asamblea]]:
    cluster = Cluster()
    cluster.start()
    try:
        cluster.create_database()
        server = Asamblea(tmp_path / "var", database_url=cluster.url)
        server.run("migrate")
        server.start(["serve", "--threads", "4"])
        try:
            yield cluster, server
        finally:
            server.stop()
    finally:
        cluster.remove()


def test_a_database_restart_goes_unnoticed_and_a_stopped_one_is_a_503_in_the_readers_language(
    served: tuple[Cluster, Asamblea],
) -> None:
    cluster, server = served
    site = Browser(server.url)
    # Restarted between requests: every app thread's connection died with the server,
    # and none may answer 500 for it.
    assert [site.get("/")[0] for _ in range(8)] == [200] * 8
    cluster.stop("immediate")
    cluster.start()
    assert [site.get("/")[0] for _ in range(12)] == [200] * 12
    assert site.get("/healthz")[0] == 200
    # Stopped: a page that says so, in the site's language, with Retry-After.
    cluster.stop("fast")
    status, content_type, page = site.get("/")
    assert status == 503, page
    assert content_type.startswith("text/html")
    assert "no puede conectarse con su base de datos" in page  # Spanish, the site's language
    assert "Traceback" not in page and "Server Error" not in page
    try:
        urllib.request.urlopen(server.url + "/", timeout=60)  # noqa: S310 - the test server
    except urllib.error.HTTPError as answer:
        assert answer.code == 503 and answer.headers["Retry-After"] == "30"
    else:
        pytest.fail("the page was served with the database stopped")
    api_status, _type, api_body = site.get("/api/v1/federations")
    assert api_status == 503 and '"unavailable"' in api_body
    # Monitoring is told too: the health page, and the command's exit status 2.
    health_status, health_type, health_body = site.get("/healthz")
    assert health_status == 503 and health_type == "application/json"
    assert json.loads(health_body) == {
        "status": "unavailable",
        "database": False,
        "last_tick_seconds": None,
        "queued": None,
        "overdue": {},
    }
    command = subprocess.run(
        [asamblea_command(), "health"], env=server.env, capture_output=True, text=True, timeout=120
    )
    assert command.returncode == 2 and command.stdout.startswith("unavailable"), command
    cluster.start()
    assert [site.get("/")[0] for _ in range(12)] == [200] * 12
    assert site.get("/healthz")[0] == 200
