"""Mandates after the vote: how a body's delegates kept its instructions, and a recall
petition against one who broke them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from asamblea.deliberation import rules
from asamblea.deliberation.models import Motion
from asamblea.deliberation.services._common import UNDECIDED
from asamblea.elections.models import Seat
from asamblea.errors import InvalidInput
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Delegation

if TYPE_CHECKING:
    from asamblea.recall.models import RecallPetition


@dataclass(frozen=True)
class MandateRow:
    """One of a constituency's delegates on one council motion, against its mandate."""

    motion: Motion
    seat_id: int
    delegate: str
    mandate: str
    vote: str | None
    compliance: str
    seat: Seat | None

    @property
    def breach(self) -> bool:
        return self.compliance in {c.value for c in rules.BREACHES}

    @property
    def mandate_label(self) -> str:
        return _vote_word(self.mandate)

    @property
    def vote_label(self) -> str:
        return _vote_word(self.vote) if self.vote else _("did not vote")


def mandate_record(body: Body) -> list[MandateRow]:
    """How this body's delegates voted on the council motions it gave mandates on."""
    decided = (
        Motion.objects.filter(mandates__body=body, mandates__late=False, result__isnull=False)
        .exclude(status__in=UNDECIDED)
        .select_related("body")
        .order_by("-closed_at")
        .distinct()
    )
    rows: list[MandateRow] = []
    for motion in decided:
        entries = [c for c in (motion.result or {}).get("compliance", []) if c["from"] == body.slug]
        seats = {s.pk: s for s in Seat.objects.filter(pk__in=[c["seat"] for c in entries])}
        rows += [
            MandateRow(
                motion,
                c["seat"],
                c["delegate"],
                c["mandate"],
                c["vote"],
                c["compliance"],
                seats.get(c["seat"]),
            )
            for c in entries
        ]
    return rows


def motions_awaiting_mandate(body: Body) -> list[tuple[Motion, Motion | None]]:
    """Council motions before a council this body sends delegates to, with this body's
    mandate vote on each (None: not opened yet)."""
    councils = Delegation.objects.filter(source=body).values_list("council_id", flat=True)
    motions = list(
        Motion.objects.filter(
            body_id__in=councils,
            kind=Motion.Kind.MOTION,
            status__in=(Motion.Status.TABLED, Motion.Status.VOTING),
        )
        .select_related("body")
        .order_by("-created_at")
    )
    votes = {
        m.mandate_for_id: m
        for m in Motion.objects.filter(mandate_for__in=motions, body=body).exclude(
            status__in=(Motion.Status.WITHDRAWN, Motion.Status.LAPSED)
        )
    }
    return [(m, votes.get(m.pk)) for m in motions]


@transaction.atomic
def do_recall_for_breach(actor: User, motion: Motion, seat: Seat) -> RecallPetition:
    """Open a recall petition against a delegate who broke their constituency's mandate
    on `motion`, with the breach as its reason (the recall app checks who may)."""
    from asamblea.recall.services import do_open_recall_petition

    entry = next(
        (c for c in (motion.result or {}).get("compliance", []) if c["seat"] == seat.pk), None
    )
    if entry is None or entry["compliance"] not in {c.value for c in rules.BREACHES}:
        raise InvalidInput(_("That delegate kept their mandate on this motion."))
    if entry["vote"] is None:
        reason = _(
            "Did not vote on motion %(n)s “%(t)s” in %(c)s, although our mandate was to vote %(m)s."
        )
    else:
        reason = _(
            "Voted %(v)s on motion %(n)s “%(t)s” in %(c)s, against our mandate to vote %(m)s."
        )
    reason = reason % {
        "v": _vote_word(entry["vote"]),
        "n": motion.pk,
        "t": motion.title,
        "c": motion.body.name,
        "m": _vote_word(entry["mandate"]),
    }
    return do_open_recall_petition(actor, seat, reason[:480])


def _vote_word(choice: str | None) -> str:
    words = {"yes": _("yes"), "no": _("no"), "abstain": _("abstain"), "free": _("free vote")}
    return words.get(choice or "", choice or "")
