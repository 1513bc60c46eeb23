"""`asamblea demo` loads the demo federation once and the pages a visitor opens first answer.

In-process on the test database (SQLite and PostgreSQL passes), and end to end
through the README's first command underneath: `asamblea up` (migrate, demo,
serve) in a subprocess on a fresh data folder, fetched over HTTP.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from asamblea.accounts.demo import DEMO_ACTIVATION_CODE, demo_code, demo_secret
from asamblea.accounts.services.activation import do_activate
from asamblea.accounts.services.second_factor import has_second_factor
from asamblea.federation import services
from asamblea.federation.demo import DEMO_PASSWORD
from asamblea.federation.models import Body, Delegation, Federation, Membership
from asamblea.record.models import Entry
from support.demo import run_demo
from support.server import Asamblea, Browser, demo_served

# (path, what the page must show besides its own name). The base is a union local
# of the demo, the provincial and regional assemblies the councils above it.
PAGES = {
    "home": "/",
    "national": "/f/peru/b/nacional/",
    "regional": "/f/peru/b/region-ayacucho/",
    "provincial": "/f/peru/b/provincia-huamanga/",
    "base": "/f/peru/b/sutep-huamanga/",
}


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's, the apps', third parties')."""
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def record_of(federation: Federation) -> list[tuple[int, str, str]]:
    return list(
        Entry.objects.filter(federation=federation)
        .order_by("index")
        .values_list("index", "type", "leaf_hash")
    )


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    """The demo federation; each test's changes are rolled back."""
    assert demo_loaded.startswith("Loaded the demo federation 'peru'")
    return Federation.objects.get(slug="peru")


def test_the_demo_loads_with_members_officers_and_printed_logins(
    demo: Federation, demo_loaded: str
) -> None:
    assert "dirigente-sutep-huamanga" in demo_loaded and DEMO_PASSWORD in demo_loaded
    # The admin and the officers have the printed second-factor key.
    assert demo_secret() in demo_loaded
    admin = services.find_login("admin")
    assert admin is not None and has_second_factor(admin)
    officer = services.find_login("dirigente-sutep-huamanga")
    assert officer is not None and has_second_factor(officer)
    bases = Body.objects.filter(federation=demo, kind=Body.Kind.BASE)
    sectors = set(bases.values_list("sector__key", flat=True))
    assert {"territorial", "trabajadores", "estudiantes", "campesinos", "indigenas"} <= sectors
    assert all(b.verified_members > 0 for b in bases)
    national = Body.objects.get(federation=demo, slug="nacional")
    assert national.verified_members > 0
    # Every council's apportioned seats add up to its seats.
    for council in Body.objects.filter(federation=demo, seat_total__isnull=False):
        seats = Delegation.objects.filter(council=council, fixed_seats__isnull=True)
        if seats.exists():
            assert sum(d.next_seats for d in seats) == council.seat_total, council.slug
    # The counts kept as members were verified are those a recount from scratch gives.
    before = dict(Body.objects.filter(federation=demo).values_list("slug", "verified_members"))
    assert services.do_recompute_seats(demo) == 0
    after = dict(Body.objects.filter(federation=demo).values_list("slug", "verified_members"))
    assert after == before


def test_loading_the_demo_twice_changes_nothing(demo: Federation) -> None:
    counts, record = table_counts(), record_of(demo)
    assert counts["federation_person"] > 0 and record
    out = run_demo()
    assert out.startswith("Already loaded, nothing changed")
    assert table_counts() == counts
    assert record_of(demo) == record


