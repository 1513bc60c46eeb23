"""Recall: every state change (`do_*`, one transaction each) and the reads that check
permission (`access_*`, `can_*`).

    do_open_recall_petition(actor, seat, reason) -> RecallPetition
        A verified member of the constituency that elected the seat (for a council,
        a delegate seated in it) opens a petition and is its first signature.
    do_sign_petition(actor, petition) -> RecallPetition
        Another member co-signs, once. At the threshold (frozen at the opening:
        ceil(share x electorate)) the recall vote opens at once: an election of
        kind "recall", yes/no, secret, in the constituency, for the federation's
        vote window.
    do_close_recall(election) -> RecallPetition
        Close a recall vote now (the scheduler does it on time through the
        elections app's close, which calls the same handler): the quorum and
        majority in force when the vote opened (frozen on the petition) decide; a
        recall that passes vacates the seat (`do_vacate_seat`'s cascade).
    do_vacate_seat(actor, seat, reason) -> VacancyReport
        Vacate a seat (recalled, resigned, deceased, expelled), run the whole
        cascade and refill every lost seat (countback by default, by-election as
        the federation chooses, or when the countback finds nobody): ONE
        transaction, every step on the public record.
    do_expire_petitions(now) -> int
        The scheduler's step: petitions past their deadline without enough
        signatures expire.

Who signed a petition is never shown: only the count is public. The record
holds the count (when the petition reaches its threshold or expires), never a
name or a time of signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.elections import services as elections
from asamblea.elections.models import Candidacy, Election, Seat
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import (
    User,
    eligible_people,
    is_eligible,
    person_of,
    public_row,
    require_member,
)
from asamblea.federation.models import Body, Federation, Membership
from asamblea.federation.services import is_officer
from asamblea.recall import cascade, countback
from asamblea.recall.models import Countback, PetitionSignature, RecallPetition, RecallSettings
from asamblea.recall.rules import recall_outcome, signatures_needed
from asamblea.record.services import Event, append_entries

REASON_MAX = 2000
# Reasons an officer (or the holder, for a resignation) may give to vacate a seat directly.
DIRECT_REASONS = (
    Seat.Reason.RESIGNED,
    Seat.Reason.DECEASED,
    Seat.Reason.EXPELLED,
)

# Test-only failure injection: each function runs after every refill step of a
# cascade, inside its transaction (tests append one that raises, to prove that
# a failure half-way changes nothing). Empty in production.
REFILL_STEP_HOOKS: list[Callable[[Seat, str], None]] = []


# ---------------------------------------------------------------- settings


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


# ---------------------------------------------------------------- who is who


def constituency_of(seat: Seat) -> Body:
    """The body whose members elected `seat`: a delegation's source, a command's body."""
    if seat.delegation_id is not None:
        return seat.delegation.source
    return seat.command.command_of


def seat_place(seat: Seat) -> str:
    """What the seat is in, for people: "Province A1 → Region A" or "National command"."""
    if seat.delegation_id is not None:
        return f"{seat.delegation.source.name} → {seat.delegation.council.name}"
    return seat.command.name


def can_petition(user: User, seat: Seat) -> bool:
    """Whether `user` may open (or sign) a recall petition against `seat`'s holder."""
    person = person_of(user, seat.federation)
    return (
        person is not None
        and seat.status == Seat.Status.HELD
        and person.pk != seat.holder_id
        and is_eligible(person, constituency_of(seat))
    )


# ---------------------------------------------------------------- reads

# What the pages show of a petition and of a seat, read with it in one query.
_PETITION_PAGE = (
    "seat__delegation__source",
    "seat__delegation__council",
    "seat__command__command_of",
    "constituency",
    "election",
    "federation",
)
_SEAT_PAGE = (
    "federation",
    "delegation__source",
    "delegation__council",
    "command__command_of",
    "election",
)


