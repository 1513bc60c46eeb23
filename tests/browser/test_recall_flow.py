"""Recall end to end in phone-sized Chromium: members of a base assembly petition
against their delegate, reach the threshold, vote the recall, and the national
assembly's page shows the replacement the cascade brought in.

The seats are filled by real elections at every tier (tests/recall/world.py):
Ana sits for base-1 in prov-a1, for prov-a1 in region-a (and its command), and
for region-a in the national assembly. Recalling her base seat takes all four;
each is refilled by countback, and the national seat goes to Bea, whom the
region's delegates who elected Ana ranked next.
"""

from __future__ import annotations

from typing import Any

import pytest

from asamblea.elections.models import Election
from asamblea.elections.scheduler import tick
from asamblea.recall.models import RecallPetition
from recall.world import World, build_world
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    # Argon2 costs a third of a second per user; this world has dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def vote(context: Any, base_url: str, username: str, election: Election, choice: str) -> None:
    page = log_in(context, base_url, username, f"/f/test/e/{election.pk}/")
    page.locator("#go-vote").click()
    page.locator(f"input[name=choice][value={choice}]").check()
    page.locator("#cast").click()
    page.wait_for_load_state()
    assert "ballot code" in page.content().lower() or "tracker" in page.content().lower()


def test_members_recall_their_delegate_and_the_cascade_reaches_the_national_assembly(
    world: World, live_server: Any, new_phone: Any
) -> None:
    base_url = live_server.url
    national_before = new_phone().new_page()
    national_before.goto(f"{base_url}/f/test/b/national/")
    assert national_before.locator("#delegates-in .delegate").all_inner_texts() == ["Ana"]

    # Hal, a member of base-1, finds Ana among the delegates base-1 can recall.
    hal = log_in(new_phone(), base_url, "hal", "/f/test/b/base-1/")
    fits_the_phone(hal)
    hal.locator("#recallable a.delegate", has_text="Ana").first.click()
    hal.wait_for_url("**/seats/*/")
    fits_the_phone(hal)
    hal.fill("textarea[name=reason]", "She voted against the strike our assembly mandated.")
    hal.locator("#open-petition button").click()
    hal.wait_for_load_state()
    assert hal.locator("#signature-count").inner_text() == "1"
    assert "of 2 signatures needed" in hal.locator(".petition").inner_text()
    assert hal.locator("#you-signed").is_visible()
    seat_url = hal.url

    # Ivo, without JavaScript, reads the reason and co-signs: the threshold is reached.
    ivo = log_in(new_phone(javascript=False), base_url, "ivo", seat_url.replace(base_url, ""))
    assert "voted against the strike" in ivo.locator(".reason").inner_text()
    assert "Hal" not in ivo.content()
    ivo.locator("#sign").click()
    ivo.wait_for_load_state()
    assert ivo.locator("#signature-count").inner_text() == "2"
    petition = RecallPetition.objects.get()
    assert petition.status == RecallPetition.Status.VOTING
    assert ivo.locator("#recall-vote").is_visible()

    # Jo, with JavaScript, signs nothing (the petition is closed) but sees the vote.
    jo = log_in(new_phone(), base_url, "jo", seat_url.replace(base_url, ""))
    assert jo.locator("#sign").count() == 0
    jo.locator("#recall-vote").click()
    jo.wait_for_url(f"**/e/{petition.election_id}/")

    # Five of the eight members vote, in secret: four yes, one no.
    election = petition.election
    for name, choice in [("hal", "yes"), ("ivo", "yes"), ("jo", "yes"), ("kai", "yes")]:
        vote(new_phone(), base_url, name, election, choice)
    vote(new_phone(javascript=False), base_url, "lu", election, "no")

    # The vote closes on time: the scheduler's tick at the closing time.
    assert tick(now=election.voting_closes_at)["elections"] >= 1
    petition.refresh_from_db()
    assert petition.status == RecallPetition.Status.PASSED

    # The recall vote's page shows the result.
    result = new_phone().new_page()
    result.goto(f"{base_url}/f/test/e/{election.pk}/")
    assert "Yes: 4" in result.locator("#yes-no").inner_text()

    # The national assembly's page shows the replacement the cascade brought in.
    national = new_phone().new_page()
    national.goto(f"{base_url}/f/test/b/national/")
    fits_the_phone(national)
    assert national.locator("#delegates-in .delegate").all_inner_texts() == ["Bea"]
    changes = national.locator("#delegate-changes").inner_text()
    assert "Ana" in changes and "Bea" in changes
    # And every tier on the way: the province and the region too.
    region = new_phone().new_page()
    region.goto(f"{base_url}/f/test/b/region-a/")
    assert "Fe" in region.locator("#delegates-in").inner_text()
    assert "Ana" not in region.locator("#delegates-in").inner_text()
    # Ana's old base seat page explains what happened and links to the chain.
    seat_page = new_phone(javascript=False).new_page()
    seat_page.goto(seat_url)
    assert "Recalled" in seat_page.locator("#seat-status").inner_text()
    assert "Gus" in seat_page.locator("#replacement").inner_text()
    assert seat_page.locator("#consequences li").count() == 1
