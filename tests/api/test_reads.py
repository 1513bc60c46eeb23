"""The public reads say what the database says: federations, bodies, delegations, seats."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from asamblea.federation.models import Body, Delegation, Federation
from support.factories import body

BODIES = "/api/v1/federations/test/bodies"


def get(client: Client, url: str, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def slugs(items: list[dict[str, Any]]) -> list[str]:
    return [item["slug"] for item in items]


def test_the_federations_are_listed_with_their_size(client: Client, federation: Federation) -> None:
    assert get(client, "/api/v1/federations") == [
        {
            "slug": "test",
            "name": "Test federation",
            "description": "",
            "language": federation.language,
            "bodies": 12,
        }
    ]


def test_a_federation_names_its_levels_sectors_and_top_council(
    client: Client, federation: Federation
) -> None:
    detail = get(client, "/api/v1/federations/test")
    assert [(level["key"], level["rank"]) for level in detail["levels"]] == [
        ("national", 0),
        ("region", 1),
        ("province", 2),
        ("base", 3),
    ]
    assert [s["key"] for s in detail["sectors"]] == ["territorial", "workers"]
    assert slugs(detail["top"]) == ["national"]
    assert detail["top"][0]["verified_members"] == body(federation, "national").verified_members


def test_bodies_are_listed_top_tier_first_with_a_total(
    client: Client, federation: Federation
) -> None:
    page = get(client, BODIES)
    assert page["count"] == 12
    assert slugs(page["items"])[:2] == ["national", "national-command"]
    assert slugs(page["items"])[-5:] == ["base-1", "base-2", "base-3", "base-4", "union-1"]
    base_1 = next(item for item in page["items"] if item["slug"] == "base-1")
    assert base_1 == {
        "slug": "base-1",
        "name": "Base 1",
        "kind": "base",
        "level": "base",
        "sector": "territorial",
        "verified_members": 2,
        "code": "",
    }


def test_pages_of_bodies_neither_overlap_nor_skip(client: Client, federation: Federation) -> None:
    seen = []
    for offset in range(0, 12, 5):
        page = get(client, BODIES, limit=5, offset=offset)
        assert page["count"] == 12
        seen += slugs(page["items"])
    assert sorted(seen) == sorted(Body.objects.values_list("slug", flat=True))
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"level": "province"}, ["prov-a1", "prov-a2", "prov-b1"], id="level"),
        pytest.param({"kind": "command"}, ["national-command"], id="kind"),
        pytest.param({"sector": "workers"}, ["union-1"], id="sector"),
        pytest.param({"q": "a1"}, ["prov-a1"], id="text-in-slug"),
        pytest.param({"q": "region "}, ["region-a", "region-b"], id="text-in-name"),
        pytest.param({"level": "base", "sector": "territorial", "q": "3"}, ["base-3"], id="all"),
        pytest.param({"level": "no-such-level"}, [], id="unknown-level-finds-nothing"),
    ],
)
def test_bodies_are_filtered(
    client: Client, federation: Federation, params: dict[str, str], expected: list[str]
) -> None:
    page = get(client, BODIES, **params)
    assert slugs(page["items"]) == expected
    assert page["count"] == len(expected)


def test_an_unknown_kind_or_a_huge_page_is_a_clear_400(
    client: Client, federation: Federation
) -> None:
    for params in [{"kind": "senate"}, {"limit": 0}, {"offset": -1}]:
        response = client.get(BODIES, params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid_input"
    # Above the maximum page size the page is cut to the maximum, not refused.
    assert get(client, BODIES, limit=100000)["count"] == 12


def test_a_council_shows_its_rule_parents_children_and_seats(
    client: Client, federation: Federation
) -> None:
    detail = get(client, f"{BODIES}/prov-a1")
    assert detail["level"] == {"key": "province", "name": "Province", "rank": 2}
    assert detail["sector"] == {"key": "territorial", "name": "Territorial"}
    assert detail["kind"] == "council"
    assert detail["verified_members"] == body(federation, "prov-a1").verified_members == 3
    assert detail["seat_rule"] == {"method": "dhondt", "total": 5, "min": 1, "max": None}
    assert [p["council"]["slug"] for p in detail["parents"]] == ["region-a"]
    assert [c["source"]["slug"] for c in detail["children"]] == ["base-1", "base-2", "union-1"]
    for child in detail["children"]:
        row = Delegation.objects.get(council__slug="prov-a1", source__slug=child["source"]["slug"])
        assert (child["seats"], child["next_seats"], child["fixed_seats"]) == (
            row.seats,
            row.next_seats,
            row.fixed_seats,
        )
        assert child["changes_at_next_election"] == (row.seats != row.next_seats)
    assert sum(c["next_seats"] for c in detail["children"]) == 5
    assert detail["command"] is None and detail["command_of"] is None


def test_a_base_assembly_has_no_seat_rule_and_sends_one_delegation(
    client: Client, federation: Federation
) -> None:
    detail = get(client, f"{BODIES}/union-1")
    assert detail["seat_rule"] is None
    assert detail["children"] == []
    assert detail["sector"]["key"] == "workers"
    [parent] = detail["parents"]
    assert parent["council"]["slug"] == "prov-a1"
    row = Delegation.objects.get(source__slug="union-1")
    assert (parent["seats"], parent["next_seats"]) == (row.seats, row.next_seats)


def test_a_body_and_its_command_point_at_each_other(client: Client, federation: Federation) -> None:
    national = get(client, f"{BODIES}/national")
    assert national["command"]["slug"] == "national-command"
    command = get(client, f"{BODIES}/national-command")
    assert command["kind"] == "command"
    assert command["command_of"]["slug"] == "national"


def test_delegations_are_listed_by_council_and_filtered(
    client: Client, federation: Federation
) -> None:
    page = get(client, "/api/v1/federations/test/delegations")
    assert page["count"] == Delegation.objects.count() == 10
    assert [(d["council"], d["source"]) for d in page["items"][:2]] == [
        ("national", "region-a"),
        ("national", "region-b"),
    ]
    into_a1 = get(client, "/api/v1/federations/test/delegations", council="prov-a1")["items"]
    assert [d["source"] for d in into_a1] == ["base-1", "base-2", "union-1"]
    from_b4 = get(client, "/api/v1/federations/test/delegations", source="base-4")["items"]
    assert [(d["council"], d["council_name"]) for d in from_b4] == [("prov-b1", "Province B1")]


def test_the_seats_of_every_council_add_up_to_its_total(
    client: Client, federation: Federation
) -> None:
    councils = get(client, "/api/v1/federations/test/seats")
    assert [c["council"]["slug"] for c in councils] == [
        "national",
        "region-a",
        "region-b",
        "prov-a1",
        "prov-a2",
        "prov-b1",
    ]
    for council in councils:
        assert council["next_seats"] == council["rule"]["total"]
        assert council["next_seats"] == sum(d["next_seats"] for d in council["delegations"])
        assert all(d["next_seats"] >= council["rule"]["min"] for d in council["delegations"])
        for delegation in council["delegations"]:
            row = Delegation.objects.get(
                council__slug=council["council"]["slug"],
                source__slug=delegation["source"]["slug"],
            )
            assert (delegation["seats"], delegation["next_seats"]) == (row.seats, row.next_seats)
    # Region A apportions 6 seats by D'Hondt between prov-a1 (3 verified) and prov-a2 (1).
    region_a = councils[1]
    assert {d["source"]["slug"]: d["next_seats"] for d in region_a["delegations"]} == {
        "prov-a1": 5,
        "prov-a2": 1,
    }
    one = get(client, "/api/v1/federations/test/seats", council="prov-b1")
    assert [c["council"]["slug"] for c in one] == ["prov-b1"]


def test_a_verification_shows_up_in_the_public_seats(
    officer_client: Client, client: Client, pending: Any, federation: Federation
) -> None:
    before = get(client, f"{BODIES}/base-1")["verified_members"]
    url = f"{BODIES}/base-1/memberships/{pending.pk}/decision"
    officer_client.post(url, {"action": "verify"}, content_type="application/json")
    assert get(client, f"{BODIES}/base-1")["verified_members"] == before + 1
    into_a1 = {
        d["source"]["slug"]: d["next_seats"]
        for d in get(client, "/api/v1/federations/test/seats", council="prov-a1")[0]["delegations"]
    }
    assert into_a1 == {
        d.source.slug: d.next_seats
        for d in Delegation.objects.filter(council__slug="prov-a1").select_related("source")
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/federations/nope",
        "/api/v1/federations/nope/bodies",
        "/api/v1/federations/nope/seats",
        "/api/v1/federations/nope/delegations",
        "/api/v1/federations/test/bodies/nope",
    ],
)
def test_an_unknown_federation_or_body_is_a_json_404(
    client: Client, federation: Federation, url: str
) -> None:
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "“nope”" in error["message"]