def access_petition(user: User, federation: Federation, petition_id: int) -> RecallPetition:
    """A petition's public facts (reason, counts, status): anyone may read them."""
    petitions = RecallPetition.objects.select_related(*_PETITION_PAGE)
    missing = _("There is no recall petition number %(id)s.") % {"id": petition_id}
    return public_row(petitions, missing, federation=federation, pk=petition_id)


def access_seat(user: User, federation: Federation, seat_id: int) -> Seat:
    """A seat's public facts (its holder's public name, where it sits): anyone may read."""
    seats = Seat.objects.select_related(*_SEAT_PAGE)
    missing = _("There is no seat number %(id)s.") % {"id": seat_id}
    return public_row(seats, missing, federation=federation, pk=seat_id)


def active_petition(seat: Seat) -> RecallPetition | None:
    return RecallPetition.objects.filter(seat=seat, status__in=RecallPetition.ACTIVE).first()


def petitions_in(body: Body) -> QuerySet[RecallPetition]:
    """The petitions of a constituency, newest first (public facts only)."""
    return RecallPetition.objects.filter(constituency=body).select_related(
        "seat__delegation__council", "seat__command", "election"
    )


def has_signed(user: User, petition: RecallPetition) -> bool:
    """Whether the logged-in user signed: for that user's own eyes only."""
    person = person_of(user, petition.federation)
    return (
        person is not None
        and PetitionSignature.objects.filter(petition=petition, person=person).exists()
    )


# ---------------------------------------------------------------- petitions


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
                "place": _place_facts(seat),
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


# ---------------------------------------------------------------- the recall vote


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
        events += _vacate(seat, Seat.Reason.RECALLED, now).events
    return events


def do_close_recall(election: Election, *, now: datetime | None = None) -> RecallPetition | None:
    """Close a recall vote now: count it, decide it, and vacate the seat if it passed
    (all in the elections app's close transaction, which calls `close_recall`)."""
    if election.kind != Election.Kind.RECALL:
        raise InvalidInput(_("That is not a recall vote."))
    elections.do_close_election(election, now=now)
    return RecallPetition.objects.filter(election=election).first()


# ---------------------------------------------------------------- vacating and refilling


@dataclass
class VacancyReport:
    """What vacating a seat did: seats lost (in order), seats filled, by-elections opened."""

    vacated: list[Seat] = field(default_factory=list)
    filled: list[Seat] = field(default_factory=list)
    by_elections: list[Election] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@transaction.atomic
def do_vacate_seat(
    actor: User, seat: Seat, reason: str, *, now: datetime | None = None
) -> VacancyReport:
    """Vacate `seat` (resigned, deceased, expelled) and run the whole cascade, one
    transaction. The holder may resign their own seat; an officer of the constituency
    (or a federation admin) may record any of the three."""
    now = now or timezone.now()
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    seat = access_seat(actor, seat.federation, seat.pk)
    if reason not in DIRECT_REASONS:
        raise InvalidInput(_("A seat is vacated by resignation, death or expulsion."))
    body = constituency_of(seat)
    person = person_of(actor, seat.federation)
    own_resignation = (
        reason == Seat.Reason.RESIGNED and person is not None and person.pk == seat.holder_id
    )
    if not (own_resignation or is_officer(actor, body)):
        raise PermissionDenied(
            _("Only the delegate (to resign) or an officer of %(body)s can do this.")
            % {"body": body.name}
        )
    if seat.status != Seat.Status.HELD:
        raise Conflict(_("That seat is already vacant."))
    report = _vacate(seat, reason, now)
    append_entries(seat.federation, report.events)
    return report


@hooks.seat_ended.register(name="recall.cascade")
def seat_ended(seat: Seat) -> list[Event]:
    """A new election ended `seat` and its holder was not re-elected: they lose the
    council it admitted them to, and the cascade runs from there (the seat itself was
    refilled by that election)."""
    return _vacate(
        seat, seat.reason or Seat.Reason.TERM_ENDED, timezone.now(), first_done=True
    ).events


