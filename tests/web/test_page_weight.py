"""What a page weighs, as structure, not timing (the timings: benchmarks/page_weight.py).

Static files go out with hashed names, cached for good and compressed (WhiteNoise, once
`collectstatic` ran, as `asamblea serve` does); pages are compressed too, except those
that hold a secret (asamblea.web.compression); and each main page of the demo, with
every file it loads, fits the budget of issue 14: under 30 KB on a first visit, under
10 KB on the next one (when every file it loads is in the browser's cache).
"""

from __future__ import annotations

import gzip
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from asamblea.federation.models import Federation
from asamblea.federation.services import find_login
from support.server import Asamblea

FIRST_VISIT_BUDGET = 30_000
NEXT_VISIT_BUDGET = 10_000
YEAR = 365 * 24 * 3600
HASHED = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.\w+")
# What a page loads: stylesheets, scripts and icons (a <style> is part of the page).
LOADED = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')
# A linked stylesheet holds the first paint back, unless it is for another medium (print).
BLOCKING_STYLESHEET = re.compile(r'<link(?![^>]*media="print")[^>]+rel="stylesheet"')


def max_age(response: Any) -> int:
    found = re.search(r"max-age=(\d+)", response["Cache-Control"])
    return int(found.group(1)) if found else 0


def body(response: Any) -> bytes:
    """The bytes sent. A file's answer is read to the end, which closes it (the test
    client's wrapper does; closing it again would end the test's database connection)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.fixture
def collected(tmp_path: Path, settings: Any) -> Client:
    """The static files collected as `asamblea serve` collects them, into a folder of
    this test's; a client whose WhiteNoise serves that folder."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    call_command("collectstatic", interactive=False, verbosity=0)
    return Client()


