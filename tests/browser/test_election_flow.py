"""A whole election through the web UI, in phone-sized Chromium.

An officer opens an election from base-1's page; three members stand and four
vote on their phones (one tapping candidates in order with JavaScript, one
choosing ranks in plain selects without it, one correcting a refused ballot,
one replacing their ballot with their ballot code); the clock moves on and the
tick opens and closes the vote; the result page shows the stage table and the
elected delegates, and the province's page lists them as its members.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from asamblea.elections.models import Ballot, Election, Seat
from asamblea.elections.scheduler import tick
from asamblea.federation.models import Federation
from support.factories import add_member, make_federation, make_officer, make_user
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser

MEMBERS = ["Rosa Mamani", "Juan Quispe", "Luz Condori", "Pedro Apaza"]


@pytest.fixture
def federation(transactional_db: None, settings: Any) -> Federation:
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 2
    federation = make_federation()
    for number, name in enumerate(MEMBERS, start=1):
        add_member(federation, "base-1", name, user=make_user(f"member-{number}"))
    make_officer(federation, "base-1")  # user "officer-base-1"
    return federation


def local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_election_from_opening_to_the_seated_delegates(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    base_url = live_server.url
    now = timezone.now()

    # The officer opens the election from the body's page.
    officer = log_in(new_phone(), base_url, "officer-base-1", "/f/test/b/base-1/")
    fits_the_phone(officer)
    officer.click("#open-election")
    officer.wait_for_url("**/elections/new/")
    fits_the_phone(officer)
    officer.fill("#id_seats", "2")
    officer.fill("#id_nominations_close_at", local(now + timedelta(hours=1)))
    officer.fill("#id_voting_opens_at", local(now + timedelta(hours=1)))
    officer.fill("#id_voting_closes_at", local(now + timedelta(hours=3)))
    officer.locator("#open-election-form button[type=submit]").click()
    officer.wait_for_url(re.compile(r".*/f/test/e/\d+/$"))
    election = Election.objects.get()
    election_path = f"/f/test/e/{election.pk}/"
    assert election.seats == 2 and election.method == "stv-scottish"

    # Three members stand, each on their own phone.
    phones = {}
    for number in (1, 2, 3, 4):
        phones[number] = log_in(
            new_phone(javascript=number != 2), base_url, f"member-{number}", election_path
        )
    for number in (1, 2, 3):
        page = phones[number]
        page.click("#stand")
        page.wait_for_selector("text=You stand in this election.")
    fits_the_phone(phones[1])
    phones[4].reload()
    assert phones[4].locator("#candidates .candidate").count() == 3

    # The officer closes nominations early; the vote opens on time, with nobody online.
    officer.goto(f"{base_url}{election_path}")
    officer.click("#close-nominations")
    officer.wait_for_selector("text=the vote opens on time")
    tick(now + timedelta(hours=1, minutes=1))
    election.refresh_from_db()
    assert election.status == Election.Status.VOTING

    # Member 1 (JavaScript): taps Luz, then Rosa.
    voter = phones[1]
    voter.goto(f"{base_url}{election_path}")
    voter.click("#go-vote")
    voter.wait_for_url("**/ballot/")
    fits_the_phone(voter)
    voter.locator(".ballot-row", has_text="Luz Condori").locator(".name").click()
    voter.locator(".ballot-row", has_text="Rosa Mamani").locator(".name").click()
    assert voter.locator(".ballot-row.ranked").count() == 2
    voter.click("#cast")
    voter.wait_for_selector("#cast-done")
    # Sealed in the browser (seal.js): the server never saw the choices, and says so.
    assert voter.locator("#you-chose li").count() == 0
    assert voter.locator("#sealed-in-browser").is_visible()
    tracker_1 = voter.inner_text("#tracker").strip()
    fits_the_phone(voter)

    # Member 2 (no JavaScript): a gap in the ranks is refused, then corrected.
    voter = phones[2]
    voter.goto(f"{base_url}{election_path}ballot/")
    voter.locator(".ballot-row", has_text="Juan Quispe").locator("select").select_option("2")
    voter.click("#cast")
    voter.wait_for_selector("#ballot-problem")
    assert "missing: 1" in voter.inner_text("#ballot-problem")
    assert Ballot.objects.count() == 1
    voter.locator(".ballot-row", has_text="Luz Condori").locator("select").select_option("1")
    voter.click("#cast")
    voter.wait_for_selector("#cast-done")

    # Members 3 and 4 vote; member 4 then changes their mind with the ballot code.
    for number, first in ((3, "Juan Quispe"), (4, "Rosa Mamani")):
        voter = phones[number]
        voter.goto(f"{base_url}{election_path}ballot/")
        voter.locator(".ballot-row", has_text=first).locator(".name").click()
        voter.click("#cast")
        voter.wait_for_selector("#cast-done")
    code = voter.inner_text("#ballot-code").strip()
    voter.goto(f"{base_url}{election_path}ballot/")
    voter.locator(".ballot-row", has_text="Luz Condori").locator(".name").click()
    voter.fill("#code", code)
    voter.click("#cast")
    voter.wait_for_selector("text=Your ballot was replaced")
    assert Ballot.objects.count() == 4

    # Turnout is live; no result before the close.
    officer.goto(f"{base_url}{election_path}")
    assert "4 of 4 have voted" in officer.inner_text("#turnout")
    assert officer.locator("#stage-table").count() == 0

    # The vote closes on time; anyone can read the result on a phone.
    tick(now + timedelta(hours=3, minutes=1))
    public = new_phone().new_page()
    public.goto(f"{base_url}{election_path}")
    fits_the_phone(public)
    assert public.inner_text("#election-status") == "Closed and counted"
    elected = public.locator("#elected li").all_inner_texts()
    assert elected[0] == "Luz Condori" and len(elected) == 2
    assert public.locator("#stage-table tbody tr").count() == 5  # 3 candidates + 2 lines
    assert "Luz Condori" in public.inner_text("#stage-table")
    seated = {s.public_name for s in Seat.objects.filter(status=Seat.Status.HELD)}
    assert seated == set(elected)

    # A voter finds their tracker among the published ones.
    public.fill("#tracker-input", tracker_1)
    public.locator("form.row-actions button").click()
    public.wait_for_selector("#tracker-found")
    assert "public record" in public.inner_text("#tracker-found")

    # The delegates are members of the province's council, on its page.
    public.goto(f"{base_url}/f/test/b/prov-a1/")
    fits_the_phone(public)
    assert set(public.locator("#delegates-in .delegate").all_inner_texts()) == set(elected)