def _facts_of(rows: list[Seat]) -> list[cascade.SeatFact]:
    return [_fact(seat) for seat in rows]


def _fact(seat: Seat) -> cascade.SeatFact:
    if seat.delegation_id is not None:
        return cascade.SeatFact(
            id=seat.pk,
            holder=seat.holder_id,
            place=("delegation", seat.delegation_id),
            rests_on=seat.delegation.source_id,
            admits_to=seat.delegation.council_id,
        )
    return cascade.SeatFact(
        id=seat.pk,
        holder=seat.holder_id,
        place=("command", seat.command_id),
        rests_on=seat.command.command_of_id,
        admits_to=None,
    )


def _place_facts(seat: Seat) -> dict[str, Any]:
    if seat.delegation_id is not None:
        return {
            "delegation": {
                "source": seat.delegation.source.slug,
                "council": seat.delegation.council.slug,
            }
        }
    return {"command": seat.command.slug}


def _vacate(seat: Seat, reason: str, now: datetime, *, first_done: bool = False) -> VacancyReport:
    """Vacate `seat`, lose every seat that rested on it, refill each. Inside a transaction.

    With `first_done`, `seat` was already ended (and refilled) by an election: only
    the seats above it are vacated and refilled.
    """
    federation = seat.federation
    rules = recall_settings(federation)
    held = list(
        Seat.objects.select_for_update(of=("self",))
        .filter(federation=federation, status=Seat.Status.HELD)
        .select_related("delegation__source", "delegation__council", "command__command_of")
        .order_by("pk")
    )
    by_id = {row.pk: row for row in held}
    first = seat if first_done else by_id[seat.pk]
    if first_done:
        by_id[first.pk] = first
    facts = _facts_of([*held, first] if first_done else held)
    method = (
        cascade.COUNTBACK
        if rules.refill == RecallSettings.Refill.COUNTBACK
        else cascade.BY_ELECTION
    )
    countbacks: dict[int, countback.CountbackResult] = {}
    refiller = _Refiller(by_id, countbacks)
    plan = cascade.plan(
        facts,
        first.pk,
        method=method,
        countback=refiller,
        is_member=_is_base_member,
        refill_first=not first_done,
    )
    report = VacancyReport()
    first_reason = reason
    for loss in plan.losses:
        row = by_id[loss.seat.id]
        if first_done and row.pk == first.pk:
            report.events.append(_vacated_event(row, loss, row.reason or first_reason))
            continue
        row.status = Seat.Status.VACATED
        row.reason = first_reason if loss.cause is None else Seat.Reason.CASCADE
        row.cause_id = loss.cause
        row.vacated_at = now
        row.save(update_fields=["status", "reason", "cause", "vacated_at"])
        report.vacated.append(row)
        report.events.append(_vacated_event(row, loss, row.reason))
        report.events += _end_petitions_and_votes(row, now)
    for refill in plan.refills:
        row = by_id[refill.seat.id]
        if first_done and row.pk == first.pk:
            continue
        result = countbacks.get(row.pk)
        if refill.method == cascade.COUNTBACK:
            if result is None or result.winner is None:
                raise RuntimeError(f"countback for seat {row.pk} has no result to fill it with")
            new_seat = _fill_by_countback(row, refill.new_holder, result, now)
            report.filled.append(new_seat)
            report.events.append(_countback_event(row, new_seat, result))
        else:
            if result is not None:
                Countback.objects.create(vacated=row, filled=None, result=result.to_json())
            by_election = _open_by_election(row, rules, now)
            report.by_elections.append(by_election)
            report.events.append(
                Event(
                    "seat.refill",
                    {
                        "seat": row.pk,
                        "by": "by-election",
                        "election": by_election.pk,
                        "why": (
                            "the federation refills by by-election"
                            if method == cascade.BY_ELECTION
                            else "the countback found nobody who may take the seat"
                        ),
                        **({"countback": _public_countback(row, result)} if result else {}),
                    },
                    body=constituency_of(row),
                )
            )
        for hook in REFILL_STEP_HOOKS:
            hook(row, refill.method)
    return report


