"""The Content-Security-Policy forbids inline script and foreign origins; the pages,
htmx and the API's interactive docs must still work under it, with no violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from asamblea.federation.models import Federation
from support.factories import add_member, make_federation, make_officer

# Listens before any page script runs, so every violation of the policy is kept.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    federation = make_federation()
    add_member(federation, "base-1", "Rosa Mamani")
    make_officer(federation, "base-1")
    return federation


def test_every_page_carries_the_policy(federation: Federation) -> None:
    for url in ("/", "/f/test/", "/f/test/b/base-1/", "/api/docs", "/api/v1/federations"):
        policy = Client().get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "frame-ancestors 'none'" in policy, url
        assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


@pytest.mark.browser
def test_pages_htmx_and_the_api_docs_run_without_a_violation(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    context = new_phone(javascript=True)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    base = live_server.url
    # An htmx action: an officer verifies an application in place.
    page.goto(f"{base}/f/test/b/base-1/join/")
    page.fill("#id_full_name", "Teófilo Huarcaya")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/accounts/login/?next=/f/test/b/base-1/members/")
    page.fill("input[name=username]", "officer-base-1")
    page.fill("input[name=password]", "a long test password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/f/test/b/base-1/members/")
    assert page.evaluate("typeof window.htmx") == "object"
    with page.expect_response(lambda r: r.request.method == "POST") as verified:
        page.locator("button[value=verify]").first.click()
    assert verified.value.request.headers.get("hx-request") == "true"
    page.locator(".msg").first.wait_for()
    assert page.evaluate("window.__violations") == []
    # The API's interactive docs (Swagger UI, served from this site).
    page.goto(f"{base}/api/docs")
    page.locator(".swagger-ui .info").wait_for()
    assert page.evaluate("window.__violations") == []
