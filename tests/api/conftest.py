"""Fixtures of the API tests: the factory federation with members and officers,
and canary values planted in the members' personal data."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from asamblea.federation.models import Body, Federation, Membership
from support.factories import add_member, make_federation, make_officer, make_user

# Distinctive values that must never appear in any API response.
CANARY_NAME = "Zyxwvu Canarinoqa"
CANARY_PHONE = "+51 987 650 321"
CANARY_EMAIL = "canary.zq7@example.org"
CANARY_USERNAME = "canary-user-zq7"
CANARIES = [
    "Zyxwvu",
    "Canarinoqa",
    "987650321",
    "987 650 321",
    "canary.zq7",
    "zq7@example",
    CANARY_USERNAME,
    # Officers and other members are people too.
    "officer-base-1",
    "officer-base-3",
    "Ana Quispe",
    "Rosa Mamani",
]


def _assert_no_canary(text: str, where: str) -> None:
    lowered = text.lower()
    for canary in CANARIES:
        assert canary.lower() not in lowered, f"{canary!r} leaked in {where}"


@pytest.fixture
def assert_no_canary() -> Callable[[str, str], None]:
    """assert_no_canary(text, where): no planted personal value appears in `text`."""
    return _assert_no_canary


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.4 s a user; these tests are about the API, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def federation(db: None) -> Federation:
    """The factory federation with verified members in most bases, one pending application."""
    federation = make_federation()
    canary_user = make_user(CANARY_USERNAME)
    add_member(
        federation, "base-1", CANARY_NAME, phone=CANARY_PHONE, email=CANARY_EMAIL, user=canary_user
    )
    add_member(federation, "base-1", "Ana Quispe", phone="+51 911 111 111")
    add_member(federation, "union-1", "Rosa Mamani", email="rosa@example.org")
    add_member(federation, "base-3", "Luz Condori")
    add_member(federation, "base-4", "Juan Huamán")
    add_member(federation, "base-2", "Pedro Ccori", verified=False)
    make_officer(federation, "base-1")
    make_officer(federation, "base-3")
    return federation


@pytest.fixture
def pending(federation: Federation) -> Membership:
    """A pending application in base-1 (whose officer is `officer-base-1`)."""
    return add_member(federation, "base-1", "Carmen Ccori Pending", verified=False)


def _login(client: Client, username: str) -> Client:
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def login() -> Callable[[Client, str], Client]:
    """login(client, username): a real session for `username`, as after the login form."""
    return _login


@pytest.fixture
def officer_client(federation: Federation) -> Client:
    """A browser session of the officer of base-1 (Django's test client skips CSRF)."""
    return _login(Client(), "officer-base-1")


# Every operation of the API, so that a new endpoint fails the tests until the
# privacy walk (test_privacy.py) and the answer checks know about it.
KNOWN_OPERATIONS = {
    ("get", "/api/v1/federations"),
    ("get", "/api/v1/federations/{slug}"),
    ("get", "/api/v1/federations/{slug}/bodies"),
    ("get", "/api/v1/federations/{slug}/bodies/{body}"),
    ("get", "/api/v1/federations/{slug}/delegations"),
    ("get", "/api/v1/federations/{slug}/seats"),
    ("post", "/api/v1/federations/{slug}/bodies/{body}/memberships/{membership_id}/decision"),
    ("get", "/api/v1/capabilities"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{token_id}"),
    ("get", "/api/v1/record/public-key"),
    ("get", "/api/v1/federations/{slug}/record/checkpoint"),
    ("get", "/api/v1/federations/{slug}/record/entries"),
    ("get", "/api/v1/federations/{slug}/record/proofs/inclusion"),
    ("get", "/api/v1/federations/{slug}/record/proofs/consistency"),
    ("get", "/api/v1/federations/{slug}/elections/{election_id}/mix"),
    ("post", "/api/v1/federations/{slug}/elections/{election_id}/mix"),
}
# Routes that need a query to answer; the walk sends this one (the record's proofs).
WALK_QUERIES = {
    "/api/v1/federations/{slug}/record/entries": "?start=0&end=1000",
    "/api/v1/federations/{slug}/record/proofs/inclusion": "?index=0",
    "/api/v1/federations/{slug}/record/proofs/consistency": "?first=1",
}
# GET routes for one named person, not public reads: the teller's mix document (sealed
# ciphertexts and proofs only, no personal data), tested in tests/elections/test_teller.py.
NOT_WALKED = {"/api/v1/federations/{slug}/elections/{election_id}/mix"}
PATH_PARAM = re.compile(r"{(\w+)}")


@pytest.fixture
def known_operations() -> set[tuple[str, str]]:
    return KNOWN_OPERATIONS


@pytest.fixture
def openapi(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


@pytest.fixture
def get_urls(openapi: dict[str, Any], federation: Federation) -> list[str]:
    """A concrete URL for every GET route of the schema and every body of the federation,
    with the largest page, so that a walk over them sees every public fact."""
    values = {
        "slug": [federation.slug],
        "body": list(Body.objects.filter(federation=federation).values_list("slug", flat=True)),
    }
    urls = []
    for path, operations in openapi["paths"].items():
        if "get" not in operations or path in NOT_WALKED:
            continue
        names = PATH_PARAM.findall(path)
        unknown = set(names) - set(values)
        assert not unknown, f"the walk does not know how to fill {unknown} in {path}"
        query = ""
        params = {p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"}
        if "limit" in params:
            query = "?limit=500"
        query = WALK_QUERIES.get(path, query)
        for combination in itertools.product(*(values[name] for name in names)):
            url = path
            for name, value in zip(names, combination, strict=True):
                url = url.replace("{" + name + "}", value)
            urls.append(url + query)
    return urls
