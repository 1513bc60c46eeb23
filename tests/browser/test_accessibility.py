"""Every page a member or an officer sees in the demo passes axe-core's WCAG 2.1 A and AA
rules, in real Chromium on a 360-pixel phone, in Spanish (the demo's language).

Three people walk the demo: a visitor (the public pages, joining, activation, logging
in), members (Mis asambleas, their data and notices, voting with the receipt, a recall
petition signed up to its vote, the motion, referendum and call to action), and
officers (members and their verification, activation codes, opening an election, the
meeting's room and projector). Each page is checked with its folded parts (<details>)
open; every violation of every page is listed at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asamblea.deliberation.models import CallToAction, Motion, Referendum
from asamblea.elections.models import Election, Seat
from asamblea.federation.demo import DEMO_PASSWORD
from asamblea.federation.models import Federation, Membership
from asamblea.federation.services import find_login
from asamblea.recall.models import RecallPetition
from asamblea.recall.services.petitions import do_open_recall_petition, do_sign_petition
from support.accessibility import violations
from support.phone import code_for

pytestmark = pytest.mark.browser

PHONE_360: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def demo(
    demo_snapshot: tuple[str, Path], transactional_db: None, django_db_blocker: Any
) -> Iterator[str]:
    """The demo in the database the live server reads (flushed after the test); what
    `asamblea demo` printed."""
    from conftest import _restore_snapshot

    output, copy = demo_snapshot
    with django_db_blocker.unblock():
        _restore_snapshot(copy)
    yield output


class Walk:
    """Open pages in a 360-pixel phone and gather axe's violations."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.found: list[str] = []
        self.checked: list[str] = []
        self.contexts: list[Any] = []

    def person(self, username: str | None = None, then: str = "/") -> Any:
        context = self.browser.new_context(**PHONE_360)
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        if username is None:
            return page
        # Through the login form, as the person would; a member lands on Mis asambleas,
        # an officer first gives the code of their authenticator app.
        page.goto(f"{self.base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*(/accounts/login/code/|/me/)$"))
        if page.url.endswith("/accounts/login/code/"):
            page.fill("input[name=code]", code_for(username))
            page.locator("#code-form button[type=submit]").click()
            page.wait_for_url(re.compile(r".*/me/$"))
        page.goto(self.base_url + then)
        return page

    def check(self, page: Any, path: str | None = None) -> None:
        """Open `path` (or take the page as it is) and run axe on it."""
        if path is not None:
            response = page.goto(self.base_url + path)
            assert response is not None and response.status == 200, f"{path}: {response}"
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        self.checked.append(page.url.removeprefix(self.base_url))
        self.found += violations(page)

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def assert_clean(self) -> None:
        assert not self.found, (
            f"{len(self.found)} accessibility violation(s) on {len(self.checked)} pages:\n"
            + "\n".join(self.found)
        )


@pytest.fixture
def walk(browser: Any, live_server: Any) -> Iterator[Walk]:
    walk = Walk(browser, live_server.url)
    yield walk
    walk.close()


def printed(demo: str, pattern: str) -> str:
    found = re.search(pattern, demo)
    assert found, f"the demo no longer prints {pattern!r}"
    return found.group(1)


def test_the_public_pages_and_the_way_in_pass_axe(demo: str, walk: Walk) -> None:
    federation = Federation.objects.get(slug="peru")
    counted = Election.objects.filter(
        federation=federation, status=Election.Status.CLOSED, kind=Election.Kind.DELEGATION
    ).first()
    assert counted is not None
    motion = Motion.objects.filter(body__slug="nacional", kind=Motion.Kind.MOTION).first()
    referendum = Referendum.objects.first()
    call = CallToAction.objects.first()
    assert motion and referendum and call
    seat = printed(demo, r"/f/peru/seats/(\d+)/")
    open_election = printed(demo, r"Vote now in the open election: (/f/peru/e/\d+/)")
    visitor = walk.person()
    for path in [
        "/",
        "/f/peru/",
        "/f/peru/b/nacional/",
        "/f/peru/b/region-puno/",
        "/f/peru/b/region-ayacucho/",
        "/f/peru/b/sutep-huamanga/",
        "/f/peru/b/comando-nacional/",
        "/f/peru/b/nacional/elections/",
        f"/f/peru/e/{counted.pk}/",
        open_election,
        "/f/peru/b/nacional/motions/",
        f"/f/peru/m/{motion.pk}/",
        "/f/peru/b/region-puno/mandates/",
        f"/f/peru/r/{referendum.pk}/",
        f"/f/peru/c/{call.pk}/",
        f"/f/peru/seats/{seat}/",
        "/f/peru/recall/rules/",
        "/record/peru/",
        "/record/peru/entries/1/",
        "/record/peru/b/nacional/",
        "/record/key/",
        printed(demo, r"a finished one's signed acta at (/f/peru/meetings/\d+/acta/)"),
        "/f/peru/b/sutep-huamanga/join/",
        "/accounts/login/",
        "/accounts/activate/",
        "/accounts/password_reset/",
    ]:
        walk.check(visitor, path)
    walk.assert_clean()


