"""Small things a newcomer meets on a phone: boxes to tick that look like boxes, an icon
where the browser asks for one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.browser
def test_a_checkbox_is_a_small_box_beside_its_label(live_server: Any, phone: Any) -> None:
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    box = page.locator("input[type=checkbox][name=remember]").bounding_box()
    label = page.locator("label:has(input[name=remember])").bounding_box()
    assert box is not None and label is not None
    assert box["width"] < 40 and box["height"] < 40, box
    # On the label's own line, with the words beside it, not alone above them.
    assert label["height"] < 60, label


@pytest.mark.django_db
def test_the_browsers_favicon_request_finds_the_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code in {301, 302}
    assert response["Location"].endswith("asamblea/favicon.svg")
