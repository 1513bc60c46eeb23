"""Passkeys in phone-sized Chromium with a virtual authenticator (Chromium's own WebAuthn
test device, through the DevTools protocol): a member adds a passkey, logs out, and logs
in with it; without JavaScript the passkey buttons stay hidden and the password works."""

from __future__ import annotations

from typing import Any

import pytest

from asamblea.accounts.models import Passkey
from asamblea.federation.models import Federation
from support.factories import add_member, make_federation, make_user
from support.phone import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    federation = make_federation()
    add_member(federation, "base-1", "Rosa Mamani", user=make_user("member-1"))
    return federation


def with_authenticator(page: Any) -> None:
    """A phone whose screen lock says yes: a resident-key, user-verifying authenticator."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_member_adds_a_passkey_and_logs_in_with_it(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    base_url = live_server.url.replace("127.0.0.1", "localhost")
    page = log_in(new_phone(), base_url, "member-1", "/accounts/passkeys/")
    with_authenticator(page)
    page.click("#add-passkey")
    page.wait_for_selector("#passkeys li form")
    assert Passkey.objects.filter(user__username="member-1").count() == 1

    page.locator("header form[action$='/logout/'] button").click()
    page.goto(f"{base_url}/accounts/login/?next=/f/test/b/base-1/")
    page.click("#passkey-login")
    page.wait_for_url("**/f/test/b/base-1/")
    assert page.locator("header .who").inner_text() == "member-1"
    assert Passkey.objects.get().last_used_at is not None


def test_without_javascript_the_passkey_buttons_stay_hidden(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    page = new_phone(javascript=False).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert not page.locator("#passkey-login").is_visible()
