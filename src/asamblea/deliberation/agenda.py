"""What awaits a member in deliberation, for their "Mis asambleas" page
(asamblea.hooks.member_agenda): motions open to their vote that they have not voted
on, referendums they have not voted in, and calls to action to their bodies (for an
officer, the ones their body has not acknowledged yet). Three queries, whatever the
size of the federation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.deliberation.models import (
    CallToAction,
    Motion,
    MotionCast,
    MotionRoll,
    MotionVote,
    Referendum,
    ReferendumRoll,
    Uptake,
)
from asamblea.deliberation.rules import BREACHES
from asamblea.deliberation.services import UNDECIDED
from asamblea.federation.agenda import Member
from asamblea.federation.models import Body


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


# On a body's page, "now" reaches this far back for mandates broken and decisions taken.
RECENT = timedelta(days=90)
LATEST_DECISIONS = 2


@hooks.body_now.register(name="mandates-broken", order=15)
def breaches_now(body: Body) -> list[hooks.AgendaItem]:
    """On a body's page: the mandates its delegates broke on motions decided lately, as
    the motions' published roll calls say (one query)."""
    decided = (
        Motion.objects.filter(
            mandates__body=body,
            mandates__late=False,
            result__isnull=False,
            closed_at__gte=timezone.now() - RECENT,
        )
        .exclude(status__in=UNDECIDED)
        .order_by("-closed_at", "-pk")
        .distinct()
    )
    url = reverse("mandates", args=[body.federation.slug, body.slug])
    breaches = {c.value for c in BREACHES}
    return [
        hooks.AgendaItem(
            text=_("%(delegate)s broke the mandate of %(body)s on “%(title)s”.")
            % {"delegate": entry["delegate"], "body": body.name, "title": motion.title},
            url=url,
            action=_("See the breach"),
            key=f"breach-{motion.pk}-{entry['seat']}",
        )
        for motion in decided
        for entry in (motion.result or {}).get("compliance", [])
        if entry["from"] == body.slug and entry["compliance"] in breaches
    ]


@hooks.body_now.register(name="deliberation", order=40)
def deliberation_now(body: Body) -> list[hooks.AgendaItem]:
    """On a body's page: its motions open to a vote, the referendums that reach it and
    the calls to action it issued or is under (four queries)."""
    federation = body.federation
    items = [
        hooks.AgendaItem(
            text=_("Vote on the motion “%(title)s” in %(body)s.")
            % {"title": motion.title, "body": body.name},
            url=reverse("motion", args=[federation.slug, motion.pk]),
            action=_("Vote"),
            key=f"motion-{motion.pk}",
            due=motion.closes_at,
        )
        for motion in Motion.objects.filter(body=body, status=Motion.Status.VOTING).order_by(
            "closes_at", "pk"
        )
    ]
    items += [
        hooks.AgendaItem(
            text=_("Referendum of %(council)s: “%(title)s”.")
            % {"council": referendum.council.name, "title": referendum.motion.title},
            url=reverse("referendum", args=[federation.slug, referendum.pk]),
            action=_("Vote"),
            key=f"referendum-{referendum.pk}",
            due=referendum.closes_at,
        )
        for referendum in Referendum.objects.filter(
            federation=federation, status=Referendum.Status.VOTING
        )
        .select_related("council", "motion")
        .order_by("closes_at", "pk")
        if referendum.council_id == body.pk
        or body.slug in referendum.scope.get("bases", ())
        or body.slug in referendum.scope.get("tree", {})
    ]
    now = timezone.now()
    calls = list(
        CallToAction.objects.filter(council=body, ends_at__gt=now).select_related("council")
    ) + [
        uptake.call
        for uptake in Uptake.objects.filter(body=body, call__ends_at__gt=now).select_related(
            "call__council"
        )
    ]
    seen: set[int] = set()
    for call in sorted(calls, key=lambda c: (c.starts_at, c.pk)):
        if call.pk in seen:
            continue
        seen.add(call.pk)
        items.append(
            hooks.AgendaItem(
                text=_("Call to action from %(council)s: “%(title)s”, from %(start)s.")
                % {
                    "council": call.council.name,
                    "title": call.title,
                    "start": _when(call.starts_at),
                },
                url=reverse("call", args=[federation.slug, call.pk]),
                action=_("Read the call"),
                key=f"call-{call.pk}",
                due=call.ends_at,
            )
        )
    return items


@hooks.body_now.register(name="decisions", order=60)
def decisions_now(body: Body) -> list[hooks.AgendaItem]:
    """On a body's page: its latest decided motions (one query)."""
    decided = (
        Motion.objects.filter(
            body=body,
            kind__in=(Motion.Kind.MOTION, Motion.Kind.OPTIONS),
            status__in=(Motion.Status.PASSED, Motion.Status.REJECTED),
            closed_at__gte=timezone.now() - RECENT,
        )
        .select_related("federation")
        .order_by("-closed_at", "-pk")[:LATEST_DECISIONS]
    )
    return [
        hooks.AgendaItem(
            text=(
                _("Decided: “%(title)s” passed.")
                if motion.status == Motion.Status.PASSED
                else _("Decided: “%(title)s” did not pass.")
            )
            % {"title": motion.title},
            url=reverse("motion", args=[motion.federation.slug, motion.pk]),
            action=_("See the result"),
            key=f"decided-{motion.pk}",
        )
        for motion in decided
    ]
