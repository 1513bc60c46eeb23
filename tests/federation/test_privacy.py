"""A member's name and contact details never reach a public page, the API or a log line.

A canary person (a name, phone and e-mail found nowhere else) applies through the
public join form and is verified by their officer, with every logger of the
process recording at DEBUG. Then every page the site serves is fetched, as an
anonymous visitor and as a verified member of another body: each URL pattern
filled in for each body of the federation (the HTML pages and the JSON API
alike), plus every link found on the pages fetched. The canary must appear in
no answer (body or header), no log record and nothing printed. The officers of
the canary's own body must see it (that is their job) - which also proves the
search would find it.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from asamblea.federation.models import Body, Federation, Membership
from asamblea.federation.services import do_decide_membership
from support.factories import (
    add_member,
    body,
    make_federation,
    make_officer,
    make_user,
    small_federation_spec,
)
from support.language import english
from support.people import people_named
from support.second_factor import TEST_KEY
from support.server import Asamblea, Browser

CANARY_NAME = "Qorianka Xqcanary Tupa"
CANARY_PHONE = "+51 944 123 987"
CANARY_EMAIL = "qorianka.xq41@example.pe"
# Every form the values might take on the way: parts of the name, the phone with and
# without its spaces and prefix, the e-mail's user part (raw or URL-encoded).
NEEDLES = ["qorianka", "xqcanary", "944123987", "944 123 987", "xq41", "xq41%40"]

ONCE = re.compile(r'name="once" value="([^"]+)"')
HREF = re.compile(r'href="(/[^"#]*)')
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle in lowered]


class AllLogs(logging.Handler):
    """Records every log record of every logger, formatted with its traceback, if any."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[AllLogs]:
    """Every logger at DEBUG, the ones that do not pass records up to the root included
    (django.request, axes: their records would bypass a root-only capture)."""
    handler = AllLogs()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        if logger is root or not logger.propagate:
            logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level in saved:
            logger.setLevel(level)
            logger.removeHandler(handler)


@dataclass
class Setting:
    federation: Federation
    canary: Membership
    officer: Any
    fellow_member: Any  # a verified member of the canary's own body
    outsider: Any  # a verified member of another body
    own_posts: list[HttpResponse] = field(default_factory=list)


def _once(page: HttpResponse) -> str:
    return ONCE.findall(page.content.decode())[0]


@pytest.fixture
def setting(db: None, all_logs: AllLogs) -> Setting:
    """The federation after the canary applied (one slip, then right) and was verified."""
    federation = make_federation()
    officer = make_officer(federation, "base-1")
    fellow = make_user("member-base-1")
    add_member(federation, "base-1", "Rosa Mamani", user=fellow)
    outsider = make_user("member-base-2")
    add_member(federation, "base-2", "Juan Quispe", user=outsider, email="juan@example.pe")
    sector = federation.sectors.get(key="territorial")
    applicant = english(Client())
    join = "/f/test/b/base-1/join/"
    fields = {"full_name": CANARY_NAME, "phone": CANARY_PHONE, "sector": sector.pk}
    own = [
        applicant.post(
            join, {**fields, "email": "qorianka.xq41@", "once": _once(applicant.get(join))}
        ),
        applicant.post(join, {**fields, "email": CANARY_EMAIL, "once": _once(applicant.get(join))}),
    ]
    assert own[0].status_code == 200 and "Enter a valid email address" in own[0].content.decode()
    assert own[1].status_code == 200 and "Application sent" in own[1].content.decode()
    canary = Membership.objects.get(person__in=people_named(CANARY_NAME))
    # The officer verifies them from the members page (htmx).
    desk = english(Client())
    desk.force_login(officer)
    verified = desk.post(
        f"/f/test/b/base-1/members/{canary.pk}/decide/",
        {"action": "verify", "once": _once(desk.get("/f/test/b/base-1/members/"))},
        HTTP_HX_REQUEST="true",
    )
    assert verified.status_code == 200
    canary.refresh_from_db()
    assert canary.status == Membership.Status.VERIFIED
    # People type their e-mail where the login asks for a user name, and get it wrong.
    for _attempt in range(3):
        failed = Client().post(
            "/accounts/login/", {"username": CANARY_EMAIL, "password": "not the password"}
        )
        assert failed.status_code == 200
    return Setting(federation, canary, officer, fellow, outsider, [*own, verified])


# ---------------------------------------------------------------- the walk


