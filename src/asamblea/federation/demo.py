"""The demo federation: the Peru template with base assemblies of several sectors
in three provinces, synthetic verified members and officers with demo logins.

Loaded through the real services, so the demo obeys every rule the product
does. Idempotent: once the demo federation exists, loading it again changes
nothing. The people are invented: names drawn from common Peruvian given names
and surnames with a fixed seed, no contact details.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from asamblea.federation import services
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import (
    Body,
    Delegation,
    Federation,
    FederationAdmin,
    Officer,
    Sector,
)
from asamblea.federation.peru import peru_spec
from asamblea.federation.spec import BodySpec, DelegationSpec

DEMO_PASSWORD = "asamblea-demo"  # noqa: S105 - printed on purpose: these are demo logins
DEMO_PROVINCES = {"0501": "provincia-huamanga", "0801": "provincia-cusco", "2101": "provincia-puno"}
SECTOR_BASES = [
    # (province code, slug, name, sector)
    ("0501", "sutep-huamanga", "SUTEP Base Huamanga", "trabajadores"),
    (
        "0501",
        "construccion-civil-huamanga",
        "Sindicato de Construcción Civil de Huamanga",
        "trabajadores",
    ),
    ("0501", "fua-unsch", "Federación Universitaria de la UNSCH", "estudiantes"),
    ("0501", "rondas-huamanga", "Rondas Campesinas de Huamanga", "ronderos"),
    ("0801", "fdtc-cusco", "Federación Departamental de Trabajadores del Cusco", "trabajadores"),
    ("0801", "fuc-cusco", "Federación Universitaria del Cusco", "estudiantes"),
    ("0801", "campesinos-cusco", "Federación Agraria Provincial del Cusco", "campesinos"),
    ("2101", "aymaras-puno", "Consejo de Comunidades Aymaras de Puno", "indigenas"),
    ("2101", "quechuas-puno", "Comunidades Quechuas de Puno", "indigenas"),
    ("2101", "rondas-puno", "Rondas Campesinas de Puno", "ronderos"),
]
GIVEN = [
    "Rosa",
    "Juan",
    "María",
    "José",
    "Luz",
    "Pedro",
    "Carmen",
    "Luis",
    "Ana",
    "Jorge",
    "Elena",
    "Wilber",
    "Yeni",
    "Edwin",
    "Nélida",
    "Rubén",
    "Flor",
    "Hugo",
    "Marleni",
    "Teófilo",
    "Lidia",
    "Alcides",
    "Betty",
    "Percy",
    "Yolanda",
    "Fortunato",
    "Ruth",
]
SURNAMES = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "Flores",
    "Ccahuana",
    "Apaza",
    "Choque",
    "Huanca",
    "Rojas",
    "Vargas",
    "Gutiérrez",
    "Pari",
    "Ticona",
    "Sulca",
    "Cusi",
    "Yupanqui",
    "Ramos",
    "Torres",
    "Palomino",
    "Huarcaya",
    "Chambi",
    "Illa",
    "Mendoza",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


def demo_logins() -> list[DemoLogin]:
    """The logins worth printing: the admin, some members, the sector bodies' officers."""
    logins = [DemoLogin("admin", "federation admin (may act in every body)")]
    logins += [
        DemoLogin(f"miembro-{slug}-1", "verified member")
        for slug in ("sutep-huamanga", "fuc-cusco", "aymaras-puno")
    ]
    logins += [
        DemoLogin(f"dirigente-{slug}", "officer of this base assembly")
        for _code, slug, _name, _sector in SECTOR_BASES
    ]
    logins.append(
        DemoLogin(
            "dirigente-distrito-<ubigeo>-<name>",
            "officer of each district assembly, e.g. dirigente-distrito-050101-ayacucho",
        )
    )
    return logins


def _user(username: str, password_hash: str | None = None) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        user.password = password_hash or make_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def user_of(body: Body) -> Any:
    return get_user_model().objects.get(username=f"miembro-{body.slug}-1"[:150])


def load_demo(*, members_per_body: tuple[int, int] = (8, 30), seed: int = 2022) -> bool:
    """Load the demo federation; False (and nothing changed) if it is there already."""
    if Federation.objects.filter(slug="peru").exists():
        return False
    rng = random.Random(seed)
    spec = peru_spec(set(DEMO_PROVINCES))
    for code, slug, name, sector in SECTOR_BASES:
        spec.bodies.append(BodySpec(slug, name, "base", "base", sector))
        spec.delegations.append(DelegationSpec(slug, DEMO_PROVINCES[code], None))
    with transaction.atomic():
        federation = do_import_federation(spec, path="peru demo")
        admin = _user("admin")
        FederationAdmin.objects.get_or_create(user=admin, federation=federation)
        bases = list(
            Body.objects.filter(federation=federation, kind=Body.Kind.BASE)
            .select_related("sector")
            .order_by("slug")
        )
        sectors = {s.key: s for s in Sector.objects.filter(federation=federation)}
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
        district_bases = [b for b in bases if b.sector.key == "territorial"]
        for body in bases:
            officer = _user(f"dirigente-{body.slug}"[:150], password_hash)
            Officer.objects.get_or_create(user=officer, body=body, defaults={"appointed_by": admin})
            for n in range(rng.randint(*members_per_body)):
                name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
                # Every member gets a demo login, to vote and sign with (the demo's
                # elections cast their ballots through the same service a voter uses).
                user = _user(f"miembro-{body.slug}-{n + 1}"[:150], password_hash)
                membership = services.do_apply_for_membership(
                    body, full_name=name, sector=body.sector, user=user
                )
                if n < 3 or rng.random() < 0.9:
                    services.do_verify_membership(officer, body, membership.pk)
            if body.sector.key != "territorial":
                # A member of a sector body who also belongs to a district assembly: they
                # count once in every council above both.
                district = rng.choice(district_bases)
                both = services.do_apply_for_membership(
                    district, full_name="", sector=sectors["territorial"], user=user_of(body)
                )
                services.do_verify_membership(admin, district, both.pk)
        # A few applications left waiting, for the officers to decide.
        for body in bases[:5]:
            services.do_apply_for_membership(
                body, full_name=f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}", sector=body.sector
            )
    return True


def demo_summary() -> dict[str, int]:
    federation = Federation.objects.get(slug="peru")
    return {
        "bodies": Body.objects.filter(federation=federation).count(),
        "delegations": Delegation.objects.filter(federation=federation).count(),
        "verified": Body.objects.get(federation=federation, slug="nacional").verified_members,
    }
