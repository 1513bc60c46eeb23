"""Elections: every state change (`do_*`, one transaction each) and the reads that check permission.

The contract other apps build on (the recall app reuses elections for recall
votes and by-elections); keep it stable:

    do_open_election(actor, constituency, *, delegation=None, command=None, seats=None,
                     method=None, parity=False, nominations_close_at, voting_opens_at,
                     voting_closes_at, kind="delegation", seat=None) -> Election
        actor: an officer of the constituency, or None for the system acting on a
        rule (a recall petition reaching its threshold, a vacancy needing a
        by-election). Seats default to the delegation's `next_seats` (the
        apportioned figure takes effect at this election), to the command body's
        `seat_total`, and to 1 for a by-election or recall. Method defaults to
        stv-scottish for several seats and irv for one; approval and plurality
        may be chosen; a recall vote is always "yes-no" (ballots ["yes"] or ["no"]).
        A random seed (secrets.randbits(63)) is drawn for the lots and kept; only
        its SHA-256 commitment is published until the count.
        A recall vote needs no nominations: it starts "ready" and opens on time
        (or at once: call do_open_voting right after).
    do_stand(actor, election, *, group="", public_name="") -> Candidacy
    do_nominate(actor, election, person, *, group="", public_name="") -> Candidacy
    do_accept_nomination(actor, candidacy, *, public_name="", group=None) -> Candidacy
    do_withdraw(actor, candidacy) -> Candidacy
    do_close_nominations(actor, election, *, now=None) -> Election
    do_open_voting(election, *, now=None) -> Election        (system; freezes the roll)
    do_cast_ballot(user, election, ranking, *, ballot_code=None) -> CastReceipt
    do_close_election(election, *, now=None) -> Election     (system; counts, publishes, fills)
    do_cancel_election(actor, election, reason) -> Election

    hooks.election_closed and hooks.seat_ended (asamblea.hooks): what other apps do
        when an election closes ("recall" is the recall app's) and when a new term
        ends a seat (the recall app's cascade).
    profile_for(election, *, withdrawn=()) -> (Profile, candidacies): the stored ballots
        as a counting profile (countback re-counts with a candidacy withdrawn).

Who may vote and stand (`eligible_people`, in federation/membership.py): in a
base assembly its verified members; in a council the delegates, i.e. the holders
of seats in delegations into it. The roll is frozen when the vote opens:
whoever becomes eligible later does not vote in this election, and whoever
stops being eligible (suspended, recalled) can no longer vote in it either.

Secret ballot (see also models.py, asamblea.ballots and docs/elections.md):
- `VoteCast` (THAT a person voted) and `Ballot` (WHAT was voted) share no key,
  no timestamp, no ordered id. A ballot is found only through its tracker,
  SHA-256 of (election, person, ballot code); the ballot code is shown to the
  voter once and never stored, so only the voter (logged in as themselves) can
  find their ballot again, to replace it before the close.
- A voter who lost the code cannot replace their ballot: the earlier one stands.
  Any way for the server to find a ballot without the code would be a link the
  operator could follow too.
- Physical order: the ballot box is rewritten in tracker order
  (`BallotBox.reshuffle`) by the scheduler's tick while the vote is open
  (whenever new casts arrived, and every few minutes anyway, since a
  replacement moves a row too) and once more at the close, before the count.
  After the close no row order and no transaction id ties a ballot to a voter;
  during the vote only the casts since the last tick could be tied by someone
  reading the database's internals.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    already_voted,
    lock_for_casting,
    min_voters_for_breakdown,
    reshuffle_due,
)
from asamblea.ballots.codes import normalise_ballot_code
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.elections import ballots as papers
from asamblea.elections.models import Ballot, Candidacy, Election, RollEntry, Seat, VoteCast
from asamblea.elections.publish import (
    aggregate_ballots,
    empty_result,
    profile_from_ballots,
    result_to_json,
    tally_yes_no,
)
from asamblea.elections.recount import seed_commitment
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import (
    User,
    eligible_people,
    is_eligible,
    not_a_member,
    person_of,
    require_member,
    require_person,
)
from asamblea.federation.models import Body, Delegation, Federation, Person
from asamblea.federation.services import access_federation, is_officer, require_officer
from asamblea.record.services import Event, append_entries

logger = logging.getLogger(__name__)


STV_METHODS = frozenset({Election.Method.STV, Election.Method.STV_MEEK})
CHOOSABLE_METHODS = frozenset(
    {
        Election.Method.STV,
        Election.Method.STV_MEEK,
        Election.Method.IRV,
        Election.Method.APPROVAL,
        Election.Method.PLURALITY,
    }
)
# The two groups of the parity rule (DOMAIN: at least floor(seats/2) seats each).
PARITY_GROUPS = ("women", "men")
OPEN_STATUSES = (Election.Status.NOMINATIONS, Election.Status.READY, Election.Status.VOTING)
# While the vote is open, ballots are rewritten at least this often (see the docstring).
RESHUFFLE_EVERY = timedelta(minutes=5)
NOBODY_STOOD = "nobody stood"


# ---------------------------------------------------------------- hooks

CloseHandler = Callable[[Election, dict[str, Any]], list[Event]]
SeatEndedHandler = Callable[[Seat], list[Event]]


def register_close_handler(kind: str) -> Callable[[CloseHandler], CloseHandler]:
    """Old name of `hooks.election_closed.register(kind)`."""
    return hooks.election_closed.register(kind)


def register_seat_ended_handler(func: SeatEndedHandler) -> SeatEndedHandler:
    """Old name of `hooks.seat_ended.register()`."""
    return hooks.seat_ended.register()(func)


# ---------------------------------------------------------------- reads


def _public_facts(**lookup: Any) -> Election:
    """One election with what its pages show (federation, constituency, what it fills).

    Only the joins the pages need: each outer join adds to PostgreSQL's planning
    time, which is most of this read's cost."""
    try:
        election = Election.objects.select_related(
            "federation", "constituency", "delegation__council", "command"
        ).get(**lookup)
    except Election.DoesNotExist:
        raise NotFound(_("There is no election number %(id)s.") % {"id": lookup["pk"]}) from None
    if election.constituency.federation_id == election.federation_id:
        election.constituency.federation = election.federation  # the same row, read once
    return election


