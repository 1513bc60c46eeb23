"""Meetings: calling one with its agenda of motions, adding to the agenda, opening and
closing the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.deliberation.models import (
    AgendaItem,
    Meeting,
    Motion,
)
from asamblea.deliberation.services._common import TITLE_MAX, _clean_text
from asamblea.errors import Conflict, InvalidInput
from asamblea.federation.membership import User, public_row
from asamblea.federation.models import Body, Federation
from asamblea.federation.services import require_officer
from asamblea.record.services import Event, append_entries


def access_meeting(user: User, federation: Federation, meeting_id: int) -> Meeting:
    """A meeting and its agenda: public."""
    missing = _("There is no meeting number %(id)s.") % {"id": meeting_id}
    meetings = Meeting.objects.select_related("body__federation")
    return public_row(meetings, missing, federation=federation, pk=meeting_id)


@transaction.atomic
def do_create_meeting(
    actor: User, body: Body, *, title: str, starts_at: datetime, motions: Sequence[Motion] = ()
) -> Meeting:
    """An officer calls a meeting with an agenda of motions of the body."""
    require_officer(actor, body)
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    if timezone.is_naive(starts_at):
        raise InvalidInput(_("Give the start as a date and time with its time zone."))
    meeting = Meeting.objects.create(
        federation=body.federation,
        body=body,
        title=title,
        starts_at=starts_at,
        created_by=actor if actor.is_authenticated else None,
    )
    for motion in motions:
        _add_item(meeting, motion)
    append_entries(
        body.federation,
        [
            Event(
                "meeting.called",
                {
                    "meeting": meeting.pk,
                    "body": body.slug,
                    "title": title,
                    "starts_at": starts_at.isoformat(),
                    "agenda": [m.pk for m in motions],
                },
                body=body,
            )
        ],
    )
    return meeting


def _add_item(meeting: Meeting, motion: Motion) -> AgendaItem:
    if motion.body_id != meeting.body_id:
        raise InvalidInput(
            _("Only motions of %(body)s go on its agenda.") % {"body": meeting.body.name}
        )
    if AgendaItem.objects.filter(meeting=meeting, motion=motion).exists():
        raise Conflict(_("That motion is already on the agenda."))
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"]
    return AgendaItem.objects.create(meeting=meeting, motion=motion, position=(last or 0) + 1)


@transaction.atomic
def do_add_agenda_item(actor: User, meeting: Meeting, motion: Motion) -> AgendaItem:
    require_officer(actor, meeting.body)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("This meeting is closed."))
    return _add_item(meeting, motion)


@transaction.atomic
def do_set_meeting_status(actor: User, meeting: Meeting, status: str) -> Meeting:
    """An officer opens the session or closes it."""
    require_officer(actor, meeting.body)
    allowed: dict[str, set[str]] = {
        Meeting.Status.OPEN: {Meeting.Status.PLANNED},
        Meeting.Status.CLOSED: {Meeting.Status.PLANNED, Meeting.Status.OPEN},
    }
    if status not in allowed or meeting.status not in allowed[status]:
        raise Conflict(
            _("The meeting cannot go from “%(a)s” to that.") % {"a": meeting.get_status_display()}
        )
    meeting.status = status
    meeting.save(update_fields=["status"])
    return meeting


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.select_related("motion").order_by("position"))
