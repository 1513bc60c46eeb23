from __future__ import annotations

import pytest
from support.factories import make_federation

from asamblea.federation.models import Federation


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()
