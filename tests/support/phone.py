"""What the browser tests do on a phone again and again: log in, and check that a page
fits the phone's width (no sideways scrolling on a 390-pixel screen)."""

from __future__ import annotations

import re
from typing import Any

PASSWORD = "a long test password"  # the factories' default
PHONE_WIDTH = 390  # the contexts' viewport (tests/browser/conftest.py)
CODE_PAGE = "/accounts/login/code/"


def fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways on a phone ({width}px wide)"


def log_in(context: Any, base_url: str, username: str, then: str) -> Any:
    """A new page in `context`, logged in as `username` through the login form, at `then`."""
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(f"{CODE_PAGE}|{re.escape(then)}"))
    if CODE_PAGE in page.url:
        # A login with an authenticator app: type its code, as the person would.
        page.fill("input[name=code]", code_for(username))
        page.locator("#code-form button[type=submit]").click()
    page.wait_for_url(f"**{then}")
    return page


def code_for(username: str) -> str:
    """A code that `username`'s authenticator app would show now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from asamblea.federation.services import find_login
    from support.second_factor import code

    return code(TOTPDevice.objects.get(user=find_login(username), confirmed=True))
