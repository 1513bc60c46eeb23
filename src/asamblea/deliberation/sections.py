"""What deliberation adds to a body's page: its open motions, mandates awaited and
broken (with a recall petition one step away), calls to action and referendums; and,
for a delegate, their own seats there and the mandates they carry."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from asamblea import hooks
from asamblea.deliberation import services
from asamblea.deliberation.models import Mandate, Motion, Referendum
from asamblea.elections.models import Seat
from asamblea.federation.membership import person_of
from asamblea.federation.models import Body
from asamblea.federation.services import is_officer

RECENT = 5


def mandate_rows(request: Any, body: Body, *, breaches_only: bool = False) -> list[dict[str, Any]]:
    """The body's mandate record, each row with what the viewer may do about a breach."""
    from asamblea.recall.services import active_petition, can_petition

    rows = []
    for row in services.mandate_record(body):
        if breaches_only and not row.breach:
            continue
        seat = row.seat
        petition = active_petition(seat) if seat is not None and row.breach else None
        rows.append(
            {
                "row": row,
                "petition": petition,
                "petition_url": petition_url(body.federation, petition),
                "can_recall": row.breach
                and seat is not None
                and petition is None
                and can_petition(request.user, seat),
            }
        )
    return rows


def petition_url(federation: Any, petition: Any) -> str:
    """The page of a recall petition, if the recall app serves one."""
    if petition is None:
        return ""
    try:
        return reverse("recall_petition", args=[federation.slug, petition.pk])
    except NoReverseMatch:
        return ""


@hooks.body_section.register(order=40)
def deliberation_section(request: Any, body: Body) -> str | None:
    open_motions = list(
        services.motions_of(body).filter(status__in=services.UNDECIDED)[:RECENT]
    ) + list(
        Motion.objects.filter(body=body, kind=Motion.Kind.MANDATE, status=Motion.Status.VOTING)
    )
    record = services.mandate_record(body)
    federation = body.federation
    referendums = [
        r
        for r in Referendum.objects.filter(federation=federation).select_related("motion")[:20]
        if r.council_id == body.pk
        or body.slug in r.scope.get("bases", ())
        or body.slug in r.scope.get("tree", {})
    ][:RECENT]
    context = {
        "federation": federation,
        "body": body,
        "open_motions": open_motions,
        "awaiting": services.motions_awaiting_mandate(body),
        "breaches": mandate_rows(request, body, breaches_only=True) if record else [],
        "has_record": bool(record),
        "calls": list(services.calls_for(body)[:RECENT]),
        "referendums": referendums,
        "is_member": services.is_member(request.user, body),
        "is_officer": is_officer(request.user, body),
    }
    return render_to_string("deliberation/_section.html", context, request=request)


@hooks.body_section.register(order=15, name="your_seats")
def your_seats_section(request: Any, body: Body) -> str | None:
    """For a delegate reading a body they sit in or were elected by: their seats there,
    and the mandates their constituency gave them on the motions still open."""
    person = person_of(request.user, body.federation_id)
    if person is None:
        return None
    seats = list(
        Seat.objects.filter(holder=person, status=Seat.Status.HELD)
        .filter(
            Q(delegation__source=body)
            | Q(delegation__council=body)
            | Q(command=body)
            | Q(command__command_of=body)
        )
        .select_related("delegation__source", "delegation__council", "command")
        .order_by("pk")
    )
    if not seats:
        return None
    pairs = [(s.delegation.source_id, s.delegation.council_id) for s in seats if s.delegation]
    mandates = list(
        Mandate.objects.filter(
            body_id__in={source for source, _council in pairs},
            motion__body_id__in={council for _source, council in pairs},
            motion__status__in=(Motion.Status.TABLED, Motion.Status.VOTING),
        )
        .select_related("body", "motion__body")
        .order_by("motion__body__name", "motion_id")
    )
    return render_to_string(
        "deliberation/_your_seats.html",
        {
            "federation": body.federation,
            "seats": seats,
            "mandates": [m for m in mandates if (m.body_id, m.motion.body_id) in set(pairs)],
        },
        request=request,
    )