def _is_base_member(person: Any, body: Any) -> bool:
    return Membership.objects.filter(
        person_id=person, body_id=body, status=Membership.Status.VERIFIED, body__kind=Body.Kind.BASE
    ).exists()


def _vacated_event(row: Seat, loss: cascade.Loss, reason: str) -> Event:
    council = (
        Body.objects.filter(pk=loss.lost_membership).values_list("slug", flat=True).first()
        if loss.lost_membership is not None
        else None
    )
    return Event(
        "seat.vacated",
        {
            "seat": row.pk,
            "delegate": row.public_name,
            "reason": reason,
            "cause": loss.cause,
            "lost_membership_of": council,
            **_place_facts(row),
        },
        body=constituency_of(row),
    )


def _end_petitions_and_votes(row: Seat, now: datetime) -> list[Event]:
    """A seat vacated otherwise: its open petition is moot, its recall vote cancelled."""
    events: list[Event] = []
    for petition in RecallPetition.objects.select_for_update().filter(
        seat=row, status__in=RecallPetition.ACTIVE
    ):
        petition.status = RecallPetition.Status.MOOT
        petition.closed_at = now
        petition.save(update_fields=["status", "closed_at"])
        if petition.election_id is not None:
            election = Election.objects.select_for_update().get(pk=petition.election_id)
            if election.status in elections.OPEN_STATUSES:
                # The elections app's system-side cancel (no officer: the rules act).
                elections._cancel(election, SEAT_VACATED, now)
        events.append(
            Event(
                "recall.petition_moot",
                {"petition": petition.pk, "seat": row.pk, "signatures": petition.signatures},
                body=petition.constituency,
            )
        )
    return events


# The record holds no translated text: pages translate this reason.
SEAT_VACATED = "the seat was vacated before the recall vote closed"


class _Refiller:
    """The cascade's countback port, backed by the stored ballots."""

    def __init__(self, seats: dict[int, Seat], results: dict[int, countback.CountbackResult]):
        self.seats = seats
        self.results = results
        self.names: dict[int, dict[str, int]] = {}

    def __call__(self, fact: cascade.SeatFact, eligible: Callable[[Any], bool]) -> Any:
        seat = self.seats[int(fact.id)]
        result, person_by_name = run_countback(seat, eligible)
        self.results[seat.pk] = result
        if result.winner is None:
            return None
        return person_by_name[result.winner]


def run_countback(
    seat: Seat, eligible: Callable[[Any], bool]
) -> tuple[countback.CountbackResult, dict[str, int]]:
    """The countback for vacated `seat` among people `eligible(person_id)` allows;
    returns the result and the person of each candidate's public name."""
    election = seat.election
    candidacies = list(
        election.candidacies.filter(status=Candidacy.Status.ACCEPTED).order_by("public_name", "id")
    )
    person_by_name = {c.public_name: c.person_id for c in candidacies}
    group_by_name = {c.public_name: c.group for c in candidacies}
    elected = [c.public_name for c in elections.elected_candidacies(election)]
    not_standing = {*elected, seat.public_name}
    allowed = _parity_filter(seat, election, group_by_name)

    def may_stand(name: str) -> bool:
        return name in person_by_name and eligible(person_by_name[name]) and allowed(name)

    seed = _countback_seed(election, seat)
    previous = Countback.objects.filter(filled=seat).first()
    if previous is not None and previous.papers:
        papers = countback.Papers.from_json(previous.papers)
        return (
            countback.countback(papers, not_standing=not_standing, eligible=may_stand, seed=seed),
            person_by_name,
        )
    profile, _standing = elections.profile_for(election)
    if election.method in countback.PREFERENTIAL:
        papers, rerun = countback.papers_that_elected(
            profile,
            election.method,
            seat.public_name,
            seats=election.seats,
            seed=election.seed,
            at_least=elections._at_least(election, candidacies) or None,
        )
        published = [
            item["name"] for item in ((election.result or {}).get("count") or {}).get("elected", [])
        ]
        if list(rerun.elected_names) != published:
            from asamblea.errors import VerificationFailed

            raise VerificationFailed(
                f"re-counting election {election.pk} elects {list(rerun.elected_names)}, "
                f"not the published {published}: the countback cannot go on"
            )
        result = countback.countback(
            papers, not_standing=not_standing, eligible=may_stand, seed=seed
        )
    else:
        result = countback.next_highest(
            profile, election.method, not_standing=not_standing, eligible=may_stand, seed=seed
        )
    return result, person_by_name


