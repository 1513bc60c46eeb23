from __future__ import annotations

from typing import Any

import pytest

from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Federation
from support.factories import small_federation_spec


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def federation(db: None) -> Federation:
    """A federation that asks its officers for a second factor (as the Peru template does)."""
    spec = small_federation_spec("strict")
    spec.officers_need_second_factor = True
    return do_import_federation(spec)
