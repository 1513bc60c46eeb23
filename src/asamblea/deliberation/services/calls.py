"""Calls to action: a council issues a resolution to the bodies under it (by region and
sector) and each reports its uptake."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.deliberation.models import (
    CallToAction,
    Resolution,
    Uptake,
)
from asamblea.deliberation.services._common import TITLE_MAX, _clean_text
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, public_row
from asamblea.federation.models import Body, Federation, Sector
from asamblea.federation.services import Graph, require_officer
from asamblea.record.services import Event, append_entries
from asamblea.web.l10n import sorted_by_name

NOTE_MAX = 500


def access_call(user: User, federation: Federation, call_id: int) -> CallToAction:
    """A call to action and its uptake: public."""
    missing = _("There is no call number %(id)s.") % {"id": call_id}
    calls = CallToAction.objects.select_related("resolution", "council__federation")
    return public_row(calls, missing, federation=federation, pk=call_id)


def bodies_in_scope(
    council: Body, regions: Iterable[Body] = (), sectors: Iterable[Sector] = ()
) -> list[Body]:
    """Bodies a call reaches: under the council (commands aside), under one of the chosen
    regions if any, and of one of the chosen sectors if any."""
    graph = Graph(council.federation)
    below = graph.descendants(council.pk)
    region_ids = [r.pk for r in regions]
    if region_ids:
        chosen: set[int] = set()
        for region in region_ids:
            chosen |= {region} | graph.descendants(region)
        below &= chosen
    query = Body.objects.filter(pk__in=below).exclude(kind=Body.Kind.COMMAND)
    sector_ids = [s.pk for s in sectors]
    if sector_ids:
        query = query.filter(sector_id__in=sector_ids)
    return list(query.select_related("level", "sector").order_by("level__rank", "name"))


@transaction.atomic
def do_issue_call(
    actor: User,
    resolution: Resolution,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    regions: Sequence[Body] = (),
    sectors: Sequence[Sector] = (),
    now: datetime | None = None,
) -> CallToAction:
    """An officer of a council issues one of its resolutions as a call to action."""
    now = now or timezone.now()
    council = resolution.body
    require_officer(actor, council)
    if council.kind != Body.Kind.COUNCIL:
        raise InvalidInput(_("Calls to action go from a council to the bodies under it."))
    if resolution.ratified is False:
        raise Conflict(_("The members did not ratify this resolution."))
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput(_("Give the start and end as dates and times with their time zone."))
    if ends_at <= starts_at:
        raise InvalidInput(_("The call must end after it starts."))
    graph = Graph(council.federation)
    below = graph.descendants(council.pk)
    for region in regions:
        if region.pk not in below:
            raise InvalidInput(
                _("%(body)s is not under %(council)s.")
                % {"body": region.name, "council": council.name}
            )
    for sector in sectors:
        if sector.federation_id != council.federation_id:
            raise InvalidInput(_("That sector does not belong to this federation."))
    scope = bodies_in_scope(council, regions, sectors)
    if not scope:
        raise InvalidInput(_("No body is in that scope: choose other regions or sectors."))
    call = CallToAction.objects.create(
        federation=council.federation,
        resolution=resolution,
        council=council,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        issued_by=actor if actor.is_authenticated else None,
        issued_at=now,
    )
    call.regions.set(regions)
    call.sectors.set(sectors)
    Uptake.objects.bulk_create([Uptake(call=call, body=b) for b in scope], batch_size=2000)
    append_entries(
        council.federation,
        [
            Event(
                "call.issued",
                {
                    "call": call.pk,
                    "council": council.slug,
                    "resolution": resolution.number,
                    "title": title,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "regions": sorted(r.slug for r in regions),
                    "sectors": sorted(s.key for s in sectors),
                    "bodies": len(scope),
                },
                body=council,
            )
        ],
    )
    return call


def _uptake_for(call: CallToAction, body: Body) -> Uptake:
    try:
        return Uptake.objects.select_for_update().get(call=call, body=body)
    except Uptake.DoesNotExist:
        raise PermissionDenied(
            _("This call does not reach %(body)s.") % {"body": body.name}
        ) from None


@transaction.atomic
def do_acknowledge_call(
    actor: User, call: CallToAction, body: Body, *, now: datetime | None = None
) -> Uptake:
    """An officer of a body in scope says the body has received the call."""
    now = now or timezone.now()
    require_officer(actor, body)
    uptake = _uptake_for(call, body)
    if uptake.acknowledged_at is not None:
        raise Conflict(_("%(body)s has already acknowledged this call.") % {"body": body.name})
    uptake.acknowledged_at = now
    uptake.save(update_fields=["acknowledged_at"])
    append_entries(
        call.federation,
        [Event("call.acknowledged", {"call": call.pk, "body": body.slug}, body=body)],
    )
    return uptake


@transaction.atomic
def do_report_uptake(
    actor: User,
    call: CallToAction,
    body: Body,
    *,
    status: str,
    number: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Uptake:
    """An officer of a body in scope reports how the body took up the call (again to correct)."""
    now = now or timezone.now()
    require_officer(actor, body)
    uptake = _uptake_for(call, body)
    if status not in (Uptake.Status.JOINED, Uptake.Status.PARTLY, Uptake.Status.NOT):
        raise InvalidInput(_("Say whether the body joined, partly joined or did not join."))
    if now < call.starts_at:
        raise Conflict(_("The call has not started yet: report its uptake once it starts."))
    if number is not None and number < 0:
        raise InvalidInput(_("The number of people cannot be negative."))
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX})
    if uptake.acknowledged_at is None:
        uptake.acknowledged_at = now
    uptake.status = status
    uptake.number = number
    uptake.note = note
    uptake.reported_at = now
    uptake.save()
    append_entries(
        call.federation,
        [
            Event(
                "call.uptake",
                {
                    "call": call.pk,
                    "body": body.slug,
                    "status": status,
                    "number": number,
                    "note": note,
                },
                body=body,
            )
        ],
    )
    return uptake


def calls_for(body: Body) -> QuerySet[Uptake]:
    """The calls that reach this body, newest first."""
    return (
        Uptake.objects.filter(body=body)
        .select_related("call__council")
        .order_by("-call__issued_at")
    )


@dataclass(frozen=True)
class RegionUptake:
    """A call's uptake under one region: bodies reached, reports and people."""

    region: Body
    bodies: int
    acknowledged: int
    joined: int
    partly: int
    not_joined: int
    people: int

    @property
    def reported(self) -> int:
        return self.joined + self.partly + self.not_joined

    @property
    def share_joined(self) -> float:
        """Joined counts 1, partly 1/2, over the bodies that reported (0 when none did)."""
        if not self.reported:
            return 0.0
        return (self.joined + self.partly / 2) / self.reported


def uptake_by_region(call: CallToAction) -> list[RegionUptake]:
    """The uptake summed under each body one tier below the issuing council."""
    graph = Graph(call.federation)
    uptakes = {u.body_id: u for u in call.uptakes.all()}
    out = []
    regions = Body.objects.filter(pk__in=graph.down.get(call.council_id, ())).exclude(
        kind=Body.Kind.COMMAND
    )
    for region in sorted_by_name(regions, lambda b: b.name):
        ids = ({region.pk} | graph.descendants(region.pk)) & set(uptakes)
        rows = [uptakes[i] for i in ids]
        if not rows:
            continue
        by = Counter(u.status for u in rows)
        out.append(
            RegionUptake(
                region=region,
                bodies=len(rows),
                acknowledged=sum(1 for u in rows if u.acknowledged_at is not None),
                joined=by[Uptake.Status.JOINED],
                partly=by[Uptake.Status.PARTLY],
                not_joined=by[Uptake.Status.NOT],
                people=sum(u.number or 0 for u in rows),
            )
        )
    return out
