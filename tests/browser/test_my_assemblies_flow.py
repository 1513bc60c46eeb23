"""A member on their phone: logs in and lands on "Mis asambleas", sees the open election
there and follows the link to vote; then, on their own-data page, corrects their phone,
changes the language of their pages and leaves an assembly. In phone-sized Chromium,
with and without JavaScript, in Spanish and in English.
"""

from __future__ import annotations

from typing import Any

import pytest

from asamblea.elections import services as elections
from asamblea.elections.models import Election, VoteCast
from asamblea.federation.models import Federation, Membership, Person
from elections.helpers import open_election
from support.factories import add_member, make_federation, make_user
from support.phone import PASSWORD, fits_the_phone

pytestmark = pytest.mark.browser

HEADINGS = {"en": "My assemblies", "es": "Mis asambleas"}
NOTHING = {"en": "Nothing waits for you now", "es": "Nada le espera por ahora"}
WAYS = [
    pytest.param(True, "en", id="javascript-english"),
    pytest.param(False, "en", id="no-javascript-english"),
    pytest.param(True, "es", id="javascript-spanish"),
    pytest.param(False, "es", id="no-javascript-spanish"),
]


@pytest.fixture
def federation(transactional_db: None, settings: Any) -> Federation:
    federation = make_federation()
    ana = make_user("ana")
    add_member(federation, "base-1", "Ana Quispe", user=ana, phone="+51911111111")
    add_member(federation, "base-2", user=ana)
    return federation


@pytest.fixture
def election(federation: Federation) -> Election:
    """An election of base-1's delegates with its vote open, one candidate standing."""
    election = open_election(federation, "base-1")
    candidate = make_user("candidate")
    add_member(federation, "base-1", "Luz Condori", user=candidate)
    elections.do_stand(candidate, election, public_name="Luz Condori")
    elections.do_open_voting(election)
    return election


def phone_in(new_phone: Any, *, javascript: bool, language: str) -> Any:
    context = new_phone(javascript=javascript)
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "domain": host, "path": "/"}
            for host in ("localhost", "127.0.0.1")
        ]
    )
    return context.new_page()


def log_in_plainly(page: Any, base_url: str) -> None:
    """The login form, with no page to go back to: where a member lands after it."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/me/")


@pytest.mark.parametrize(("javascript", "language"), WAYS)
def test_a_member_lands_on_my_assemblies_and_follows_the_open_election_to_vote(
    federation: Federation,
    election: Election,
    live_server: Any,
    new_phone: Any,
    javascript: bool,
    language: str,
) -> None:
    page = phone_in(new_phone, javascript=javascript, language=language)
    log_in_plainly(page, live_server.url)
    assert page.inner_text("h1") == HEADINGS[language]
    fits_the_phone(page)
    assert page.locator("#my-bodies li").count() == 2
    item = page.locator(f"#now-vote-{election.pk}")
    assert "Base 1" in item.inner_text()
    item.locator("a").click()
    page.wait_for_url(f"**/e/{election.pk}/ballot/")
    row = page.locator(".ballot-row", has_text="Luz Condori")
    if javascript:
        row.locator(".name").click()
    else:
        row.locator("select").select_option("1")
    page.click("#cast")
    page.wait_for_selector("#cast-done")
    assert VoteCast.objects.filter(election=election, person__user__username="ana").exists()
    # Voted: nothing waits any more.
    page.click("#my-assemblies")
    page.wait_for_url("**/me/")
    assert NOTHING[language] in page.inner_text("#nothing-waits")


@pytest.mark.parametrize(("javascript", "language"), WAYS)
def test_a_member_corrects_their_phone_changes_language_and_leaves_an_assembly(
    federation: Federation,
    live_server: Any,
    new_phone: Any,
    javascript: bool,
    language: str,
) -> None:
    page = phone_in(new_phone, javascript=javascript, language=language)
    log_in_plainly(page, live_server.url)
    page.click("#own-data-link")
    page.wait_for_url("**/me/data/")
    fits_the_phone(page)
    assert "+51911111111" in page.inner_text("#held-phone")

    page.fill("#id_phone", "+51 922 222 222")
    page.click("#save-details")
    page.wait_for_selector("#messages .msg")
    assert page.inner_text("#held-phone") == "+51922222222"
    assert Person.objects.get(user__username="ana").phone == "+51922222222"

    other = "es" if language == "en" else "en"
    page.select_option("#id_language", other)
    page.click("#save-language")
    page.wait_for_selector("#messages .msg")
    assert page.locator("html").get_attribute("lang") == other
    assert Person.objects.get(user__username="ana").language == other

    page.click("#leave-base-2")
    page.wait_for_selector("#confirm-leave")
    fits_the_phone(page)
    assert Membership.objects.get(person__user__username="ana", body__slug="base-2").status == (
        Membership.Status.VERIFIED
    ), "nothing changes before the member confirms"
    page.click("#confirm-leave")
    page.wait_for_url("**/me/data/")
    assert Membership.objects.get(person__user__username="ana", body__slug="base-2").status == (
        Membership.Status.LEFT
    )
    assert page.locator("#leave-base-2").count() == 0
    page.click("#my-assemblies")
    page.wait_for_url("**/me/")
    assert page.locator("#my-bodies li").count() == 1
