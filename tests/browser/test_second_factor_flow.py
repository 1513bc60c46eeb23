"""On a phone: an officer sets up an authenticator app and logs in with it; an
administrator without a second factor is refused officer pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.accounts.services.second_factor import totp_code
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import FederationAdmin
from support.factories import make_officer, make_user, small_federation_spec
from support.phone import PASSWORD, fits_the_phone, log_in
from support.second_factor import code

pytestmark = pytest.mark.browser


@pytest.fixture
def strict(transactional_db: None, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    spec = small_federation_spec("strict")
    spec.officers_need_second_factor = True
    return do_import_federation(spec)


def password_only(context: Any, base_url: str, username: str, then: str) -> Any:
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    return page


def test_an_officer_sets_up_an_app_and_logs_in_with_it(
    strict: Any, live_server: Any, new_phone: Any
) -> None:
    phone = new_phone(javascript=True)
    officer = make_officer(strict, "base-1", "rosa")
    members = "/f/strict/b/base-1/members/"
    page = password_only(phone, live_server.url, "rosa", members)
    page.wait_for_url("**/accounts/second-factor/set-up/**")
    assert page.locator("#qr svg").is_visible()
    fits_the_phone(page)
    # What the person types into their app: the secret, in groups.
    secret = page.locator("#secret").inner_text()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert "".join(secret.split()) in device.config_url
    page.fill("#enrol-form input[name=code]", totp_code(device.key))
    page.locator("#enrol-form button[type=submit]").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    fits_the_phone(page)
    page.get_by_role("link", name="I have kept them").click()
    page.wait_for_url(f"**{members}")
    assert page.locator("#pending").is_visible()

    # Another day, another phone's browser: the password, then a code from the app.
    later = password_only(new_phone(javascript=True), live_server.url, "rosa", members)
    later.wait_for_url("**/accounts/login/code/")
    fits_the_phone(later)
    later.fill("input[name=code]", "000000" if code(device) != "000000" else "111111")
    later.locator("#code-form button[type=submit]").click()
    assert "That code is not right" in later.locator("main").inner_text()
    later.wait_for_timeout(1100)  # a wrong code slows the next try by a second
    later.fill("input[name=code]", code(device))
    later.locator("#code-form button[type=submit]").click()
    later.wait_for_url(f"**{members}")
    assert later.locator("#pending").is_visible()


def test_an_administrator_without_a_second_factor_is_refused(
    strict: Any, live_server: Any, phone_without_js: Any
) -> None:
    FederationAdmin.objects.create(user=make_user("boss"), federation=strict)
    members = "/f/strict/b/base-1/members/"
    page = password_only(phone_without_js, live_server.url, "boss", members)
    page.wait_for_url("**/accounts/second-factor/set-up/**")
    assert "needs a second factor" in page.locator("#messages").inner_text()
    # Skipping the set-up: the members page, with its contact details, stays closed.
    response = page.goto(f"{live_server.url}{members}")
    assert response is not None and response.status == 403
    assert "second factor" in page.locator("main").inner_text()
    fits_the_phone(page)


def test_the_log_in_helper_gives_the_code_of_an_enrolled_officer(
    strict: Any, live_server: Any, phone_without_js: Any
) -> None:
    from support.second_factor import enrol

    enrol(make_officer(strict, "base-2", "ana"))
    page = log_in(phone_without_js, live_server.url, "ana", "/f/strict/b/base-2/members/")
    assert page.locator("#pending").is_visible()
