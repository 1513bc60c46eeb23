"""From applicant to voter on a phone, with and without JavaScript, in Spanish and English:
a person applies, the officer verifies them and prints the activation slip, the member
makes their login with the code on it, finds the open vote on "Mis asambleas",
votes, and signs a recall petition found there too; and a member who lost their password
gets a new code from an officer."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from asamblea.elections import services as elections
from asamblea.elections.models import Ballot, Seat
from asamblea.federation.models import Federation, Membership
from asamblea.federation.services import find_login
from asamblea.recall import services as recall
from asamblea.recall.models import PetitionSignature
from elections.helpers import open_election
from support.factories import add_member, make_federation, make_officer, make_user, site_admin
from support.people import people_named
from support.phone import PASSWORD, fits_the_phone, log_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "my own long password"
# What the pages say, by language: a refusal that says what to do, and the notice.
SAYS = {
    "en": {
        "taken": "is taken. Choose another one",
        "replaced": "gave you a new activation code",
        "sent": "Application sent",
    },
    "es": {
        "taken": "ya está en uso. Elija otro",
        "replaced": "le dio un nuevo código de activación",
        "sent": "Solicitud enviada",
    },
}


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    federation = make_federation()
    for number, name in enumerate(["Rosa Mamani", "Juan Quispe", "Luz Condori"], start=1):
        add_member(federation, "base-1", name, user=make_user(f"member-{number}"))
    make_officer(federation, "base-1")  # user "officer-base-1"
    return federation


def phone_in(new_phone: Any, *, javascript: bool, language: str) -> Any:
    context = new_phone(javascript=javascript)
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "domain": host, "path": "/"}
            for host in ("localhost", "127.0.0.1")
        ]
    )
    return context


def code_on(page: Any, selector: str) -> str:
    return str(page.locator(selector).get_attribute("data-code"))


@pytest.mark.parametrize(
    ("javascript", "language"),
    [(True, "en"), (False, "es")],
    ids=["with-javascript-english", "without-javascript-spanish"],
)
def test_an_applicant_becomes_a_voter_with_the_code_on_a_printed_slip(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool, language: str
) -> None:
    base_url = live_server.url
    says = SAYS[language]
    person_phone = phone_in(new_phone, javascript=javascript, language=language)

    # The person applies with the public form.
    page = person_phone.new_page()
    page.goto(f"{base_url}/f/test/b/base-1/join/")
    page.fill("#id_full_name", "Wilber Ccahuana Sulca")
    page.fill("#id_phone", "+51 966 111 222")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_selector(f"h1:has-text('{says['sent']}')")
    membership = Membership.objects.get(person__in=people_named("Wilber Ccahuana Sulca"))

    # The officer verifies them: the code is shown once, with its link and QR code.
    officer_phone = phone_in(new_phone, javascript=javascript, language=language)
    officer = log_in(officer_phone, base_url, "officer-base-1", "/f/test/b/base-1/members/")
    officer.locator(f"#membership-{membership.pk} button[value=verify]").click()
    officer.locator(".activation-code").wait_for()
    assert officer.locator(".code-box .qr svg").count() == 1
    fits_the_phone(officer)
    shown_at_verify = code_on(officer, ".activation-code")

    # ... and prints the slips of the members without a login (a new code each).
    officer.goto(f"{base_url}/f/test/b/base-1/members/activation/")
    assert officer.locator("#without-login li").count() == 1
    officer.locator("main form.stack button[type=submit]").click()
    officer.locator(".slip").wait_for()
    fits_the_phone(officer)
    code = code_on(officer, ".slip .activation-code")
    link = officer.locator(".slip .mono").inner_text().strip()
    assert code != shown_at_verify and link.endswith(f"/accounts/activate/?code={code}")
    officer.emulate_media(media="print")
    assert officer.locator(".slip").is_visible()
    assert not officer.locator("header.top").is_visible()
    assert not officer.locator("main .no-print").first.is_visible()

    # The member opens the slip's link: the code is filled in. A taken login name is
    # refused with what to do, the code and name kept, the passwords not.
    page.goto(link)
    assert page.input_value("#id_code") == code
    page.fill("#id_username", "member-1")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.locator("#activate-form button[type=submit]").click()
    page.wait_for_selector(f"text={says['taken']}")
    assert page.input_value("#id_code") == code
    assert page.input_value("#id_username") == "member-1"
    assert page.input_value("#id_password1") == ""
    fits_the_phone(page)
    page.fill("#id_username", "wilber")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.locator("#activate-form button[type=submit]").click()
    page.wait_for_selector("header .who:has-text('wilber')")
    assert "/accounts/activate/" not in page.url

    # An election opens in the member's assembly; the new member votes in it.
    election = open_election(federation, seats=1)
    for username in ("member-1", "member-2"):
        elections.do_stand(find_login(username), election)
    elections.do_open_voting(election)
    # "Mis asambleas" shows the open vote; one tap leads to the ballot.
    page.goto(f"{base_url}/me/")
    page.locator(f"#now-vote-{election.pk} a").click()
    page.wait_for_url(f"**/e/{election.pk}/ballot/")
    row = page.locator(".ballot-row", has_text="Juan Quispe")
    if javascript:
        row.locator(".name").click()
    else:
        row.locator("select").select_option("1")
    page.click("#cast")
    page.wait_for_selector("#cast-done")
    fits_the_phone(page)
    assert Ballot.objects.count() == 1

    # Juan takes the seat; another member opens a petition to recall him, and the new
    # member finds it on "Mis asambleas" and signs it.
    elections.do_close_election(election, now=election.voting_closes_at + timedelta(seconds=1))
    seat = Seat.objects.get(status=Seat.Status.HELD, holder__in=people_named("Juan Quispe"))
    # Three of the four members must sign before a recall vote: the petition stays open.
    recall.do_update_recall_settings(site_admin(), federation, threshold=Decimal("0.75"))
    petition = recall.do_open_recall_petition(
        find_login("member-3"), seat, "He did not report back to the assembly."
    )
    page.goto(f"{base_url}/me/")
    page.locator(f"#now-petition-{petition.pk} a").click()
    page.locator("#sign").click()
    page.locator("#signature-count", has_text="2").wait_for()
    fits_the_phone(page)
    petition.refresh_from_db()
    assert (petition.signatures, petition.status) == (2, petition.Status.OPEN)
    assert PetitionSignature.objects.filter(
        petition=petition, person__user__username="wilber"
    ).exists()


@pytest.mark.parametrize(
    ("javascript", "language"),
    [(False, "en"), (True, "es")],
    ids=["without-javascript-english", "with-javascript-spanish"],
)
def test_a_member_who_lost_their_password_gets_a_new_code_from_an_officer(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool, language: str
) -> None:
    base_url = live_server.url
    says = SAYS[language]
    # Rosa is logged in on a phone she then loses; she forgot her password.
    lost = log_in(
        phone_in(new_phone, javascript=javascript, language=language),
        base_url,
        "member-1",
        "/f/test/b/base-1/",
    )
    officer = log_in(
        phone_in(new_phone, javascript=javascript, language=language),
        base_url,
        "officer-base-1",
        "/f/test/b/base-1/members/activation/",
    )
    officer.locator("#with-login li", has_text="Rosa Mamani").locator("button").click()
    officer.locator(".activation-code").wait_for()
    fits_the_phone(officer)
    code = code_on(officer, ".activation-code")

    # The lost phone's session has ended, and the old password no longer works.
    lost.reload()
    assert lost.locator("header .who").count() == 0
    old = new_phone(javascript=javascript).new_page()
    old.goto(f"{base_url}/accounts/login/")
    old.fill("input[name=username]", "member-1")
    old.fill("input[name=password]", PASSWORD)
    old.locator("main form button[type=submit]").click()
    old.wait_for_selector(".msg.error")

    # With the new code she makes her login again, and is told what happened.
    page = phone_in(new_phone, javascript=javascript, language=language).new_page()
    page.goto(f"{base_url}/accounts/activate/")
    page.fill("#id_code", code.lower().replace("-", " "))
    page.fill("#id_username", "rosa")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.locator("#activate-form button[type=submit]").click()
    page.wait_for_selector("header .who:has-text('rosa')")
    assert says["replaced"] in page.locator("#messages").inner_text()
    fits_the_phone(page)
    assert re.search(r"/accounts/activate/", page.url) is None
