"""Deliberation in the demo federation: a national motion with mandates from several
regions, a referendum under way and a call to action with uptake reports.

Call `load_deliberation_demo()` after `asamblea.federation.demo.load_demo()` (and after
the elections demo, if any: delegates it seated are used as they are). Everything goes
through the real services, so the demo obeys every rule the product does. Idempotent:
once the demo motion exists, loading again changes nothing.

Where the national assembly has no delegates yet, three chains are elected through
real elections (base -> province -> region -> national) in Ayacucho, Cusco and Puno.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from asamblea.deliberation import services
from asamblea.deliberation.models import Motion, Uptake
from asamblea.elections import services as elections
from asamblea.elections.demo import demo_seed
from asamblea.elections.models import Seat
from asamblea.federation.models import Body, Delegation, Federation, Membership

DEMO_MOTION = "Paro nacional de 72 horas contra el alza del costo de vida"
# (base, province, region): the sector bases whose members are elected up to the nation.
CHAINS = [
    ("sutep-huamanga", "provincia-huamanga", "region-ayacucho"),
    ("fdtc-cusco", "provincia-cusco", "region-cusco"),
    ("aymaras-puno", "provincia-puno", "region-puno"),
]
NATIONAL = "nacional"


def _body(federation: Federation, slug: str) -> Body:
    return Body.objects.get(federation=federation, slug=slug)


def _admin() -> Any:
    return get_user_model().objects.get(username="admin")


def _elect(federation: Federation, source: str, council: str, users: list[Any]) -> list[Seat]:
    """Elect `users` as `source`'s delegates to `council` through a real election."""
    delegation = Delegation.objects.get(
        source=_body(federation, source), council=_body(federation, council)
    )
    held = list(Seat.objects.filter(delegation=delegation, status=Seat.Status.HELD))
    if held:
        return held
    now = timezone.now()
    election = elections.do_open_election(
        _admin(),
        delegation.source,
        delegation=delegation,
        seats=len(users),
        method="plurality",
        nominations_close_at=now + timedelta(hours=1),
        voting_opens_at=now + timedelta(hours=1),
        voting_closes_at=now + timedelta(hours=2),
        seed=demo_seed(delegation.source, delegation),
    )
    candidacies = [elections.do_stand(user, election) for user in users]
    elections.do_open_voting(election)
    for user in users:
        elections.do_cast_ballot(user, election, [c.pk for c in candidacies])
    elections.do_close_election(election)
    return list(Seat.objects.filter(election=election, status=Seat.Status.HELD))


def _members_with_login(federation: Federation, base: str) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            person__memberships__body__slug=base,
            person__memberships__body__federation=federation,
            person__memberships__status=Membership.Status.VERIFIED,
        )
        .order_by("username")
    )


def _seat_national_delegates(federation: Federation) -> dict[str, list[Any]]:
    """National delegates per region (users): the seated ones, or elected now."""
    delegates: dict[str, list[Any]] = {}
    for base, province, region in CHAINS:
        users = _members_with_login(federation, base)[:2]
        for source, council in ((base, province), (province, region), (region, NATIONAL)):
            seats = _elect(federation, source, council, users)
            users = [seat.holder.user for seat in seats if seat.holder.user is not None]
        delegates[region] = users
    return delegates


def _mandate(federation: Federation, motion: Motion, region: str, choice: str, close: bool) -> None:
    body = _body(federation, region)
    vote = services.do_open_mandate_vote(_admin(), motion, body)
    for seat in services.seats_in(body).select_related("holder__user"):
        if seat.holder.user is not None:
            services.do_cast_vote(seat.holder.user, vote, choice)
    if close:
        services.do_close_vote(_admin(), vote)


