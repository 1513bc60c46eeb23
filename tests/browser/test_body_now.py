"""A body's page on a small phone opens with "now": what is open and what just happened
there, in the first screen (360 x 640), before the long lists, which fold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from asamblea.deliberation.models import CallToAction
from asamblea.deliberation.services import mandate_record
from asamblea.federation.models import Body

SMALL_PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SCREEN = 640


@pytest.fixture
def small_phone(browser: Any, live_server: Any, demo_live: str) -> Iterator[Any]:
    """A 360 x 640 phone with JavaScript off (the page must not need it), in `language`."""
    contexts: list[Any] = []

    def make(language: str) -> Any:
        context = browser.new_context(**SMALL_PHONE, java_script_enabled=False)
        context.set_default_timeout(30_000)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def now_box(page: Any) -> dict[str, float]:
    box = page.locator("#now").bounding_box()
    assert box is not None, f"{page.url} has no 'now' block"
    return box


# One test: the live server's database is emptied after each test, and the demo is
# loaded once per module.
@pytest.mark.browser
def test_a_bodys_page_opens_with_now_in_one_screen(small_phone: Any, live_server: Any) -> None:
    for language in ("es", "en"):
        puno_and_the_national_assembly(small_phone(language), live_server.url)
    page = small_phone("es")
    for slug in ("sutep-huamanga", "aymaras-puno", "provincia-huamanga", "region-ayacucho"):
        page.goto(f"{live_server.url}/f/peru/b/{slug}/")
        box = now_box(page)
        assert box["y"] + box["height"] <= SCREEN, (slug, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, slug
    # The call's map: as Chromium draws them, no two labels overlap (the coast is crowded).
    call = CallToAction.objects.get()
    page.goto(f"{live_server.url}/f/peru/c/{call.pk}/")
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll('svg.region-map text')).map(t => {
             const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"""
    )
    assert len(boxes) > 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def puno_and_the_national_assembly(page: Any, base_url: str) -> None:
    puno = Body.objects.get(slug="region-puno")
    breaches = [row for row in mandate_record(puno) if row.breach]
    assert breaches, "the demo has a broken mandate in Puno"

    page.goto(f"{base_url}/f/peru/b/region-puno/")
    box = now_box(page)
    assert box["y"] + box["height"] <= SCREEN, box
    now = page.locator("#now").inner_text()
    # Puno's broken mandate, the referendum and the call to action it is under, at the top.
    assert breaches[0].delegate in now and breaches[0].motion.title in now
    assert page.locator("#now a[href$='/mandates/']").is_visible()
    assert page.locator("#now a[href*='/r/']").is_visible()
    assert page.locator("#now a[href*='/c/']").is_visible()

    page.goto(f"{base_url}/f/peru/b/nacional/")
    box = now_box(page)
    assert box["y"] + box["height"] <= SCREEN, box
    # Its referendum, its call to action and its decided motion: first, no longer last.
    for link in ("/r/", "/c/", "/m/"):
        assert page.locator(f"#now a[href*='{link}']").first.is_visible(), link
    # The long lists fold: 97 delegates are one line until opened.
    assert not page.locator("#delegates-in").is_visible()
    assert page.locator("#delegates-in-fold > summary").is_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 6 * SCREEN, f"the national assembly's page is {height / SCREEN:.1f} screens"
    page.locator("#delegates-in-fold > summary").click()
    assert page.locator("#delegates-in").is_visible()
