"""What the recall app adds to a body's page: the delegates its members can recall,
and the recent changes of delegates (recalls, resignations, the cascade's refills);
and to a federation's page: its recall rules in a line, with a link to them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string

from asamblea import hooks
from asamblea.elections.models import Election, Seat
from asamblea.federation.agenda import FOLD_AT
from asamblea.federation.models import Body, Federation
from asamblea.recall import services
from asamblea.recall.forms import as_percent
from asamblea.recall.models import Countback, RecallPetition

RECENT_CHANGES = 10


@hooks.body_section.register(order=25)
def recall_section(request: Any, body: Body) -> str | None:
    elected = list(
        Seat.objects.filter(status=Seat.Status.HELD)
        .filter(Q(delegation__source=body) | Q(command__command_of=body))
        .select_related("delegation__source", "delegation__council", "command")
        .order_by("delegation__council__name", "command__name", "public_name")
    )
    active = {
        p.seat_id: p
        for p in RecallPetition.objects.filter(seat__in=elected, status__in=RecallPetition.ACTIVE)
    }
    vacated = list(
        Seat.objects.filter(status=Seat.Status.VACATED)
        .exclude(reason=Seat.Reason.TERM_ENDED)
        .filter(
            Q(delegation__council=body)
            | Q(delegation__source=body)
            | Q(command=body)
            | Q(command__command_of=body)
        )
        .order_by("-vacated_at", "-pk")[:RECENT_CHANGES]
    )
    if not (elected or vacated):
        return None
    replacements = {
        c.vacated_id: c.filled
        for c in Countback.objects.filter(vacated__in=vacated).select_related("filled")
    }
    by_elections = {
        e.seat_id: e
        for e in Election.objects.filter(kind=Election.Kind.BY_ELECTION, seat__in=vacated)
    }
    return render_to_string(
        "recall/_section.html",
        {
            "body": body,
            "elected": [(s, services.seat_place(s), active.get(s.pk)) for s in elected],
            "changes": [(s, replacements.get(s.pk), by_elections.get(s.pk)) for s in vacated],
            "fold_at": FOLD_AT,
        },
        request=request,
    )


@hooks.federation_section.register(order=50)
def recall_rules_section(request: Any, federation: Federation) -> str:
    rules = services.recall_settings(federation)
    return render_to_string(
        "recall/_federation_section.html",
        {"federation": federation, "threshold": f"{as_percent(rules.threshold)}%"},
        request=request,
    )
