"""The "Ahora" block of a body's page, item by item: an election under way in the body
is there (nominations, then the vote), with one link; a body with nothing open says so."""

from __future__ import annotations

import re

from django.test import Client

from asamblea.elections import services
from asamblea.federation.models import Federation
from support.language import in_language

from .helpers import open_election, voters


def now_block(path: str, language: str = "en") -> str:
    html = in_language(Client(), language).get(path).content.decode()
    found = re.search(r'<section id="now".*?</section>', html, re.S)
    assert found, f"{path} has no 'now' block"
    # It comes first: right after the body's name, before its figures and lists.
    assert html.index('<section id="now"') < html.index('<dl class="facts">')
    return found.group(0)


def test_an_election_under_way_is_the_first_thing_on_its_bodys_page(
    federation: Federation,
) -> None:
    assert 'id="nothing-now"' in now_block("/f/test/b/base-1/")
    assert "No hay nada abierto en esta asamblea ahora" in now_block("/f/test/b/base-1/", "es")

    users = voters(federation, "base-1", 2)
    election = open_election(federation, "base-1")
    block = now_block("/f/test/b/base-1/")
    assert f'id="now-election-{election.pk}"' in block
    assert "Nominations are open" in block and f'href="/f/test/e/{election.pk}/"' in block
    # Not on the page of a body it does not concern.
    assert f"now-election-{election.pk}" not in now_block("/f/test/b/base-2/")

    services.do_stand(users[0], election)
    services.do_open_voting(election)
    block = now_block("/f/test/b/base-1/")
    assert "Vote:" in block and f'href="/f/test/e/{election.pk}/ballot/"' in block
    assert "Votar" in now_block("/f/test/b/base-1/", "es")
