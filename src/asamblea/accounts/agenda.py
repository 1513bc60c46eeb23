"""What awaits an officer on "Mis asambleas" from the accounts app: verified members
who still have no login and no activation code that works (none yet, or expired)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.accounts.models import ActivationCode
from asamblea.federation.agenda import Member
from asamblea.federation.models import Membership


@hooks.member_agenda.register(name="accounts", order=15)
def members_without_a_way_in(member: Member) -> list[hooks.AgendaItem]:
    """For an officer: per body, verified members with no login and no working code (one query)."""
    if not member.officer_of:
        return []
    bodies = {body.pk: body for body in member.officer_of if body.is_base}
    if not bodies:
        return []
    working_code = ActivationCode.objects.filter(
        person=OuterRef("person_id"), expires_at__gt=timezone.now()
    )
    waiting = (
        Membership.objects.filter(
            body_id__in=bodies,
            status=Membership.Status.VERIFIED,
            person__user__isnull=True,
        )
        .filter(~Exists(working_code))
        .values("body_id")
        .annotate(n=Count("id"))
        .order_by("body_id")
    )
    items = []
    for row in waiting:
        body = bodies[row["body_id"]]
        items.append(
            hooks.AgendaItem(
                text=ngettext(
                    "%(n)d verified member of %(body)s has no login and no activation "
                    "code that works (none given yet, or expired).",
                    "%(n)d verified members of %(body)s have no login and no activation "
                    "code that works (none given yet, or expired).",
                    row["n"],
                )
                % {"n": row["n"], "body": body.name},
                url=reverse("activation_codes", args=[body.federation.slug, body.slug]),
                action=_("Print activation codes"),
                key=f"activation-{body.slug}",
            )
        )
    return items
