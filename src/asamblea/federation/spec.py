"""The federation file: a plain description of a federation, read and written.

Pure module (no Django): it parses a CSV or JSON file into a `FederationSpec`,
checking everything that can be checked without the database, and names the
line of the first problem. `importing.py` writes a spec to the database;
`exporting` turns the database back into the same spec.

JSON shape:
    {"federation": {"slug", "name", "language"?, "description"?,
                    "officers_need_second_factor"?: true|false},
     "levels": [{"key", "name", "rank"}],          # rank 0 is the top tier
     "sectors": [{"key", "name"}],
     "bodies": [{"slug", "name", "kind": "base"|"council"|"command", "level",
                 "sector", "code"?, "command_of"?,
                 "seats"?: {"method", "total", "min"?, "max"?}}],   # councils
     "delegations": [{"source", "council", "seats": N | "apportioned"}]}

CSV shape (one body per row; levels and sectors are taken from the rows):
    slug,name,kind,level,sector,parents,delegation_seats,code,seat_method,
    seat_total,seat_min,seat_max
  `parents`: the councils the body sends delegates to, separated by "|";
  `delegation_seats`: a number (fixed) or empty (apportioned by the council).
  Level ranks follow the rows: a level first met on a row ranks below the
  levels of that row's parents.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from asamblea.errors import InvalidFile
from asamblea.textfiles import csv_delimiter

KINDS = ("base", "council", "command")
METHODS = ("dhondt", "sainte-lague", "largest-remainder", "huntington-hill")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CSV_COLUMNS = (
    "slug",
    "name",
    "kind",
    "level",
    "sector",
    "parents",
    "delegation_seats",
    "code",
    "seat_method",
    "seat_total",
    "seat_min",
    "seat_max",
)


class _Where(TypedDict):
    """Where in the file a problem is: InvalidFile's keyword arguments."""

    line: int | None
    path: str


@dataclass(frozen=True)
class LevelSpec:
    key: str
    name: str
    rank: int


@dataclass(frozen=True)
class SectorSpec:
    key: str
    name: str


@dataclass(frozen=True)
class BodySpec:
    slug: str
    name: str
    kind: str
    level: str
    sector: str
    code: str = ""
    command_of: str | None = None
    seat_method: str = "dhondt"
    seat_total: int | None = None
    seat_min: int = 0
    seat_max: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class DelegationSpec:
    source: str
    council: str
    fixed_seats: int | None  # None: apportioned by the council
    line: int | None = None


@dataclass
class FederationSpec:
    slug: str
    name: str
    language: str = "es"
    description: str = ""
    officers_need_second_factor: bool = False
    levels: list[LevelSpec] = field(default_factory=list)
    sectors: list[SectorSpec] = field(default_factory=list)
    bodies: list[BodySpec] = field(default_factory=list)
    delegations: list[DelegationSpec] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def seats(b: BodySpec) -> dict[str, Any] | None:
            if b.seat_total is None:
                return None
            return {
                "method": b.seat_method,
                "total": b.seat_total,
                "min": b.seat_min,
                "max": b.seat_max,
            }

        return {
            "federation": {
                "slug": self.slug,
                "name": self.name,
                "language": self.language,
                "description": self.description,
                "officers_need_second_factor": self.officers_need_second_factor,
            },
            "levels": [{"key": lv.key, "name": lv.name, "rank": lv.rank} for lv in self.levels],
            "sectors": [{"key": s.key, "name": s.name} for s in self.sectors],
            "bodies": [
                {
                    k: v
                    for k, v in {
                        "slug": b.slug,
                        "name": b.name,
                        "kind": b.kind,
                        "level": b.level,
                        "sector": b.sector,
                        "code": b.code or None,
                        "command_of": b.command_of,
                        "seats": seats(b),
                    }.items()
                    if v is not None
                }
                for b in self.bodies
            ],
            "delegations": [
                {
                    "source": d.source,
                    "council": d.council,
                    "seats": "apportioned" if d.fixed_seats is None else d.fixed_seats,
                }
                for d in self.delegations
            ],
        }


# ---------------------------------------------------------------- reading


