"""An election's stages: nominations close, the vote opens (the roll frozen), or it is cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import key_facts
from asamblea.elections.models import Election, RollEntry
from asamblea.elections.services._common import OPEN_STATUSES, _locked
from asamblea.elections.services.reads import standing
from asamblea.elections.services.sealed import open_election_key
from asamblea.elections.services.trustees import election_trustee_key
from asamblea.errors import Conflict, InvalidInput
from asamblea.federation.membership import User, eligible_people
from asamblea.federation.services import require_officer
from asamblea.record.services import Event, append_entries

NOBODY_STOOD = "nobody stood"


def _close_nominations(election: Election, now: datetime) -> Election:
    """Nominations → ready (or cancelled when nobody stands); inside a transaction, row locked."""
    candidates = standing(election)
    body = election.constituency
    if not candidates:
        # The record holds no translated text: the page translates this reason.
        return _cancel(election, NOBODY_STOOD, now)
    election.status = Election.Status.READY
    election.save(update_fields=["status"])
    append_entries(
        election.federation,
        [
            Event(
                "election.nominations_closed",
                {
                    "election": election.pk,
                    "body": body.slug,
                    "candidates": [c.public_name for c in candidates],
                    "groups": [c.group or None for c in candidates],
                },
                body=body,
            )
        ],
    )
    return election


@transaction.atomic
def do_close_nominations(
    actor: User, election: Election, *, now: datetime | None = None
) -> Election:
    """An officer closes nominations early, when all is ready; the vote opens on time."""
    now = now or timezone.now()
    election = _locked(election)
    require_officer(actor, election.constituency)
    if election.status != Election.Status.NOMINATIONS:
        raise Conflict(_("Nominations are already closed."))
    if not standing(election):
        raise Conflict(_("Nobody stands yet: nominations cannot close."))
    election = _close_nominations(election, now)
    if election.voting_opens_at <= now:
        election = _open_voting(election, now)
    return election


@transaction.atomic
def do_close_nominations_on_time(election: Election, *, now: datetime | None = None) -> Election:
    """The system closes nominations at their time (and cancels if nobody stands)."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status != Election.Status.NOMINATIONS:
        raise Conflict(_("Nominations are already closed."))
    if election.nominations_close_at > now:
        raise Conflict(_("Nominations are still open."))
    return _close_nominations(election, now)


def _cancel(election: Election, reason: str, now: datetime) -> Election:
    election.status = Election.Status.CANCELLED
    election.cancel_reason = reason[:500]
    election.closed_at = now
    election.save(update_fields=["status", "cancel_reason", "closed_at"])
    append_entries(
        election.federation,
        [
            Event(
                "election.cancelled",
                {"election": election.pk, "body": election.constituency.slug, "reason": reason},
                body=election.constituency,
            )
        ],
    )
    return election


@transaction.atomic
def do_cancel_election(actor: User, election: Election, reason: str) -> Election:
    """An officer cancels an election before its count; the reason is published."""
    election = _locked(election)
    require_officer(actor, election.constituency)
    if election.status not in OPEN_STATUSES:
        raise Conflict(_("This election is over: it can no longer be cancelled."))
    if not reason.strip():
        raise InvalidInput(_("Give a reason: it is published with the cancellation."))
    return _cancel(election, reason.strip(), timezone.now())


def _open_voting(election: Election, now: datetime) -> Election:
    """Ready → voting: freeze the roll. Inside a transaction, the election row locked."""
    held = election_trustee_key(election)
    if held is not None and held.state == BallotKey.State.CEREMONY:
        raise Conflict(
            _("The trustees' key ceremony is not done: the vote cannot open until it is.")
        )
    people = list(eligible_people(election.constituency).values_list("pk", flat=True))
    RollEntry.objects.bulk_create(
        [RollEntry(election=election, person_id=pk) for pk in sorted(people)], batch_size=2000
    )
    election.status = Election.Status.VOTING
    election.roll_frozen_at = now
    election.shuffled_at = now
    election.save(update_fields=["status", "roll_frozen_at", "shuffled_at"])
    facts: dict[str, Any] = {
        "election": election.pk,
        "body": election.constituency.slug,
        "roll": len(people),
    }
    candidates = standing(election)
    if election.kind != Election.Kind.RECALL:
        facts["candidates"] = [c.public_name for c in candidates]
    events = [Event("election.voting_opened", facts, body=election.constituency)]
    # Every vote that opens is sealed (server or trustees mode): docs/elections.md.
    key = open_election_key(election, candidates)
    if key is not None:
        events.append(
            Event(
                "secrecy.key",
                {"election": election.pk, "body": election.constituency.slug, **key_facts(key)},
                body=election.constituency,
            )
        )
    append_entries(election.federation, events)
    return election


@transaction.atomic
def do_open_voting(election: Election, *, now: datetime | None = None) -> Election:
    """Open the vote (the system, on time): the voter roll is frozen now."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status == Election.Status.NOMINATIONS:
        election = _close_nominations(election, now)
        if election.status == Election.Status.CANCELLED:
            return election
    if election.status != Election.Status.READY:
        raise Conflict(_("The vote of this election is not waiting to open."))
    return _open_voting(election, now)
