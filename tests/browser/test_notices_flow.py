"""Notices on a phone, with and without JavaScript: the unread count in the header, the
notices page, opening one (it is read), and marking all read."""

from __future__ import annotations

from typing import Any

import pytest

from asamblea.federation.models import Federation
from elections.helpers import open_election
from notices.helpers import run_queued_tasks
from support.factories import add_member, make_federation, make_user
from support.phone import fits_the_phone, log_in


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    federation = make_federation()
    add_member(federation, "base-1", "Rosa Mamani", user=make_user("rosa"))
    add_member(federation, "base-1", "Juan Quispe", user=make_user("juan"))
    open_election(federation, "base-1")
    run_queued_tasks()  # what `asamblea worker` does: each member's two notices
    return federation


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_member_sees_the_unread_count_and_reads_her_notices(
    federation: Federation, live_server: Any, new_phone: Any, javascript: bool
) -> None:
    page = log_in(new_phone(javascript=javascript), live_server.url, "rosa", "/f/test/")
    badge = page.locator("header.top .notices-link .badge")
    assert badge.inner_text() == "2"
    fits_the_phone(page)
    page.locator("header.top .notices-link").click()
    page.wait_for_url("**/notices/")
    fits_the_phone(page)
    items = page.locator("li.notice")
    assert items.count() == 2
    assert "An election opened in Base 1" in items.nth(0).inner_text()
    assert "Your membership of Base 1 is verified" in items.nth(1).inner_text()
    items.nth(0).locator("a").click()
    page.wait_for_url("**/f/test/e/*/")
    assert page.locator("header.top .notices-link .badge").inner_text() == "1"
    page.goto(f"{live_server.url}/notices/")
    assert page.locator("li.notice.unread").count() == 1
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_url("**/notices/")
    assert page.locator("header.top .notices-link .badge").count() == 0
    assert page.locator("li.notice.unread").count() == 0
    fits_the_phone(page)
