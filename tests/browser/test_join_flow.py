"""Joining a base assembly, end to end in a phone-sized Chromium, with and without JavaScript;
and the forged or repeated posts the pages must refuse without writing anything.

The federation is set up so that one more verified member in base-1 moves a seat
in its province: prov-a1 has 5 seats (D'Hondt, at least 1 each) shared by
base-1 (2 verified), base-2 (4) and union-1 (1), i.e. 1 / 3 / 1 seats. With a
third member base-1 takes a seat from base-2: 2 / 2 / 1.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from asamblea.federation.models import Body, Delegation, Federation, Membership, Person
from asamblea.record.models import Entry
from asamblea.web.once import SESSION_KEY
from support.factories import add_member, make_officer
from support.language import english
from support.people import people_named
from support.phone import PASSWORD, fits_the_phone


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    from support.factories import make_federation

    federation = make_federation()
    for name in ("Rosa Mamani", "Juan Quispe"):
        add_member(federation, "base-1", name)
    for name in ("Luz Condori", "Pedro Apaza", "Carmen Huamán", "Luis Rojas"):
        add_member(federation, "base-2", name)
    add_member(federation, "union-1", "Elena Ticona", sector="workers")
    make_officer(federation, "base-1")  # user "officer-base-1"
    return federation


@dataclass(frozen=True)
class Figures:
    """What the public pages show about base-1 and its province."""

    base_verified: int
    base_seats_in_province: int  # as shown on base-1's own page
    province_verified: int
    province_row_members: int  # base-1's row on the province's page
    province_row_seats: int
    sibling_row_seats: int  # base-2's row on the province's page


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _seats_shown(cell_text: str) -> int:
    """The seats a seat cell announces: no election has been held, so it reads
    "N at the first election" and N is the only figure in it."""
    numbers = _numbers(cell_text)
    assert len(numbers) == 1, cell_text
    return numbers[0]


def public_figures(context: Any, base_url: str) -> Figures:
    page = context.new_page()
    page.goto(f"{base_url}/f/test/b/base-1/")
    fits_the_phone(page)
    base_verified = int(page.locator("#verified-members").inner_text())
    base_seats = _seats_shown(page.locator("#up-prov-a1 .seats").inner_text())
    page.goto(f"{base_url}/f/test/b/prov-a1/")
    fits_the_phone(page)
    province_verified = int(page.locator("#verified-members").inner_text())
    row = page.locator("#in-base-1")
    figures = Figures(
        base_verified=base_verified,
        base_seats_in_province=base_seats,
        province_verified=province_verified,
        province_row_members=int(row.locator("td").nth(1).inner_text()),
        province_row_seats=_seats_shown(row.locator(".seats").inner_text()),
        sibling_row_seats=_seats_shown(page.locator("#in-base-2 .seats").inner_text()),
    )
    page.close()
    return figures


BEFORE = Figures(2, 1, 7, 2, 1, 3)
AFTER = Figures(3, 2, 8, 3, 2, 2)


def apply_to_join(page: Any, base_url: str, name: str, phone: str, email: str) -> Any:
    """Fill in and send the public join form of base-1; returns the form's POST request."""
    page.goto(f"{base_url}/f/test/b/base-1/")
    page.locator("a[href='/f/test/b/base-1/join/']").click()
    page.wait_for_url("**/f/test/b/base-1/join/")
    fits_the_phone(page)
    page.fill("#id_full_name", name)
    page.fill("#id_phone", phone)
    page.fill("#id_email", email)
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Application sent"
    fits_the_phone(page)
    return posted.value


def log_in_as_officer(page: Any, base_url: str) -> None:
    """Open base-1's members page: it asks for a login first, then comes back."""
    page.goto(f"{base_url}/f/test/b/base-1/members/")
    page.wait_for_url("**/accounts/login/**")
    fits_the_phone(page)
    page.fill("input[name=username]", "officer-base-1")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/f/test/b/base-1/members/")
    fits_the_phone(page)


