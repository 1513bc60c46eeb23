"""The Peru template: Peru's regions, provinces and (on demand) districts as a federation.

Built from INEI's 2025 divisions shipped in `data/peru/` (MIT, credited there).
Pure module: it returns a `FederationSpec`; importing it is the caller's job.

Structure: a national assembly (with its command); one regional assembly per
regional government - 26, with Lima Metropolitana and Callao apart - each with
its command; 196 provincial assemblies; and district assemblies as base
assemblies for the provinces asked for. Seats in each council are apportioned
by verified membership (Sainte-Laguë, at least one seat per body).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Collection
from importlib import resources

from asamblea.federation.spec import (
    BodySpec,
    DelegationSpec,
    FederationSpec,
    LevelSpec,
    SectorSpec,
)

NATIONAL = "nacional"
LEVELS = [
    LevelSpec("nacional", "Nacional", 0),
    LevelSpec("regional", "Regional", 1),
    LevelSpec("provincial", "Provincial", 2),
    LevelSpec("distrital", "Distrital", 3),
    LevelSpec("base", "Base", 4),
]
SECTORS = [
    SectorSpec("territorial", "Territorial"),
    SectorSpec("trabajadores", "Trabajadores"),
    SectorSpec("campesinos", "Campesinos"),
    SectorSpec("estudiantes", "Estudiantes"),
    SectorSpec("indigenas", "Pueblos indígenas"),
    SectorSpec("ronderos", "Rondas campesinas"),
]
NATIONAL_SEATS = 130  # as many as Peru's Congress
SEATS_PER_PROVINCE_IN_REGION = 4
PROVINCIAL_SEATS = 40
LIMA_METROPOLITANA = "LIMA-METROPOLITANA"
LIMA_REGION = "LIMA-REGION"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _rows(name: str) -> list[dict[str, str]]:
    source = resources.files("asamblea.federation").joinpath("data", "peru", name)
    # csv needs newline=""; the Traversable stub leaves it out, though every reader's open
    # (a Path here, or a zip entry) passes it on to the text wrapper.
    with source.open(encoding="utf-8-sig", newline="") as handle:  # type: ignore[call-overload]
        return list(csv.DictReader(handle))


def region_key(region_code: str) -> str:
    return region_code


def peru_spec(districts: Collection[str] | str = ()) -> FederationSpec:
    """The Peru federation; `districts` lists province or department codes whose
    districts become base assemblies ("all" for every district)."""
    departments = {r["departamento_id"]: r["departamento"] for r in _rows("departamentos.csv")}
    provinces = _rows("provincias.csv")
    district_rows = _rows("distritos.csv")
    region_of_province: dict[str, str] = {}
    for row in district_rows:
        region_of_province.setdefault(row["provincia_id"], row["gobierno_regional"])

    def region_name(code: str) -> str:
        if code == LIMA_METROPOLITANA:
            return "Lima Metropolitana"
        if code == LIMA_REGION:
            return "Lima Provincias"
        return departments[code]

    spec = FederationSpec(
        slug="peru",
        name="Asamblea Nacional Popular del Perú",
        language="es",
        description=(
            "Asambleas populares y comandos unitarios de lucha en cada provincia, "
            "coordinados en una asamblea nacional con delegados elegidos y revocables."
        ),
        levels=list(LEVELS),
        sectors=list(SECTORS),
        # Officers see members' names and phones: under repression, a stolen password
        # alone must not be enough to read them.
        officers_need_second_factor=True,
    )
    spec.bodies.append(
        BodySpec(
            NATIONAL,
            "Asamblea Nacional",
            "council",
            "nacional",
            "territorial",
            seat_method="sainte-lague",
            seat_total=NATIONAL_SEATS,
            seat_min=1,
        )
    )
    spec.bodies.append(
        BodySpec(
            "comando-nacional",
            "Comando Unitario Nacional",
            "command",
            "nacional",
            "territorial",
            command_of=NATIONAL,
        )
    )
    region_codes = sorted(set(region_of_province.values()))
    provinces_per_region: dict[str, int] = {}
    for code in region_of_province.values():
        provinces_per_region[code] = provinces_per_region.get(code, 0) + 1
    region_slug: dict[str, str] = {}
    for code in region_codes:
        name = region_name(code)
        slug = f"region-{slugify(name)}"
        region_slug[code] = slug
        spec.bodies.append(
            BodySpec(
                slug,
                f"Asamblea Regional de {name}",
                "council",
                "regional",
                "territorial",
                code=code,
                seat_method="sainte-lague",
                seat_total=max(SEATS_PER_PROVINCE_IN_REGION * provinces_per_region[code], 8),
                seat_min=1,
            )
        )
        spec.bodies.append(
            BodySpec(
                f"comando-{slug}",
                f"Comando Unitario Regional de {name}",
                "command",
                "regional",
                "territorial",
                command_of=slug,
            )
        )
        spec.delegations.append(DelegationSpec(slug, NATIONAL, None))
    province_slug: dict[str, str] = {}
    taken: set[str] = set()
    for row in provinces:
        slug = f"provincia-{slugify(row['provincia'])}"
        if slug in taken:
            slug = f"{slug}-{slugify(row['departamento'])}"
        taken.add(slug)
        province_slug[row["provincia_id"]] = slug
        spec.bodies.append(
            BodySpec(
                slug,
                f"Asamblea Provincial de {row['provincia']}",
                "council",
                "provincial",
                "territorial",
                code=row["provincia_id"],
                seat_method="sainte-lague",
                seat_total=PROVINCIAL_SEATS,
                seat_min=1,
            )
        )
        spec.delegations.append(
            DelegationSpec(slug, region_slug[region_of_province[row["provincia_id"]]], None)
        )
    wanted = districts
    for row in district_rows:
        if wanted != "all" and not (
            row["provincia_id"] in wanted or row["departamento_id"] in wanted
        ):
            continue
        province = province_slug[row["provincia_id"]]
        slug = f"distrito-{row['ubigeo']}-{slugify(row['distrito'])}"
        spec.bodies.append(
            BodySpec(
                slug,
                f"Asamblea Distrital de {row['distrito']}",
                "base",
                "distrital",
                "territorial",
                code=row["ubigeo"],
            )
        )
        spec.delegations.append(DelegationSpec(slug, province, None))
    return spec
