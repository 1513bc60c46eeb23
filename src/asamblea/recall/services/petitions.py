"""Recall petitions: opening one, signing it, the recall vote it opens at its
threshold, and the expiry of those that fall short.

Who signed a petition is never shown: only the count is public. The record
holds the count (when the petition reaches its threshold or expires), never a
name or a time of signature.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.elections import services as elections
from asamblea.elections.models import Election, Seat
from asamblea.errors import Conflict, InvalidInput
from asamblea.federation.membership import User, eligible_people, require_member
from asamblea.federation.models import Federation
from asamblea.recall.models import PetitionSignature, RecallPetition
from asamblea.recall.rules import signatures_needed
from asamblea.recall.services.reads import access_seat, active_petition
from asamblea.recall.services.seats import constituency_of, place_facts
from asamblea.recall.services.settings import recall_settings
from asamblea.record.services import Event, append_entries

REASON_MAX = 2000


@transaction.atomic
def do_open_recall_petition(
    actor: User, seat: Seat, reason: str, *, now: datetime | None = None
) -> RecallPetition:
    """A member of the seat's constituency opens a recall petition and signs it."""
    now = now or timezone.now()
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    seat = access_seat(actor, seat.federation, seat.pk)
    body = constituency_of(seat)
    person = require_member(actor, body)
    if seat.status != Seat.Status.HELD:
        raise Conflict(_("That seat is not held: there is nobody to recall."))
    if person.pk == seat.holder_id:
        raise InvalidInput(_("You hold this seat: you can resign it instead."))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(_("Give the reason for the recall: the members read it before signing."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("Keep the reason under %(max)d characters.") % {"max": REASON_MAX})
    if active_petition(seat) is not None:
        raise Conflict(_("A recall petition against this delegate is already open: sign it."))
    rules = recall_settings(seat.federation)
    electorate = eligible_people(body).count()
    try:
        with transaction.atomic():
            petition = RecallPetition.objects.create(
                federation=seat.federation,
                seat=seat,
                constituency=body,
                reason=reason,
                electorate=electorate,
                threshold=signatures_needed(electorate, rules.threshold),
                signatures=1,
                opened_at=now,
                closes_at=now + timedelta(days=rules.petition_days),
            )
    except IntegrityError:
        raise Conflict(
            _("A recall petition against this delegate is already open: sign it.")
        ) from None
    PetitionSignature.objects.create(petition=petition, person=person)
    events = [
        Event(
            "recall.petition_opened",
            {
                "petition": petition.pk,
                "seat": seat.pk,
                "delegate": seat.public_name,
                "body": body.slug,
                "place": place_facts(seat),
                "reason": reason,
                "electorate": electorate,
                "threshold": petition.threshold,
                "threshold_share": str(rules.threshold),
                "closes_at": petition.closes_at.isoformat(),
            },
            body=body,
        )
    ]
    if petition.signatures >= petition.threshold:
        events += _start_recall_vote(petition, now)
    append_entries(seat.federation, events)
    return petition


@transaction.atomic
def do_sign_petition(
    actor: User, petition: RecallPetition, *, now: datetime | None = None
) -> RecallPetition:
    """A member of the constituency co-signs an open petition, once."""
    now = now or timezone.now()
    petition = (
        RecallPetition.objects.select_for_update()
        .select_related("seat", "constituency", "federation")
        .get(pk=petition.pk)
    )
    body = petition.constituency
    person = require_member(actor, body)
    if petition.status != RecallPetition.Status.OPEN:
        raise Conflict(_("This petition is no longer collecting signatures."))
    if now >= petition.closes_at:
        raise Conflict(_("This petition's time to collect signatures is over."))
    if person.pk == petition.seat.holder_id:
        raise InvalidInput(_("You hold this seat: you can resign it instead."))
    try:
        with transaction.atomic():
            PetitionSignature.objects.create(petition=petition, person=person)
    except IntegrityError:
        raise Conflict(_("You have already signed this petition.")) from None
    petition.signatures += 1
    petition.save(update_fields=["signatures"])
    if petition.signatures >= petition.threshold:
        append_entries(petition.federation, _start_recall_vote(petition, now))
    return petition


def _start_recall_vote(petition: RecallPetition, now: datetime) -> list[Event]:
    """Threshold reached: open the recall vote at once. Inside the caller's transaction."""
    rules = recall_settings(petition.federation)
    election = elections.do_open_election(
        None,
        petition.constituency,
        kind=Election.Kind.RECALL,
        seat=petition.seat,
        nominations_close_at=now,
        voting_opens_at=now,
        voting_closes_at=now + timedelta(days=rules.vote_days),
    )
    elections.do_open_voting(election, now=now)
    petition.status = RecallPetition.Status.VOTING
    petition.election = election
    # The vote is decided by the rules in force when it opens.
    # (Three decimals, as stored, so the record shows the same figure now and at the close.)
    petition.quorum = Decimal(rules.quorum).quantize(Decimal("0.001"))
    petition.majority = Decimal(rules.majority).quantize(Decimal("0.001"))
    petition.save(update_fields=["status", "election", "quorum", "majority"])
    return [
        Event(
            "recall.threshold_reached",
            {
                "petition": petition.pk,
                "seat": petition.seat_id,
                "signatures": petition.signatures,
                "threshold": petition.threshold,
                "election": election.pk,
                "voting_closes_at": election.voting_closes_at.isoformat(),
                "quorum": str(petition.quorum),
                "majority": str(petition.majority),
            },
            body=petition.constituency,
        )
    ]


@transaction.atomic
def do_expire_petitions(*, now: datetime | None = None) -> int:
    """Petitions past their deadline without enough signatures expire; returns how many."""
    now = now or timezone.now()
    due = list(
        RecallPetition.objects.select_for_update()
        .filter(status=RecallPetition.Status.OPEN, closes_at__lte=now)
        .select_related("constituency", "federation")
        .order_by("pk")
    )
    by_federation: dict[int, list[Event]] = {}
    for petition in due:
        petition.status = RecallPetition.Status.EXPIRED
        petition.closed_at = now
        petition.save(update_fields=["status", "closed_at"])
        by_federation.setdefault(petition.federation_id, []).append(
            Event(
                "recall.petition_expired",
                {
                    "petition": petition.pk,
                    "seat": petition.seat_id,
                    "signatures": petition.signatures,
                    "threshold": petition.threshold,
                },
                body=petition.constituency,
            )
        )
    for federation in Federation.objects.filter(pk__in=by_federation).order_by("pk"):
        append_entries(federation, by_federation[federation.pk])
    return len(due)
