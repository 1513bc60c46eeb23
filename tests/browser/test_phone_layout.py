"""Small things a newcomer meets on a phone: boxes to tick that look like boxes, an icon
where the browser asks for one."""

from __future__ import annotations

import struct
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
    # The icon itself (no redirect, which some browsers and crawlers do not follow).
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = response.content
    # An ICO file (reserved 0, type 1) of three images, each a PNG of its stated size.
    reserved, kind, count = struct.unpack("<HHH", icon[:6])
    assert (reserved, kind, count) == (0, 1, 3)
    for n in range(count):
        width, height, _c, _r, _p, _b, size, offset = struct.unpack(
            "<BBBBHHII", icon[6 + 16 * n : 22 + 16 * n]
        )
        png = icon[offset : offset + size]
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (width, height)