def test_a_members_pages_pass_axe(demo: str, walk: Walk) -> None:
    member = walk.person("miembro-sutep-huamanga-1", "/me/")
    walk.check(member)
    for path in ["/me/data/", "/notices/", "/me/notices/", "/accounts/passkeys/"]:
        walk.check(member, path)

    # The open election: the ballot, then the receipt.
    ballot = printed(demo, r"Vote now in the open election: (/f/peru/e/\d+/ballot/)")
    voter_login = printed(demo, r"with a login that has not voted yet: ([^\s,]+)")
    voter = walk.person(voter_login, ballot)
    walk.check(voter)
    voter.locator(".ballot-row .name").first.click()
    voter.click("#cast")
    voter.wait_for_selector("#cast-done")
    walk.check(voter)

    # A recall petition, open and collecting signatures; then signed up to its vote.
    seat = Seat.objects.get(pk=printed(demo, r"/f/peru/seats/(\d+)/"))
    opener = find_login("miembro-sutep-huamanga-2")
    assert opener is not None
    petition = do_open_recall_petition(opener, seat, "No rinde cuentas a la base.")
    signer = walk.person("miembro-sutep-huamanga-3", f"/f/peru/recall/{petition.pk}/")
    walk.check(signer)
    walk.check(signer, f"/f/peru/seats/{seat.pk}/")
    members = (
        Membership.objects.filter(
            body=petition.constituency,
            status=Membership.Status.VERIFIED,
            person__user__isnull=False,
        )
        .exclude(person_id__in=[seat.holder_id, opener.person.pk])
        .select_related("person__user")
        .order_by("pk")
    )
    for membership in members:
        if petition.status != RecallPetition.Status.OPEN:
            break
        petition = do_sign_petition(membership.person.user, petition)
    assert petition.election_id is not None, "the demo's petition reached no vote"
    # The signer, a member of the constituency, votes in the recall.
    recall_voter = signer
    recall_voter.goto(f"{walk.base_url}/f/peru/e/{petition.election_id}/ballot/")
    walk.check(recall_voter)
    recall_voter.locator("#ballot input[type=radio][value=no]").check()
    recall_voter.click("#cast")
    recall_voter.wait_for_selector("#cast-done")
    walk.check(recall_voter)
    walk.check(recall_voter, f"/f/peru/recall/{petition.pk}/")

    # Deciding together, as a member of a region that voted a mandate.
    motion = Motion.objects.filter(body__slug="nacional", kind=Motion.Kind.MOTION).first()
    referendum = Referendum.objects.first()
    call = CallToAction.objects.first()
    assert motion and referendum and call
    for path in [
        f"/f/peru/m/{motion.pk}/",
        f"/f/peru/r/{referendum.pk}/",
        f"/f/peru/c/{call.pk}/",
        "/f/peru/b/sutep-huamanga/",
        "/record/peru/b/sutep-huamanga/",
    ]:
        walk.check(member, path)
    walk.assert_clean()


def test_an_officers_pages_pass_axe(demo: str, walk: Walk) -> None:
    officer = walk.person("dirigente-sutep-huamanga", "/f/peru/b/sutep-huamanga/members/")
    walk.check(officer)  # the members and the applications to verify
    for path in [
        "/me/",
        "/f/peru/b/sutep-huamanga/",
        "/f/peru/b/sutep-huamanga/elections/new/",
        "/accounts/second-factor/",
    ]:
        walk.check(officer, path)
    officer.goto(walk.base_url + "/f/peru/b/sutep-huamanga/members/")
    codes = officer.locator("a[href*='activation']").first
    codes.click()
    walk.check(officer)

    room = printed(demo, r"an assembly in session at (/f/peru/meetings/\d+/room/)")
    chair = walk.person(printed(demo, r"\(log in as (dirigente-distrito-[\w-]+) to run it"), room)
    walk.check(chair)
    walk.check(chair, room.removesuffix("room/"))
    projector = walk.person()
    walk.check(projector, printed(demo, r"its projector at (/f/peru/meetings/\d+/screen/\S+?);"))

    # The national assembly's officer work: the motion, its roll call, the call's reports.
    admin = walk.person("admin", "/f/peru/b/nacional/")
    walk.check(admin)
    motion = Motion.objects.filter(body__slug="nacional", kind=Motion.Kind.MOTION).first()
    call = CallToAction.objects.first()
    assert motion and call
    walk.check(admin, f"/f/peru/m/{motion.pk}/")
    walk.check(admin, f"/f/peru/c/{call.pk}/")
    walk.check(admin, "/f/peru/b/region-puno/calls/")
    walk.assert_clean()
