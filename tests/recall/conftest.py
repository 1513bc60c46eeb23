from __future__ import annotations

from typing import Any

import pytest

from recall.world import World, build_world


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # Argon2 costs a third of a second per user; these tests make dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return build_world()
