"""The public record in a phone-sized Chromium: a body's record page, an entry with its
proof, and finding that entry again by its hash, typed into the form as a member would."""

from __future__ import annotations

from typing import Any

import pytest

from asamblea.federation.models import Federation
from asamblea.record import services
from asamblea.record.models import Entry
from support.factories import add_member, body, make_federation
from support.phone import fits_the_phone

pytestmark = [pytest.mark.browser]


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    federation = make_federation()
    for name in ("Rosa Mamani", "Juan Quispe"):
        add_member(federation, "base-3", name)
    return federation


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_body_record_page_and_finding_an_entry_by_its_hash(
    live_server: Any, federation: Federation, new_phone: Any, javascript: bool
) -> None:
    about = Entry.objects.filter(body=body(federation, "base-3")).order_by("-index")
    newest = about.first()
    assert newest is not None and about.count() >= 3
    page = new_phone(javascript=javascript).new_page()

    # From the body's own page, its record section leads to the body's record page.
    page.goto(f"{live_server.url}/f/test/b/base-3/")
    section = page.locator("section#record")
    assert section.is_visible()
    assert section.locator(f"#entry-{newest.index}").is_visible()
    fits_the_phone(page)
    section.get_by_role("link", name="Every entry about this assembly").click()
    page.wait_for_url(f"{live_server.url}/record/test/b/base-3/")
    assert page.locator("h1").inner_text() == "Public record of Base 3"
    shown = page.locator("ul.entries > li").count()
    assert shown == about.count()
    # Each entry reads as a sentence, linking the page it is about.
    item = page.locator(f"#entry-{newest.index}")
    assert "Base 3 now has 2 verified members (1 before)" in item.inner_text()
    assert item.locator(".sentence a").get_attribute("href") == "/f/test/b/base-3/"
    fits_the_phone(page)

    # One entry, by its details link: its facts, its hash, and the proof that it is in
    # the signed record.
    item.locator("a.details").click()
    page.wait_for_url(f"{live_server.url}/record/test/entries/{newest.index}/")
    leaf_hash = page.locator("#leaf-hash").inner_text().strip()
    assert leaf_hash == newest.leaf_hash
    assert page.locator("#audit-path li").count() >= 1
    assert (
        page.locator("#record-root").inner_text()
        == services.latest_checkpoint(federation).root_hash
    )
    fits_the_phone(page)

    # Someone holding only the hash (copied in capitals, in groups) finds the entry again.
    page.goto(f"{live_server.url}/record/test/")
    fits_the_phone(page)
    typed = " ".join(leaf_hash.upper()[i : i + 16] for i in range(0, 64, 16))
    page.locator("#find-entry input[name=hash]").fill(typed)
    page.locator("#find-entry button").click()
    page.wait_for_url(f"{live_server.url}/record/test/entries/{newest.index}/")
    assert page.locator("#leaf-hash").inner_text().strip() == leaf_hash
    assert page.locator("#entry-title").inner_text().startswith(f"Entry {newest.index}")

    # A hash that is not on the record says so, with the form to try again.
    page.goto(f"{live_server.url}/record/test/b/base-3/")
    page.locator("#find-entry input[name=hash]").fill("0" * 64)
    page.locator("#find-entry button").click()
    assert page.locator("#find-none").is_visible()
    assert page.locator("#find-entry input[name=hash]").input_value() == "0" * 64
    fits_the_phone(page)
