"""The API is rate-limited (RATE_API) per API token, else per client address: past
the limit it answers 429 in its error shape, with Retry-After."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from asamblea.api import tokens
from asamblea.federation.models import Federation

READ = "/api/v1/federations/test"


@pytest.fixture
def two_a_minute(settings: Any, federation: Federation) -> Federation:
    settings.RATE_API = "2/m"
    cache.clear()
    return federation


def _secret() -> str:
    user = get_user_model().objects.get(username="officer-base-1")
    return tokens.do_issue_api_token(
        user, name="script", capabilities=["memberships.decide"]
    ).secret


def _get(address: str = "10.0.0.1", secret: str | None = None, language: str = "en") -> Any:
    headers = {"Accept-Language": language}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return Client().get(READ, headers=headers, REMOTE_ADDR=address)


def test_past_the_limit_an_address_gets_429_in_the_error_shape(two_a_minute: Federation) -> None:
    assert [_get().status_code for _ in range(2)] == [200, 200]

    refused = _get()

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    body = refused.json()
    assert body["error"]["code"] == "throttled"
    assert body["error"]["message"] == (
        f"Too many requests: this one was not done. Try again in {wait} "
        + ("second." if wait == 1 else "seconds.")
    )
    assert refused["Content-Type"] == "application/json"
    # Every address under /api/ counts, the schema and unknown addresses too.
    assert Client().get("/api/openapi.json", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert _get(address="10.0.0.2").status_code == 200


def test_the_refusal_speaks_the_requests_language(two_a_minute: Federation) -> None:
    for _ in range(2):
        _get()
    refused = _get(language="es")
    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith(
        "Demasiadas solicitudes: esta no se atendió. Vuelva a intentarlo en "
    )


def test_a_token_counts_apart_from_anonymous_requests_from_its_address(
    two_a_minute: Federation,
) -> None:
    secret = _secret()
    for _ in range(2):
        _get()
    assert _get().status_code == 429

    # Same address, with a token: its own count.
    assert [_get(secret=secret).status_code for _ in range(2)] == [200, 200]
    assert _get(secret=secret).status_code == 429
    # The token counts wherever it comes from.
    assert _get(address="10.0.0.9", secret=secret).status_code == 429
    assert _get(address="10.0.0.9").status_code == 200
    # Another token of the same user has a count of its own.
    assert _get(secret=_secret()).status_code == 200


def test_a_made_up_token_counts_against_its_address(two_a_minute: Federation) -> None:
    for _ in range(2):
        _get()
    assert _get(secret="asb_made-up").status_code == 429
    assert _get(secret="asb_another-made-up").status_code == 429


def test_the_limit_resets_when_its_window_is_over(settings: Any, federation: Federation) -> None:
    settings.RATE_API = "1/2s"
    # The first request may fall at the very end of a window: send until refused.
    for _ in range(3):
        refused = _get()
        if refused.status_code == 429:
            break
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 2

    time.sleep(wait)

    assert _get().status_code == 200


def test_an_empty_rate_is_no_limit(settings: Any, federation: Federation) -> None:
    settings.RATE_API = ""
    assert {_get().status_code for _ in range(5)} == {200}
