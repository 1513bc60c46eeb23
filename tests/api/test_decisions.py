"""POST /api/v1/.../memberships/{id}/decision: allowed and refused, by session and by token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from asamblea.api import tokens
from asamblea.federation.models import Delegation, Federation, Membership
from support.factories import add_member, body
from support.people import people_named

Login = Callable[[Client, str], Client]


def decision_url(membership: Membership, body_slug: str = "base-1") -> str:
    return f"/api/v1/federations/test/bodies/{body_slug}/memberships/{membership.pk}/decision"


def post(client: Client, url: str, payload: dict[str, Any], **headers: str) -> Any:
    return client.post(url, payload, content_type="application/json", headers=headers)


def bearer(username: str, capabilities: tuple[str, ...] = ("memberships.decide",)) -> str:
    user = get_user_model().objects.get(username=username)
    issued = tokens.do_issue_api_token(user, name="script", capabilities=list(capabilities))
    return f"Bearer {issued.secret}"


def status_of(membership: Membership) -> str:
    membership.refresh_from_db()
    return membership.status


def test_an_officer_verifies_by_session_and_counts_and_seats_follow(
    officer_client: Client, pending: Membership, federation: Federation
) -> None:
    before = body(federation, "base-1").verified_members
    response = post(officer_client, decision_url(pending), {"action": "verify"})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["membership"] == pending.pk
    assert answer["status"] == "verified"
    assert answer["decided_at"]
    assert answer["body"]["slug"] == "base-1"
    assert answer["body"]["verified_members"] == before + 1
    assert status_of(pending) == Membership.Status.VERIFIED
    delegation = Delegation.objects.get(source__slug="base-1", source__federation=federation)
    assert answer["delegations"] == [
        {
            "council": answer["delegations"][0]["council"],
            "fixed_seats": None,
            "seats": delegation.seats,
            "next_seats": delegation.next_seats,
            "changes_at_next_election": delegation.seats != delegation.next_seats,
        }
    ]
    assert answer["delegations"][0]["council"]["slug"] == "prov-a1"


def test_an_officer_verifies_with_an_api_token(client: Client, pending: Membership) -> None:
    response = post(
        client,
        decision_url(pending),
        {"action": "verify"},
        Authorization=bearer("officer-base-1"),
    )
    assert response.status_code == 200, response.content
    assert status_of(pending) == Membership.Status.VERIFIED


def test_a_token_request_needs_no_csrf_but_a_session_request_does(
    federation: Federation, pending: Membership, login: Login
) -> None:
    strict = Client(enforce_csrf_checks=True)
    token = bearer("officer-base-1")
    login(strict, "officer-base-1")
    refused = post(strict, decision_url(pending), {"action": "verify"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in refused.json()["error"]["message"]
    assert status_of(pending) == Membership.Status.APPLIED
    # The docs page sets the CSRF cookie; a browser script echoes it in the header.
    strict.get("/api/docs")
    csrf = strict.cookies["csrftoken"].value
    allowed = post(strict, decision_url(pending), {"action": "verify"}, X_CSRFToken=csrf)
    assert allowed.status_code == 200, allowed.content
    other = add_member(federation, "base-1", "Luz Pending Two", verified=False)
    by_token = post(
        Client(enforce_csrf_checks=True),
        decision_url(other),
        {"action": "verify"},
        Authorization=token,
    )
    assert by_token.status_code == 200, by_token.content


def test_anonymous_is_told_to_log_in_and_nothing_changes(
    client: Client, pending: Membership
) -> None:
    response = post(client, decision_url(pending), {"action": "verify"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert status_of(pending) == Membership.Status.APPLIED


def test_a_wrong_or_malformed_token_is_refused(client: Client, pending: Membership) -> None:
    for header in ["Bearer asb_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "asb_x"]:
        response = post(client, decision_url(pending), {"action": "verify"}, Authorization=header)
        assert response.status_code == 401, header
    assert status_of(pending) == Membership.Status.APPLIED


def test_an_officer_of_another_body_is_refused(
    federation: Federation, pending: Membership, login: Login
) -> None:
    other_officer = login(Client(), "officer-base-3")
    response = post(other_officer, decision_url(pending), {"action": "verify"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert status_of(pending) == Membership.Status.APPLIED
    # Naming their own body in the address with base-1's membership id does not help.
    forged = post(other_officer, decision_url(pending, "base-3"), {"action": "verify"})
    assert forged.status_code == 404
    assert status_of(pending) == Membership.Status.APPLIED
    by_token = post(
        Client(),
        decision_url(pending),
        {"action": "verify"},
        Authorization=bearer("officer-base-3"),
    )
    assert by_token.status_code == 403
    assert status_of(pending) == Membership.Status.APPLIED


def test_a_member_is_refused(pending: Membership, login: Login) -> None:
    member = login(Client(), "canary-user-zq7")  # a verified member of base-1
    response = post(member, decision_url(pending), {"action": "verify"})
    assert response.status_code == 403
    assert status_of(pending) == Membership.Status.APPLIED
    by_token = post(
        Client(),
        decision_url(pending),
        {"action": "verify"},
        Authorization=bearer("canary-user-zq7"),
    )
    assert by_token.status_code == 403
    assert status_of(pending) == Membership.Status.APPLIED


def test_a_token_without_the_capability_is_refused(
    monkeypatch: pytest.MonkeyPatch, client: Client, pending: Membership
) -> None:
    # A second kind of write action, as later issues will add.
    monkeypatch.setitem(tokens.CAPABILITIES, "elections.open", "Open elections")
    response = post(
        client,
        decision_url(pending),
        {"action": "verify"},
        Authorization=bearer("officer-base-1", ("elections.open",)),
    )
    assert response.status_code == 403
    assert "memberships.decide" in response.json()["error"]["message"]
    assert status_of(pending) == Membership.Status.APPLIED


def test_deciding_twice_is_a_conflict(officer_client: Client, pending: Membership) -> None:
    assert post(officer_client, decision_url(pending), {"action": "verify"}).status_code == 200
    again = post(officer_client, decision_url(pending), {"action": "verify"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_reject_needs_a_reason_and_then_records_it(
    officer_client: Client, pending: Membership
) -> None:
    no_reason = post(officer_client, decision_url(pending), {"action": "reject"})
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "invalid_input"
    assert status_of(pending) == Membership.Status.APPLIED
    response = post(
        officer_client, decision_url(pending), {"action": "reject", "reason": "Not from here"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    pending.refresh_from_db()
    assert pending.reason == "Not from here"


def test_suspending_a_verified_member_lowers_the_public_count(
    officer_client: Client, federation: Federation
) -> None:
    member = Membership.objects.get(body__slug="base-1", person__in=people_named("Ana Quispe"))
    before = body(federation, "base-1").verified_members
    response = post(
        officer_client, decision_url(member), {"action": "suspend", "reason": "Missed dues"}
    )
    assert response.status_code == 200
    assert response.json()["body"]["verified_members"] == before - 1
    assert body(federation, "base-1").verified_members == before - 1


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"action": "promote"}, id="unknown-action"),
        pytest.param({}, id="no-action"),
        pytest.param({"action": "verify", "reason": "x" * 501}, id="reason-too-long"),
    ],
)
def test_a_malformed_decision_names_the_field_and_changes_nothing(
    officer_client: Client, pending: Membership, payload: dict[str, Any]
) -> None:
    response = post(officer_client, decision_url(pending), payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"][0]["field"] in {"decision.action", "decision.reason"}
    # The submitted value is not echoed back.
    assert "promote" not in response.content.decode()
    assert status_of(pending) == Membership.Status.APPLIED


def test_a_body_that_is_not_json_is_a_clear_400(
    officer_client: Client, pending: Membership
) -> None:
    response = officer_client.post(
        decision_url(pending), "action=verify", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert status_of(pending) == Membership.Status.APPLIED


def test_an_unknown_membership_or_body_is_404(officer_client: Client, pending: Membership) -> None:
    missing = f"/api/v1/federations/test/bodies/base-1/memberships/{pending.pk + 999}/decision"
    assert post(officer_client, missing, {"action": "verify"}).status_code == 404
    nowhere = decision_url(pending, "no-such-body")
    assert post(officer_client, nowhere, {"action": "verify"}).status_code == 404


def test_a_body_over_the_upload_limit_is_a_413_in_the_error_shape(
    client: Client, pending: Membership
) -> None:
    response = post(
        client,
        decision_url(pending),
        {"action": "verify", "reason": "x" * 10_000_000},
        Authorization=bearer("officer-base-1"),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert status_of(pending) == Membership.Status.APPLIED
