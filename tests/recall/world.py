"""A small federation with its seats filled by real elections at every tier, for the
recall tests (database and browser). Everything goes through the real services.

The people and their seats (elections named by constituency → what they fill):

    base-1 → prov-a1 (2 seats, STV)   ana, fe elected; gus runs third
    base-2 → prov-a1 (1 seat, IRV)    bea
    base-3 → prov-a2 (1 seat, IRV)    dora
    prov-a1 → region-a (2, STV)       ana, bea elected; fe runs third
    prov-a2 → region-a (1, IRV)       dora
    region-a command (1, IRV)         ana elected; dora runs second
    region-a → national (1, IRV)      ana elected; bea ranked second by ana's voters
                                      (or by nobody: `national_runner_up=False`)

With `two_paths=True` ana is also a member of base-3 and sits for it in prov-a2,
and for prov-a2 in region-a: a second, independent path into region-a.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from asamblea.elections import services as elections
from asamblea.elections.models import Candidacy, Election, Seat
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Body, Delegation, Federation
from asamblea.federation.spec import BodySpec
from asamblea.recall import services as recall
from asamblea.recall.models import RecallPetition
from support.factories import add_member, make_officer, make_user, small_federation_spec

BASE_1_VOTERS = ["ana", "fe", "gus", "hal", "ivo", "jo", "kai", "lu"]


@dataclass
class World:
    federation: Federation
    users: dict[str, Any] = field(default_factory=dict)
    officers: dict[str, Any] = field(default_factory=dict)

    def body(self, slug: str) -> Body:
        return Body.objects.get(federation=self.federation, slug=slug)

    def delegation(self, source: str, council: str) -> Delegation:
        return Delegation.objects.get(source__slug=source, council__slug=council)

    def seat(self, holder: str, source: str, council: str | None = None) -> Seat:
        """The seat `holder` holds in source → council, or in the command of `source`."""
        seats = Seat.objects.filter(holder__user=self.users[holder], status=Seat.Status.HELD)
        if council is None:
            return seats.get(command__command_of__slug=source)
        return seats.get(delegation__source__slug=source, delegation__council__slug=council)

    def held(self) -> set[tuple[str, str]]:
        """(holder's public name, where) of every held seat."""
        out = set()
        for seat in Seat.objects.filter(federation=self.federation, status=Seat.Status.HELD):
            where = (
                f"{seat.delegation.source.slug}->{seat.delegation.council.slug}"
                if seat.delegation_id
                else f"{seat.command.command_of.slug}/cmd"
            )
            out.add((seat.public_name, where))
        return out


def member(world: World, base: str, name: str) -> Any:
    user = world.users.get(name) or make_user(name)
    world.users[name] = user
    add_member(world.federation, base, name.title(), user=user)
    return user


def run_election(
    world: World,
    constituency: str,
    *,
    seats: int,
    candidates: list[str],
    ballots: list[tuple[str, list[str]]],
    council: str | None = None,
    command: bool = False,
    method: str | None = None,
    groups: dict[str, str] | None = None,
) -> Election:
    """Open, stand, vote and close one election through the elections services."""
    body = world.body(constituency)
    officer = world.officers.get(constituency) or make_officer(world.federation, constituency)
    world.officers[constituency] = officer
    now = timezone.now()
    election = elections.do_open_election(
        officer,
        body,
        delegation=world.delegation(constituency, council) if council else None,
        command=body.command if command else None,
        seats=seats,
        method=method,
        parity=groups is not None,
        kind=Election.Kind.COMMAND if command else Election.Kind.DELEGATION,
        nominations_close_at=now + timedelta(minutes=5),
        voting_opens_at=now + timedelta(minutes=5),
        voting_closes_at=now + timedelta(hours=1),
    )
    by_name: dict[str, Candidacy] = {}
    for name in candidates:
        by_name[name] = elections.do_stand(
            world.users[name],
            election,
            public_name=name.title(),
            group=(groups or {}).get(name, ""),
        )
    election = elections.do_open_voting(election)
    for voter, ranking in ballots:
        elections.do_cast_ballot(
            world.users[voter], election, [by_name[name].pk for name in ranking]
        )
    return elections.do_close_election(election)


def build_world(
    *, national_runner_up: bool = True, two_paths: bool = False, slug: str = "test"
) -> World:
    spec = small_federation_spec(slug)
    spec.bodies.append(
        BodySpec(
            "region-a-command",
            "Region A command",
            "command",
            "region",
            "territorial",
            command_of="region-a",
        )
    )
    world = World(do_import_federation(spec))
    for name in BASE_1_VOTERS:
        member(world, "base-1", name)
    for name in ["bea", "carl"]:
        member(world, "base-2", name)
    for name in ["dora", "eli"]:
        member(world, "base-3", name)
    if two_paths:
        member(world, "base-3", "ana")

    run_election(
        world,
        "base-1",
        council="prov-a1",
        seats=2,
        candidates=["ana", "fe", "gus"],
        ballots=[
            ("ana", ["ana", "gus"]),
            ("hal", ["ana", "gus"]),
            ("ivo", ["ana", "gus"]),
            ("jo", ["ana", "gus"]),
            ("fe", ["fe", "gus"]),
            ("kai", ["fe", "gus"]),
            ("lu", ["fe"]),
            ("gus", ["gus"]),
        ],
    )
    run_election(
        world,
        "base-2",
        council="prov-a1",
        seats=1,
        candidates=["bea", "carl"],
        ballots=[("bea", ["bea"]), ("carl", ["bea", "carl"])],
    )
    base_3 = ["dora", "ana"] if two_paths else ["dora"]
    run_election(
        world,
        "base-3",
        council="prov-a2",
        seats=len(base_3),
        candidates=base_3,
        ballots=[("dora", base_3), ("eli", base_3)] + ([("ana", base_3)] if two_paths else []),
        method="plurality" if two_paths else None,
    )
    run_election(
        world,
        "prov-a1",
        council="region-a",
        seats=2,
        candidates=["ana", "bea", "fe"],
        ballots=[
            ("ana", ["ana", "bea", "fe"]),
            ("fe", ["ana", "bea", "fe"]),
            ("bea", ["bea", "ana"]),
        ],
    )
    run_election(
        world,
        "prov-a2",
        council="region-a",
        seats=len(base_3),
        candidates=base_3,
        ballots=[(name, base_3) for name in base_3],
        method="plurality" if two_paths else None,
    )
    run_election(
        world,
        "region-a",
        command=True,
        seats=1,
        candidates=["ana", "dora"],
        ballots=[
            ("ana", ["ana", "dora"]),
            ("bea", ["ana", "dora"]),
            ("dora", ["dora"]),
        ],
    )
    second = ["bea"] if national_runner_up else []
    run_election(
        world,
        "region-a",
        council="national",
        seats=1,
        candidates=["ana", "bea"],
        ballots=[
            ("ana", ["ana", *second]),
            ("dora", ["ana", *second]),
            ("bea", ["bea"]),
        ],
    )
    return world


def recall_ana_at_base(world: World, *, yes: int = 6, no: int = 1) -> RecallPetition:
    """Members of base-1 petition against Ana's provincial seat, sign to the threshold
    (a quarter of 8 = 2), vote (7 of 8 voters), and the vote closes."""
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = recall.do_open_recall_petition(world.users["hal"], seat, "Voted against the mandate")
    petition = recall.do_sign_petition(world.users["ivo"], petition)
    assert petition.status == RecallPetition.Status.VOTING
    voters = ["hal", "ivo", "jo", "kai", "lu", "gus", "fe"]
    for index, name in enumerate(voters[: yes + no]):
        elections.do_cast_ballot(
            world.users[name], petition.election, ["yes" if index < yes else "no"]
        )
    recall.do_close_recall(petition.election)
    return RecallPetition.objects.get(pk=petition.pk)