def access_election(user: User, federation: Federation, election_id: int) -> Election:
    """An election's public facts: anyone may read them, logged in or not."""
    return _public_facts(federation=federation, pk=election_id)


def access_election_by_slug(user: User, federation_slug: str, election_id: int) -> Election:
    """`access_election` from the federation's slug, federation and all in one query."""
    try:
        return _public_facts(federation__slug=federation_slug, pk=election_id)
    except NotFound:
        access_federation(federation_slug)  # an unknown federation is said as such
        raise


def elections_of(body: Body) -> QuerySet[Election]:
    return (
        Election.objects.filter(constituency=body)
        .select_related("delegation__council", "command")
        .order_by("-created_at")
    )


def standing(election: Election) -> list[Candidacy]:
    """The accepted candidacies, in ballot order (by public name).

    Once the vote is open the ballot can no longer change (standing, accepting and
    withdrawing all end before it), so for an election read while voting the list
    is kept on that instance: a page and the cast it shows, or many casts given the
    same instance, read the candidates once.
    """
    kept = getattr(election, "_standing_while_voting", None)
    if kept is not None:
        return list(kept)
    candidates = list(
        election.candidacies.filter(status=Candidacy.Status.ACCEPTED).order_by("public_name", "id")
    )
    if election.status == Election.Status.VOTING:
        election._standing_while_voting = tuple(candidates)  # type: ignore[attr-defined]
    return candidates


def turnout(election: Election) -> tuple[int, int]:
    """(ballots cast, people on the roll); the roll is 0 until the vote opens."""
    return election.casts.count(), election.roll.count()


def has_voted(user: User, election: Election) -> bool:
    if not user.is_authenticated:
        return False
    return VoteCast.objects.filter(
        election=election, person__user=user, person__federation_id=election.federation_id
    ).exists()


