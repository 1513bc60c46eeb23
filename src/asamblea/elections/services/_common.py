"""What several of the elections services share: the statuses, method groups and row lock."""

from __future__ import annotations

from asamblea.elections.models import Election

STV_METHODS = frozenset({Election.Method.STV, Election.Method.STV_MEEK})
# The two groups of the parity rule (DOMAIN: at least floor(seats/2) seats each).
PARITY_GROUPS = ("women", "men")
OPEN_STATUSES = (Election.Status.NOMINATIONS, Election.Status.READY, Election.Status.VOTING)


def _locked(election: Election) -> Election:
    return (
        Election.objects.select_for_update()
        .select_related("constituency", "federation")
        .get(pk=election.pk)
    )
