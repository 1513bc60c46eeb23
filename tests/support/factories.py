"""Test data: one factory_boy factory per core model, made through the real services
and importer where there is one (never raw inserts that skip the rules).

    FederationFactory()                         the small federation below, imported
    UserFactory(username="ana")                 a login; UserFactory(admin=True): the site admin
    MembershipFactory(body=b, full_name="Ana")  a verified member (pending=True: an application)
    OfficerFactory(body=b)                      an officer of b, with a new login
    FederationAdminFactory(federation=f)        a federation admin, with a new login

The functions below them (make_federation, make_user, make_officer, add_member) are
the short forms most tests use.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from asamblea.federation import services
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import (
    Body,
    Federation,
    FederationAdmin,
    Membership,
    Officer,
    Sector,
)
from asamblea.federation.spec import BodySpec, DelegationSpec, FederationSpec, LevelSpec, SectorSpec

TEST_PASSWORD = "a long test password"


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


class FederationFactory(factory.Factory):
    """The small federation of `small_federation_spec`, through the real importer."""

    class Meta:
        model = Federation

    slug = "test"

    @classmethod
    def _create(cls, model_class: type[Federation], slug: str) -> Federation:
        return do_import_federation(small_federation_spec(slug))


class UserFactory(DjangoModelFactory):
    """A login, password TEST_PASSWORD (hashed with the test's PASSWORD_HASHERS)."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user-{n}")
    password = Password(TEST_PASSWORD)

    class Params:
        # The site's superuser, who verifies the members the factories make.
        admin = factory.Trait(username="root", is_superuser=True, is_staff=True)


def site_admin() -> Any:
    """The superuser (made the first time it is needed)."""
    return get_user_model().objects.filter(is_superuser=True).first() or UserFactory(admin=True)


class MembershipFactory(factory.Factory):
    """A verified member of `body` (in the body's own sector unless `sector` is given):
    applied for and verified through the real services. `pending=True`: applied only."""

    class Meta:
        model = Membership

    body: Any = None  # required
    full_name = "Ana Quispe"
    sector = factory.LazyAttribute(lambda o: o.body.sector)
    user = None
    phone = ""
    email = ""
    verified = True

    class Params:
        pending = factory.Trait(verified=False)

    @classmethod
    def _create(
        cls, model_class: type[Membership], *, body: Body, verified: bool, **fields: Any
    ) -> Membership:
        membership = services.do_apply_for_membership(body, **fields)
        if verified:
            membership = services.do_verify_membership(site_admin(), body, membership.pk)
        return membership


class OfficerFactory(DjangoModelFactory):
    """An officer of `body`, with a login of their own."""

    class Meta:
        model = Officer

    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttribute(lambda o: f"officer-{o.factory_parent.body.slug}"),
    )
    body: Any = None  # required


class FederationAdminFactory(DjangoModelFactory):
    """An administrator of `federation`, with a login of their own."""

    class Meta:
        model = FederationAdmin

    user = factory.SubFactory(UserFactory)
    federation: Any = None  # required


def make_federation(slug: str = "test") -> Federation:
    return FederationFactory(slug=slug)


def body(federation: Federation, slug: str) -> Body:
    return Body.objects.get(federation=federation, slug=slug)


def make_user(username: str, password: str = TEST_PASSWORD) -> Any:
    return UserFactory(username=username, password=password)


def make_officer(federation: Federation, body_slug: str, username: str | None = None) -> Any:
    extra = {"user__username": username} if username else {}
    return OfficerFactory(body=body(federation, body_slug), **extra).user


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
    extra = {"sector": Sector.objects.get(federation=federation, key=sector)} if sector else {}
    return MembershipFactory(
        body=target,
        full_name=name,
        verified=verified,
        user=user,
        phone=phone,
        email=email,
        **extra,
    )
