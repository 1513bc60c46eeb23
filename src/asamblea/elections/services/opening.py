"""Opening an election: its kind, seats, method, calendar and the seed of its lots."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.elections.models import Election, Seat
from asamblea.elections.recount import seed_commitment
from asamblea.elections.services._common import OPEN_STATUSES, STV_METHODS
from asamblea.elections.services.trustees import setup_default_trustees
from asamblea.errors import Conflict, InvalidInput
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Delegation
from asamblea.federation.services import require_officer
from asamblea.record.services import Event, append_entries

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
    seed: int | None = None,
) -> Election:
    """Open an election in `constituency` (see the module docstring for the contract).

    `seed`: the seed of the election's lots, drawn at random when not given (the demo
    gives one, so that it is the same at every load)."""
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
        seed=secrets.randbits(63) if seed is None else seed,
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
    setup_default_trustees(election)
    return election
