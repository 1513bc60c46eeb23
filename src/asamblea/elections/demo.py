"""The demo's elections: every tier of the demo federation elected through the real services.

`load_elections_demo()` runs after `asamblea.federation.demo.load_demo()` and
holds, tier by tier, the elections a federation holds in real life:

1. every base assembly elects its delegates to its provincial assembly;
2. the provincial assemblies of Huamanga, Cusco and Puno elect theirs to the
   regional assemblies of Ayacucho, Cusco and Puno;
3. those regional assemblies elect their delegates to the national assembly,
   and each elects its command (comando unitario regional), with the parity rule;
4. the national assembly elects the national command, with the parity rule.

Each election is opened by an officer (the base's officer, the federation admin
in a council), members stand with their demo logins, the vote opens (the roll
is frozen), members cast ranked ballots through `do_cast_ballot` exactly as
the ballot page does, and the scheduler's tick closes and counts it: results
with stage tables on the public record, seats filled, delegates visible on the
council pages. The preferences are invented, drawn with a fixed seed.

Demo time travel: the demo cannot wait days for a vote to run. Each election
is announced with a window in the near future, its vote is opened at once, and
once the ballots are in, its window is moved to the moments the vote really
ran (opened, then closed just now); the tick then finds it due and closes it.

One member of SUTEP Base Huamanga (the demo login `miembro-sutep-huamanga-1`)
is the favourite of every election on the path up: delegate of the union to
the provincial assembly, of the province to the regional assembly, of the
region to the national assembly, and in the regional and national commands.
Recalling (or vacating) their base seat shows the whole cascade.

Finally one election is left open, voting under way, in a base assembly
(`OPEN_BASE`), so a visitor can vote with a demo login that has not voted yet.

Idempotent: if the demo federation has any election already, nothing is done.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from asamblea.elections import scheduler, services
from asamblea.elections.models import Election, Seat
from asamblea.errors import AsambleaError
from asamblea.federation.demo import DEMO_PROVINCES
from asamblea.federation.models import Body, Delegation, Federation, Person

SEED = 2025
# The provincial assemblies of the demo and the regional assembly each sends delegates to.
REGION_OF_PROVINCE = {
    "provincia-huamanga": "region-ayacucho",
    "provincia-cusco": "region-cusco",
    "provincia-puno": "region-puno",
}
NATIONAL = "nacional"
NATIONAL_COMMAND = "comando-nacional"
# The Peru template leaves the size of the commands to the federation.
REGIONAL_COMMAND_SEATS = 5
NATIONAL_COMMAND_SEATS = 7
# The member on every rung of the ladder (see the module docstring) and where they start.
STAR_LOGIN = "miembro-sutep-huamanga-1"
STAR_BASE = "sutep-huamanga"
# How much likelier voters are to put the star first than any other candidate.
STAR_WEIGHT = 25.0
# The base assembly with an election left open, and its demo logins kept from voting.
OPEN_BASE = "aymaras-puno"
OPEN_LOGINS = tuple(f"miembro-{OPEN_BASE}-{n}" for n in (1, 2, 3))
OPEN_FOR = timedelta(days=7)
# Given names of the demo that are women's: the group each candidate stands in under
# the parity rule (the demo's people are invented; a real candidate says so herself).
WOMEN = frozenset(
    {
        "Rosa",
        "María",
        "Luz",
        "Carmen",
        "Ana",
        "Elena",
        "Yeni",
        "Nélida",
        "Flor",
        "Marleni",
        "Lidia",
        "Betty",
        "Yolanda",
        "Ruth",
    }
)


class DemoElectionsError(AsambleaError):
    """The demo elections did not come out as the demo needs (a bug, not bad input)."""


@dataclass
class Plan:
    """One election to hold: where, what it fills, and who stands."""

    constituency: Body
    actor: Any
    delegation: Delegation | None = None
    command: Body | None = None
    seats: int | None = None
    parity: bool = False
    election: Election | None = None
    opened_at: datetime | None = None
    voters: list[Any] = field(default_factory=list)


def _federation() -> Federation | None:
    return Federation.objects.filter(slug="peru").first()


def demo_seed(constituency: Body, *seats_of: Delegation | Body | None) -> int:
    """The seed of a demo election's lots, from what it fills: the same at every load
    (a fresh one would draw ties anew and seat other people), apart for every election."""
    label = [constituency.slug]
    for what in seats_of:
        if isinstance(what, Delegation):
            label.append(f"{what.source.slug}>{what.council.slug}")
        elif what is not None:
            label.append(what.slug)
    digest = hashlib.sha256(f"asamblea-demo-{SEED}:{'/'.join(label)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # 63 bits, as a drawn seed


def load_elections_demo(*, seed: int = SEED) -> bool:
    """Hold the demo's elections at every tier; False (and nothing changed) if the demo
    federation has elections already. Needs `load_demo()` first."""
    federation = _federation()
    if federation is None:
        raise DemoElectionsError("Load the demo federation first (asamblea demo).")
    if Election.objects.filter(federation=federation).exists():
        return False
    # One transaction: the demo's elections are all there, or none is. Server mode:
    # they are opened, voted and counted during the load, where nobody could hold a
    # trustees' key ceremony (docs/elections.md).
    with transaction.atomic(), services.key_mode("server"):
        _Demo(federation, random.Random(seed)).run()
    return True


class _Demo:
    def __init__(self, federation: Federation, rng: random.Random) -> None:
        self.federation = federation
        self.rng = rng
        user_model = get_user_model()
        self.admin = user_model.objects.get(username="admin")
        self.star = Person.objects.get(federation=federation, user__username=STAR_LOGIN)
        self.bodies = {b.slug: b for b in Body.objects.filter(federation=federation)}
        # Who stands and votes is a person with a demo login; keep their user at hand.
        people = Person.objects.filter(federation=federation, user__isnull=False)
        self.users = {p.pk: p.user for p in people.select_related("user") if p.user is not None}

    def run(self) -> None:
        provinces = [self.bodies[slug] for slug in sorted(DEMO_PROVINCES.values())]
        bases = list(
            Delegation.objects.filter(council__in=provinces, source__kind=Body.Kind.BASE)
            .select_related("source", "council")
            .order_by("source__slug")
        )
        self._tier(
            [Plan(d.source, self._officer(d.source), delegation=d) for d in bases], tier="base"
        )
        to_regions = Delegation.objects.filter(
            source__slug__in=list(REGION_OF_PROVINCE), council__slug__in=REGION_OF_PROVINCE.values()
        ).select_related("source", "council")
        self._tier(
            [Plan(d.source, self.admin, delegation=d) for d in to_regions], tier="provincial"
        )
        regions = [self.bodies[slug] for slug in sorted(REGION_OF_PROVINCE.values())]
        to_national = Delegation.objects.filter(
            source__in=regions, council__slug=NATIONAL
        ).select_related("source", "council")
        plans = [Plan(d.source, self.admin, delegation=d) for d in to_national]
        plans += [
            Plan(
                region,
                self.admin,
                command=self.bodies[f"comando-{region.slug}"],
                seats=REGIONAL_COMMAND_SEATS,
                parity=True,
            )
            for region in regions
        ]
        self._tier(plans, tier="regional")
        national = self.bodies[NATIONAL]
        self._tier(
            [
                Plan(
                    national,
                    self.admin,
                    command=self.bodies[NATIONAL_COMMAND],
                    seats=NATIONAL_COMMAND_SEATS,
                    parity=True,
                )
            ],
            tier="national",
        )
        self._check_star()
        self._open_election()

    # ------------------------------------------------------------ one tier

    def _officer(self, body: Body) -> Any:
        return get_user_model().objects.get(username=f"dirigente-{body.slug}"[:150])

    def _tier(self, plans: Sequence[Plan], *, tier: str) -> None:
        """Open, stand, vote and close every election of one tier."""
        if not plans:
            raise DemoElectionsError(f"no {tier} elections to hold")
        for plan in plans:
            self._open(plan)
            self._stand(plan, exclude_star=tier == "base" and plan.constituency.slug != STAR_BASE)
            self._vote(plan)
        self._close([plan.election for plan in plans if plan.election is not None])

    def _open(self, plan: Plan, *, voting_for: timedelta = timedelta(hours=1)) -> None:
        now = timezone.now()
        plan.election = services.do_open_election(
            plan.actor,
            plan.constituency,
            delegation=plan.delegation,
            command=plan.command,
            seats=plan.seats,
            parity=plan.parity,
            kind=Election.Kind.COMMAND if plan.command is not None else Election.Kind.DELEGATION,
            nominations_close_at=now + timedelta(minutes=5),
            voting_opens_at=now + timedelta(minutes=5),
            voting_closes_at=now + voting_for,
            seed=demo_seed(plan.constituency, plan.delegation, plan.command),
        )

    def _stand(self, plan: Plan, *, exclude_star: bool) -> None:
        """Some eligible members stand: a contest for the seats where there are people
        enough, everyone willing where the council has fewer delegates than seats."""
        election = plan.election
        assert election is not None
        eligible = [
            p
            for p in services.eligible_people(plan.constituency).order_by("pk")
            if p.pk in self.users and not (exclude_star and p.pk == self.star.pk)
        ]
        star_here = any(p.pk == self.star.pk for p in eligible)
        others = [p for p in eligible if p.pk != self.star.pk]
        wanted = election.seats + self.rng.randint(1, max(1, election.seats // 4))
        if plan.parity:
            # Enough of each group for the parity rule to bite.
            wanted = max(wanted, election.seats + 3)
        standing = self.rng.sample(others, min(len(others), wanted - star_here))
        if star_here:
            standing.insert(0, self.star)
        names: set[str] = set()
        for person in standing:
            name = person.full_name
            n = 2
            while name.casefold() in names:
                name, n = f"{person.full_name} ({n})", n + 1
            names.add(name.casefold())
            services.do_stand(
                self.users[person.pk],
                election,
                public_name=name,
                group=_group(person) if plan.parity else "",
            )

    def _vote(self, plan: Plan, *, keep_out: Iterable[str] = ()) -> None:
        """Open the vote (the roll is frozen) and let most of the roll vote."""
        election = plan.election
        assert election is not None
        plan.opened_at = timezone.now()
        election = services.do_open_voting(election, now=plan.opened_at)
        plan.election = election
        if election.status != Election.Status.VOTING:
            raise DemoElectionsError(f"election {election.pk} did not open: {election.status}")
        candidates = services.standing(election)
        weights = {
            c.pk: STAR_WEIGHT if c.person_id == self.star.pk else self.rng.uniform(0.5, 3.0)
            for c in candidates
        }
        turnout = self.rng.uniform(0.65, 0.95)
        skip = set(keep_out)
        roll = election.roll.order_by("person_id").values_list("person_id", flat=True)
        for person_id in roll:
            user = self.users.get(person_id)
            if user is None or user.username in skip or self.rng.random() > turnout:
                continue
            ranking = self._ranking(weights, election.seats)
            services.do_cast_ballot(user, election, ranking)
            plan.voters.append(user)

    def _ranking(self, weights: dict[int, float], seats: int) -> list[int]:
        """A voter's preferences: candidates drawn one by one, likelier the more popular
        (Plackett-Luce), as many as the voter cares to rank."""
        pool = dict(weights)
        length = self.rng.randint(1, min(len(pool), max(3, seats + 2)))
        ranking = []
        for _ in range(length):
            pick = self.rng.choices(list(pool), weights=list(pool.values()))[0]
            ranking.append(pick)
            del pool[pick]
        return ranking

    def _close(self, elections: Sequence[Election]) -> None:
        """Move each vote's window to when it really ran, then let the tick close them."""
        ids = [e.pk for e in elections]
        closed_at = timezone.now()
        for election in Election.objects.filter(pk__in=ids):
            opened = election.roll_frozen_at or closed_at
            Election.objects.filter(pk=election.pk).update(
                nominations_close_at=opened,
                voting_opens_at=opened,
                voting_closes_at=max(closed_at, opened + timedelta(microseconds=1)),
            )
        scheduler.tick(timezone.now() + timedelta(microseconds=1))
        left = Election.objects.filter(pk__in=ids).exclude(status=Election.Status.CLOSED)
        if left.exists():
            raise DemoElectionsError(
                f"the tick left elections {sorted(left.values_list('pk', flat=True))} unclosed"
            )

    # ------------------------------------------------------------ the star and the open vote

    def _check_star(self) -> None:
        held = set(
            Seat.objects.filter(holder=self.star, status=Seat.Status.HELD).values_list(
                "delegation__source__slug", "command__slug"
            )
        )
        wanted = {
            (STAR_BASE, None),
            ("provincia-huamanga", None),
            ("region-ayacucho", None),
            (None, "comando-region-ayacucho"),
            (None, NATIONAL_COMMAND),
        }
        if not wanted <= held:
            raise DemoElectionsError(f"{STAR_LOGIN} holds {sorted(map(str, held))}")

    def _open_election(self) -> None:
        """The next term's election in OPEN_BASE: voting under way for a week."""
        body = self.bodies[OPEN_BASE]
        delegation = Delegation.objects.select_related("council").get(source=body)
        plan = Plan(body, self._officer(body), delegation=delegation)
        self._open(plan, voting_for=OPEN_FOR)
        self._stand(plan, exclude_star=True)
        self._vote(plan, keep_out=OPEN_LOGINS)
        assert plan.election is not None and plan.opened_at is not None
        Election.objects.filter(pk=plan.election.pk).update(
            nominations_close_at=plan.opened_at, voting_opens_at=plan.opened_at
        )


