"""The public reads behind the API, each in a fixed number of queries.

Public facts need no permission check, so these are plain queries; they never
touch Person or Membership rows (only the bodies' verified counts). The number
of queries of each function does not grow with the size of the federation.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from asamblea.federation.models import Body, Delegation, Federation


def _federation_facts(federation: Federation, body_count: int) -> dict[str, Any]:
    return {
        "slug": federation.slug,
        "name": federation.name,
        "description": federation.description,
        "language": federation.language,
        "bodies": body_count,
    }


def federations() -> list[dict[str, Any]]:
    found = Federation.objects.annotate(body_count=Count("bodies")).order_by("name", "slug")
    return [_federation_facts(f, f.body_count) for f in found]


def _bodies(federation: Federation) -> QuerySet[Body]:
    return Body.objects.filter(federation=federation).select_related("level", "sector")


def federation_detail(federation: Federation) -> dict[str, Any]:
    top = (
        _bodies(federation)
        .filter(kind=Body.Kind.COUNCIL, delegations_up__isnull=True)
        .order_by("level__rank", "name", "slug")
    )
    return {
        **_federation_facts(federation, Body.objects.filter(federation=federation).count()),
        "levels": list(federation.levels.order_by("rank", "key")),
        "sectors": list(federation.sectors.order_by("name", "key")),
        "top": list(top),
    }


def bodies(
    federation: Federation,
    *,
    level: str | None = None,
    kind: str | None = None,
    sector: str | None = None,
    q: str | None = None,
) -> QuerySet[Body]:
    """The federation's bodies, top tier first, filtered by level/kind/sector keys and text."""
    found = _bodies(federation)
    if level:
        found = found.filter(level__key=level)
    if kind:
        found = found.filter(kind=kind)
    if sector:
        found = found.filter(sector__key=sector)
    if q and q.strip():
        text = q.strip()
        found = found.filter(Q(name__icontains=text) | Q(slug__icontains=text) | Q(code=text))
    # The slug ends the order so that pages never overlap or skip a body.
    return found.order_by("level__rank", "name", "slug")


def _seat_rule(body: Body) -> dict[str, Any]:
    return {
        "method": body.seat_method or None,
        "total": body.seat_total,
        "min": body.seat_min,
        "max": body.seat_max,
    }


def _seat_facts(delegation: Delegation) -> dict[str, Any]:
    return {
        "fixed_seats": delegation.fixed_seats,
        "seats": delegation.seats,
        "next_seats": delegation.next_seats,
        "changes_at_next_election": delegation.changes_at_next_election,
    }


def delegations_up(body: Body) -> list[dict[str, Any]]:
    """The delegations `body` sends, with the councils they sit in."""
    rows = (
        Delegation.objects.filter(source=body)
        .select_related("council__level", "council__sector")
        .order_by("council__level__rank", "council__name", "council__slug")
    )
    return [{**_seat_facts(d), "council": d.council} for d in rows]


def body_detail(body: Body) -> dict[str, Any]:
    """A body's public page as data; `body` comes from `services.access_body`."""
    children = (
        Delegation.objects.filter(council=body)
        .select_related("source__level", "source__sector")
        .order_by("source__name", "source__slug")
    )
    command = Body.objects.filter(command_of=body).select_related("level", "sector").first()
    command_of = None
    if body.command_of_id is not None:
        command_of = _bodies(body.federation).get(pk=body.command_of_id)
    return {
        "slug": body.slug,
        "name": body.name,
        "kind": body.kind,
        "code": body.code,
        "level": body.level,
        "sector": body.sector,
        "verified_members": body.verified_members,
        "seat_rule": _seat_rule(body) if body.kind == Body.Kind.COUNCIL else None,
        "command_of": command_of,
        "command": command,
        "parents": delegations_up(body),
        "children": [{**_seat_facts(d), "source": d.source} for d in children],
    }


def delegations(
    federation: Federation, *, council: str | None = None, source: str | None = None
) -> QuerySet[Delegation]:
    found = Delegation.objects.filter(federation=federation).select_related("source", "council")
    if council:
        found = found.filter(council__slug=council)
    if source:
        found = found.filter(source__slug=source)
    return found.order_by(
        "council__level__rank", "council__name", "council__slug", "source__name", "source__slug"
    )


def seats(federation: Federation, *, council: str | None = None) -> list[dict[str, Any]]:
    """Every council's apportionment (two queries, however many councils)."""
    councils = _bodies(federation).filter(kind=Body.Kind.COUNCIL)
    if council:
        councils = councils.filter(slug=council)
    ordered = list(councils.order_by("level__rank", "name", "slug"))
    by_council: dict[int, list[Delegation]] = defaultdict(list)
    rows = (
        Delegation.objects.filter(council__in=councils.values("pk"))
        .select_related("source__level", "source__sector")
        .order_by("source__name", "source__slug")
    )
    for delegation in rows:
        by_council[delegation.council_id].append(delegation)
    return [
        {
            "council": c,
            "rule": _seat_rule(c),
            "seats": sum(d.seats for d in by_council[c.pk]),
            "next_seats": sum(d.next_seats for d in by_council[c.pk]),
            "delegations": [{**_seat_facts(d), "source": d.source} for d in by_council[c.pk]],
        }
        for c in ordered
    ]
