"""Fixtures that several test folders share. A folder's conftest.py imports the ones it
wants (and lists them in `__all__`, so linters see them used); pytest then offers them
to that folder's tests, and the autouse ones apply there, and only there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation

from asamblea.federation.models import Federation
from support.factories import make_federation

if TYPE_CHECKING:
    from deliberation.helpers import Tree


@pytest.fixture
def federation(db: None) -> Federation:
    """The factory federation (`support.factories.small_federation_spec`)."""
    return make_federation()


@pytest.fixture
def tree(federation: Federation) -> Tree:
    """The federation with members and delegates at every tier (`deliberation.helpers.Tree`)."""
    from deliberation.helpers import build_tree

    return build_tree(federation)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English, whatever an earlier test left active, so tests can read them
    (the default language is Spanish)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Argon2 is slow on purpose; these tests make many logins they never type."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def breakdown_of_one(settings: Any) -> None:
    """Counts published with their breakdown however few voted (small test votes)."""
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
