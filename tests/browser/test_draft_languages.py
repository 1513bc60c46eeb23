"""Switching to Quechua or Aymara with one tap on a phone, with and without JavaScript:
the page comes back in that language, the switcher says the catalog is a draft, and
nothing sticks out past the 360 px screen."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_tap_on_the_switcher_turns_the_page_into_quechua_then_aymara(
    live_server: Any, new_phone: Any, javascript: bool
) -> None:
    page = new_phone(javascript=javascript).new_page()
    page.set_viewport_size({"width": 360, "height": 740})  # the smallest phones we meet
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"

    for code, name, log_in, heading_word in [
        ("qu", "Runasimi", "Yaykuy", "Yaykuy"),
        ("ay", "Aymar aru", "Mantaña", "Mantaña"),
    ]:
        page.locator(f"form.lang button[value={code}]").click()
        page.wait_for_function(f"document.documentElement.lang === '{code}'")
        switcher = page.locator(f"form.lang button[value={code}]")
        assert " ".join(switcher.inner_text().split()) == f"{name} — borrador"
        assert "current" in (switcher.get_attribute("class") or "")
        # The form's button and the header's link read in the chosen language.
        assert page.locator("main button[type=submit]").first.inner_text().strip() == log_in
        assert heading_word in page.locator("header.top").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{code}: the page is {width} px wide on a 360 px screen"
