"""'Mis asambleas' costs a fixed number of queries, however big the federation: each
provider of asamblea.hooks.member_agenda makes a constant number, measured here for a
member of several bodies in the full Peru demo (thousands of bodies, elections at every
tier, a referendum and a call to action under way) and in the small test federation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from asamblea import hooks
from asamblea.elections.demo import STAR_LOGIN
from asamblea.federation import agenda
from asamblea.federation.models import Federation
from deliberation.helpers import member, seat_delegates
from support.factories import add_member, make_federation

# Queries each part may make, whoever asks and however big the federation.
MEMBER_OF = 5  # person, officer roles, memberships, delegation seats, command seats
PROVIDERS = {"federation": 1, "elections": 3, "recall": 2, "deliberation": 3}
# The whole page: the above, plus what every logged-in page costs (session, login,
# second-factor device, the header's unread notices): 18 measured, a little margin.
PAGE = MEMBER_OF + sum(PROVIDERS.values()) + 6


def provider_queries(user: Any) -> dict[str, int]:
    member = agenda.member_of(user)
    counts = {}
    for name, provider in hooks.member_agenda.named():
        with CaptureQueriesContext(connection) as queries:
            provider(member)
        counts[name] = len(queries)
    return counts


def page_queries(user: Any) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/me/")
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def test_a_member_of_several_bodies_in_the_peru_demo_costs_a_fixed_number_of_queries(
    demo: Federation,
) -> None:
    star = get_user_model().objects.get(username=STAR_LOGIN)
    member = agenda.member_of(star)
    assert len(member.body_ids) >= 3, "a member of a base, a district and councils above"
    with CaptureQueriesContext(connection) as queries:
        agenda.member_of(star)
    assert len(queries) <= MEMBER_OF
    counts = provider_queries(star)
    assert all(counts[name] <= limit for name, limit in PROVIDERS.items()), counts
    assert 0 < page_queries(star) <= PAGE


def test_the_demo_member_sees_the_referendum_under_way(demo: Federation) -> None:
    star = get_user_model().objects.get(username=STAR_LOGIN)
    assert any(
        key.startswith("referendum-")
        for key in [i.key for i in agenda.agenda(agenda.member_of(star))]
    )


def test_the_same_member_costs_the_same_in_a_small_federation(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    federation = make_federation()
    ana = member(federation, "base-1", "ana")
    add_member(federation, "base-2", user=ana)
    seat_delegates(federation, "base-1", "prov-a1", [ana], ["Ana Delegada"])
    assert len(agenda.member_of(ana).body_ids) == 3
    counts = provider_queries(ana)
    assert all(counts[name] <= limit for name, limit in PROVIDERS.items()), counts
    assert 0 < page_queries(ana) <= PAGE
