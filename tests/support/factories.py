"""Test data made through the real services and importer, never raw inserts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from asamblea.federation import services
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Body, Federation, Membership, Officer, Sector
from asamblea.federation.spec import BodySpec, DelegationSpec, FederationSpec, LevelSpec, SectorSpec


def small_federation_spec(slug: str = "test") -> FederationSpec:
    """national ← region-a ← {prov-a1 ← {base-1, base-2, union-1}, prov-a2 ← base-3};
    national ← region-b ← prov-b1 ← base-4."""
    spec = FederationSpec(
        slug=slug,
        name="Test federation",
        levels=[
            LevelSpec("national", "National", 0),
            LevelSpec("region", "Region", 1),
            LevelSpec("province", "Province", 2),
            LevelSpec("base", "Base", 3),
        ],
        sectors=[SectorSpec("territorial", "Territorial"), SectorSpec("workers", "Workers")],
    )
    council = {"kind": "council", "sector": "territorial", "seat_method": "dhondt", "seat_min": 1}
    spec.bodies += [
        BodySpec("national", "National assembly", level="national", seat_total=10, **council),
        BodySpec(
            "national-command",
            "National command",
            "command",
            "national",
            "territorial",
            command_of="national",
        ),
        BodySpec("region-a", "Region A", level="region", seat_total=6, **council),
        BodySpec("region-b", "Region B", level="region", seat_total=4, **council),
        BodySpec("prov-a1", "Province A1", level="province", seat_total=5, **council),
        BodySpec("prov-a2", "Province A2", level="province", seat_total=3, **council),
        BodySpec("prov-b1", "Province B1", level="province", seat_total=3, **council),
    ]
    for slug_, province, sector in [
        ("base-1", "prov-a1", "territorial"),
        ("base-2", "prov-a1", "territorial"),
        ("union-1", "prov-a1", "workers"),
        ("base-3", "prov-a2", "territorial"),
        ("base-4", "prov-b1", "territorial"),
    ]:
        spec.bodies.append(BodySpec(slug_, slug_.replace("-", " ").title(), "base", "base", sector))
        spec.delegations.append(DelegationSpec(slug_, province, None))
    spec.delegations += [
        DelegationSpec("prov-a1", "region-a", None),
        DelegationSpec("prov-a2", "region-a", None),
        DelegationSpec("prov-b1", "region-b", None),
        DelegationSpec("region-a", "national", None),
        DelegationSpec("region-b", "national", None),
    ]
    return spec


def make_federation(slug: str = "test") -> Federation:
    return do_import_federation(small_federation_spec(slug))


def body(federation: Federation, slug: str) -> Body:
    return Body.objects.get(federation=federation, slug=slug)


def make_user(username: str, password: str = "a long test password") -> Any:
    return get_user_model().objects.create_user(username=username, password=password)


def make_officer(federation: Federation, body_slug: str, username: str | None = None) -> Any:
    target = body(federation, body_slug)
    user = make_user(username or f"officer-{body_slug}")
    Officer.objects.create(user=user, body=target)
    return user


def add_member(
    federation: Federation,
    body_slug: str,
    name: str = "Ana Quispe",
    *,
    verified: bool = True,
    user: Any = None,
    phone: str = "",
    email: str = "",
    sector: str | None = None,
) -> Membership:
    target = body(federation, body_slug)
    sector_obj = Sector.objects.get(federation=federation, key=sector or target.sector.key)
    membership = services.do_apply_for_membership(
        target, full_name=name, sector=sector_obj, user=user, phone=phone, email=email
    )
    if verified:
        admin = get_user_model().objects.filter(
            is_superuser=True
        ).first() or get_user_model().objects.create_superuser("root", password="root password 123")
        membership = services.do_verify_membership(admin, target, membership.pk)
    return membership
