"""The number of queries of each read does not grow with the number of bodies."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Body, Federation
from asamblea.federation.spec import BodySpec, DelegationSpec
from support.factories import add_member, small_federation_spec

EXTRA_BASES = 60
# What each read may cost at most, whatever the federation's size.
READS = [
    ("/api/v1/federations", 1),
    ("/api/v1/federations/{slug}", 5),
    ("/api/v1/federations/{slug}/bodies?limit=500", 3),
    ("/api/v1/federations/{slug}/bodies?limit=500&level=base&q=base", 3),
    ("/api/v1/federations/{slug}/bodies/prov-a1", 5),
    ("/api/v1/federations/{slug}/bodies/national", 5),
    ("/api/v1/federations/{slug}/delegations?limit=500", 3),
    ("/api/v1/federations/{slug}/seats", 3),
]


def grown_federation(slug: str) -> Federation:
    """The factory federation with many more base assemblies under its provinces."""
    spec = small_federation_spec(slug)
    for i in range(EXTRA_BASES):
        province = ["prov-a1", "prov-a2", "prov-b1"][i % 3]
        spec.bodies.append(BodySpec(f"extra-{i}", f"Extra base {i}", "base", "base", "territorial"))
        spec.delegations.append(DelegationSpec(f"extra-{i}", province, None))
    federation = do_import_federation(spec)
    for i in range(0, EXTRA_BASES, 6):
        add_member(federation, f"extra-{i}", f"Member {i}")
    return federation


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured.captured_queries)


@pytest.fixture
def small_and_grown(federation: Federation) -> tuple[Federation, Federation]:
    return federation, grown_federation("grown")


@pytest.mark.parametrize(("url", "most"), READS, ids=[url for url, _most in READS])
def test_a_read_costs_the_same_queries_for_12_bodies_as_for_72(
    client: Client, small_and_grown: tuple[Federation, Federation], url: str, most: int
) -> None:
    small, grown = small_and_grown
    assert Body.objects.filter(federation=grown).count() == 12 + EXTRA_BASES
    counts = [queries(client, url.format(slug=f.slug)) for f in (small, grown)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= most, counts
