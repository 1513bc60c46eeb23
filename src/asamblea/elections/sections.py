"""What the elections app adds to a body's page: its delegates and its elections.

Public names only (the name each delegate stood under), never a person's record.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from asamblea import hooks
from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.federation.agenda import FOLD_AT
from asamblea.federation.models import Body
from asamblea.federation.services import is_officer

RECENT_ELECTIONS = 5


@hooks.body_section.register(order=20)
def delegates_section(request: Any, body: Body) -> str | None:
    """The delegates seated in this council (its members), those this body sends up,
    and the holders of this command's offices."""
    members = list(services.delegates_into(body)) if body.kind == Body.Kind.COUNCIL else []
    sent = list(services.delegates_from(body))
    offices = list(services.command_seats(body)) if body.kind == Body.Kind.COMMAND else []
    if not (members or sent or offices):
        return None
    return render_to_string(
        "elections/_delegates_section.html",
        {
            "body": body,
            "members": members,
            "sent": sent,
            "offices": offices,
            "fold_at": FOLD_AT,
        },
        request=request,
    )


@hooks.body_section.register(order=30)
def elections_section(request: Any, body: Body) -> str | None:
    """Open and recent elections of this body, and (for officers) a way to open one."""
    if body.kind == Body.Kind.COMMAND:
        return None
    officer = is_officer(request.user, body)
    elections = list(services.elections_of(body)[:RECENT_ELECTIONS])
    if not elections and not officer:
        return None
    return render_to_string(
        "elections/_elections_section.html",
        {
            "body": body,
            "federation": body.federation,
            "elections": [(e, services.election_title(e)) for e in elections],
            "is_officer": officer,
            "open_statuses": (
                Election.Status.NOMINATIONS,
                Election.Status.READY,
                Election.Status.VOTING,
            ),
        },
        request=request,
    )
