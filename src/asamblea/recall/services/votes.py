"""The recall vote: its close decides it, and a recall that passes vacates the seat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.elections import services as elections
from asamblea.elections.models import Election, Seat
from asamblea.errors import InvalidInput
from asamblea.recall.models import RecallPetition
from asamblea.recall.rules import recall_outcome
from asamblea.recall.services.settings import recall_settings
from asamblea.recall.services.vacancies import vacate
from asamblea.record.services import Event


@hooks.election_closed.register(Election.Kind.RECALL)
def close_recall(election: Election, result: dict[str, Any]) -> list[Event]:
    """The elections app's close of a recall vote: decide it and, if it passed, vacate
    the seat with its whole cascade. Runs inside the close transaction."""
    petition = (
        RecallPetition.objects.select_for_update()
        .select_related("seat", "constituency", "federation")
        .filter(election=election)
        .first()
    )
    rules = recall_settings(election.federation)
    # The rules frozen when the vote opened; today's only for a vote opened without them.
    quorum = (
        petition.quorum if petition is not None and petition.quorum is not None else rules.quorum
    )
    majority = (
        petition.majority
        if petition is not None and petition.majority is not None
        else rules.majority
    )
    count = result.get("count") or {}
    outcome = recall_outcome(
        electorate=int(result.get("roll", 0)),
        voted=int(result.get("casts", 0)),
        yes=int(count.get("yes", 0)),
        no=int(count.get("no", 0)),
        quorum=quorum,
        majority=majority,
    )
    now = election.closed_at or timezone.now()
    assert election.seat_id is not None  # a recall vote is opened against a seat
    seat = Seat.objects.select_for_update().get(pk=election.seat_id)
    moot = seat.status != Seat.Status.HELD
    facts = {
        "election": election.pk,
        "seat": seat.pk,
        "delegate": seat.public_name,
        "body": election.constituency.slug,
        **outcome.to_json(),
    }
    if petition is not None:
        facts["petition"] = petition.pk
        facts["signatures"] = petition.signatures
        petition.status = (
            RecallPetition.Status.MOOT
            if moot
            else RecallPetition.Status.PASSED
            if outcome.passed
            else RecallPetition.Status.FAILED
        )
        petition.result = outcome.to_json()
        petition.closed_at = now
        petition.save(update_fields=["status", "result", "closed_at"])
    if moot:
        facts["moot"] = "the seat was vacated before the vote closed"
    events = [Event("recall.result", facts, body=election.constituency)]
    if outcome.passed and not moot:
        events += vacate(seat, Seat.Reason.RECALLED, now).events
    return events


def do_close_recall(election: Election, *, now: datetime | None = None) -> RecallPetition | None:
    """Close a recall vote now: count it, decide it, and vacate the seat if it passed
    (all in the elections app's close transaction, which calls `close_recall`)."""
    if election.kind != Election.Kind.RECALL:
        raise InvalidInput(_("That is not a recall vote."))
    elections.do_close_election(election, now=now)
    return RecallPetition.objects.filter(election=election).first()
