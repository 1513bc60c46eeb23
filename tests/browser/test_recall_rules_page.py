"""The recall rules page on a phone without JavaScript: an administrator changes the
threshold with the plain form and reads the new rule in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from asamblea.federation.models import FederationAdmin
from asamblea.recall.models import RecallSettings
from support.factories import make_federation, make_user
from support.phone import PHONE_WIDTH, log_in
from support.second_factor import enrol

pytestmark = pytest.mark.browser


def test_an_administrator_changes_the_threshold_on_a_phone_without_javascript(
    transactional_db: None, settings: Any, live_server: Any, phone_without_js: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    federation = make_federation()
    admin = make_user("fed-admin")
    FederationAdmin.objects.create(user=admin, federation=federation)
    enrol(admin)  # administrators log in with a second factor
    path = f"/f/{federation.slug}/recall/rules/"
    page = log_in(phone_without_js, live_server.url, "fed-admin", path)
    assert "25%" in page.locator("#rule-threshold").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.fill("input[name=threshold]", "20")
    page.select_option("select[name=refill]", "by-election")
    page.locator("#rules-form button").click()
    page.wait_for_url(f"**{path}")
    assert "The recall rules are changed" in page.locator("#messages").inner_text()
    assert "20%" in page.locator("#rule-threshold").inner_text()
    assert "by-election" in page.locator("#rule-refill").inner_text()
    rules = RecallSettings.objects.get(federation=federation)
    assert (rules.threshold, rules.refill) == (Decimal("0.2"), "by-election")