def parse_file(
    text: str,
    *,
    path: str,
    fmt: str | None = None,
    slug: str | None = None,
    name: str | None = None,
) -> FederationSpec:
    """Parse a federation file (format from `fmt` or the file name) and check it."""
    fmt = fmt or ("json" if path.lower().endswith(".json") else "csv")
    if fmt == "json":
        spec = parse_json(text, path=path)
    elif fmt == "csv":
        spec = parse_csv(text, path=path, slug=slug, name=name)
    else:
        raise InvalidFile(f"unknown format {fmt!r}: use csv or json", path=path)
    check(spec, path=path)
    return spec


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _json_with_lines(text: str, path: str) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Decode the top-level object, noting the line where each list item starts."""
    decoder = json.JSONDecoder()
    lines: dict[str, list[int]] = {}
    try:
        top = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise InvalidFile(f"not valid JSON: {error.msg}", line=error.lineno, path=path) from None
    if not isinstance(top, dict):
        raise InvalidFile(
            "expected a JSON object with federation, levels, sectors, bodies, delegations",
            line=1,
            path=path,
        )
    # Second pass to find where each array item starts (the decoder keeps no positions).
    for key in ("levels", "sectors", "bodies", "delegations"):
        match = re.search('"' + re.escape(key) + r'"\s*:\s*\[', text)
        if not match or not isinstance(top.get(key), list):
            continue
        pos = match.end()
        starts: list[int] = []
        for _item in top[key]:
            while text[pos] in " \t\r\n,":
                pos += 1
            starts.append(_line_of(text, pos))
            _value, pos = decoder.raw_decode(text, pos)
        lines[key] = starts
    return top, lines


def _req(item: Any, key: str, line: int | None, path: str, what: str) -> Any:
    if not isinstance(item, dict):
        raise InvalidFile(f"expected an object describing a {what}", line=line, path=path)
    if key not in item or item[key] in (None, ""):
        raise InvalidFile(f"the {what} has no {key!r}", line=line, path=path)
    return item[key]


def _int(value: Any, what: str, line: int | None, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise InvalidFile(f"{what} must be a whole number, not {value!r}", line=line, path=path)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidFile(
            f"{what} must be a whole number, not {value!r}", line=line, path=path
        ) from None
    if number < minimum:
        raise InvalidFile(f"{what} must be at least {minimum}, not {number}", line=line, path=path)
    return number


def parse_json(text: str, *, path: str) -> FederationSpec:
    top, lines = _json_with_lines(text, path)
    fed = top.get("federation")
    if not isinstance(fed, dict):
        raise InvalidFile(
            'the file has no "federation" object with slug and name', line=1, path=path
        )
    spec = FederationSpec(
        slug=str(_req(fed, "slug", 1, path, "federation")),
        name=str(_req(fed, "name", 1, path, "federation")),
        language=str(fed.get("language") or "es"),
        description=str(fed.get("description") or ""),
        officers_need_second_factor=fed.get("officers_need_second_factor") is True,
    )

    def items(key: str) -> list[tuple[Any, int | None]]:
        values = top.get(key, [])
        if not isinstance(values, list):
            raise InvalidFile(f"{key!r} must be a list", line=1, path=path)
        where = lines.get(key, [])
        return [(v, where[i] if i < len(where) else None) for i, v in enumerate(values)]

    for item, line in items("levels"):
        spec.levels.append(
            LevelSpec(
                key=str(_req(item, "key", line, path, "level")),
                name=str(item.get("name") or item["key"]),
                rank=_int(_req(item, "rank", line, path, "level"), "rank", line, path),
            )
        )
    for item, line in items("sectors"):
        spec.sectors.append(
            SectorSpec(
                key=str(_req(item, "key", line, path, "sector")),
                name=str(item.get("name") or item["key"]),
            )
        )
    for item, line in items("bodies"):
        seats = item.get("seats") if isinstance(item, dict) else None
        if seats is not None and not isinstance(seats, dict):
            raise InvalidFile(
                '"seats" of a body must be an object {method, total, min, max}',
                line=line,
                path=path,
            )
        seats = seats or {}
        spec.bodies.append(
            BodySpec(
                slug=str(_req(item, "slug", line, path, "body")),
                name=str(_req(item, "name", line, path, "body")),
                kind=str(_req(item, "kind", line, path, "body")),
                level=str(_req(item, "level", line, path, "body")),
                sector=str(_req(item, "sector", line, path, "body")),
                code=str(item.get("code") or ""),
                command_of=item.get("command_of") or None,
                seat_method=str(seats.get("method") or "dhondt"),
                seat_total=None
                if seats.get("total") is None
                else _int(seats["total"], "seats total", line, path, minimum=1),
                seat_min=_int(seats.get("min") or 0, "seats min", line, path),
                seat_max=None
                if seats.get("max") is None
                else _int(seats["max"], "seats max", line, path, minimum=1),
                line=line,
            )
        )
    for item, line in items("delegations"):
        raw = _req(item, "seats", line, path, "delegation")
        spec.delegations.append(
            DelegationSpec(
                source=str(_req(item, "source", line, path, "delegation")),
                council=str(_req(item, "council", line, path, "delegation")),
                fixed_seats=None
                if raw == "apportioned"
                else _int(
                    raw, 'delegation seats (a number or "apportioned")', line, path, minimum=1
                ),
                line=line,
            )
        )
    return spec


def parse_csv(text: str, *, path: str, slug: str | None, name: str | None) -> FederationSpec:
    if not slug or not name:
        raise InvalidFile(
            "a CSV federation file needs --slug and --name for the federation", path=path
        )
    text = text.lstrip("\ufeff")
    # Comma-separated, or semicolon-separated as Excel saves CSV in a Spanish locale.
    # newline="": a lone carriage return ends a line, as the csv module expects.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        header = reader.fieldnames or []
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:  # e.g. a field longer than the csv module reads
        line = reader.line_num + 1  # the record that could not be read starts there
        raise InvalidFile(f"not readable as CSV: {error}", line=line, path=path) from None
    missing = [c for c in ("slug", "name", "kind", "level", "sector") if c not in header]
    if missing:
        raise InvalidFile(
            f"the header lacks the column(s) {', '.join(missing)}; expected "
            f"{','.join(CSV_COLUMNS)}",
            line=1,
            path=path,
        )
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise InvalidFile(
            f"unknown column(s) {', '.join(unknown)}; expected {','.join(CSV_COLUMNS)}",
            line=1,
            path=path,
        )
    spec = FederationSpec(slug=slug, name=name)
    level_rank: dict[str, int] = {}
    sectors: dict[str, None] = {}
    body_level: dict[str, str] = {}
    for line, row in rows:
        if None in row:
            raise InvalidFile(
                f"this row has more fields than the header's {len(header)}", line=line, path=path
            )
        values = {k: (v or "").strip() for k, v in row.items()}
        for column in ("slug", "name", "kind", "level", "sector"):
            if not values.get(column):
                raise InvalidFile(f"the {column!r} field is empty", line=line, path=path)
        parents = [p.strip() for p in values.get("parents", "").split("|") if p.strip()]
        if values["level"] not in level_rank:
            above = [level_rank[body_level[p]] for p in parents if p in body_level]
            level_rank[values["level"]] = max(above, default=-1) + 1
        body_level[values["slug"]] = values["level"]
        sectors.setdefault(values["sector"])
        spec.bodies.append(
            BodySpec(
                slug=values["slug"],
                name=values["name"],
                kind=values["kind"],
                level=values["level"],
                sector=values["sector"],
                code=values.get("code", ""),
                command_of=parents[0] if values["kind"] == "command" and parents else None,
                seat_method=values.get("seat_method") or "dhondt",
                seat_total=_int(values["seat_total"], "seat_total", line, path, minimum=1)
                if values.get("seat_total")
                else None,
                seat_min=_int(values["seat_min"], "seat_min", line, path)
                if values.get("seat_min")
                else 0,
                seat_max=_int(values["seat_max"], "seat_max", line, path, minimum=1)
                if values.get("seat_max")
                else None,
                line=line,
            )
        )
        if values["kind"] == "command":
            continue
        fixed = values.get("delegation_seats", "")
        for parent in parents:
            spec.delegations.append(
                DelegationSpec(
                    source=values["slug"],
                    council=parent,
                    fixed_seats=_int(fixed, "delegation_seats", line, path, minimum=1)
                    if fixed
                    else None,
                    line=line,
                )
            )
    spec.levels = [
        LevelSpec(key=k, name=k.replace("-", " ").capitalize(), rank=r)
        for k, r in sorted(level_rank.items(), key=lambda kv: kv[1])
    ]
    spec.sectors = [SectorSpec(key=k, name=k.replace("-", " ").capitalize()) for k in sectors]
    return spec


def check(
    spec: FederationSpec,
    *,
    path: str,
    existing_bodies: dict[str, str] | None = None,
    existing_levels: set[str] | None = None,
    existing_sectors: set[str] | None = None,
) -> None:
    """Check the spec's internal consistency; `existing_*` are what the database holds
    already when the file adds to a federation (body slug -> kind)."""
    if not SLUG.match(spec.slug):
        raise InvalidFile(
            f"federation slug {spec.slug!r} may hold only a-z, 0-9, - and _", line=1, path=path
        )
    levels = set(existing_levels or ())
    for level in spec.levels:
        if existing_levels and level.key in existing_levels:
            raise InvalidFile(
                f"level {level.key!r} exists already in federation {spec.slug!r}; "
                "a file that adds to a federation defines only new levels",
                path=path,
            )
        if level.key in levels:
            raise InvalidFile(f"level {level.key!r} is defined twice", path=path)
        levels.add(level.key)
    sectors = set(existing_sectors or ())
    for sector in spec.sectors:
        if existing_sectors and sector.key in existing_sectors:
            raise InvalidFile(
                f"sector {sector.key!r} exists already in federation "
                f"{spec.slug!r}; a file that adds to a federation defines only "
                "new sectors",
                path=path,
            )
        if sector.key in sectors:
            raise InvalidFile(f"sector {sector.key!r} is defined twice", path=path)
        sectors.add(sector.key)
    kinds: dict[str, str] = dict(existing_bodies or {})
    for body in spec.bodies:
        where: _Where = {"line": body.line, "path": path}
        if not SLUG.match(body.slug):
            raise InvalidFile(f"body slug {body.slug!r} may hold only a-z, 0-9, - and _", **where)
        if body.slug in kinds:
            raise InvalidFile(f"there is already a body {body.slug!r}", **where)
        if body.kind not in KINDS:
            raise InvalidFile(f"kind {body.kind!r} is not one of {', '.join(KINDS)}", **where)
        if body.level not in levels:
            raise InvalidFile(f"level {body.level!r} is not defined", **where)
        if body.sector not in sectors:
            raise InvalidFile(f"sector {body.sector!r} is not defined", **where)
        if body.seat_method not in METHODS:
            raise InvalidFile(
                f"seat method {body.seat_method!r} is not one of {', '.join(METHODS)}", **where
            )
        if body.seat_max is not None and body.seat_max < body.seat_min:
            raise InvalidFile("seats max is below seats min", **where)
        if body.kind == "command" and not body.command_of:
            raise InvalidFile("a command must name the body it is the command of", **where)
        kinds[body.slug] = body.kind
    for body in spec.bodies:
        if body.command_of is not None and body.command_of not in kinds:
            raise InvalidFile(
                f"command_of names {body.command_of!r}, which is not a body",
                line=body.line,
                path=path,
            )
    up: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for d in spec.delegations:
        where = {"line": d.line, "path": path}
        for end in (d.source, d.council):
            if end not in kinds:
                raise InvalidFile(f"the delegation names {end!r}, which is not a body", **where)
        if kinds[d.council] not in ("council", "command"):
            raise InvalidFile(
                f"{d.council!r} is a {kinds[d.council]} assembly: delegates go to councils", **where
            )
        if (d.source, d.council) in seen:
            raise InvalidFile(f"the delegation {d.source} → {d.council} is given twice", **where)
        seen.add((d.source, d.council))
        up.setdefault(d.source, []).append(d.council)
    # The delegation graph must have no cycle (depth-first search with colours).
    state: dict[str, int] = {}
    for start in up:
        stack = [(start, iter(up.get(start, ())))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                line = next(
                    (d.line for d in spec.delegations if d.source == node and d.council == child),
                    None,
                )
                raise InvalidFile(
                    f"the delegation {node} → {child} closes a loop: delegations "
                    "must not come back to where they started",
                    line=line,
                    path=path,
                )
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(up.get(child, ()))))