def election_title(election: Election) -> str:
    """A short human title: what the election fills."""
    if election.kind == Election.Kind.RECALL:
        return _("Recall vote")
    if election.delegation_id is not None:
        return _("Delegates to %(council)s") % {"council": election.delegation.council.name}
    if election.command_id is not None:
        return _("%(command)s") % {"command": election.command.name}
    return election.get_kind_display()


# ---------------------------------------------------------------- opening


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise InvalidInput(
            _("Give %(what)s as a date and time with its time zone.") % {"what": name}
        )
    return value


def _default_method(seats: int) -> str:
    return Election.Method.STV if seats > 1 else Election.Method.IRV


@transaction.atomic
def do_open_election(
    actor: User | None,
    constituency: Body,
    *,
    delegation: Delegation | None = None,
    command: Body | None = None,
    seats: int | None = None,
    method: str | None = None,
    parity: bool = False,
    nominations_close_at: datetime,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    kind: str = Election.Kind.DELEGATION,
    seat: Seat | None = None,
) -> Election:
    """Open an election in `constituency` (see the module docstring for the contract)."""
    if actor is not None:
        require_officer(actor, constituency)
    if constituency.kind == Body.Kind.COMMAND:
        raise InvalidInput(_("A command does not hold elections; its body does."))
    if kind not in Election.Kind.values:
        raise InvalidInput(_("Unknown kind of election."))
    if seat is not None:
        seat = Seat.objects.select_for_update().get(pk=seat.pk)
        delegation, command = seat.delegation, seat.command
    if kind in (Election.Kind.RECALL, Election.Kind.BY_ELECTION) and seat is None:
        raise InvalidInput(_("A recall vote or a by-election is about one seat: name it."))
    if kind == Election.Kind.RECALL and seat is not None and seat.status != Seat.Status.HELD:
        raise Conflict(_("That seat is not held: there is nobody to recall."))
    if kind == Election.Kind.DELEGATION and delegation is None:
        raise InvalidInput(_("Choose the council whose seats this election fills."))
    if kind == Election.Kind.COMMAND and command is None:
        raise InvalidInput(_("Choose the command this election fills."))
    if delegation is not None and delegation.source_id != constituency.pk:
        raise InvalidInput(
            _("%(body)s does not elect the delegates to %(council)s.")
            % {"body": constituency.name, "council": delegation.council.name}
        )
    if command is not None and command.command_of_id != constituency.pk:
        raise InvalidInput(
            _("%(command)s is not the command of %(body)s.")
            % {"command": command.name, "body": constituency.name}
        )
    if seats is None:
        if kind in (Election.Kind.RECALL, Election.Kind.BY_ELECTION):
            seats = 1
        elif delegation is not None:
            seats = delegation.next_seats
        elif command is not None:
            seats = command.seat_total or 0
    if not seats or seats < 1:
        raise InvalidInput(_("The election must fill at least one seat; say how many."))
    if kind == Election.Kind.RECALL:
        if method not in (None, Election.Method.YES_NO):
            raise InvalidInput(_("A recall vote is a yes-or-no vote."))
        method, seats, parity = Election.Method.YES_NO, 1, False
    else:
        method = method or _default_method(seats)
        if method not in CHOOSABLE_METHODS:
            raise InvalidInput(_("Unknown voting method “%(method)s”.") % {"method": method})
        if method == Election.Method.IRV and seats != 1:
            raise InvalidInput(
                _("Instant runoff fills one seat; use the single transferable vote for more.")
            )
        if parity and method not in STV_METHODS:
            raise InvalidInput(_("The parity rule needs the single transferable vote."))
    now = timezone.now()
    nominations_close_at = _aware(nominations_close_at, _("the close of nominations"))
    voting_opens_at = _aware(voting_opens_at, _("the opening of the vote"))
    voting_closes_at = _aware(voting_closes_at, _("the close of the vote"))
    if not nominations_close_at <= voting_opens_at < voting_closes_at:
        raise InvalidInput(
            _("Nominations close before the vote opens, and the vote opens before it closes.")
        )
    if voting_closes_at <= now:
        raise InvalidInput(_("The vote must close in the future."))
    clash = Election.objects.filter(status__in=OPEN_STATUSES)
    if kind == Election.Kind.RECALL:
        clash = clash.filter(kind=kind, seat=seat)
    elif delegation is not None:
        clash = clash.exclude(kind=Election.Kind.RECALL).filter(delegation=delegation)
    else:
        clash = clash.exclude(kind=Election.Kind.RECALL).filter(command=command)
    if kind != Election.Kind.BY_ELECTION and clash.exists():
        raise Conflict(_("An election for these seats is already under way."))
    election = Election.objects.create(
        federation=constituency.federation,
        kind=kind,
        constituency=constituency,
        delegation=delegation,
        command=command,
        seats=seats,
        method=method,
        parity=parity,
        status=Election.Status.READY
        if kind == Election.Kind.RECALL
        else Election.Status.NOMINATIONS,
        nominations_close_at=nominations_close_at,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
        seed=secrets.randbits(63),
        seat=seat,
    )
    facts: dict[str, Any] = {
        "election": election.pk,
        "body": constituency.slug,
        "kind": kind,
        "seats": seats,
        "method": method,
        "parity": parity,
        "nominations_close_at": nominations_close_at.isoformat(),
        "voting_opens_at": voting_opens_at.isoformat(),
        "voting_closes_at": voting_closes_at.isoformat(),
        "seed_commitment": seed_commitment(election.seed),
    }
    if delegation is not None:
        facts["delegation"] = {"source": delegation.source.slug, "council": delegation.council.slug}
    if command is not None:
        facts["command"] = command.slug
    if seat is not None:
        facts["seat"] = seat.pk
    append_entries(constituency.federation, [Event("election.opened", facts, body=constituency)])
    return election


