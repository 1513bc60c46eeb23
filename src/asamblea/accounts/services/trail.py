"""The officers' trail: what each officer did and saw in a body, for the body's other
officers to read (an infiltrated officer leaves a trace).

Written by the views and the API next to the action they record, in the same
transaction; read on the body's trail page; pruned by the worker after
OFFICER_TRAIL_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from asamblea.accounts.models import OfficerAction
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Body
from asamblea.federation.services import require_officer

# An officer who reloads the members page, or comes back to it after each decision,
# leaves one entry per quarter of an hour, not one per page load.
VIEW_COALESCE = timedelta(minutes=15)
PAGE_SIZE = 300


@transaction.atomic
def do_record_officer_action(
    actor: User,
    body: Body,
    kind: OfficerAction.Kind,
    *,
    decision: str = "",
    membership_number: int | None = None,
    officer: Login | None = None,
) -> OfficerAction | None:
    """Add an entry to `body`'s trail (None when a members page view is already there
    from the last quarter of an hour). The caller has checked the actor may act."""
    if not actor.is_authenticated:
        return None
    now = timezone.now()
    if (
        kind == OfficerAction.Kind.VIEWED_MEMBERS
        and OfficerAction.objects.filter(
            body=body, actor=actor, kind=kind, at__gt=now - VIEW_COALESCE
        ).exists()
    ):
        return None
    return OfficerAction.objects.create(
        body=body,
        actor=actor,
        actor_name=actor.get_username(),
        kind=kind,
        decision=decision,
        membership_number=membership_number,
        officer_name=officer.get_username() if officer is not None else "",
        at=now,
    )


def access_officer_trail(user: User, body: Body) -> QuerySet[OfficerAction]:
    """The newest entries of `body`'s trail, for its officers and the federation's
    administrators (who must have given their second factor where it is required)."""
    require_officer(user, body)
    return OfficerAction.objects.filter(body=body).order_by("-at", "-id")[:PAGE_SIZE]


def prune_officer_trail(now: datetime) -> int:
    """Delete entries older than OFFICER_TRAIL_DAYS; how many went. For the worker's tick."""
    cutoff = now - timedelta(days=settings.OFFICER_TRAIL_DAYS)
    deleted, _per_model = OfficerAction.objects.filter(at__lt=cutoff).delete()
    return deleted