@pytest.mark.django_db
def test_static_files_have_hashed_names_cached_for_years_and_come_compressed(
    collected: Client,
) -> None:
    page = collected.get("/accounts/login/").content.decode()
    htmx = re.search(r'src="(/static/asamblea/htmx\.min\.[0-9a-f]{12}\.js)"', page)
    assert htmx, "the page loads htmx under its hashed name"
    source = (Path(settings.STATICFILES_DIRS[0]) / "asamblea" / "htmx.min.js").read_bytes()

    plain = collected.get(htmx.group(1))
    assert plain.status_code == 200 and body(plain) == source
    assert max_age(plain) >= YEAR and "immutable" in plain["Cache-Control"]
    assert "Content-Encoding" not in plain

    as_brotli = collected.get(htmx.group(1), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert as_brotli["Content-Encoding"] == "br" and max_age(as_brotli) >= YEAR
    assert brotli.decompress(body(as_brotli)) == source
    assert len(body(as_brotli)) < len(source) / 3

    as_gzip = collected.get(htmx.group(1), HTTP_ACCEPT_ENCODING="gzip")
    assert as_gzip["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(as_gzip)) == source
    assert "Accept-Encoding" in as_gzip["Vary"]


@pytest.mark.django_db
def test_before_anything_is_collected_pages_name_the_plain_files_and_they_are_served(
    tmp_path: Path, settings: Any
) -> None:
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.STATIC_ROOT.mkdir()
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert 'src="/static/asamblea/htmx.min.js"' in page
    served = client.get("/static/asamblea/htmx.min.js")
    assert served.status_code == 200 and len(body(served)) > 10_000


# ---------------------------------------------------------------- the demo's main pages


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def main_pages(demo_output: str) -> Iterator[tuple[str, str | None]]:
    """(path, login or None) of the eight main pages of benchmarks/page_weight.py."""
    from asamblea.deliberation.models import Motion
    from asamblea.elections.models import Election

    ballot = re.search(r"Vote now in the open election: (/f/peru/e/\d+/ballot/)", demo_output)
    voter = re.search(r"with a login that has not voted yet: ([^\s,]+)", demo_output)
    assert ballot and voter
    counted = Election.objects.filter(status=Election.Status.CLOSED).first()
    motion = Motion.objects.filter(body__slug="nacional", kind=Motion.Kind.MOTION).first()
    assert counted and motion
    yield "/", None
    yield "/f/peru/b/nacional/", None
    yield "/f/peru/b/sutep-huamanga/", None
    yield "/me/", "miembro-sutep-huamanga-1"
    yield ballot.group(1), voter.group(1)
    yield f"/f/peru/e/{counted.pk}/", None
    yield f"/f/peru/m/{motion.pk}/", None
    yield "/f/peru/b/sutep-huamanga/join/", None
    # A member reads the public pages logged in, too.
    yield "/f/peru/b/nacional/", "miembro-sutep-huamanga-1"


def test_each_main_page_with_what_it_loads_fits_the_budget(
    demo: Federation, demo_loaded: str, collected: Client
) -> None:
    brotli_sizes: dict[str, int] = {}
    for path, username in main_pages(demo_loaded):
        client = Client()
        if username:
            login = find_login(username)
            assert login is not None
            client.force_login(login)
        page = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert page.status_code == 200, path
        assert page["Content-Encoding"] == "gzip", f"{path} is sent uncompressed"
        html = gzip.decompress(body(page)).decode()
        # Nothing to wait for before the first paint: the page's own styles are inside it.
        assert not BLOCKING_STYLESHEET.search(html), f"{path} waits for a stylesheet"
        assets = sorted(set(LOADED.findall(html)))
        assert assets, f"{path} loads no static file?"
        for asset in assets:
            assert HASHED.fullmatch(asset), f"{path} loads {asset} without a hashed name"
            if asset not in brotli_sizes:
                answer = collected.get(asset, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
                assert answer.status_code == 200 and max_age(answer) >= YEAR, asset
                brotli_sizes[asset] = len(body(answer))
        first_visit = len(page.content) + sum(brotli_sizes[a] for a in assets)
        assert first_visit < FIRST_VISIT_BUDGET, f"{path}: {first_visit} bytes on a first visit"
        # Next visit: every file it loads is cached for years; only the page comes again.
        assert len(page.content) < NEXT_VISIT_BUDGET, f"{path}: {len(page.content)} bytes"


def test_pages_with_a_secret_and_answers_to_posts_go_uncompressed(demo: Federation) -> None:
    member = Client()
    login = find_login("miembro-sutep-huamanga-1")
    assert login is not None
    member.force_login(login)
    own_data = member.get("/me/data/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert own_data.status_code == 200 and "Content-Encoding" not in own_data
    public = member.get("/f/peru/b/nacional/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert public["Content-Encoding"] == "gzip"
    # Heal the BREACH: Django pads each compressed answer with a random-length file name.
    fname_flag = 0x08
    assert body(public)[3] & fname_flag
    # An answer to a post (the join form sent back with what is missing).
    posted = Client().post("/f/peru/b/sutep-huamanga/join/", {}, HTTP_ACCEPT_ENCODING="gzip")
    assert posted.status_code == 200 and len(posted.content) > 1000
    assert "Content-Encoding" not in posted


# ---------------------------------------------------------------- the real command


def test_asamblea_serve_collects_the_static_files_before_it_serves(tmp_path: Path) -> None:
    server = Asamblea(tmp_path)
    server.run("migrate")
    server.start(["serve", "--threads", "2"], timeout=300)
    try:
        login_page = f"{server.url}/accounts/login/"
        with urllib.request.urlopen(login_page, timeout=60) as answer:  # noqa: S310 - http://127.0.0.1
            page = answer.read().decode()
        htmx = re.search(r'src="(/static/asamblea/htmx\.min\.[0-9a-f]{12}\.js)"', page)
        assert htmx, f"no hashed htmx on the login page:\n{server.output()}"
        request = urllib.request.Request(  # noqa: S310 - the server's http://127.0.0.1 address
            server.url + htmx.group(1), headers={"Accept-Encoding": "br"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            assert answer.headers["Content-Encoding"] == "br"
            assert "immutable" in answer.headers["Cache-Control"]
            assert len(answer.read()) < 20_000
    finally:
        server.stop()
