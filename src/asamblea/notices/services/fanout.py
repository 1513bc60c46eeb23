"""Who hears of what: from a public fact (a record entry) or a membership decision to
the notices of every member concerned, written in bulk by the worker.

These run in background tasks (asamblea.notices.tasks), never in the request that
caused them: an assembly of thousands gets its notices in a few bulk INSERTs of
NOTICE_BATCH rows, each with the deliveries its members opted in to. Running one
twice makes nothing twice (Notice.source and Delivery's unique constraints).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from asamblea.deliberation.models import CallToAction
from asamblea.elections.models import Election, Seat
from asamblea.federation.membership import eligible_people
from asamblea.federation.models import Body, Membership, Officer, Person
from asamblea.notices import kinds
from asamblea.notices.channels import outside_channels
from asamblea.notices.models import Delivery, Mode, Notice, NoticeChoice
from asamblea.recall.models import RecallPetition
from asamblea.recall.services.seats import seat_place
from asamblea.record.models import Entry

NOTICE_BATCH = 1000


@dataclass
class Announcement:
    """One notice to many: its kind, public parameters, link, and who receives it."""

    kind: str
    params: dict[str, Any]
    link: str
    source: str
    # Querysets of login ids (several may overlap: a notice is made once per login).
    recipients: list[QuerySet[Any, int]] = field(default_factory=list)


def _logins(people: QuerySet[Person]) -> QuerySet[Any, int]:
    return people.filter(user__isnull=False).order_by().values_list("user_id", flat=True)


def _election_opened(entry: Entry, facts: dict[str, Any]) -> Announcement | None:
    election = (
        Election.objects.select_related("constituency", "federation")
        .filter(pk=facts["election"])
        .first()
    )
    # A recall vote opens with its petition's threshold: that notice says it.
    if election is None or election.kind == Election.Kind.RECALL:
        return None
    body = election.constituency
    return Announcement(
        kinds.ELECTION_OPENED,
        {"body": body.name, "election_kind": election.kind},
        reverse("election", args=[election.federation.slug, election.pk]),
        _source(entry),
        [_logins(eligible_people(body))],
    )


def _petition(entry: Entry, facts: dict[str, Any], kind: str) -> Announcement | None:
    petition = (
        RecallPetition.objects.select_related(
            "federation",
            "constituency",
            "seat__delegation__source",
            "seat__delegation__council",
            "seat__command",
        )
        .filter(pk=facts["petition"])
        .first()
    )
    if petition is None:
        return None
    seat = petition.seat
    members = eligible_people(petition.constituency).exclude(pk=seat.holder_id)
    return Announcement(
        kind,
        {"place": seat_place(seat)},
        reverse("recall_petition", args=[petition.federation.slug, petition.pk]),
        _source(entry),
        [_logins(members)],
    )


def _seat_vacated(entry: Entry, facts: dict[str, Any]) -> Announcement | None:
    seat = (
        Seat.objects.select_related(
            "federation", "holder", "delegation__source", "delegation__council", "command"
        )
        .filter(pk=facts["seat"])
        .first()
    )
    if seat is None:
        return None
    return Announcement(
        kinds.SEAT_FELL,
        {"place": seat_place(seat), "reason": seat.reason},
        reverse("seat", args=[seat.federation.slug, seat.pk]),
        _source(entry),
        [_logins(Person.objects.filter(pk=seat.holder_id))],
    )


def _call_issued(entry: Entry, facts: dict[str, Any]) -> Announcement | None:
    call = (
        CallToAction.objects.select_related("federation", "council")
        .filter(pk=facts["call"])
        .first()
    )
    if call is None:
        return None
    scope = Body.objects.filter(uptakes__call=call)
    officers = Officer.objects.filter(body__in=scope).order_by().values_list("user_id", flat=True)
    members = Person.objects.filter(
        memberships__body__in=scope.filter(kind=Body.Kind.BASE),
        memberships__status=Membership.Status.VERIFIED,
    )
    return Announcement(
        kinds.CALL_TO_ACTION,
        {"council": call.council.name, "title": call.title},
        reverse("call", args=[call.federation.slug, call.pk]),
        _source(entry),
        [officers, _logins(members)],
    )


def _source(entry: Entry) -> str:
    return f"entry:{entry.federation_id}:{entry.index}"


READERS = {
    "election.opened": _election_opened,
    "recall.petition_opened": lambda e, f: _petition(e, f, kinds.RECALL_PETITION),
    "recall.threshold_reached": lambda e, f: _petition(e, f, kinds.PETITION_THRESHOLD),
    "seat.vacated": _seat_vacated,
    "call.issued": _call_issued,
}
# The record's entry types that make notices.
ENTRY_TYPES = frozenset(READERS)


def announcement_for_entry(federation_id: int, index: int) -> Announcement | None:
    entry = Entry.objects.filter(federation_id=federation_id, index=index).first()
    if entry is None or entry.type not in READERS:
        return None
    facts = json.loads(entry.payload)
    return READERS[entry.type](entry, facts)


def announcement_for_membership(membership_id: int, action: str) -> Announcement | None:
    membership = (
        Membership.objects.select_related("body__federation", "person")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or membership.person.user_id is None:
        return None
    body = membership.body
    # A membership may be decided again later (suspended, verified again): each its own.
    when = membership.decided_at.timestamp() if membership.decided_at else 0
    return Announcement(
        kinds.MEMBERSHIP_DECIDED,
        {"body": body.name, "action": action},
        reverse("body", args=[body.federation.slug, body.slug]),
        f"membership:{membership.pk}:{action}:{when:.0f}",
        [Person.objects.filter(pk=membership.person_id).values_list("user_id", flat=True)],
    )


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest time (NOTICE_DIGEST_HOUR, in TIME_ZONE) after `now`."""
    local = timezone.localtime(now)
    at = local.replace(hour=settings.NOTICE_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while batch := list(islice(iterator, NOTICE_BATCH)):
        yield batch


def do_announce(announcement: Announcement, *, now: datetime | None = None) -> tuple[int, int]:
    """Write the notices of an announcement, and the deliveries opted in to, in bulk.

    Returns (logins told, deliveries due now). One transaction per batch: a worker
    stopped half-way leaves whole batches, and running it again adds the rest."""
    now = now or timezone.now()
    channels = [c.name for c in outside_channels()]
    digest_at = next_digest_at(now)
    told = immediate = 0
    seen: set[int] = set()
    for recipients in announcement.recipients:
        for batch in _batches(recipients.iterator(chunk_size=NOTICE_BATCH)):
            batch = [user_id for user_id in dict.fromkeys(batch) if user_id not in seen]
            seen.update(batch)
            if not batch:
                continue
            with transaction.atomic():
                Notice.objects.bulk_create(
                    [
                        Notice(
                            recipient_id=user_id,
                            kind=announcement.kind,
                            params=announcement.params,
                            link=announcement.link,
                            source=announcement.source,
                        )
                        for user_id in batch
                    ],
                    batch_size=NOTICE_BATCH,
                    ignore_conflicts=True,
                )
                told += len(batch)
                if not channels:
                    continue
                choices = list(
                    NoticeChoice.objects.filter(
                        kind=announcement.kind, channel__in=channels, user_id__in=batch
                    ).values_list("user_id", "channel", "mode")
                )
                if not choices:
                    continue
                notice_of = dict(
                    Notice.objects.filter(
                        source=announcement.source,
                        recipient_id__in={user_id for user_id, _c, _m in choices},
                    ).values_list("recipient_id", "pk")
                )
                deliveries = [
                    Delivery(
                        notice_id=notice_of[user_id],
                        channel=channel,
                        digest=mode == Mode.DIGEST,
                        due_at=digest_at if mode == Mode.DIGEST else now,
                    )
                    for user_id, channel, mode in choices
                    if user_id in notice_of
                ]
                Delivery.objects.bulk_create(
                    deliveries, batch_size=NOTICE_BATCH, ignore_conflicts=True
                )
                immediate += sum(1 for d in deliveries if not d.digest)
    return told, immediate