def _state(federation: Federation) -> tuple[int, int, int, dict[str, int], list[tuple]]:
    """Everything a double submit could write, to compare before and after."""
    return (
        Person.objects.count(),
        Membership.objects.count(),
        Entry.objects.count(),
        dict(Body.objects.filter(federation=federation).values_list("slug", "verified_members")),
        sorted(Delegation.objects.values_list("source__slug", "council__slug", "next_seats")),
    )


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_person_joins_the_officer_verifies_and_the_public_figures_move(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool
) -> None:
    base_url = live_server.url
    visitor = new_phone(javascript=javascript)
    assert public_figures(visitor, base_url) == BEFORE

    page = visitor.new_page()
    apply_to_join(page, base_url, "Wilber Ccahuana Sulca", "+51 966 111 222", "wilber@example.pe")
    membership = Membership.objects.get(person__in=people_named("Wilber Ccahuana Sulca"))
    assert membership.status == Membership.Status.APPLIED
    assert membership.body.slug == "base-1"
    # Applying changes nothing public: only verified members count.
    assert public_figures(visitor, base_url) == BEFORE

    officer = new_phone(javascript=javascript).new_page()
    log_in_as_officer(officer, base_url)
    row = officer.locator(f"#membership-{membership.pk}")
    assert "Wilber Ccahuana Sulca" in row.inner_text()
    with officer.expect_response(lambda r: r.request.method == "POST") as answered:
        row.locator("button[value=verify]").click()
    response = answered.value
    if javascript:
        # htmx swaps the row in place: no new page, a fragment with the outcome.
        assert response.request.headers.get("hx-request") == "true"
        assert response.status == 200
        row = officer.locator(f"#membership-{membership.pk}")
        row.locator(".msg").wait_for()
        assert "Verified" in row.locator(".msg").inner_text()
        assert officer.url.endswith("/f/test/b/base-1/members/")
    else:
        assert "hx-request" not in response.request.headers
        # A page of its own, not a redirect: the new member's activation code, shown once.
        assert response.status == 200
        officer.wait_for_url("**/decide/")
        assert "Verified" in officer.locator("main .msg").first.inner_text()
    assert officer.locator(".activation-code").count() == 1
    fits_the_phone(officer)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VERIFIED

    assert public_figures(visitor, base_url) == AFTER


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_sending_the_join_form_or_the_verify_button_twice_is_done_once(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool
) -> None:
    base_url = live_server.url
    visitor = new_phone(javascript=javascript)
    # No phone or e-mail: nothing but the form itself can tell a resend from a new person.
    join_post = apply_to_join(visitor.new_page(), base_url, "Yeni Pari", "", "")
    before = _state(federation)
    resent = visitor.request.post(
        join_post.url,
        data=join_post.post_data,
        headers={"content-type": join_post.headers["content-type"], "accept-language": "en"},
        max_redirects=0,
    )
    assert resent.status == 409
    assert "This form was already sent" in resent.text()
    assert _state(federation) == before
    assert Membership.objects.filter(person__in=people_named("Yeni Pari")).count() == 1

    membership = Membership.objects.get(person__in=people_named("Yeni Pari"))
    officer_context = new_phone(javascript=javascript)
    officer = officer_context.new_page()
    log_in_as_officer(officer, base_url)
    with officer.expect_response(lambda r: r.request.method == "POST") as verified:
        officer.locator(f"#membership-{membership.pk} button[value=verify]").click()
    assert verified.value.status == 200
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VERIFIED
    before = _state(federation)
    request = verified.value.request
    replay_headers = {
        k: v
        for k, v in request.headers.items()
        if k in {"content-type", "hx-request", "x-csrftoken", "accept-language"}
    }
    resent = officer_context.request.post(
        request.url, data=request.post_data, headers=replay_headers, max_redirects=0
    )
    assert resent.status == 409
    assert "This form was already sent" in resent.text()
    if javascript:
        # The refusal is a fragment htmx puts in the page's message area.
        assert resent.headers["hx-retarget"] == "#messages"
    assert _state(federation) == before


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_refused_application_says_why_and_going_back_lets_the_person_fix_it(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool
) -> None:
    page = new_phone(javascript=javascript).new_page()
    page.goto(f"{live_server.url}/f/test/b/base-1/join/")
    page.fill("#id_full_name", "Teófilo Huarcaya")
    page.fill("#id_phone", "12")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("form.stack button[type=submit]").click()
    assert answered.value.status == 400
    page.wait_for_load_state()
    assert "phone number looks too short" in page.locator("main").inner_text()
    fits_the_phone(page)
    assert not people_named("Teófilo Huarcaya")
    # "Go back" works with or without JavaScript, and the same form can be sent again.
    page.locator("section.error a").first.click()
    page.wait_for_url("**/f/test/b/base-1/join/")
    page.fill("#id_full_name", "Teófilo Huarcaya")
    page.fill("#id_phone", "+51 966 333 444")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Application sent"
    assert Membership.objects.filter(person__in=people_named("Teófilo Huarcaya")).count() == 1


# ---------------------------------------------------------------- refused posts
# Django's test client (no browser): posts a browser would never build.

