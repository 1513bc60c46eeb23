"""Motions and their debate: reading them (and the resolutions they become), proposing,
amending, seconding, withdrawing and commenting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from asamblea.deliberation.models import (
    Comment,
    Motion,
    MotionOption,
    Resolution,
)
from asamblea.deliberation.services._common import (
    TITLE_MAX,
    UNDECIDED,
    _clean_text,
    _default_quorum,
    _lock,
    _motion_facts,
)
from asamblea.deliberation.services.membership import public_name
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, person_of, public_row, require_member
from asamblea.federation.models import Body, Delegation, Federation
from asamblea.record.services import Event, append_entries

TEXT_MAX = 20_000
COMMENT_MAX = 4_000
OPTIONS_MAX = 12


def access_motion(user: User, federation: Federation, motion_id: int) -> Motion:
    """A motion's public facts: anyone may read them, logged in or not."""
    return public_row(
        Motion.objects.select_related(
            "body__federation", "body__level", "amends", "mandate_for__body", "federation"
        ),
        _("There is no motion number %(id)s.") % {"id": motion_id},
        federation=federation,
        pk=motion_id,
    )


def motions_of(body: Body) -> QuerySet[Motion]:
    return (
        Motion.objects.filter(body=body, amends__isnull=True)
        .exclude(kind=Motion.Kind.MANDATE)
        .order_by("-created_at")
    )


def amendments_of(motion: Motion) -> list[Motion]:
    return list(motion.amendments.order_by("created_at", "pk"))


def option_labels(motion: Motion) -> list[str]:
    return list(motion.options.order_by("position").values_list("label", flat=True))


def access_resolution(user: User, body: Body, number: int) -> Resolution:
    """A resolution as adopted: public."""
    return public_row(
        Resolution.objects.select_related("motion", "body__federation"),
        _("%(body)s has no resolution number %(n)s.") % {"body": body.name, "n": number},
        body=body,
        number=number,
    )


@transaction.atomic
def do_propose_motion(
    actor: User,
    body: Body,
    *,
    title: str,
    text: str,
    kind: str = Motion.Kind.MOTION,
    options: Sequence[str] = (),
) -> Motion:
    """A member proposes a motion (or a choice among options) in their body."""
    person = require_member(actor, body)
    if kind not in (Motion.Kind.MOTION, Motion.Kind.OPTIONS):
        raise InvalidInput(_("A motion is either a yes/no motion or a choice among options."))
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    text = _clean_text(text, _("text of the motion"), TEXT_MAX)
    labels = [" ".join(o.split()) for o in options if o.strip()]
    if kind == Motion.Kind.OPTIONS:
        if len(labels) < 2:
            raise InvalidInput(_("Give at least two options to choose between."))
        if len(labels) > OPTIONS_MAX:
            raise InvalidInput(_("Give at most %(n)d options.") % {"n": OPTIONS_MAX})
        if len(set(labels)) != len(labels):
            raise InvalidInput(_("Two options read the same: make each one different."))
        if any(len(label) > TITLE_MAX for label in labels):
            raise InvalidInput(_("Keep each option under %(n)d characters.") % {"n": TITLE_MAX})
    elif labels:
        raise InvalidInput(_("Only a choice among options has options."))
    motion = Motion.objects.create(
        federation=body.federation,
        body=body,
        kind=kind,
        title=title,
        text=text,
        original_text=text,
        proposer=person,
        proposer_name=public_name(person, body),
        quorum_basis=_default_quorum(body),
    )
    MotionOption.objects.bulk_create(
        [MotionOption(motion=motion, position=n, label=label) for n, label in enumerate(labels)]
    )
    append_entries(
        body.federation,
        [
            Event(
                "motion.proposed",
                {
                    **_motion_facts(motion),
                    "title": title,
                    "text": text,
                    "options": labels,
                    "proposer": motion.proposer_name or None,
                },
                body=body,
            )
        ],
    )
    return motion


