"""What the service modules share: text limits, a locked motion and its record facts,
the rule of a vote, and adopting a resolution."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.deliberation import rules
from asamblea.deliberation.models import (
    Motion,
    QuorumBasis,
    Referendum,
    Resolution,
    Threshold,
)
from asamblea.errors import InvalidInput
from asamblea.federation.models import Body

TITLE_MAX = 200
UNDECIDED = (Motion.Status.PROPOSED, Motion.Status.TABLED, Motion.Status.VOTING)
BLOCKING_AMENDMENT = (Motion.Status.TABLED, Motion.Status.VOTING)


def rule_of(item: Motion | Referendum) -> rules.Rule:
    return rules.Rule(
        rules.Threshold(item.threshold),
        rules.Quorum(
            rules.QuorumBasis(item.quorum_basis), Fraction(item.quorum_share), item.quorum_strict
        ),
    )


def _motion_facts(motion: Motion) -> dict[str, Any]:
    return {"motion": motion.pk, "body": motion.body.slug, "kind": motion.kind}


def _lock(motion: Motion) -> Motion:
    return Motion.objects.select_for_update().select_related("body__federation").get(pk=motion.pk)


def _clean_text(value: str, what: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(_("Write the %(what)s.") % {"what": what})
    if len(text) > limit:
        raise InvalidInput(
            _("Keep the %(what)s under %(n)d characters.") % {"what": what, "n": limit}
        )
    return text


def _default_quorum(body: Body) -> str:
    # Councils decide with more than half of their seats present; an assembly
    # sets its own quorum when it opens a vote.
    return QuorumBasis.SEATS if body.kind != Body.Kind.BASE else QuorumBasis.NONE


def _aware(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise InvalidInput(_("Give the closing time as a date and time with its time zone."))
    if value <= now:
        raise InvalidInput(_("The closing time must be in the future."))
    return value


def _parse_share(share: str) -> str:
    try:
        value = Fraction(share.strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(
            _("Write the quorum as a fraction such as 1/2 or 2/3, not “%(s)s”.") % {"s": share}
        ) from None
    if not 0 < value <= 1:
        raise InvalidInput(_("A quorum is a share between 0 and 1, such as 1/2."))
    return f"{value.numerator}/{value.denominator}"


def _set_rule(
    item: Motion | Referendum,
    threshold: str | None,
    quorum_basis: str | None,
    quorum_share: str | None,
    quorum_strict: bool | None,
) -> None:
    if threshold is not None:
        if threshold not in Threshold.values:
            raise InvalidInput(_("Choose simple, absolute or two-thirds majority."))
        item.threshold = threshold
    if quorum_basis is not None:
        if quorum_basis not in QuorumBasis.values:
            raise InvalidInput(_("Choose a quorum of seats, of members, or none."))
        item.quorum_basis = quorum_basis
    if quorum_share is not None:
        item.quorum_share = _parse_share(quorum_share)
    if quorum_strict is not None:
        item.quorum_strict = quorum_strict
    try:
        rule_of(item)
    except InvalidInput as error:
        raise InvalidInput(str(error)) from None


def _next_resolution_number(body: Body) -> int:
    Body.objects.select_for_update().filter(pk=body.pk).first()
    last = Resolution.objects.filter(body=body).aggregate(m=Max("number"))["m"]
    return (last or 0) + 1


def _adopt(motion: Motion, now: datetime) -> Resolution:
    # The text as adopted; for a ranked choice the page adds the option chosen (kept in
    # the motion's result, so it reads in each reader's language).
    text = motion.text
    return Resolution.objects.create(
        motion=motion,
        body=motion.body,
        number=_next_resolution_number(motion.body),
        title=motion.title,
        text=text,
        adopted_at=now,
    )
