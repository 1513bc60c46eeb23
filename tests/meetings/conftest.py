from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from asamblea.federation.models import Federation
from deliberation.helpers import Tree, build_tree
from support.factories import make_federation


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


@pytest.fixture
def tree(federation: Federation) -> Tree:
    return build_tree(federation)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English, whatever an earlier test left active, so tests can read them."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Argon2 is slow on purpose; these tests make many logins they never type."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
