"""A mandate broken and a recall opened, through the web UI on phone-sized Chromium.

A delegate tables a motion in the national assembly and another seconds it; the
officers of two regions open mandate votes and each region's delegates instruct
theirs (region A: vote yes; region B: vote no); the national officer opens the roll
call; a page left open shows the votes coming in without a reload; Tito, from
region A, votes no (on a phone without JavaScript) and breaks his mandate; the
officer closes the vote; region A's page shows the breach, and one of its
delegates opens a recall petition against Tito from it in one tap.

The delegates are seated by real elections, tier by tier (see
tests/deliberation/helpers.py: base -> province -> region -> national).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from asamblea.deliberation.models import Mandate, Motion
from asamblea.federation.models import Federation
from asamblea.recall.models import RecallPetition
from deliberation.helpers import Tree, build_tree
from support.factories import make_federation, make_officer
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def tree(transactional_db: None, settings: Any) -> Tree:
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    federation: Federation = make_federation()
    tree = build_tree(federation)
    for slug in ("national", "region-a", "region-b"):
        make_officer(federation, slug)  # users "officer-<slug>"
    return tree


def vote(page: Any, url: str, choice: str) -> None:
    page.goto(url)
    fits_the_phone(page)
    page.check(f"#vote-form input[name=choice][value={choice}]")
    page.click("#cast-vote")
    page.wait_for_selector("text=Your vote is recorded")


def test_a_broken_mandate_leads_to_a_recall_petition(
    tree: Tree, live_server: Any, new_phone: Any
) -> None:
    base = live_server.url

    # A delegate tables a motion in the national assembly; another seconds it.
    rosa = log_in(new_phone(), base, "rosa", "/f/test/b/national/motions/new/")
    fits_the_phone(rosa)
    rosa.fill("#id_title", "Paro nacional de 72 horas")
    rosa.fill("#id_text", "Convocamos un paro nacional de 72 horas contra el alza de precios.")
    rosa.locator("#motion-form button").click()
    rosa.wait_for_selector("#motion-title")
    motion_url = rosa.url
    motion = Motion.objects.get(title="Paro nacional de 72 horas")
    assert motion_url.endswith(f"/f/test/m/{motion.pk}/")
    vilma = log_in(new_phone(), base, "vilma", f"/f/test/m/{motion.pk}/")
    vilma.click("#second")
    assert vilma.locator("#motion-status").inner_text() == "Tabled for debate"

    # Two regions vote mandates: their officers open the votes from the region's page.
    mandate_urls = {}
    for region, voters, choice in (
        ("region-a", ("rosa", "luis"), "yes"),
        ("region-b", ("vilma", "hugo"), "no"),
    ):
        officer = log_in(new_phone(), base, f"officer-{region}", f"/f/test/b/{region}/")
        fits_the_phone(officer)
        officer.locator("#awaiting-mandates button.open-mandate").click()
        officer.wait_for_selector("#vote-form, #live")
        mandate_urls[region] = officer.url
        for name in voters:
            page = rosa if name == "rosa" else vilma if name == "vilma" else None
            page = page or log_in(new_phone(), base, name, f"/f/test/b/{region}/")
            page.goto(f"{base}/f/test/b/{region}/")
            page.locator("#awaiting-mandates a.mandate-vote").click()
            page.check(f"#vote-form input[name=choice][value={choice}]")
            page.click("#cast-vote")
            page.wait_for_selector("text=Your vote is recorded")
        officer.goto(mandate_urls[region])
        officer.click("#close-vote")
        assert "Mandate: vote" in officer.locator("#mandate-result").inner_text()
    assert dict(Mandate.objects.values_list("body__slug", "instruction")) == {
        "region-a": "yes",
        "region-b": "no",
    }

    # The national officer opens the roll call.
    chair = log_in(new_phone(), base, "officer-national", f"/f/test/m/{motion.pk}/")
    fits_the_phone(chair)
    chair.click("#open-vote")
    chair.wait_for_selector("#live")

    # A page left open (the hall's projector) follows the votes without a reload.
    projector = new_phone().new_page()
    projector.goto(motion_url)
    assert projector.locator("#turnout").inner_text() == "0 of 3 have voted"
    projector.evaluate("window.notReloaded = true")

    vote(rosa, motion_url, "yes")  # kept region A's mandate
    vote(vilma, motion_url, "no")  # kept region B's mandate
    # Tito, on a phone without JavaScript, votes no against region A's "vote yes".
    tito = log_in(new_phone(javascript=False), base, "tito", f"/f/test/m/{motion.pk}/")
    assert tito.locator("noscript").count() >= 1  # the page reloads itself without JS
    vote(tito, motion_url, "no")

    # (A locator wait: a string predicate would be eval'd, which the page's CSP forbids.)
    from playwright.sync_api import expect

    expect(projector.locator("#turnout")).to_have_text("3 of 3 have voted", timeout=15_000)
    assert projector.evaluate("window.notReloaded") is True
    assert "Tito" in projector.locator("#roll-call").inner_text()

    chair.goto(motion_url)
    chair.click("#close-vote")
    assert chair.locator("#outcome").inner_text() == "Not passed"
    breach = chair.locator("#compliance tr.breach")
    assert breach.count() == 1 and "Tito" in breach.inner_text()

    # Region A's page shows the breach; a delegate of region A opens a recall from it.
    luis = log_in(new_phone(), base, "luis", "/f/test/b/region-a/")
    fits_the_phone(luis)
    section = luis.locator("#deliberation")
    assert "Mandates broken by our delegates" in section.inner_text()
    row = section.locator("tr.breach")
    assert row.count() == 1
    assert "Tito" in row.inner_text() and "broke the mandate" in row.inner_text()
    row.locator("button.recall").click()
    # The recall app's page of the petition (it lives on the seat's page).
    luis.wait_for_url(re.compile(r".*/(recall|seats)/\d+/$"))
    assert "A recall petition against Tito is open" in luis.locator("#messages").inner_text()
    fits_the_phone(luis)
    petition = RecallPetition.objects.get()
    assert petition.seat_id == tree.seats[("tito", "national")].pk
    assert "against our mandate to vote yes" in petition.reason
    assert "Tito" in luis.content()

    # The constituency page now points at the open petition instead of offering another.
    luis.goto(f"{base}/f/test/b/region-a/mandates/")
    assert luis.locator("button.recall").count() == 0
    assert luis.locator(".petition-link").count() == 1
