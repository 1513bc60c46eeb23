"""What the browser tests do on a phone again and again: log in, and check that a page
fits the phone's width (no sideways scrolling on a 390-pixel screen)."""

from __future__ import annotations

from typing import Any

PASSWORD = "a long test password"  # the factories' default
PHONE_WIDTH = 390  # the contexts' viewport (tests/browser/conftest.py)


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
    page.wait_for_url(f"**{then}")
    return page
