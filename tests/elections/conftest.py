from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from asamblea.federation.models import Federation
from support.factories import make_federation


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Argon2 is slow on purpose; these tests make many logins they never type."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages read in English here (the default language is Spanish; one test checks it)."""
    with translation.override("en"):
        yield
