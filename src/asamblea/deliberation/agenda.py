"""What awaits a member in deliberation, for their "Mis asambleas" page
(asamblea.hooks.member_agenda): motions open to their vote that they have not voted
on, referendums they have not voted in, and calls to action to their bodies (for an
officer, the ones their body has not acknowledged yet). Three queries, whatever the
size of the federation.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.deliberation.models import (
    Motion,
    MotionCast,
    MotionRoll,
    MotionVote,
    Referendum,
    ReferendumRoll,
    Uptake,
)
from asamblea.federation.agenda import Member


@hooks.member_agenda.register(name="deliberation", order=40)
def deliberation_agenda(member: Member) -> list[hooks.AgendaItem]:
    items: list[hooks.AgendaItem] = []
    person = member.person
    if person is not None:
        items += _motions(member)
        items += _referendums(member)
    if member.body_ids or member.officer_of:
        items += _calls(member)
    return items


def _motions(member: Member) -> list[hooks.AgendaItem]:
    person = member.person
    # In a base assembly: on the roll frozen at the opening; in a council or a command:
    # holding a seat there (one vote per seat, any one of them counts as "voted").
    motions = (
        Motion.objects.filter(status=Motion.Status.VOTING)
        .filter(
            Q(Exists(MotionRoll.objects.filter(motion=OuterRef("pk"), person=person)))
            | Q(body_id__in=member.seat_body_ids)
        )
        .exclude(Exists(MotionCast.objects.filter(motion=OuterRef("pk"), person=person)))
        .exclude(Exists(MotionVote.objects.filter(motion=OuterRef("pk"), person=person)))
        .select_related("federation", "body")
        .order_by("closes_at", "pk")
    )
    return [
        hooks.AgendaItem(
            text=_("Vote on the motion “%(title)s” in %(body)s.")
            % {"title": motion.title, "body": motion.body.name},
            url=reverse("motion", args=[motion.federation.slug, motion.pk]),
            action=_("Vote"),
            key=f"motion-{motion.pk}",
            due=motion.closes_at,
        )
        for motion in motions
    ]


def _referendums(member: Member) -> list[hooks.AgendaItem]:
    referendums = (
        Referendum.objects.filter(status=Referendum.Status.VOTING)
        .filter(
            Exists(
                ReferendumRoll.objects.filter(
                    referendum=OuterRef("pk"), person=member.person, voted_body__isnull=True
                )
            )
        )
        .select_related("federation", "council", "motion")
        .order_by("closes_at")
    )
    return [
        hooks.AgendaItem(
            text=_("Referendum of %(council)s: “%(title)s”.")
            % {"council": referendum.council.name, "title": referendum.motion.title},
            url=reverse("referendum", args=[referendum.federation.slug, referendum.pk]),
            action=_("Vote"),
            key=f"referendum-{referendum.pk}",
            due=referendum.closes_at,
        )
        for referendum in referendums
    ]


def _calls(member: Member) -> list[hooks.AgendaItem]:
    officer_ids = member.officer_ids
    uptakes = (
        Uptake.objects.filter(
            body_id__in=member.body_ids | officer_ids, call__ends_at__gt=timezone.now()
        )
        .select_related("call__federation", "call__council", "body")
        .order_by("call__starts_at", "call_id", "body__name")
    )
    items: list[hooks.AgendaItem] = []
    told: set[int] = set()
    for uptake in uptakes:
        call = uptake.call
        if uptake.body_id in officer_ids and uptake.acknowledged_at is None:
            items.append(
                hooks.AgendaItem(
                    text=_("%(council)s calls %(body)s to “%(title)s”: acknowledge the call.")
                    % {"council": call.council.name, "body": uptake.body.name, "title": call.title},
                    url=reverse(
                        "call_report", args=[call.federation.slug, uptake.body.slug, call.pk]
                    ),
                    action=_("Acknowledge"),
                    key=f"call-{call.pk}-{uptake.body.slug}",
                    due=call.starts_at,
                )
            )
        elif call.pk not in told and uptake.body_id in member.body_ids:
            told.add(call.pk)
            items.append(
                hooks.AgendaItem(
                    text=_("Call to action from %(council)s: “%(title)s”, from %(start)s.")
                    % {
                        "council": call.council.name,
                        "title": call.title,
                        "start": _when(call.starts_at),
                    },
                    url=reverse("call", args=[call.federation.slug, call.pk]),
                    action=_("Read the call"),
                    key=f"call-{call.pk}",
                    due=call.ends_at,
                )
            )
    return items


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