# Its elections are counted during the load: server mode (no key ceremony).
@elections.key_mode("server")
@transaction.atomic
def load_deliberation_demo(*, seed: int = 2022) -> bool:
    """Load the deliberation demo into the "peru" federation; False if it is there already."""
    federation = Federation.objects.get(slug="peru")
    if Motion.objects.filter(federation=federation, title=DEMO_MOTION).exists():
        return False
    rng = random.Random(seed)
    admin = _admin()
    national = _body(federation, NATIONAL)
    delegates = _seat_national_delegates(federation)
    ayacucho, cusco, puno = (delegates[region] for _b, _p, region in CHAINS)

    # 1. A national motion, mandated by three regions, voted by roll call: one delegate
    #    of Puno breaks the region's "vote no"; passed, it is Resolution 1.
    strike = services.do_propose_motion(
        ayacucho[0],
        national,
        title=DEMO_MOTION,
        text=(
            "La Asamblea Nacional convoca a un paro nacional de 72 horas contra el alza "
            "del costo de vida, y llama a cada asamblea a organizarlo en su ámbito."
        ),
    )
    services.do_comment(cusco[0], strike, "Cusco acompaña: nuestras bases ya lo discutieron.")
    services.do_second_motion(cusco[0], strike)
    amendment = services.do_propose_amendment(
        puno[0],
        strike,
        text=(
            "La Asamblea Nacional convoca a un paro nacional de 72 horas contra el alza "
            "del costo de vida y por la defensa del agua, y llama a cada asamblea a "
            "organizarlo en su ámbito."
        ),
    )
    services.do_second_motion(ayacucho[1], amendment)
    services.do_open_vote(admin, amendment)
    for user in ayacucho + cusco + puno:
        services.do_cast_vote(user, amendment, "yes")
    services.do_close_vote(admin, amendment)
    _mandate(federation, strike, "region-ayacucho", "yes", close=True)
    _mandate(federation, strike, "region-cusco", "yes", close=True)
    _mandate(federation, strike, "region-puno", "no", close=True)
    services.do_open_vote(admin, strike)
    for user in ayacucho + cusco + puno[:1]:
        services.do_cast_vote(user, strike, "yes")  # puno[0] breaks the mandate
    for user in puno[1:]:
        services.do_cast_vote(user, strike, "no")
    strike = services.do_close_vote(admin, strike)

    # 2. A second national motion under way: tabled, with a mandate vote still open.
    water = services.do_propose_motion(
        puno[0],
        national,
        title="Defensa de las cabeceras de cuenca",
        text="La Asamblea Nacional rechaza toda concesión minera en cabeceras de cuenca.",
    )
    services.do_second_motion(ayacucho[0], water)
    _mandate(federation, water, "region-puno", "yes", close=True)
    _mandate(federation, water, "region-cusco", "yes", close=False)
    meeting = services.do_create_meeting(
        admin,
        national,
        title="Sesión ordinaria de la Asamblea Nacional",
        starts_at=timezone.now() + timedelta(days=3),
        motions=[water],
    )

    # 3. A referendum under way: a third motion sent down to every member.
    constitution = services.do_propose_motion(
        cusco[0],
        national,
        title="Asamblea constituyente popular",
        text="Que el pueblo organizado convoque a una asamblea constituyente popular.",
    )
    services.do_second_motion(puno[0], constitution)
    services.do_add_agenda_item(admin, meeting, constitution)
    referendum = services.do_open_referendum(
        admin, constitution, closes_at=timezone.now() + timedelta(days=7)
    )
    voters = list(
        get_user_model().objects.filter(username__startswith="miembro-").order_by("username")
    )
    for user in voters[: len(voters) * 2 // 3]:
        bodies = services.referendum_bodies_of(user, referendum)
        if bodies:
            choice = rng.choices(["yes", "no", "abstain"], weights=[6, 3, 1])[0]
            services.do_cast_referendum_ballot(user, referendum, choice, body=rng.choice(bodies))

    # 4. Resolution 1 issued as a call to action across the whole tree, with reports.
    start = timezone.now() - timedelta(hours=6)
    call = services.do_issue_call(
        admin,
        strike.resolution,
        title="Paro nacional: 72 horas",
        starts_at=start,
        ends_at=start + timedelta(hours=72),
        now=start - timedelta(days=1),
    )
    uptakes = list(call.uptakes.select_related("body").order_by("body__slug"))
    for uptake in uptakes:
        body = uptake.body
        reports = body.kind == Body.Kind.BASE or rng.random() < 0.35
        if not reports:
            if rng.random() < 0.3:
                services.do_acknowledge_call(admin, call, body, now=start)
            continue
        status = rng.choices(
            [Uptake.Status.JOINED, Uptake.Status.PARTLY, Uptake.Status.NOT], weights=[5, 3, 2]
        )[0]
        people = None
        if status != Uptake.Status.NOT:
            people = max(1, body.verified_members) * rng.randint(3, 12)
        services.do_report_uptake(
            admin,
            call,
            body,
            status=status,
            number=people,
            note=rng.choice(
                ["", "Bloqueo de vías al amanecer.", "Mitin en la plaza.", "Olla común."]
            ),
        )
    return True


def deliberation_summary() -> dict[str, int]:
    federation = Federation.objects.get(slug="peru")
    return {
        "motions": Motion.objects.filter(federation=federation).count(),
        "referendums": federation.referendums.count(),
        "calls": federation.calls.count(),
        "uptake_reports": Uptake.objects.filter(call__federation=federation)
        .exclude(status="")
        .count(),
    }
