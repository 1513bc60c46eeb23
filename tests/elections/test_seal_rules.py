"""The ballot page gives seal.js the server's rules, in the voter's language, as JSON.

seal.js must stop, in the browser, a ballot the server would refuse (the server cannot
read a sealed one); these are the words it shows. The page loads seal.js only, never
the ristretto255 bundle: seal.js fetches that only for a form with a sealing key.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from asamblea.elections import services
from elections.helpers import open_election, voters
from support.language import in_language


def _rules(federation, method: str | None, seats: int, language: str) -> tuple[dict, str]:
    users = voters(federation, "base-1", 4)
    election = open_election(federation, method=method, seats=seats)
    for user in users[:3]:
        services.do_stand(user, election)
    services.do_open_voting(election, now=election.voting_opens_at)
    client = in_language(Client(), language)
    client.force_login(users[3])
    page = client.get(reverse("ballot", args=[federation.slug, election.pk])).content.decode()
    found = re.search(r'<script type="application/json" id="seal-rules">(.*?)</script>', page, re.S)
    assert found, "no seal rules on the ballot page"
    return json.loads(found.group(1)), page


@pytest.mark.parametrize(
    ("language", "gap", "too_many"),
    [
        pytest.param(
            "en",
            "Ranks must follow on without gaps (1, 2, 3, ...); missing: %(ranks)s.",
            "Mark at most 2 candidates: this election fills 2 seats.",
            id="english",
        ),
        pytest.param(
            "es",
            "Los puestos deben seguirse sin saltos (1, 2, 3, ...); falta: %(ranks)s.",
            "Marque como máximo 2 candidatos: esta elección cubre 2 escaños.",
            id="spanish",
        ),
    ],
)
def test_the_plurality_ballot_page_carries_the_rules_in_the_voters_language(
    federation, language: str, gap: str, too_many: str
) -> None:
    rules, page = _rules(federation, "plurality", 2, language)
    assert rules["most"] == 2
    assert rules["messages"]["gap"] == gap
    assert rules["messages"]["tooMany"] == too_many
    assert "%(text)s" in rules["messages"]["notARank"]
    assert set(rules["messages"]) == {"notARank", "usedTwice", "gap", "none", "yesOrNo", "tooMany"}
    assert "ballots/seal.js" in page
    assert 'data-vendor="/static/ballots/vendor/noble-ristretto-2.4.0.min.js"' in page
    assert '<script src="/static/ballots/vendor/' not in page


def test_a_ranked_ballot_has_no_limit_of_marks(federation) -> None:
    rules, _page = _rules(federation, None, 2, "en")
    assert rules["most"] is None


def test_every_rank_message_is_the_servers_own_translation(federation) -> None:
    rules, _page = _rules(federation, None, 2, "es")
    messages = rules["messages"]
    assert messages["notARank"] == "“%(text)s” no es un puesto: escriba 1, 2, 3, ..."
    assert messages["usedTwice"] == (
        "Cada puesto se da a un solo candidato; usado más de una vez: %(ranks)s."
    )
    assert messages["none"] == "Marque al menos un candidato."
    assert messages["yesOrNo"] == "Elija sí o no."