def _routes() -> Iterator[str]:
    """Every URL pattern of the site, as a route with <param> placeholders."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
                yield prefix + str(pattern.pattern)
            # Regular-expression patterns (the API's JSON 404 for any other address)
            # match everything and name nothing: reached by the fills below anyway.

    yield from walk(get_resolver().url_patterns, "")


def _fills(federation: Federation, canary: Membership) -> dict[str, list[str]]:
    """What to put in each kind of URL parameter: every body, the canary's membership."""
    bodies = list(Body.objects.filter(federation=federation).values_list("slug", flat=True))
    return {
        "federation_slug": [federation.slug],
        "slug": [federation.slug],
        "body_slug": bodies,
        "body": bodies,
        "membership_id": [str(canary.pk)],
    }


def urls_to_visit(federation: Federation, canary: Membership) -> tuple[list[str], list[str]]:
    """(concrete URLs of every route whose parameters we can fill, routes left to the crawl)."""
    fills = _fills(federation, canary)
    urls: list[str] = []
    by_links_only: list[str] = []
    for route in _routes():
        params = PARAM.findall(route)
        if any(p not in fills for p in params):
            by_links_only.append(route)
            continue
        names = list(dict.fromkeys(params))
        for values in itertools.product(*(fills[name] for name in names)):
            chosen = dict(zip(names, values, strict=True))
            urls.append("/" + PARAM.sub(lambda m, chosen=chosen: chosen[m.group(1)], route))
    return sorted(set(urls)), by_links_only


@dataclass
class Walk:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    found: list[str] = field(default_factory=list)  # "who url where: needles"


def walk_site(client: Client, who: str, start: list[str], walk: Walk, limit: int = 3000) -> None:
    """GET every start URL and every same-site link on the pages found, checking each answer."""
    queue = deque(start)
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith("/static/"):
            continue
        seen.add(url)
        response = client.get(url)
        walk.visited[f"{who} {url}"] = response.status_code
        raw = (
            b"".join(response.streaming_content)  # downloads (the record export, ...)
            if response.streaming
            else response.content
        )
        body = raw.decode("utf-8", errors="replace")
        for where, text in [("body", body), ("headers", str(dict(response.headers)))]:
            if hit := leaks(text):
                walk.found.append(f"{who} {url} {where}: {hit}")
        if "html" in response.get("Content-Type", ""):
            queue.extend(link for link in HREF.findall(body) if link not in seen)
    assert len(seen) < limit, "the walk did not end: a page links to ever new addresses"


def test_the_canary_is_on_no_public_page_in_no_api_answer_and_in_no_log_line(
    setting: Setting, all_logs: AllLogs, capsys: pytest.CaptureFixture[str]
) -> None:
    urls, by_links_only = urls_to_visit(setting.federation, setting.canary)
    assert "/f/test/b/base-1/members/" in urls and "/api/v1/federations/test/bodies/base-1" in urls
    anonymous = english(Client(raise_request_exception=False))
    outsider = english(Client(raise_request_exception=False))
    outsider.force_login(setting.outsider)
    walk = Walk()
    walk_site(anonymous, "anonymous", ["/", *urls], walk)
    walk_site(outsider, "member-of-base-2", ["/", *urls], walk)

    assert walk.found == []
    # The walk did reach the places where the canary would show if anything leaked.
    assert walk.visited["anonymous /f/test/b/base-1/"] == 200
    assert walk.visited["anonymous /f/test/b/base-1/members/"] == 302  # to the login
    assert walk.visited["member-of-base-2 /f/test/b/base-1/members/"] == 403
    assert walk.visited["member-of-base-2 /f/test/b/base-2/members/"] == 200
    assert walk.visited["anonymous /api/v1/federations/test/bodies/base-1"] == 200
    assert walk.visited["anonymous /api/openapi.json"] == 200
    for route in by_links_only:
        # A route we cannot fill in must at least not be linked to with the canary in it.
        assert not leaks(route)

    printed = capsys.readouterr()
    assert all_logs.lines, "nothing was logged: the capture is not working"
    log_hits = [line for line in all_logs.lines if leaks(line)]
    assert log_hits == []
    assert leaks(printed.out) == [] and leaks(printed.err) == []


def test_officers_of_the_body_see_the_canary_fellow_members_its_name_only(
    setting: Setting,
) -> None:
    officer = english(Client())
    officer.force_login(setting.officer)
    page = officer.get("/f/test/b/base-1/members/").content.decode()
    assert CANARY_NAME in page
    assert "+51944123987" in page and CANARY_EMAIL in page
    fellow = english(Client())
    fellow.force_login(setting.fellow_member)
    page = fellow.get("/f/test/b/base-1/members/").content.decode()
    assert CANARY_NAME in page
    assert leaks(page.replace(CANARY_NAME, "")) == []
    # The officer of another body is refused the list altogether.
    other = english(Client())
    other.force_login(make_officer(setting.federation, "base-2"))
    refused = other.get("/f/test/b/base-1/members/")
    assert refused.status_code == 403 and leaks(refused.content.decode()) == []


