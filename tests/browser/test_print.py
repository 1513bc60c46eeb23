"""Result sheets, ballots and lists print cleanly: no menus or buttons on the paper,
every table whole (nothing cut where the screen scrolls), folded lists unfolded, and
a ballot printed as a paper to mark by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from asamblea.deliberation.models import CallToAction, Referendum
from asamblea.elections.models import Election

DEMO_PASSWORD = "asamblea-demo"  # the demo's published password


@pytest.fixture
def phone(browser: Any, live_server: Any, demo_live: str) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    yield context.new_page()
    context.close()


def on_paper(page: Any) -> dict[str, Any]:
    """The page as printed: what shows, what is cut, what stays folded."""
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    return page.evaluate(
        """(() => {
          const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
          const all = s => Array.from(document.querySelectorAll(s));
          return {
            chrome: all('header.top, footer, #messages, nav').filter(shown).length,
            buttons: all('button, a.button').filter(shown).map(b => b.innerText),
            clipped: all('table').map(t => t.parentElement).filter(p => {
              const o = getComputedStyle(p).overflowX; return o !== 'visible';
            }).length,
            folded: all('details:not([open])').length,
            text: document.querySelector('main').innerText,
          };
        })()"""
    )


def test_result_sheets_ballots_and_lists_print_cleanly(phone: Any, live_server: Any) -> None:
    base = live_server.url
    closed = Election.objects.filter(status=Election.Status.CLOSED).order_by("pk").first()
    referendum = Referendum.objects.get()
    call = CallToAction.objects.get()
    for path in (
        f"/f/peru/e/{closed.pk}/",  # a result sheet, with its stage table
        f"/f/peru/r/{referendum.pk}/",
        f"/f/peru/c/{call.pk}/",  # the uptake list and the map
        "/f/peru/b/nacional/",  # the delegates' list, folded on the screen
    ):
        phone.emulate_media(media="screen")
        phone.goto(base + path)
        paper = on_paper(phone)
        assert paper["chrome"] == 0, path
        assert paper["buttons"] == [], (path, paper["buttons"])
        assert paper["clipped"] == 0, path
        assert paper["folded"] == 0, path
    # The national assembly's 97 delegates all print.
    assert paper["text"].count("\n") > 97

    # A member's ballot prints as a paper to mark: the candidates, no button to tap.
    open_vote = Election.objects.get(status=Election.Status.VOTING, kind="delegation")
    phone.emulate_media(media="screen")
    phone.goto(f"{base}/accounts/login/?next=/f/peru/e/{open_vote.pk}/ballot/")
    phone.fill("input[name=username]", "miembro-aymaras-puno-1")
    phone.fill("input[name=password]", DEMO_PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r".*/ballot/$"))
    paper = on_paper(phone)
    assert paper["buttons"] == []
    assert phone.locator("form#ballot").is_visible()
    names = phone.locator("#candidates .name").all_inner_texts()
    assert names and all(name in paper["text"] for name in names)