ONCE = re.compile(r'name="once" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _form_tokens(client: Client, url: str) -> tuple[str, str]:
    """The one-time token and CSRF token of the first form on the page at `url`."""
    html = english(client).get(url).content.decode()
    return ONCE.findall(html)[0], CSRF.findall(html)[0]


def _join_data(federation: Federation, once: str, name: str = "Yeni Pari") -> dict[str, Any]:
    territorial = federation.sectors.get(key="territorial")
    return {"once": once, "full_name": name, "phone": "", "email": "", "sector": territorial.pk}


def _applied(federation: Federation, name: str = "Yeni Pari") -> Membership:
    return add_member(federation, "base-1", name, verified=False)


def test_a_join_form_sent_twice_at_once_is_done_once(federation: Federation) -> None:
    client = english(Client())
    url = "/f/test/b/base-1/join/"
    once, _csrf = _form_tokens(client, url)
    # A double tap sends two requests that both load the session before either saves it:
    # replay the second with the session as it was when the form was shown.
    issued = client.session[SESSION_KEY]
    assert client.post(url, _join_data(federation, once)).status_code == 200
    before = _state(federation)
    session = client.session
    session[SESSION_KEY] = issued
    session.save()
    second = client.post(url, _join_data(federation, once))
    assert second.status_code == 409
    assert "This form was already sent" in second.content.decode()
    assert _state(federation) == before
    assert len(people_named("Yeni Pari")) == 1


def test_a_join_form_refused_by_the_rules_can_be_corrected_and_sent_again(
    federation: Federation,
) -> None:
    client = english(Client())
    url = "/f/test/b/base-1/join/"
    once, _csrf = _form_tokens(client, url)
    refused = client.post(url, {**_join_data(federation, once), "phone": "12"})
    assert refused.status_code == 400
    assert "phone number looks too short" in refused.content.decode()
    assert not people_named("Yeni Pari")
    # Going back to the same form (same token) and fixing the number works.
    fixed = client.post(url, {**_join_data(federation, once), "phone": "+51 966 111 222"})
    assert fixed.status_code == 200
    assert Membership.objects.filter(
        person__in=people_named("Yeni Pari"), body__slug="base-1"
    ).exists()


def test_a_verify_sent_twice_at_once_is_done_once(federation: Federation) -> None:
    membership = _applied(federation)
    client = english(Client())
    client.force_login(User.objects.get(username="officer-base-1"))
    once, _csrf = _form_tokens(client, "/f/test/b/base-1/members/")
    issued = client.session[SESSION_KEY]
    url = f"/f/test/b/base-1/members/{membership.pk}/decide/"
    data = {"once": once, "action": "verify"}
    assert client.post(url, data).status_code == 200  # the page with the member's code
    before = _state(federation)
    session = client.session
    session[SESSION_KEY] = issued
    session.save()
    second = client.post(url, data, HTTP_HX_REQUEST="true")
    assert second.status_code == 409
    assert second["HX-Retarget"] == "#messages"
    assert _state(federation) == before


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_a_post_without_its_csrf_token_is_refused_and_writes_nothing(
    federation: Federation, who: str
) -> None:
    membership = _applied(federation)
    client = english(Client(enforce_csrf_checks=True))
    if who == "officer":
        client.force_login(User.objects.get(username="officer-base-1"))
        url = f"/f/test/b/base-1/members/{membership.pk}/decide/"
        once, _csrf = _form_tokens(client, "/f/test/b/base-1/members/")
        data: dict[str, Any] = {"once": once, "action": "verify"}
    else:
        url = "/f/test/b/base-1/join/"
        once, _csrf = _form_tokens(client, url)
        data = _join_data(federation, once, "Hugo Illa")
    before = _state(federation)
    refused = client.post(url, data)
    assert refused.status_code == 403
    assert "did not come from this site, so nothing was saved" in refused.content.decode()
    assert _state(federation) == before
    # The same post with its token goes through: the refusal was the missing token.
    _once, csrf = _form_tokens(client, url if who == "anonymous" else "/f/test/b/base-1/members/")
    assert client.post(url, {**data, "once": _once, "csrfmiddlewaretoken": csrf}).status_code in {
        200,
        302,
    }
    assert _state(federation) != before


def test_a_post_naming_another_bodys_membership_is_refused(federation: Federation) -> None:
    elsewhere = add_member(federation, "base-2", "Ruth Chambi", verified=False)
    client = english(Client())
    client.force_login(User.objects.get(username="officer-base-1"))
    before = _state(federation)
    # Through the officer's own body, naming a membership of base-2 ...
    once, _csrf = _form_tokens(client, "/f/test/b/base-1/members/")
    forged = client.post(
        f"/f/test/b/base-1/members/{elsewhere.pk}/decide/", {"once": once, "action": "verify"}
    )
    assert forged.status_code == 404
    assert "That application is not in Base 1" in forged.content.decode()
    # ... and through base-2's own address, where they are no officer.
    once, _csrf = _form_tokens(client, "/f/test/b/base-1/members/")
    forged = client.post(
        f"/f/test/b/base-2/members/{elsewhere.pk}/decide/", {"once": once, "action": "verify"}
    )
    assert forged.status_code == 403
    assert "Only an officer of Base 2 can do this" in forged.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.status == Membership.Status.APPLIED
    assert _state(federation) == before


@pytest.mark.postgres_only
def test_two_posts_of_one_join_form_racing_on_the_server_make_one_application(
    federation: Federation, live_server: Any
) -> None:
    """A real double tap: two threads send the same form at the same instant to the
    threaded live server (PostgreSQL only: there each request has its own connection)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"{live_server.url}/f/test/b/base-1/join/"
    html = opener.open(url).read().decode()
    body = urllib.parse.urlencode(
        {
            **_join_data(federation, ONCE.findall(html)[0]),
            "csrfmiddlewaretoken": CSRF.findall(html)[0],
        }
    ).encode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        request = urllib.request.Request(url, data=body, headers={"Cookie": cookie})  # noqa: S310
        start.wait()
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - the live server
                statuses.append(answer.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    assert len(people_named("Yeni Pari")) == 1
    assert Membership.objects.filter(person__in=people_named("Yeni Pari")).count() == 1