# ---------------------------------------------------------------- nominations


def _locked(election: Election) -> Election:
    return (
        Election.objects.select_for_update()
        .select_related("constituency", "federation")
        .get(pk=election.pk)
    )


def _require_nominations_open(election: Election) -> None:
    if election.kind == Election.Kind.RECALL:
        raise InvalidInput(_("A recall vote has no candidates."))
    if (
        election.status != Election.Status.NOMINATIONS
        or timezone.now() >= election.nominations_close_at
    ):
        raise Conflict(_("Nominations are closed for this election."))


def _clean_group(election: Election, group: str) -> str:
    group = group.strip()
    if not election.parity:
        return ""
    if group not in PARITY_GROUPS:
        raise InvalidInput(
            _("This election applies the parity rule: say whether you stand among women or men.")
        )
    return group


def _clean_public_name(
    election: Election, person: Person, public_name: str, exclude: int | None
) -> str:
    name = " ".join((public_name or person.full_name).split())[:200]
    if not name:
        raise InvalidInput(_("Give the name to print on the ballot."))
    clash = election.candidacies.exclude(status=Candidacy.Status.WITHDRAWN).filter(
        public_name__iexact=name
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(
            _("Another candidate stands as “%(name)s”: choose a name that tells you apart.")
            % {"name": name}
        )
    return name


@transaction.atomic
def do_stand(
    actor: User, election: Election, *, group: str = "", public_name: str = ""
) -> Candidacy:
    """An eligible member of the constituency stands as a candidate (accepted at once)."""
    election = _locked(election)
    person = require_person(actor, election.constituency)
    _require_nominations_open(election)
    if not is_eligible(person, election.constituency):
        raise PermissionDenied(not_a_member(election.constituency))
    existing = Candidacy.objects.filter(election=election, person=person).first()
    if existing is not None and existing.status == Candidacy.Status.ACCEPTED:
        raise Conflict(_("You already stand in this election."))
    name = _clean_public_name(election, person, public_name, existing.pk if existing else None)
    group = _clean_group(election, group)
    if existing is None:
        return Candidacy.objects.create(
            election=election,
            person=person,
            public_name=name,
            group=group,
            status=Candidacy.Status.ACCEPTED,
        )
    existing.public_name, existing.group, existing.status = name, group, Candidacy.Status.ACCEPTED
    existing.save(update_fields=["public_name", "group", "status"])
    return existing


@transaction.atomic
def do_nominate(
    actor: User, election: Election, person: Person, *, group: str = "", public_name: str = ""
) -> Candidacy:
    """An officer or an eligible voter nominates an eligible person, who then accepts or not."""
    election = _locked(election)
    _require_nominations_open(election)
    body = election.constituency
    if not is_officer(actor, body):
        require_member(actor, body)
    if person.federation_id != election.federation_id or not is_eligible(person, body):
        raise InvalidInput(
            _("Only someone who may stand in %(body)s can be nominated.") % {"body": body.name}
        )
    if Candidacy.objects.filter(election=election, person=person).exists():
        raise Conflict(_("That person is already nominated or standing."))
    return Candidacy.objects.create(
        election=election,
        person=person,
        public_name=_clean_public_name(election, person, public_name, None),
        group=_clean_group(election, group) if group or election.parity else "",
        status=Candidacy.Status.NOMINATED,
    )


@transaction.atomic
def do_accept_nomination(
    actor: User, candidacy: Candidacy, *, public_name: str = "", group: str | None = None
) -> Candidacy:
    """The nominee accepts: from now on they stand."""
    election = _locked(candidacy.election)
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    person = require_person(actor, election.constituency)
    if candidacy.person_id != person.pk:
        raise PermissionDenied(_("Only the person nominated can accept the nomination."))
    _require_nominations_open(election)
    if candidacy.status != Candidacy.Status.NOMINATED:
        raise Conflict(_("This nomination is not waiting for an answer."))
    if not is_eligible(person, election.constituency):
        raise PermissionDenied(not_a_member(election.constituency))
    if public_name:
        candidacy.public_name = _clean_public_name(election, person, public_name, candidacy.pk)
    if group is not None or election.parity:
        candidacy.group = _clean_group(election, group if group is not None else candidacy.group)
    candidacy.status = Candidacy.Status.ACCEPTED
    candidacy.save(update_fields=["public_name", "group", "status"])
    return candidacy


@transaction.atomic
def do_withdraw(actor: User, candidacy: Candidacy) -> Candidacy:
    """The candidate (or an officer) withdraws a candidacy before the vote opens."""
    election = _locked(candidacy.election)
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    person = person_of(actor, election.federation)
    if not (
        (person is not None and candidacy.person_id == person.pk)
        or is_officer(actor, election.constituency)
    ):
        raise PermissionDenied(_("Only the candidate or an officer can withdraw a candidacy."))
    if election.status not in (Election.Status.NOMINATIONS, Election.Status.READY):
        raise Conflict(_("The vote has opened: the ballot can no longer change."))
    if candidacy.status == Candidacy.Status.WITHDRAWN:
        raise Conflict(_("This candidacy is already withdrawn."))
    candidacy.status = Candidacy.Status.WITHDRAWN
    candidacy.save(update_fields=["status"])
    return candidacy


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


# ---------------------------------------------------------------- the vote


def _open_voting(election: Election, now: datetime) -> Election:
    """Ready → voting: freeze the roll. Inside a transaction, the election row locked."""
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
    if election.kind != Election.Kind.RECALL:
        facts["candidates"] = [c.public_name for c in standing(election)]
    append_entries(
        election.federation,
        [Event("election.voting_opened", facts, body=election.constituency)],
    )
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


@dataclass(frozen=True)
class _Voter:
    person_id: int
    on_roll: bool
    eligible: bool
    has_cast: bool


def _voter(user: User, election: Election) -> _Voter | None:
    """The user's person in the election's federation and what casting needs to know
    about them (on the frozen roll, eligible now, cast already), in one query."""
    body = election.constituency
    same = {"election_id": election.pk, "person_id": OuterRef("pk")}
    eligible = Exists(eligible_people(body).filter(pk=OuterRef("pk")))
    row = (
        Person.objects.filter(user=user, federation_id=election.federation_id)
        .annotate(
            on_roll=Exists(RollEntry.objects.filter(**same)),
            eligible=eligible,
            has_cast=Exists(VoteCast.objects.filter(**same)),
        )
        .order_by("pk")
        .values_list("pk", "on_roll", "eligible", "has_cast")
        .first()
    )
    return None if row is None else _Voter(*row)


def do_cast_ballot(
    user: User,
    election: Election,
    ranking: Sequence[object],
    *,
    ballot_code: str | None = None,
) -> CastReceipt:
    """Cast (or, with the ballot code, replace) the user's ballot. One person, one ballot.

    `ranking`: candidacy ids in order of preference (ranked methods), the ids
    marked (approval, plurality), or ["yes"] / ["no"] (a recall vote).
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    try:
        with transaction.atomic():
            return _cast(user, election, ranking, ballot_code)
    except IntegrityError:
        # The same person's other cast won the race on the VoteCast unique key.
        raise already_voted() from None


def _cast(
    user: User, election: Election, ranking: Sequence[object], ballot_code: str | None
) -> CastReceipt:
    # Two reads, checked in this order: the election (locked) and the voter.
    row = lock_for_casting(Election, election.pk, ("status", "voting_closes_at"))
    if row is None:
        raise NotFound(_("There is no such election."))
    status, closes_at = row
    voter = _voter(user, election)
    body = election.constituency
    if voter is None:
        raise PermissionDenied(not_a_member(body))
    if status != Election.Status.VOTING:
        if status in (Election.Status.CLOSED, Election.Status.CANCELLED):
            raise Conflict(_("This election is closed: no more ballots are taken."))
        raise Conflict(_("The vote has not opened yet."))
    if timezone.now() >= closes_at:
        raise Conflict(_("The vote has closed: no more ballots are taken."))
    if not voter.on_roll:
        raise PermissionDenied(
            _("You are not on the voter roll of this election, drawn up when the vote opened.")
        )
    if not voter.eligible:
        raise PermissionDenied(not_a_member(body))
    candidates = [papers.Candidate(c.pk, c.public_name) for c in standing(election)]
    try:
        choices = papers.check_ballot(election.method, election.seats, candidates, list(ranking))
    except papers.BallotProblem as problem:
        raise InvalidInput(str(problem)) from None
    box = BallotBox(Ballot, election)
    if ballot_code is None:
        if voter.has_cast:
            raise already_voted()
        # A cast racing this one past the check above fails here, on the unique key.
        VoteCast.objects.create(election_id=election.pk, person_id=voter.person_id)
        return box.cast(voter.person_id, ranking=choices)
    code = normalise_ballot_code(ballot_code)
    if not voter.has_cast:
        raise InvalidInput(
            _("You have not voted yet in this election: leave the ballot code empty.")
        )
    return box.replace(voter.person_id, code, ranking=choices)


def _reshuffle(election: Election, now: datetime, casts: int | None = None) -> None:
    """Rewrite the election's ballot box in tracker order, in this one transaction (row locked)."""
    if casts is None:
        casts = VoteCast.objects.filter(election=election).count()
    BallotBox(Ballot, election).reshuffle(casts=casts, now=now)
    election.save(update_fields=["shuffled_casts", "shuffled_at"])


@transaction.atomic
def do_reshuffle_ballots(election: Election, *, now: datetime | None = None) -> bool:
    """The tick's step for an open vote: rewrite the ballots if casts arrived or it is time."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status != Election.Status.VOTING:
        return False
    casts = VoteCast.objects.filter(election=election).count()
    if not reshuffle_due(
        casts=casts,
        shuffled_casts=election.shuffled_casts,
        shuffled_at=election.shuffled_at,
        now=now,
        every=RESHUFFLE_EVERY,
    ):
        return False
    _reshuffle(election, now, casts)
    return True


# ---------------------------------------------------------------- the count


def _ballot_names(election: Election, candidacies: Sequence[Candidacy]) -> list[list[str]]:
    names = {c.pk: c.public_name for c in candidacies}
    rankings = Ballot.objects.filter(election=election).values_list("ranking", flat=True)
    if election.method == Election.Method.YES_NO:
        return [list(ranking) for ranking in rankings]
    return [[names[pk] for pk in ranking if pk in names] for ranking in rankings]


def _at_least(election: Election, candidacies: Sequence[Candidacy]) -> dict[str, int]:
    if not election.parity or election.method not in STV_METHODS:
        return {}
    need = election.seats // 2
    minimums = {}
    for group in PARITY_GROUPS:
        available = sum(1 for c in candidacies if c.group == group)
        if min(need, available) > 0:
            minimums[group] = min(need, available)
    return minimums


def profile_for(
    election: Election, *, withdrawn: Iterable[int] = ()
) -> tuple[Profile, list[Candidacy]]:
    """The stored ballots of an election as a counting profile (candidacy ids withdrawn)."""
    candidacies = standing(election)
    by_id = {c.pk: c.public_name for c in candidacies}
    profile = profile_from_ballots(
        [c.public_name for c in candidacies],
        aggregate_ballots(_ballot_names(election, candidacies)),
        seats=election.seats,
        groups=[c.group or None for c in candidacies],
        withdrawn=[by_id[pk] for pk in withdrawn if pk in by_id],
    )
    return profile, candidacies


def _count(election: Election) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the published inputs of the count, its result as JSON)."""
    candidacies = standing(election)
    names = [c.public_name for c in candidacies]
    ballot_list = aggregate_ballots(_ballot_names(election, candidacies))
    inputs: dict[str, Any] = {
        "election": election.pk,
        "body": election.constituency.slug,
        "method": election.method,
        "seats": election.seats,
        "seed": election.seed,
        "candidates": names,
        "groups": [c.group or None for c in candidacies],
        "at_least": _at_least(election, candidacies),
        "ballots": ballot_list,
    }
    if election.method == Election.Method.YES_NO:
        return inputs, tally_yes_no(ballot_list)
    profile = profile_from_ballots(
        names, ballot_list, seats=election.seats, groups=inputs["groups"]
    )
    if profile.total_papers == 0 or not names:
        return inputs, empty_result(election.method, election.seats, names)
    result = count(
        profile,
        election.method,
        seats=election.seats,
        seed=election.seed,
        at_least=inputs["at_least"] or None,
    )
    return inputs, result_to_json(result)


@transaction.atomic
def do_close_election(election: Election, *, now: datetime | None = None) -> Election:
    """Close the vote (the system, on time): count, publish with its inputs, fill the seats."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status != Election.Status.VOTING:
        raise Conflict(_("This election's vote is not open, so it cannot be closed."))
    _reshuffle(election, now)
    body = election.constituency
    inputs, result = _count(election)
    casts, roll = turnout(election)
    trackers = BallotBox(Ballot, election).trackers()
    breakdown = len(trackers) >= min_voters_for_breakdown()
    election.status = Election.Status.CLOSED
    election.closed_at = now
    election.result = {
        "roll": roll,
        "casts": casts,
        "papers": len(trackers),
        "breakdown_published": breakdown,
        "count": result,
    }
    election.save(update_fields=["status", "closed_at", "result"])
    events = [
        Event(
            "election.closed",
            {"election": election.pk, "body": body.slug, "roll": roll, "casts": casts},
            body=body,
        )
    ]
    events += [
        Event("ballot.tracker", {"election": election.pk, "tracker": tracker}, body=body)
        for tracker in trackers
    ]
    counted: dict[str, Any] = dict(inputs)
    if breakdown:
        counted["result"] = result
    else:
        # Too few voters: the ballots and the stages would show how people voted.
        del counted["ballots"]
        counted["papers"] = len(trackers)
        counted["result"] = {
            key: result[key] for key in ("method", "seats", "elected", "yes", "no") if key in result
        }
        counted["withheld"] = (
            f"fewer than {min_voters_for_breakdown()} ballots: only the outcome is published"
        )
    events.append(Event("election.counted", counted, body=body))
    handler = hooks.election_closed.first(election.kind)
    if handler is not None:
        events += handler(election, election.result)
    append_entries(election.federation, events)
    return election


# ---------------------------------------------------------------- filling seats


def elected_candidacies(election: Election) -> list[Candidacy]:
    """The candidacies the count elected, in order of election."""
    result = (election.result or {}).get("count") or {}
    by_name = {c.public_name: c for c in standing(election)}
    return [by_name[item["name"]] for item in result.get("elected", []) if item["name"] in by_name]


def _seat_facts(seat: Seat) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "seat": seat.pk,
        "name": seat.public_name,
        "election": seat.election_id,
    }
    if seat.delegation_id is not None:
        facts["delegation"] = {
            "source": seat.delegation.source.slug,
            "council": seat.delegation.council.slug,
        }
    else:
        facts["command"] = seat.command.slug
    return facts


def _fill(election: Election, filled_by: str, now: datetime) -> tuple[list[Seat], list[Event]]:
    seats, events = [], []
    body = election.constituency
    for candidacy in elected_candidacies(election):
        seat = Seat.objects.create(
            federation=election.federation,
            delegation=election.delegation,
            command=election.command,
            holder=candidacy.person,
            public_name=candidacy.public_name,
            election=election,
            filled_by=filled_by,
            filled_at=now,
        )
        seats.append(seat)
        events.append(
            Event("seat.filled", {**_seat_facts(seat), "filled_by": filled_by}, body=body)
        )
    return seats, events


@register_close_handler(Election.Kind.DELEGATION)
@register_close_handler(Election.Kind.COMMAND)
def fill_term(election: Election, result: dict[str, Any]) -> list[Event]:
    """A new term: the previous holders' seats end, the elected take theirs."""
    now = election.closed_at or timezone.now()
    body = election.constituency
    held = Seat.objects.select_for_update(of=("self",)).filter(status=Seat.Status.HELD)
    held = (
        held.filter(delegation=election.delegation)
        if election.delegation_id is not None
        else held.filter(command=election.command)
    )
    ending = list(held.select_related("delegation__source", "delegation__council", "command"))
    events: list[Event] = []
    for seat in ending:
        seat.status, seat.reason, seat.vacated_at = (
            Seat.Status.VACATED,
            Seat.Reason.TERM_ENDED,
            now,
        )
        seat.save(update_fields=["status", "reason", "vacated_at"])
        events.append(
            Event("seat.ended", {**_seat_facts(seat), "reason": Seat.Reason.TERM_ENDED}, body=body)
        )
    new_seats, filled = _fill(election, "election", now)
    events += filled
    if election.delegation_id is not None:
        delegation = Delegation.objects.select_for_update().get(pk=election.delegation_id)
        delegation.seats = len(new_seats)
        delegation.save(update_fields=["seats"])
        events.append(
            Event(
                "delegation.filled",
                {
                    "source": delegation.source.slug,
                    "council": delegation.council.slug,
                    "seats": len(new_seats),
                    "delegates": [seat.public_name for seat in new_seats],
                    "election": election.pk,
                },
                body=delegation.council,
            )
        )
    re_elected = {seat.holder_id for seat in new_seats}
    for seat in ending:
        if seat.holder_id not in re_elected:
            for handler in hooks.seat_ended:
                events += handler(seat)
    return events


@register_close_handler(Election.Kind.BY_ELECTION)
def fill_vacancy(election: Election, result: dict[str, Any]) -> list[Event]:
    """A by-election fills the vacancy it was called for; the other seats stay as they are."""
    _seats, events = _fill(election, "by-election", election.closed_at or timezone.now())
    return events


def delegates_into(council: Body) -> QuerySet[Seat]:
    """The seats held in delegations into `council` (its members), public names only."""
    return (
        Seat.objects.filter(delegation__council=council, status=Seat.Status.HELD)
        .select_related("delegation__source")
        .order_by("delegation__source__name", "public_name")
    )


def delegates_from(body: Body) -> QuerySet[Seat]:
    """The seats held by `body`'s delegates in the councils above it."""
    return (
        Seat.objects.filter(delegation__source=body, status=Seat.Status.HELD)
        .select_related("delegation__council")
        .order_by("delegation__council__name", "public_name")
    )


def command_seats(command: Body) -> QuerySet[Seat]:
    return Seat.objects.filter(command=command, status=Seat.Status.HELD).order_by("public_name")


def seats_held_by(person: Person) -> QuerySet[Seat]:
    return Seat.objects.filter(holder=person, status=Seat.Status.HELD)
