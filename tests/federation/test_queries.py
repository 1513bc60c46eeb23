"""A council's page costs the same number of queries however many bodies sit under it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Federation
from asamblea.federation.spec import BodySpec, DelegationSpec, FederationSpec, LevelSpec, SectorSpec
from support.factories import add_member, make_officer, make_user

# Queries a body page may take, whoever asks. Measured: 17 for an anonymous visitor,
# 24 for an officer, 28 for a member - 5 of the federation's own (federation, body,
# delegations up and down, command), 3 for the visitor's roles, session and user, the
# rest in the sections other apps add (elections, deliberation, recall, record). What
# matters is that it does not grow with the tree; the budget catches a section gone wild.
# One more for a logged-in visitor since "log out everywhere": their login's session
# generation (asamblea.accounts.middleware). Nine more for "Ahora" at the top of a body's
# page (asamblea.hooks.body_now: elections 1, recall 2, deliberation 6), whatever the tree.
MAX_QUERIES = 45


def wide_and_narrow_spec() -> FederationSpec:
    """national ← region-narrow ← {province-narrow ← 2 bases, province-wide ← 20 bases};
    national ← region-wide ← 20 provinces ← one base each: at the region and at the
    province level a council with 2 children and one with 20."""
    spec = FederationSpec(
        slug="q",
        name="Query federation",
        levels=[
            LevelSpec("national", "National", 0),
            LevelSpec("region", "Region", 1),
            LevelSpec("province", "Province", 2),
            LevelSpec("base", "Base", 3),
        ],
        sectors=[SectorSpec("territorial", "Territorial"), SectorSpec("workers", "Workers")],
    )
    council = {"kind": "council", "sector": "territorial", "seat_method": "dhondt", "seat_min": 1}
    spec.bodies.append(BodySpec("national", "National", level="national", seat_total=50, **council))
    provinces_of = {
        "region-narrow": ["province-narrow", "province-wide"],
        "region-wide": [f"region-wide-p{n}" for n in range(20)],
    }
    for region, provinces in provinces_of.items():
        spec.bodies.append(BodySpec(region, region, level="region", seat_total=40, **council))
        spec.delegations.append(DelegationSpec(region, "national", None))
        for province in provinces:
            spec.bodies.append(
                BodySpec(province, province, level="province", seat_total=40, **council)
            )
            spec.delegations.append(DelegationSpec(province, region, None))
    for province, bases in [("province-narrow", 2), ("province-wide", 20)]:
        for n in range(bases):
            # Mixed sectors, so the rows that show a sector tag are drawn too.
            sector = "workers" if n % 3 == 0 else "territorial"
            spec.bodies.append(BodySpec(f"{province}-b{n}", f"Base {n}", "base", "base", sector))
            spec.delegations.append(DelegationSpec(f"{province}-b{n}", province, None))
    for n in range(20):
        spec.bodies.append(BodySpec(f"wide-b{n}", f"Wide base {n}", "base", "base", "territorial"))
        spec.delegations.append(DelegationSpec(f"wide-b{n}", f"region-wide-p{n}", None))
    return spec


@pytest.fixture
def tree(db: None) -> Federation:
    federation = do_import_federation(wide_and_narrow_spec())
    # A few verified members, so counts and seats differ between the rows.
    for base, people in [("province-narrow-b0", 3), ("province-wide-b1", 2), ("wide-b7", 4)]:
        for n in range(people):
            sector = "workers" if base.endswith("b0") else None
            add_member(federation, base, f"Member {n}", sector=sector)
    return federation


def _visitor(kind: str, federation: Federation, council: str) -> Client:
    client = Client()
    if kind == "officer":
        client.force_login(make_officer(federation, council, f"officer-{council}"))
    elif kind == "member":
        user = make_user(f"member-{council}")
        add_member(federation, "wide-b3", f"Someone {council}", user=user)
        client.force_login(user)
    return client


def _queries_for(client: Client, path: str) -> tuple[int, list[str]]:
    client.get(path)  # warm: the session and the once-per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("visitor", ["anonymous", "member", "officer"])
@pytest.mark.parametrize(
    ("narrow", "wide"),
    [
        pytest.param("region-narrow", "region-wide", id="region-2-vs-20-provinces"),
        pytest.param("province-narrow", "province-wide", id="province-2-vs-20-bases"),
    ],
)
def test_a_council_page_takes_as_many_queries_for_20_children_as_for_2(
    tree: Federation, visitor: str, narrow: str, wide: str
) -> None:
    counts: dict[str, Any] = {}
    for council in (narrow, wide):
        client = _visitor(visitor, tree, council)
        counts[council] = _queries_for(client, f"/f/q/b/{council}/")
    (few, few_sql), (many, many_sql) = counts[narrow], counts[wide]
    header = ["queries grow with the children:", f"{narrow}: {few}"]
    assert many == few, "\n".join([*header, *few_sql, f"{wide}: {many}", *many_sql])
    assert many <= MAX_QUERIES, "\n".join(many_sql)


def test_the_federation_page_takes_as_many_queries_for_more_top_assemblies(
    tree: Federation,
) -> None:
    client = Client()
    one, _sql = _queries_for(client, "/f/q/")
    spec = FederationSpec(
        slug="q",
        name="Query federation",
        bodies=[
            BodySpec(f"top-{n}", f"Top {n}", "council", "national", "territorial")
            for n in range(10)
        ],
    )
    do_import_federation(spec)  # adds ten more top assemblies to the same federation
    eleven, sql = _queries_for(client, "/f/q/")
    assert eleven == one, "\n".join(sql)
    assert eleven <= MAX_QUERIES
