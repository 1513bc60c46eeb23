from __future__ import annotations

import pytest

from asamblea.federation.models import Federation
from support.factories import make_federation


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()
