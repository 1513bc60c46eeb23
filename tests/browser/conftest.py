"""Real headless Chromium (Debian's) driven by Playwright against pytest-django's live server.

Contexts are phone-sized (390x844, touch, mobile viewport), as most members use a
cheap Android phone. `phone` has JavaScript on (htmx paths); `phone_without_js`
has it off (plain form posts), for old browsers and data-saving modes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an asyncio loop in the test thread; Django refuses
# database calls from a thread with a running loop unless told this is on purpose.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en",
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run; each test gets fresh contexts (cookies, storage)."""
    if not CHROMIUM.exists():
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing: the browser tests must run in CI.")
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_phone(browser: Any) -> Iterator[Any]:
    """A factory of phone-sized contexts: `new_phone(javascript=True)`; closed after the test."""
    contexts: list[Any] = []

    def make(*, javascript: bool = True) -> Any:
        context = browser.new_context(**PHONE, java_script_enabled=javascript)
        # Generous: CI shares two cores between two test workers, two Chromiums and
        # PostgreSQL, and one slow answer must not fail a correct page.
        context.set_default_timeout(30_000)
        # English, chosen with the language switcher's cookie (pages ignore the browser's
        # language), so the tests can read messages; the pages are the same in Spanish.
        context.add_cookies(
            [
                {"name": "django_language", "value": "en", "domain": host, "path": "/"}
                for host in ("localhost", "127.0.0.1")
            ]
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone: Any) -> Any:
    """A phone-sized browser context with JavaScript on."""
    return new_phone(javascript=True)


@pytest.fixture
def phone_without_js(new_phone: Any) -> Any:
    """A phone-sized browser context with JavaScript off: every form is a plain post."""
    return new_phone(javascript=False)
