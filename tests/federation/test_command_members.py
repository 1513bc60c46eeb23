"""A command's page counts its members (the holders of its offices), not "verified
members 0": its members are delegates, never members of its own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from asamblea.elections.models import Seat
from asamblea.federation.models import Body, Federation
from support.language import in_language


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def test_a_command_counts_the_holders_of_its_offices(demo: Federation) -> None:
    for slug in ("comando-nacional", "comando-region-ayacucho"):
        command = Body.objects.get(federation=demo, slug=slug)
        held = Seat.objects.filter(command=command, status=Seat.Status.HELD).count()
        assert held > 0
        html = in_language(Client(), "es").get(f"/f/peru/b/{slug}/").content.decode()
        assert 'id="verified-members"' not in html
        shown = re.search(r'<dt>Miembros</dt><dd id="command-members-count">(\d+)</dd>', html)
        assert shown and int(shown.group(1)) == held, slug
