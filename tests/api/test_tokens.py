"""API tokens: issued through a logged-in session or the operator's command, hashed at
rest, limited to capabilities, revocable, expiring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from asamblea.api import tokens
from asamblea.api.models import ApiToken
from asamblea.federation.models import Federation, Membership

Login = Callable[[Client, str], Client]
NEW = {"name": "secretary's script", "capabilities": ["memberships.decide"], "days": 30}


def issue(client: Client, payload: dict[str, Any] = NEW, **headers: str) -> Any:
    return client.post("/api/v1/tokens", payload, content_type="application/json", headers=headers)


def verify_with(secret: str, membership: Membership) -> int:
    url = f"/api/v1/federations/test/bodies/base-1/memberships/{membership.pk}/decision"
    response = Client().post(
        url,
        {"action": "verify"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code


def test_a_logged_in_user_issues_a_token_and_sees_its_secret_once(
    officer_client: Client, pending: Membership
) -> None:
    response = issue(officer_client)
    assert response.status_code == 201, response.content
    answer = response.json()
    secret = answer["secret"]
    assert secret.startswith("asb_") and len(secret) > 40
    assert answer["capabilities"] == ["memberships.decide"]
    assert answer["name"] == "secretary's script"
    assert secret.startswith(answer["prefix"])
    assert answer["expires_at"]
    # Stored as a digest only: the secret is in no column.
    row = ApiToken.objects.values().get(pk=answer["id"])
    assert secret not in repr(row)
    assert row["digest"] == tokens.digest(secret)
    listed = officer_client.get("/api/v1/tokens").json()
    assert [t["id"] for t in listed] == [answer["id"]]
    assert "secret" not in listed[0]
    assert secret not in officer_client.get("/api/v1/tokens").content.decode()
    assert verify_with(secret, pending) == 200
    used = ApiToken.objects.get(pk=answer["id"])
    assert used.last_used_at is not None


def test_anonymous_cannot_list_or_issue_tokens(client: Client, federation: Federation) -> None:
    assert client.get("/api/v1/tokens").status_code == 401
    assert issue(client).status_code == 401


def test_a_token_cannot_mint_tokens(officer_client: Client, federation: Federation) -> None:
    secret = issue(officer_client).json()["secret"]
    response = issue(Client(), Authorization=f"Bearer {secret}")
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_issuing_by_session_needs_the_csrf_header(federation: Federation, login: Login) -> None:
    strict = login(Client(enforce_csrf_checks=True), "officer-base-1")
    assert issue(strict).status_code == 403
    assert not ApiToken.objects.exists()


def test_each_user_sees_only_their_own_tokens(
    officer_client: Client, federation: Federation, login: Login
) -> None:
    mine = issue(officer_client).json()
    other = login(Client(), "officer-base-3")
    assert other.get("/api/v1/tokens").json() == []
    stolen = other.delete(f"/api/v1/tokens/{mine['id']}")
    assert stolen.status_code == 404
    assert ApiToken.objects.get(pk=mine["id"]).revoked_at is None


def test_a_revoked_token_stops_working_at_once(officer_client: Client, pending: Membership) -> None:
    issued = issue(officer_client).json()
    revoked = officer_client.delete(f"/api/v1/tokens/{issued['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    assert verify_with(issued["secret"], pending) == 401
    again = officer_client.delete(f"/api/v1/tokens/{issued['id']}")
    assert again.status_code == 409
    pending.refresh_from_db()
    assert pending.status == Membership.Status.APPLIED


def test_an_expired_token_stops_working(officer_client: Client, pending: Membership) -> None:
    issued = issue(officer_client).json()
    # Time passes: the token's last day is behind us.
    ApiToken.objects.filter(pk=issued["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert verify_with(issued["secret"], pending) == 401


def test_a_deactivated_users_token_stops_working(
    officer_client: Client, pending: Membership
) -> None:
    issued = issue(officer_client).json()
    get_user_model().objects.filter(username="officer-base-1").update(is_active=False)
    assert verify_with(issued["secret"], pending) == 401


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        pytest.param({**NEW, "capabilities": []}, "at least one capability", id="none"),
        pytest.param({**NEW, "capabilities": ["admin.all"]}, "admin.all", id="unknown"),
        pytest.param({**NEW, "name": "   "}, "name", id="blank-name"),
        pytest.param({**NEW, "days": 0}, "1 to 366", id="zero-days"),
        pytest.param({**NEW, "days": 5000}, "1 to 366", id="too-many-days"),
    ],
)
def test_a_bad_token_request_says_what_is_wrong(
    officer_client: Client, payload: dict[str, Any], words: str
) -> None:
    response = issue(officer_client, payload, **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]
    assert not ApiToken.objects.exists()


def test_the_capabilities_are_listed_publicly(client: Client, db: None) -> None:
    response = client.get("/api/v1/capabilities", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert [c["key"] for c in response.json()] == list(tokens.CAPABILITIES)
    assert all(c["description"] for c in response.json())


def test_the_operator_command_issues_lists_and_revokes(pending: Membership) -> None:
    out = StringIO()
    call_command(
        "apitoken",
        "issue",
        "officer-base-1",
        "--name",
        "nightly sync",
        "--capability",
        "memberships.decide",
        "--days",
        "0",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert "expires: never" in out.getvalue()
    token = ApiToken.objects.get()
    assert token.expires_at is None
    listing = StringIO()
    call_command("apitoken", "list", "officer-base-1", stdout=listing)
    assert f"#{token.pk}" in listing.getvalue()
    assert secret not in listing.getvalue()
    assert verify_with(secret, pending) == 200
    call_command("apitoken", "revoke", "officer-base-1", str(token.pk), stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_operator_command_names_what_is_wrong(federation: Federation) -> None:
    with translation.override("en"):
        with pytest.raises(CommandError, match="no user called “nobody”"):
            call_command(
                "apitoken", "issue", "nobody", "--name", "x", "--capability", "memberships.decide"
            )
        with pytest.raises(CommandError, match="no API token number 999"):
            call_command("apitoken", "revoke", "officer-base-1", "999")