@transaction.atomic
def do_propose_amendment(actor: User, motion: Motion, *, text: str, title: str = "") -> Motion:
    """A member proposes to replace the text of a motion not yet put to the vote."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.kind != Motion.Kind.MOTION:
        raise InvalidInput(_("Only a motion's text can be amended."))
    if motion.status not in (Motion.Status.PROPOSED, Motion.Status.TABLED):
        raise Conflict(_("This motion is no longer open to amendments."))
    text = _clean_text(text, _("amended text"), TEXT_MAX)
    if text == motion.text:
        raise InvalidInput(_("The amended text is the same as the motion's text."))
    amendment = Motion.objects.create(
        federation=body.federation,
        body=body,
        kind=Motion.Kind.AMENDMENT,
        amends=motion,
        # Without a title of its own it carries its motion's; pages say it is an amendment.
        title=" ".join((title or motion.title).split())[:TITLE_MAX],
        text=text,
        original_text=text,
        proposer=person,
        proposer_name=public_name(person, body),
        quorum_basis=_default_quorum(body),
    )
    append_entries(
        body.federation,
        [
            Event(
                "motion.proposed",
                {
                    **_motion_facts(amendment),
                    "amends": motion.pk,
                    "title": amendment.title,
                    "text": text,
                    "options": [],
                    "proposer": amendment.proposer_name or None,
                },
                body=body,
            )
        ],
    )
    return amendment


@transaction.atomic
def do_second_motion(actor: User, motion: Motion) -> Motion:
    """Another member seconds a proposed motion (or amendment): it is tabled for debate."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.status != Motion.Status.PROPOSED:
        raise Conflict(_("This motion is not waiting for a seconder."))
    if motion.proposer_id == person.pk:
        raise InvalidInput(_("A motion needs a seconder other than its proposer."))
    if motion.amends is not None and motion.amends.status not in (
        Motion.Status.PROPOSED,
        Motion.Status.TABLED,
    ):
        raise Conflict(_("The motion this amends is no longer open to amendments."))
    motion.status = Motion.Status.TABLED
    motion.seconder = person
    motion.seconder_name = public_name(person, body)
    motion.save(update_fields=["status", "seconder", "seconder_name"])
    facts: dict[str, Any] = {**_motion_facts(motion), "seconder": motion.seconder_name or None}
    if motion.kind == Motion.Kind.MOTION and body.kind == Body.Kind.COUNCIL:
        # The constituent bodies may now instruct their delegates (a mandate).
        facts["constituencies"] = sorted(
            Delegation.objects.filter(council=body).values_list("source__slug", flat=True)
        )
    append_entries(body.federation, [Event("motion.tabled", facts, body=body)])
    return motion


@transaction.atomic
def do_withdraw_motion(actor: User, motion: Motion) -> Motion:
    """The proposer withdraws their motion before the vote opens."""
    motion = _lock(motion)
    person = person_of(actor, motion.federation)
    if person is None or person.pk != motion.proposer_id:
        raise PermissionDenied(_("Only the member who proposed it can withdraw a motion."))
    if motion.status not in (Motion.Status.PROPOSED, Motion.Status.TABLED):
        raise Conflict(_("Once the vote is open a motion can no longer be withdrawn."))
    motion.status = Motion.Status.WITHDRAWN
    motion.save(update_fields=["status"])
    append_entries(
        motion.federation, [Event("motion.withdrawn", _motion_facts(motion), body=motion.body)]
    )
    return motion


@transaction.atomic
def do_comment(actor: User, motion: Motion, text: str) -> Comment:
    """A member adds to the debate on a motion that is not yet decided."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.status not in UNDECIDED:
        raise Conflict(_("The debate on this motion is closed."))
    text = _clean_text(text, _("comment"), COMMENT_MAX)
    return Comment.objects.create(
        motion=motion, author=person, author_name=public_name(person, body), text=text
    )