def _parity_filter(
    seat: Seat, election: Election, group_by_name: dict[str, str]
) -> Callable[[str], bool]:
    """Under the parity rule, a refill that would leave the departing member's group
    below floor(seats/2) in the delegation (or command) must come from that group."""
    if not election.parity:
        return lambda name: True
    group = group_by_name.get(seat.public_name, "")
    if not group:
        return lambda name: True
    need = election.seats // 2
    # The other seats of the same delegation or command (this cascade loses only this
    # one there: nobody holds two seats of one place).
    same_place = Seat.objects.filter(
        status=Seat.Status.HELD, delegation=seat.delegation, command=seat.command
    ).exclude(pk=seat.pk)
    held = sum(
        1
        for name in same_place.values_list("public_name", flat=True)
        if group_by_name.get(name) == group
    )
    if held >= need:
        return lambda name: True
    return lambda name: group_by_name.get(name) == group


def _countback_seed(election: Election, seat: Seat) -> int:
    """A seed anyone can recompute (the election's published seed and the seat), so the
    countback's lot is reproducible and was fixed before anyone knew who would leave."""
    digest = hashlib.sha256(f"asamblea-countback-v1:{election.seed}:{seat.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _fill_by_countback(
    row: Seat, person_id: Any, result: countback.CountbackResult, now: datetime
) -> Seat:
    candidacy = Candidacy.objects.get(election=row.election, person_id=person_id)
    new_seat = Seat.objects.create(
        federation=row.federation,
        delegation=row.delegation,
        command=row.command,
        holder_id=person_id,
        public_name=candidacy.public_name,
        election=row.election,
        filled_by="countback",
        filled_at=now,
    )
    Countback.objects.create(
        vacated=row,
        filled=new_seat,
        result=result.to_json(),
        papers=result.winner_papers.to_json() if result.winner_papers else None,
    )
    return new_seat


def _public_countback(row: Seat, result: countback.CountbackResult) -> dict[str, Any]:
    """The countback as published: the full rounds unless the election was too small
    to publish a breakdown (then only the rule and the outcome)."""
    facts = result.to_json()
    if not (row.election.result or {}).get("breakdown_published", False):
        facts = {
            "winner": facts["winner"],
            "rule": facts["rule"],
            "withheld": "too few voters at that election to publish the rounds",
        }
    return facts


def _countback_event(row: Seat, new_seat: Seat, result: countback.CountbackResult) -> Event:
    return Event(
        "seat.filled",
        {
            "seat": new_seat.pk,
            "name": new_seat.public_name,
            "filled_by": "countback",
            "replaces": row.pk,
            "election": row.election_id,
            "countback": _public_countback(row, result),
            **_place_facts(new_seat),
        },
        body=constituency_of(new_seat),
    )


def _open_by_election(row: Seat, rules: RecallSettings, now: datetime) -> Election:
    nominations_close = now + timedelta(days=rules.by_election_nomination_days)
    return elections.do_open_election(
        None,
        constituency_of(row),
        kind=Election.Kind.BY_ELECTION,
        seat=row,
        nominations_close_at=nominations_close,
        voting_opens_at=nominations_close,
        voting_closes_at=nominations_close + timedelta(days=rules.by_election_vote_days),
    )
