"""Vacating a seat and refilling it: the whole cascade of seats that rested on it, each
refilled by countback or by-election, in one transaction, every step on the record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.counting.truncate import count_truncated
from asamblea.elections import services as elections
from asamblea.elections.models import Candidacy, Election, Seat
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, person_of
from asamblea.federation.models import Body, Membership
from asamblea.federation.services import is_officer
from asamblea.recall import cascade, countback
from asamblea.recall.models import Countback, RecallPetition, RecallSettings
from asamblea.recall.services.reads import access_seat
from asamblea.recall.services.seats import constituency_of, place_facts
from asamblea.recall.services.settings import recall_settings
from asamblea.record.services import Event, append_entries

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
    report = vacate(seat, reason, now)
    append_entries(seat.federation, report.events)
    return report


@hooks.seat_ended.register(name="recall.cascade")
def seat_ended(seat: Seat) -> list[Event]:
    """A new election ended `seat` and its holder was not re-elected: they lose the
    council it admitted them to, and the cascade runs from there (the seat itself was
    refilled by that election)."""
    return vacate(
        seat, seat.reason or Seat.Reason.TERM_ENDED, timezone.now(), first_done=True
    ).events


def _facts_of(rows: list[Seat]) -> list[cascade.SeatFact[int]]:
    return [_fact(seat) for seat in rows]


def _fact(seat: Seat) -> cascade.SeatFact[int]:
    if seat.delegation is not None:
        return cascade.SeatFact(
            id=seat.pk,
            holder=seat.holder_id,
            place=("delegation", seat.delegation_id),
            rests_on=seat.delegation.source_id,
            admits_to=seat.delegation.council_id,
        )
    # Seats are in a delegation or a command (seat_in_delegation_xor_command); a command
    # belongs to a body (the federation's spec refuses one that does not).
    assert seat.command is not None and seat.command.command_of_id is not None
    return cascade.SeatFact(
        id=seat.pk,
        holder=seat.holder_id,
        place=("command", seat.command_id),
        rests_on=seat.command.command_of_id,
        admits_to=None,
    )


def vacate(seat: Seat, reason: str, now: datetime, *, first_done: bool = False) -> VacancyReport:
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
            if result is None or result.winner is None or refill.new_holder is None:
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


def _is_base_member(person: int, body: int) -> bool:
    return Membership.objects.filter(
        person_id=person, body_id=body, status=Membership.Status.VERIFIED, body__kind=Body.Kind.BASE
    ).exists()


def _vacated_event(row: Seat, loss: cascade.Loss[int], reason: str) -> Event:
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
            **place_facts(row),
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

    def __call__(self, fact: cascade.SeatFact[int], eligible: Callable[[int], bool]) -> int | None:
        seat = self.seats[int(fact.id)]
        result, person_by_name = run_countback(seat, eligible)
        self.results[seat.pk] = result
        if result.winner is None:
            return None
        return person_by_name[result.winner]


def run_countback(
    seat: Seat, eligible: Callable[[int], bool]
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
        result = countback.countback(
            papers, not_standing=not_standing, eligible=may_stand, seed=seed
        )
        if "as_published" in previous.papers:
            known = countback.Papers.from_json(previous.papers["as_published"])
            result = _with_shown(result, papers, known, not_standing, may_stand, seed)
        return result, person_by_name
    profile, _standing = elections.profile_for(election)
    if election.method in countback.PREFERENTIAL:
        at_least = elections._at_least(election, candidacies) or None
        papers, rerun = countback.papers_that_elected(
            profile,
            election.method,
            seat.public_name,
            seats=election.seats,
            seed=election.seed,
            at_least=at_least,
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
        if (election.result or {}).get("ballots_as_read"):
            # The record shows the election's papers cut where its count stopped: what
            # anyone derives from them is the departing member's papers as far as that.
            _result, cut = count_truncated(
                profile,
                election.method,
                seats=election.seats,
                seed=election.seed,
                at_least=at_least,
            )
            known, _rerun = countback.papers_that_elected(
                cut,
                election.method,
                seat.public_name,
                seats=election.seats,
                seed=election.seed,
                at_least=at_least,
            )
            result = _with_shown(result, papers, known, not_standing, may_stand, seed)
    else:
        result = countback.next_highest(
            profile, election.method, not_standing=not_standing, eligible=may_stand, seed=seed
        )
    return result, person_by_name


def _with_shown(
    result: countback.CountbackResult,
    papers: countback.Papers,
    known: countback.Papers,
    not_standing: set[str],
    may_stand: Callable[[str], bool],
    seed: int,
) -> countback.CountbackResult:
    """`result` with the papers it publishes (the record shows `known` of them), and the
    winner's papers as a redo from those gives them (what the next countback knows)."""
    if result.count is None:
        return result  # nothing was counted: the record's papers say all there is
    shown = countback.shown_papers(papers, result, known)
    redone = countback.countback(shown, not_standing=not_standing, eligible=may_stand, seed=seed)
    return replace(result, shown=shown, shown_winner_papers=redone.winner_papers)


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
    row: Seat, person_id: int, result: countback.CountbackResult, now: datetime
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
        papers=_stored_papers(result),
    )
    return new_seat


def _stored_papers(result: countback.CountbackResult) -> dict[str, Any] | None:
    """The winner's papers, kept for a next countback, with what the record shows of them."""
    if result.winner_papers is None:
        return None
    stored = result.winner_papers.to_json()
    if result.shown_winner_papers is not None:
        stored["as_published"] = result.shown_winner_papers.to_json()
    return stored


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
    elif result.shown is not None:
        # The election's papers are published cut: these are the ones the countback read.
        facts["papers"] = result.shown.to_json()
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
            **place_facts(new_seat),
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