def _text(page: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces folded."""
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(without_tags).split())


def expected_content(federation: Federation) -> dict[str, list[str]]:
    """What each demo page must say: its name, its figures, the bodies around it."""

    def facts(slug: str) -> list[str]:
        body = Body.objects.get(federation=federation, slug=slug)
        children = Delegation.objects.filter(council=body).select_related("source")
        return [body.name, *(d.source.name for d in children)]

    def count(slug: str) -> str:
        return str(Body.objects.get(federation=federation, slug=slug).verified_members)

    return {
        "home": [federation.name, "Asamblea Nacional", count("nacional")],
        "national": [*facts("nacional"), "Asamblea Regional de Ayacucho", count("nacional")],
        "regional": [*facts("region-ayacucho"), count("region-ayacucho")],
        "provincial": [
            *facts("provincia-huamanga"),
            "SUTEP Base Huamanga",
            "Asamblea Regional de Ayacucho",
            count("provincia-huamanga"),
        ],
        "base": ["SUTEP Base Huamanga", "Asamblea Provincial de Huamanga", count("sutep-huamanga")],
    }


@pytest.mark.parametrize("page", list(PAGES))
def test_the_demo_pages_answer_with_their_content(demo: Federation, page: str) -> None:
    response = Client().get(PAGES[page])
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="es">' in content  # the Peru demo speaks Spanish by default
    text = _text(content)
    for expected in expected_content(demo)[page]:
        assert expected in text, f"{PAGES[page]} does not show {expected!r}"
    if page == "base":
        assert "/f/peru/b/sutep-huamanga/join/" in content


# ---------------------------------------------------------------- the real command


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres_only),
    ]
)
def served_demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Asamblea]:
    """`asamblea up` (what `python3 run.py demo` runs) on a fresh data folder."""
    with demo_served(tmp_path, request.param) as (server, _url):
        yield server


SERVED_NAMES = {
    "home": ["Asamblea Nacional Popular del Perú", "Asamblea Nacional"],
    "national": ["Asamblea Nacional", "Asamblea Regional de Ayacucho"],
    "regional": ["Asamblea Regional de Ayacucho", "Asamblea Provincial de Huamanga"],
    "provincial": ["Asamblea Provincial de Huamanga", "SUTEP Base Huamanga"],
    "base": ["SUTEP Base Huamanga", "Asamblea Provincial de Huamanga"],
}


def test_the_first_command_brings_up_the_demo(served_demo: Asamblea) -> None:
    out = served_demo.output()
    assert "Loaded the demo federation 'peru'" in out
    assert "dirigente-sutep-huamanga" in out and DEMO_PASSWORD in out
    visitor = Browser(served_demo.url)
    for page, path in PAGES.items():
        status, content_type, body = visitor.get(path)
        assert status == 200, f"{page} {path}: {status}\n{served_demo.output()}"
        assert content_type.startswith("text/html")
        text = _text(body)
        for name in SERVED_NAMES[page]:
            assert name in text, f"{path} does not show {name!r}"
        verified = re.search(r'id="verified-members">(\d+)<', body)
        if page != "home":
            assert verified and int(verified.group(1)) > 0, f"{path}: no verified members shown"
    # The page's style and htmx are served too, or the phone gets a bare page.
    for asset, kind in [("asamblea/asamblea.css", "text/css"), ("asamblea/htmx.min.js", "java")]:
        status, content_type, _body = visitor.get(f"/static/{asset}")
        assert status == 200 and kind in content_type, f"{asset}: {status} {content_type}"

    # A printed demo login works: the officer of the base sees its applications.
    officer = Browser(served_demo.url)
    members = "/f/peru/b/sutep-huamanga/members/"
    # The demo federation asks its officers for a second factor: the demo prints how.
    assert "asamblea demo-code" in out
    landed = officer.log_in("dirigente-sutep-huamanga", DEMO_PASSWORD, then=members, code=demo_code)
    assert landed.endswith(members)
    status, _type, page = officer.get(members)
    assert status == 200 and 'id="pending"' in page and "/decide/" in page


def test_the_demo_prints_an_unused_activation_code_that_makes_a_members_login(
    demo: Federation, demo_loaded: str
) -> None:
    assert DEMO_ACTIVATION_CODE in demo_loaded and "/accounts/activate/" in demo_loaded
    login = do_activate(DEMO_ACTIVATION_CODE.lower(), "nelida", "a long good password")
    membership = Membership.objects.get(person__user=login)
    assert membership.body.slug == "sutep-huamanga"
    assert membership.status == Membership.Status.VERIFIED
