"""Meetings test helpers: a base assembly's meeting in session with its room set up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting, Motion
from asamblea.federation.models import Federation
from asamblea.meetings import services
from asamblea.meetings.models import Room
from deliberation.helpers import member
from support.factories import body, make_officer


def tabled_motion(users: list[Any], body_slug: str, federation: Federation, title: str) -> Motion:
    motion = deliberation.do_propose_motion(
        users[0], body(federation, body_slug), title=title, text=f"{title}: el texto."
    )
    return deliberation.do_second_motion(users[1], motion)


def base_meeting(
    federation: Federation, n_members: int = 6, **room: Any
) -> tuple[Room, Any, list[Any], Motion]:
    """base-2 with `n_members` verified members, an officer, a meeting in session with a
    tabled motion on its agenda, and its room (quorum: more than half of the members)."""
    users = [member(federation, "base-2", f"socia-{n}") for n in range(n_members)]
    officer = make_officer(federation, "base-2", "secretaria")
    motion = tabled_motion(users, "base-2", federation, "Comedor popular")
    meeting = deliberation.do_create_meeting(
        officer,
        body(federation, "base-2"),
        title="Asamblea ordinaria",
        starts_at=timezone.now() + timedelta(minutes=5),
        motions=[motion],
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    return services.do_set_up_room(officer, meeting, **room), officer, users, motion


def check_in(room: Room, users: list[Any]) -> None:
    for user in users:
        services.do_check_in_by_code(user, room, room.checkin_token)
