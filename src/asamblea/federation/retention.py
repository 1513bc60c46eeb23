"""Keep less: personal data that no feature needs any more is erased on time by the
worker's tick, not kept "just in case" for whoever seizes the server.

- An application that was rejected, or a membership that ended (removed, left),
  loses its reason after RETENTION_DAYS; the person behind it loses their name,
  phone and e-mail too when they have no other current membership and no login.
  The row stays (without anything personal) so that counts and the public record,
  which never held these details, stay whole.
- Failed logins are forgotten once the lock-out no longer needs them.
- The officers' trail is pruned after OFFICER_TRAIL_DAYS (by the accounts app).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from asamblea import hooks
from asamblea.federation.models import Membership, Person

ENDED = (Membership.Status.REJECTED, Membership.Status.LEFT)
CURRENT = (Membership.Status.APPLIED, Membership.Status.VERIFIED, Membership.Status.SUSPENDED)


@hooks.tick.register(name="retention", order=90)
def erase_expired_personal_data(now: datetime) -> int:
    """Erase what the retention periods say; returns how many rows were changed."""
    changed = 0
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    with transaction.atomic():
        ended = Membership.objects.filter(status__in=ENDED, decided_at__lt=cutoff)
        changed += ended.update(reason="")
        current = Membership.objects.filter(person=OuterRef("pk"), status__in=CURRENT)
        erasable = Person.objects.filter(
            user__isnull=True, memberships__in=ended.values("pk")
        ).exclude(Exists(current))
        # Names are encrypted: "already erased" cannot be asked of the database, so
        # erased people are written again each tick; there are few.
        changed += Person.objects.filter(pk__in=erasable.values("pk")).update(
            full_name="", phone="", email=""
        )
    lockout = now - timedelta(minutes=settings.AXES_COOLOFF_TIME * 60)
    for attempts in (AccessAttempt, AccessFailureLog):
        deleted: int = attempts.objects.filter(attempt_time__lt=lockout).delete()[0]
        changed += deleted
    return changed