def _group(person: Person) -> str:
    return "women" if person.full_name.split()[0] in WOMEN else "men"


# ---------------------------------------------------------------- what to print


@dataclass(frozen=True)
class DemoElectionsSummary:
    closed: int
    national_delegates: int
    open_election: str | None
    open_logins: tuple[str, ...]
    star_name: str
    star_seat: str | None
    star_seats: tuple[str, ...]
    # The star's demo login, two members of their base who may sign, and how many
    # signatures open the recall vote.
    star_login: str = STAR_LOGIN
    signers: tuple[str, ...] = (f"miembro-{STAR_BASE}-2", f"miembro-{STAR_BASE}-3")
    signatures: int = 0


def elections_demo_summary() -> DemoElectionsSummary | None:
    """What `asamblea demo` prints about the demo's elections (None if there are none)."""
    federation = _federation()
    if federation is None or not Election.objects.filter(federation=federation).exists():
        return None
    open_election = (
        Election.objects.filter(
            federation=federation,
            constituency__slug=OPEN_BASE,
            status=Election.Status.VOTING,
        )
        .order_by("-pk")
        .first()
    )
    open_logins: tuple[str, ...] = ()
    if open_election is not None:
        voted = set(
            open_election.casts.values_list("person__user__username", flat=True)
        )  # only the demo's own logins are compared, never shown
        open_logins = tuple(login for login in OPEN_LOGINS if login not in voted)
    star = Person.objects.filter(federation=federation, user__username=STAR_LOGIN).first()
    star_seats = (
        Seat.objects.filter(holder=star, status=Seat.Status.HELD)
        .select_related("delegation__source", "delegation__council", "command")
        .order_by("pk")
        if star is not None
        else Seat.objects.none()
    )
    base_seat = next(
        (
            s
            for s in star_seats
            if s.delegation is not None and s.delegation.source.slug == STAR_BASE
        ),
        None,
    )
    signatures = 0
    if base_seat is not None and base_seat.delegation is not None:
        from asamblea.recall.rules import signatures_needed
        from asamblea.recall.services import recall_settings

        electorate = services.eligible_people(base_seat.delegation.source).count()
        signatures = signatures_needed(electorate, recall_settings(federation).threshold)
    return DemoElectionsSummary(
        closed=Election.objects.filter(
            federation=federation, status=Election.Status.CLOSED
        ).count(),
        national_delegates=Seat.objects.filter(
            federation=federation, delegation__council__slug=NATIONAL, status=Seat.Status.HELD
        ).count(),
        open_election=f"/f/{federation.slug}/e/{open_election.pk}/ballot/"
        if open_election is not None
        else None,
        open_logins=open_logins,
        star_name=base_seat.public_name if base_seat is not None else "",
        star_seat=f"/f/{federation.slug}/seats/{base_seat.pk}/" if base_seat is not None else None,
        star_seats=tuple(_seat_place(s) for s in star_seats),
        signatures=signatures,
    )


def _seat_place(seat: Seat) -> str:
    if seat.delegation is not None:
        return f"{seat.delegation.source.name} → {seat.delegation.council.name}"
    assert seat.command is not None  # seat_in_delegation_xor_command
    return seat.command.name