def test_a_user_name_typed_wrong_is_not_kept_in_plain_in_the_log(
    setting: Setting, all_logs: AllLogs
) -> None:
    assert get_user_model().objects.filter(username=CANARY_EMAIL).count() == 0
    assert any("axes" in line.lower() for line in all_logs.lines)
    assert [line for line in all_logs.lines if leaks(line)] == []


def test_the_served_site_writes_no_canary_to_its_log(tmp_path: Path) -> None:
    """The real server (`asamblea serve`: waitress) at LOG_LEVEL=DEBUG, as an operator may
    run it to chase a problem: a canary applies and is verified over HTTP, pages are read."""
    federation_file = tmp_path / "federation.json"
    federation_file.write_text(json.dumps(small_federation_spec().to_json()), encoding="utf-8")
    password = "a long admin password"
    site = Asamblea(tmp_path, LOG_LEVEL="DEBUG", DJANGO_SUPERUSER_PASSWORD=password)
    site.run("migrate")
    site.run("federation", "import", str(federation_file))
    site.run("manage", "createsuperuser", "--noinput", "--username", "root", "--email", "")
    # An administrator always gives a second factor: root's authenticator has a key
    # known to the test, enrolled through the real service.
    site.run(
        "manage",
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "from asamblea.accounts.services.second_factor import do_enrol_known_key; "
        f"do_enrol_known_key(User.objects.get(username='root'), '{TEST_KEY}')",
    )
    site.start(["serve", "--threads", "2"])
    try:
        applicant = Browser(site.url)
        join = "/f/test/b/base-1/join/"
        sector = re.search(r'<option value="(\d+)" selected', applicant.get(join)[2])
        assert sector, "the join form offers no sector"
        fields = {"full_name": CANARY_NAME, "phone": CANARY_PHONE, "email": CANARY_EMAIL}
        status, _landed = applicant.post_form(
            join, {**fields, "sector": sector.group(1)}, form_page=join
        )
        assert status == 200
        officer = Browser(site.url)
        members = "/f/test/b/base-1/members/"
        officer.log_in("root", password, then=members, code=_test_key_code)
        _status, _type, page = officer.get(members)
        assert CANARY_NAME in page
        decide = re.search(r'action="(/f/test/b/base-1/members/\d+/decide/)"', page)
        assert decide
        status, landed = officer.post_form(decide.group(1), {"action": "verify"}, form_page=members)
        # The verification's own page: the new member's activation code, shown once.
        assert status == 200 and landed.endswith("/decide/")
        for path in ["/", "/f/test/b/base-1/", "/f/test/b/prov-a1/", "/api/v1/federations/test"]:
            assert applicant.get(path)[0] == 200
        assert applicant.get("/f/test/b/base-1/members/")[0] == 200  # the login page
    finally:
        site.stop()
    log = site.output()
    # What it wrote: its banner and waitress's own log lines (it keeps no access log).
    assert "Serving Asamblea" in log and "waitress Serving on" in log, log
    assert leaks(log) == []


def test_fellow_members_see_verified_members_only_never_who_was_rejected_or_left(
    db: None,
) -> None:
    federation = make_federation()
    fellow = add_member(federation, "base-1", "Rosa Mamani", user=make_user("rosa"))
    officer = make_officer(federation, "base-1")
    for name, action in [("Rechazada Uno", "reject"), ("Se Fue Dos", "remove")]:
        membership = add_member(federation, "base-1", name, verified=action == "remove")
        do_decide_membership(officer, body(federation, "base-1"), membership.pk, action, "a reason")
    add_member(federation, "base-1", "Espera Tres", verified=False)
    client = english(Client())
    client.force_login(fellow.person.user)
    page = client.get("/f/test/b/base-1/members/").content.decode()
    assert "Rosa Mamani" in page
    for hidden in ("Rechazada Uno", "Se Fue Dos", "Espera Tres", "a reason"):
        assert hidden not in page
    officer_client = english(Client())
    officer_client.force_login(officer)
    assert "Rechazada Uno" in officer_client.get("/f/test/b/base-1/members/").content.decode()


def _test_key_code() -> str:
    """The current code of the test's known authenticator key."""
    from asamblea.accounts.services.second_factor import totp_code

    return totp_code(TEST_KEY)
