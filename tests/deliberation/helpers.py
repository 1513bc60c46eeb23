"""Deliberation test helpers: members with logins, and delegates seated by real elections.

Seats are filled through the elections app's services (open, stand, vote, close),
never written directly, so councils have exactly the members the rules give them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from asamblea.elections import services as elections
from asamblea.elections.models import Seat
from asamblea.federation.models import Delegation, Federation
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import MemoryLog
from asamblea.record.models import Entry
from support.factories import MembershipFactory, UserFactory, body, site_admin

admin = site_admin


def member(federation: Federation, base: str, username: str, **kwargs: Any) -> Any:
    """A verified member of `base` with a login called `username` (made, or found)."""
    user = get_user_model().objects.filter(username=username).first() or UserFactory(
        username=username
    )
    MembershipFactory(
        body=body(federation, base),
        full_name=kwargs.pop("name", username.replace("-", " ").title()),
        user=user,
        **kwargs,
    )
    return user


def seat_delegates(
    federation: Federation,
    source: str,
    council: str,
    users: list[Any],
    names: list[str] | None = None,
) -> list[Seat]:
    """Elect `users` (eligible in `source`) as `source`'s delegates to `council`, through
    a real election in which the first of them votes for all."""
    delegation = Delegation.objects.get(
        source=body(federation, source), council=body(federation, council)
    )
    now = timezone.now()
    election = elections.do_open_election(
        admin(),
        body(federation, source),
        delegation=delegation,
        seats=len(users),
        method="plurality",
        nominations_close_at=now + timedelta(hours=1),
        voting_opens_at=now + timedelta(hours=1),
        voting_closes_at=now + timedelta(hours=2),
    )
    names = names or [u.username.replace("-", " ").title() for u in users]
    candidacies = [
        elections.do_stand(u, election, public_name=name)
        for u, name in zip(users, names, strict=True)
    ]
    elections.do_open_voting(election)
    elections.do_cast_ballot(users[0], election, [c.pk for c in candidacies])
    elections.do_close_election(election)
    seats = list(Seat.objects.filter(election=election, status=Seat.Status.HELD).order_by("pk"))
    assert len(seats) == len(users), "every candidate is elected"
    return seats


@dataclass
class Tree:
    """The small federation with delegates at every tier:

    national <- region-a {rosa (from prov-a1), tito (from prov-a2)}, region-b {vilma}
    region-a <- prov-a1 {rosa, luis}, prov-a2 {tito};  region-b <- prov-b1 {vilma, hugo}
    prov-a1 <- base-1 {rosa, luis}, base-2 {ana};  prov-a2 <- base-3 {tito}
    prov-b1 <- base-4 {vilma, hugo}
    Plus `plain`, a verified member of base-1 who holds no seat.
    """

    federation: Federation
    users: dict[str, Any]
    seats: dict[tuple[str, str], Seat]  # (username, council) -> seat


def build_tree(federation: Federation) -> Tree:
    users = {
        "rosa": member(federation, "base-1", "rosa"),
        "luis": member(federation, "base-1", "luis"),
        "ana": member(federation, "base-2", "ana"),
        "tito": member(federation, "base-3", "tito"),
        "vilma": member(federation, "base-4", "vilma"),
        "hugo": member(federation, "base-4", "hugo"),
        "plain": member(federation, "base-1", "plain"),
    }
    seats: dict[tuple[str, str], Seat] = {}

    def elect(source: str, council: str, names: list[str]) -> None:
        for name, seat in zip(
            names,
            seat_delegates(federation, source, council, [users[n] for n in names]),
            strict=True,
        ):
            seats[(name, council)] = seat

    elect("base-1", "prov-a1", ["rosa", "luis"])
    elect("base-2", "prov-a1", ["ana"])
    elect("base-3", "prov-a2", ["tito"])
    elect("base-4", "prov-b1", ["vilma", "hugo"])
    elect("prov-a1", "region-a", ["rosa", "luis"])
    elect("prov-a2", "region-a", ["tito"])
    elect("prov-b1", "region-b", ["vilma", "hugo"])
    elect("region-a", "national", ["rosa", "tito"])
    elect("region-b", "national", ["vilma"])
    return Tree(federation, users, seats)


def recall(tree: Tree, name: str, council: str, *, petitioner: str, voters: list[str]) -> None:
    """Recall `name` from their seat in `council` through the recall app: a petition that
    reaches its threshold, the recall vote, and its close (the seat is vacated)."""
    from asamblea.recall.services import do_open_recall_petition

    seat = tree.seats[(name, council)]
    petition = do_open_recall_petition(tree.users[petitioner], seat, "Incumplió el mandato")
    petition.refresh_from_db()
    assert petition.election is not None, "the threshold is reached at once"
    election = petition.election
    for voter in voters:
        elections.do_cast_ballot(tree.users[voter], election, ["yes"])
    elections.do_close_election(election, now=election.voting_closes_at)
    seat.refresh_from_db()
    assert seat.status == Seat.Status.VACATED, "the recall passed"


SIGNER = Ed25519Signer.generate()


def export(federation: Federation, change: Any = None) -> list[str]:
    """The federation's log as a signed export, each entry passed through `change` first:
    what a dishonest operator could publish under a valid signature."""
    log = MemoryLog(federation.slug)
    for payload in (
        Entry.objects.filter(federation=federation)
        .order_by("index")
        .values_list("payload", flat=True)
    ):
        data = json.loads(payload)
        log.append(change(data) if change else data)
    log.issue_checkpoint(SIGNER, datetime(2030, 1, 1, tzinfo=UTC))
    out = io.StringIO()
    log.write(out)
    return out.getvalue().splitlines(keepends=True)


def entries(federation: Federation, entry_type: str) -> list[dict[str, Any]]:
    return [
        json.loads(p)
        for p in Entry.objects.filter(federation=federation, type=entry_type)
        .order_by("index")
        .values_list("payload", flat=True)
    ]
