"""Logging in with a second factor, and officers and administrators refused without one."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.accounts import login as login_steps
from asamblea.accounts.services import second_factor
from asamblea.federation.models import Federation, FederationAdmin, Membership
from support.factories import add_member, body, make_officer, make_user
from support.language import english
from support.second_factor import code, enrol, log_in_verified

pytestmark = pytest.mark.django_db
PASSWORD = "a long test password"  # the factories' default


def password_login(username: str, next_url: str = "/") -> Any:
    client = english(Client())
    response = client.post(
        f"/accounts/login/?next={next_url}", {"username": username, "password": PASSWORD}
    )
    return client, response


def once(page: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_a_login_with_an_app_gives_a_code_before_it_is_logged_in() -> None:
    device = enrol(make_user("rosa"))
    client, response = password_login("rosa", "/f/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert not client.get("/accounts/login/").context["user"].is_authenticated
    response = client.post("/accounts/login/code/", {"code": code(device)})
    assert response.status_code == 302 and response["Location"] == "/f/"
    user = client.get("/accounts/second-factor/").context["user"]
    assert user.is_authenticated and user.is_verified()


def test_a_wrong_code_logs_nobody_in() -> None:
    device = enrol(make_user("rosa"))
    client, _response = password_login("rosa")
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/login/code/", {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_the_code_page_forgets_a_password_given_too_long_ago() -> None:
    device = enrol(make_user("rosa"))
    client, _response = password_login("rosa")
    session = client.session
    session[login_steps.PENDING]["since"] = int(time.time()) - login_steps.PENDING_SECONDS - 1
    session.save()
    response = client.post("/accounts/login/code/", {"code": code(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left() -> None:
    user = make_user("rosa")
    pending = second_factor.do_start_totp_enrolment(user)
    codes = second_factor.do_confirm_totp_enrolment(user, code(pending)).recovery_codes
    client, _response = password_login("rosa")
    response = client.post("/accounts/login/code/", {"code": codes[0]}, follow=True)
    assert "9 are left" in response.content.decode()
    thief, _response = password_login("rosa")
    assert thief.post("/accounts/login/code/", {"code": codes[0]}).status_code == 400


def test_enrolling_from_the_page_shows_the_qr_code_and_then_the_recovery_codes_once() -> None:
    user = make_user("rosa")
    client = english(Client())
    client.force_login(user)
    page = client.get("/accounts/second-factor/set-up/").content.decode()
    assert "<svg" in page and 'id="secret"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/second-factor/set-up/", {"code": code(device)})
    page = response.content.decode()
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", page)
    assert len(codes) == 10
    # The session that set the app up counts as having given it.
    assert client.get("/accounts/second-factor/").context["user"].is_verified()
    assert "Make new recovery codes" in client.get("/accounts/second-factor/").content.decode()


def test_a_stolen_password_alone_cannot_swap_the_app() -> None:
    user = make_user("rosa")
    enrol(user)
    client = english(Client())
    client.force_login(user)  # the password, without the code
    assert client.get("/accounts/second-factor/set-up/").status_code == 403
    assert client.post("/accounts/second-factor/recovery-codes/").status_code == 403


def test_an_administrator_without_a_second_factor_is_sent_to_set_it_up(
    federation: Federation,
) -> None:
    FederationAdmin.objects.create(user=make_user("boss"), federation=federation)
    _client, response = password_login("boss", "/f/strict/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/set-up/?next=")


def test_an_administrator_without_a_second_factor_is_refused_officer_actions(
    federation: Federation,
) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    applicant = add_member(federation, "base-1", "Nadia", verified=False, phone="+51900111222")
    client = english(Client())
    client.force_login(admin)
    members = client.get("/f/strict/b/base-1/members/")
    assert members.status_code == 403
    assert "second factor" in members.content.decode()
    assert "+51900111222" not in members.content.decode()
    # A one-time form token, as a page would have given (so only the role is refused).
    session = client.session
    session["once_tokens"] = ["a-form-token"]
    session.save()
    response = client.post(
        f"/f/strict/b/base-1/members/{applicant.pk}/decide/",
        {"action": "verify", "once": "a-form-token"},
    )
    assert response.status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPLIED
    token = client.post(
        "/api/v1/tokens",
        {"name": "script", "capabilities": ["memberships.decide"]},
        content_type="application/json",
    )
    assert token.status_code == 403 and "second factor" in token.json()["error"]["message"]


def test_an_officer_of_a_strict_federation_acts_once_verified(federation: Federation) -> None:
    officer = make_officer(federation, "base-1")
    applicant = add_member(federation, "base-1", "Nadia", verified=False)
    client = english(Client())
    client.force_login(officer)
    assert client.get("/f/strict/b/base-1/members/").status_code == 403
    log_in_verified(client, officer)
    page = client.get("/f/strict/b/base-1/members/").content.decode()
    response = client.post(
        f"/f/strict/b/base-1/members/{applicant.pk}/decide/",
        {"action": "verify", "once": once(page)},
    )
    # The verification's own page: the new member's activation code, shown once.
    assert response.status_code == 200 and "data-code=" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.VERIFIED


def test_officers_of_a_lenient_federation_need_no_second_factor(db: None) -> None:
    from support.factories import make_federation

    lenient = make_federation("lenient")
    officer = make_officer(lenient, "base-1")
    client = english(Client())
    client.force_login(officer)
    assert client.get("/f/lenient/b/base-1/members/").status_code == 200
    assert body(lenient, "base-1").federation.officers_need_second_factor is False
