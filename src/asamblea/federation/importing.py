"""Writing a federation file to the database, and reading it back out.

An import is one transaction: the whole file lands, or nothing does. A file
whose federation slug exists already adds its bodies and delegations to that
federation (e.g. the districts of a region, on demand); it never changes or
removes what is there.
"""

from __future__ import annotations

from django.db import transaction

from asamblea.federation.models import Body, Delegation, Federation, Level, Sector
from asamblea.federation.services import _apportion_councils
from asamblea.federation.spec import (
    BodySpec,
    DelegationSpec,
    FederationSpec,
    LevelSpec,
    SectorSpec,
    check,
)
from asamblea.record.services import Event, append_entries


@transaction.atomic
def do_import_federation(spec: FederationSpec, *, path: str = "<file>") -> Federation:
    """Create the federation of `spec`, or add the spec's new parts to it."""
    federation = Federation.objects.select_for_update().filter(slug=spec.slug).first()
    created = federation is None
    if federation is None:
        federation = Federation.objects.create(
            slug=spec.slug,
            name=spec.name,
            language=spec.language,
            description=spec.description,
            officers_need_second_factor=spec.officers_need_second_factor,
        )
    existing_bodies = dict(Body.objects.filter(federation=federation).values_list("slug", "kind"))
    existing_levels = set(Level.objects.filter(federation=federation).values_list("key", flat=True))
    existing_sectors = set(
        Sector.objects.filter(federation=federation).values_list("key", flat=True)
    )
    check(
        spec,
        path=path,
        existing_bodies=existing_bodies,
        existing_levels=existing_levels,
        existing_sectors=existing_sectors,
    )

    Level.objects.bulk_create(
        Level(federation=federation, key=lv.key, name=lv.name, rank=lv.rank) for lv in spec.levels
    )
    Sector.objects.bulk_create(
        Sector(federation=federation, key=s.key, name=s.name) for s in spec.sectors
    )
    levels = {lv.key: lv for lv in Level.objects.filter(federation=federation)}
    sectors = {s.key: s for s in Sector.objects.filter(federation=federation)}
    Body.objects.bulk_create(
        (
            Body(
                federation=federation,
                slug=b.slug,
                name=b.name,
                kind=b.kind,
                level=levels[b.level],
                sector=sectors[b.sector],
                code=b.code,
                seat_method=b.seat_method,
                seat_total=b.seat_total,
                seat_min=b.seat_min,
                seat_max=b.seat_max,
            )
            for b in spec.bodies
        ),
        batch_size=1000,
    )
    bodies = {b.slug: b for b in Body.objects.filter(federation=federation)}
    commands = []
    for b in spec.bodies:
        if b.command_of:
            command = bodies[b.slug]
            command.command_of = bodies[b.command_of]
            commands.append(command)
    Body.objects.bulk_update(commands, ["command_of"], batch_size=1000)
    Delegation.objects.bulk_create(
        (
            Delegation(
                federation=federation,
                source=bodies[d.source],
                council=bodies[d.council],
                fixed_seats=d.fixed_seats,
                seats=0,
                next_seats=d.fixed_seats or 0,
            )
            for d in spec.delegations
        ),
        batch_size=1000,
    )
    parents: dict[str, list[str]] = {}
    for d in spec.delegations:
        parents.setdefault(d.source, []).append(d.council)
    events = []
    if created:
        events.append(Event("federation.created", {"name": federation.name}))
    events += [
        Event(
            "body.created",
            {
                "body": b.slug,
                "name": b.name,
                "kind": b.kind,
                "level": b.level,
                "sector": b.sector,
                "sends_delegates_to": parents.get(b.slug, []),
                **({"command_of": b.command_of} if b.command_of else {}),
            },
            body=bodies[b.slug],
        )
        for b in spec.bodies
    ]
    councils = {bodies[d.council].id for d in spec.delegations if d.fixed_seats is None}
    events += _apportion_councils(federation, councils)
    append_entries(federation, events)
    return federation


def export_federation(federation: Federation) -> FederationSpec:
    """The federation's structure as a spec; importing it gives the same federation."""
    spec = FederationSpec(
        slug=federation.slug,
        name=federation.name,
        language=federation.language,
        description=federation.description,
        officers_need_second_factor=federation.officers_need_second_factor,
    )
    spec.levels = [
        LevelSpec(key=lv.key, name=lv.name, rank=lv.rank)
        for lv in Level.objects.filter(federation=federation).order_by("rank", "key")
    ]
    spec.sectors = [
        SectorSpec(key=s.key, name=s.name)
        for s in Sector.objects.filter(federation=federation).order_by("key")
    ]
    bodies = (
        Body.objects.filter(federation=federation)
        .select_related("level", "sector", "command_of")
        .order_by("level__rank", "id")
    )
    spec.bodies = [
        BodySpec(
            slug=b.slug,
            name=b.name,
            kind=b.kind,
            level=b.level.key,
            sector=b.sector.key,
            code=b.code,
            command_of=b.command_of.slug if b.command_of else None,
            seat_method=b.seat_method or "dhondt",
            seat_total=b.seat_total,
            seat_min=b.seat_min,
            seat_max=b.seat_max,
        )
        for b in bodies
    ]
    spec.delegations = [
        DelegationSpec(source=d.source.slug, council=d.council.slug, fixed_seats=d.fixed_seats)
        for d in Delegation.objects.filter(federation=federation)
        .select_related("source", "council")
        .order_by("council__level__rank", "id")
    ]
    return spec
