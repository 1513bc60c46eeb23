"""The federation's recall settings: reading them, who may change them, changing them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from asamblea.errors import InvalidInput, PermissionDenied
from asamblea.federation.membership import User
from asamblea.federation.models import Federation
from asamblea.recall.models import RecallSettings
from asamblea.record.services import Event, append_entries


def recall_settings(federation: Federation) -> RecallSettings:
    """The federation's recall settings, or the defaults (unsaved) if it set none."""
    try:
        return federation.recall_settings
    except RecallSettings.DoesNotExist:
        return RecallSettings(federation=federation)


def can_change_recall_settings(user: User, federation: Federation) -> bool:
    """Only a federation administrator changes how the federation's recalls run."""
    from asamblea.federation.services import is_federation_admin

    return is_federation_admin(user, federation)


def require_recall_settings_admin(user: User, federation: Federation) -> None:
    if not can_change_recall_settings(user, federation):
        raise PermissionDenied(_("Only an administrator of the federation can do this."))


@transaction.atomic
def do_update_recall_settings(actor: User, federation: Federation, **values: Any) -> RecallSettings:
    """A federation admin changes how recalls run (threshold, quorum, majority, refill,
    windows); petitions already open keep the threshold they opened with."""
    require_recall_settings_admin(actor, federation)
    current, _created = RecallSettings.objects.get_or_create(federation=federation)
    allowed = {
        "threshold",
        "quorum",
        "majority",
        "refill",
        "petition_days",
        "vote_days",
        "by_election_nomination_days",
        "by_election_vote_days",
    }
    unknown = set(values) - allowed
    if unknown:
        raise InvalidInput(_("Unknown recall setting: %(name)s.") % {"name": sorted(unknown)[0]})
    for name, value in values.items():
        setattr(current, name, value)
    from django.core.exceptions import ValidationError

    try:
        current.full_clean(exclude=["federation"])
    except ValidationError as error:
        raise InvalidInput("; ".join(error.messages)) from None
    current.save()
    append_entries(
        federation,
        [
            Event(
                "recall.settings",
                {
                    "threshold": str(current.threshold),
                    "quorum": str(current.quorum),
                    "majority": str(current.majority),
                    "refill": current.refill,
                    "petition_days": current.petition_days,
                    "vote_days": current.vote_days,
                    "by_election_nomination_days": current.by_election_nomination_days,
                    "by_election_vote_days": current.by_election_vote_days,
                },
            )
        ],
    )
    return current
