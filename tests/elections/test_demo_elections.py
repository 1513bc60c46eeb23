"""The demo's elections: every tier elected, the national assembly traced down to base
assemblies, a recall cascade to show, an open vote to try, and loading twice changes nothing.

The demo (federation and elections) is loaded once per test run through the real
`asamblea demo` command, in-process on the test database (SQLite and PostgreSQL passes).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from asamblea.elections import demo as elections_demo
from asamblea.elections.models import Ballot, Election, Seat, VoteCast
from asamblea.federation.demo import DEMO_PASSWORD, DEMO_PROVINCES, GIVEN
from asamblea.federation.models import Body, Delegation, Federation, Membership
from asamblea.recall.services import do_vacate_seat
from asamblea.record import services as record
from asamblea.record.models import Entry
from asamblea.record.verify import verify_lines
from support.demo import run_demo

HELD = Seat.Status.HELD


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    """The demo federation with its elections; each test's changes are rolled back."""
    return Federation.objects.get(slug="peru")


def closed(**filters: Any) -> Any:
    return Election.objects.filter(status=Election.Status.CLOSED, **filters)


def test_every_base_assembly_of_the_demo_provinces_elected_its_delegates(demo: Federation) -> None:
    bases = Body.objects.filter(
        federation=demo,
        kind=Body.Kind.BASE,
        delegations_up__council__slug__in=DEMO_PROVINCES.values(),
    ).distinct()
    assert bases.count() >= 40
    for base in bases:
        delegation = Delegation.objects.get(source=base)
        # The latest term (the meetings demo re-elects one base's delegates on paper).
        election = closed(delegation=delegation, kind=Election.Kind.DELEGATION).latest("pk")
        assert election.result["casts"] > 0
        seats = Seat.objects.filter(delegation=delegation, status=HELD)
        assert seats.count() == delegation.seats == delegation.next_seats, base.slug
        # Every delegate is a verified member of the base that elected them.
        for seat in seats:
            assert Membership.objects.filter(
                person=seat.holder, body=base, status=Membership.Status.VERIFIED
            ).exists()


def test_every_council_tier_and_command_was_elected(demo: Federation) -> None:
    for province, region in elections_demo.REGION_OF_PROVINCE.items():
        assert (
            closed(delegation__source__slug=province, delegation__council__slug=region).count() == 1
        )
        assert (
            closed(delegation__source__slug=region, delegation__council__slug="nacional").count()
            == 1
        )
        command = closed(command__slug=f"comando-{region}", kind=Election.Kind.COMMAND).get()
        assert command.parity
        assert Seat.objects.filter(command=command.command, status=HELD).count() == 5
    national_command = closed(command__slug="comando-nacional").get()
    holders = Seat.objects.filter(command__slug="comando-nacional", status=HELD)
    assert holders.count() == national_command.seats == elections_demo.NATIONAL_COMMAND_SEATS
    # Parity: at least floor(7/2) = 3 of each group among the elected.
    groups = [elections_demo._group(seat.holder) for seat in holders]
    assert groups.count("women") >= 3 and groups.count("men") >= 3


def test_the_national_assembly_is_filled_with_delegates_traced_to_base_assemblies(
    demo: Federation,
) -> None:
    national = Seat.objects.filter(delegation__council__slug="nacional", status=HELD)
    assert national.count() >= 90
    for seat in national.select_related("delegation__source"):
        region = seat.delegation.source
        # Seated in the regional assembly by its province ...
        up = Seat.objects.filter(holder=seat.holder, delegation__council=region, status=HELD)
        assert up.exists(), f"{seat.public_name} is not a delegate in {region.slug}"
        province = up.first().delegation.source
        # ... in the provincial assembly by a base assembly ...
        base_seat = Seat.objects.filter(
            holder=seat.holder, delegation__council=province, status=HELD
        ).first()
        assert base_seat is not None, f"{seat.public_name} is not a delegate in {province.slug}"
        # ... whose verified member they are.
        assert Membership.objects.filter(
            person=seat.holder, body=base_seat.delegation.source, status=Membership.Status.VERIFIED
        ).exists()


def test_results_are_published_with_stage_tables_and_recount_from_the_record(
    demo: Federation,
) -> None:
    election = closed(delegation__source__slug="provincia-huamanga").get()
    page = Client().get(f"/f/peru/e/{election.pk}/").content.decode()
    assert 'id="stage-table"' in page and 'id="elected"' in page
    # Anyone recounts every demo election from the exported public record.
    out = io.StringIO()
    record.write_export(demo, out)
    report = verify_lines(out.getvalue().splitlines(keepends=True))
    assert report.checked["election.counted"] == closed(federation=demo).count() >= 59
    assert (
        report.checked["ballot.tracker"]
        == Ballot.objects.filter(election__status=Election.Status.CLOSED).count()
    )


def test_the_star_holds_a_seat_at_every_tier_and_losing_the_base_seat_cascades(
    demo: Federation, demo_loaded: str
) -> None:
    summary = elections_demo.elections_demo_summary()
    assert summary is not None and summary.star_seat is not None
    assert f"See a recall cascade: {summary.star_name} holds 5 seats" in demo_loaded
    assert summary.star_seat in demo_loaded
    seat_id = int(re.search(r"/seats/(\d+)/", summary.star_seat).group(1))
    base_seat = Seat.objects.get(pk=seat_id)
    star = base_seat.holder
    assert base_seat.delegation.source.slug == elections_demo.STAR_BASE
    before = set(Seat.objects.filter(holder=star, status=HELD).values_list("pk", flat=True))
    assert len(before) == 5
    # The seat page the demo points to answers, and offers the recall.
    assert Client().get(summary.star_seat).status_code == 200

    admin = get_user_model().objects.get(username="admin")
    report = do_vacate_seat(admin, base_seat, Seat.Reason.EXPELLED)

    assert {seat.pk for seat in report.vacated} == before
    assert not Seat.objects.filter(holder=star, status=HELD).exists()
    # Every lost seat was refilled by countback or has a by-election called for it.
    assert len(report.filled) + len(report.by_elections) == 5
    assert (
        Seat.objects.filter(delegation=base_seat.delegation, status=HELD).count()
        == base_seat.delegation.seats
    )
    assert Seat.objects.filter(command__slug="comando-nacional", status=HELD).count() == 7


def test_a_demo_login_can_vote_in_the_open_election(
    demo: Federation, demo_loaded: str, settings: Any
) -> None:
    # The demo's logins were hashed with the real hasher (this folder's tests use MD5).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    election = Election.objects.get(federation=demo, status=Election.Status.VOTING)
    assert election.constituency.slug == elections_demo.OPEN_BASE
    assert election.casts.count() > 0
    ballot = f"/f/peru/e/{election.pk}/ballot/"
    assert f"Vote now in the open election: {ballot}" in demo_loaded
    login = elections_demo.OPEN_LOGINS[0]
    assert login in demo_loaded
    voter = Client()
    logged_in = voter.post("/accounts/login/", {"username": login, "password": DEMO_PASSWORD})
    assert logged_in.status_code == 302, "the printed demo login does not log in"
    page = voter.get(ballot).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    first = election.candidacies.order_by("public_name").first()
    answer = voter.post(ballot, {"once": once, f"rank-{first.pk}": "1"})
    assert answer.status_code == 200 and 'id="tracker"' in answer.content.decode()
    assert VoteCast.objects.filter(election=election, person__user__username=login).exists()


def test_the_demo_elections_are_server_mode_and_the_printed_ceremony_recipe_works(
    demo: Federation, demo_loaded: str, settings: Any
) -> None:
    """The demo's elections, counted at load, are in server mode; an officer of a demo
    assembly who appoints two members (as `asamblea demo` says) gets trustees mode."""
    from datetime import timedelta

    from django.utils import timezone

    from asamblea.ballots.models import BallotKey
    from asamblea.elections import services
    from asamblea.elections.services.trustees import election_trustee_key
    from asamblea.federation.services import do_appoint_officer

    assert "The demo's elections are sealed in server mode" in demo_loaded
    assert not BallotKey.objects.filter(mode=BallotKey.Mode.TRUSTEES).exists()
    settings.ELECTION_KEY_MODE = "trustees"  # the shipped default
    users = get_user_model().objects
    officer = users.get(username="dirigente-sutep-huamanga")
    body = Body.objects.get(federation=demo, slug="sutep-huamanga")
    now = timezone.now()
    times = {
        "nominations_close_at": now + timedelta(days=1),
        "voting_opens_at": now + timedelta(days=1),
        "voting_closes_at": now + timedelta(days=2),
    }
    delegation = Delegation.objects.get(source=body)
    # One officer only: server mode.
    election = services.do_open_election(officer, body, delegation=delegation, **times)
    assert election_trustee_key(election) is None
    services.do_cancel_election(officer, election, "Prueba")
    for name in ("miembro-sutep-huamanga-1", "miembro-sutep-huamanga-2"):
        do_appoint_officer(officer, body, users.get(username=name))
        assert name in demo_loaded
    election = services.do_open_election(officer, body, delegation=delegation, **times)
    key = election_trustee_key(election)
    assert key is not None and key.trustees.count() == 3 and key.threshold == 2


def test_every_parity_group_name_is_a_demo_name() -> None:
    assert set(GIVEN) >= elections_demo.WOMEN


def test_loading_the_demo_elections_twice_changes_nothing(demo: Federation) -> None:
    counts = (
        Election.objects.count(),
        Seat.objects.count(),
        Ballot.objects.count(),
        VoteCast.objects.count(),
        Entry.objects.filter(federation=demo).count(),
    )
    assert elections_demo.load_elections_demo() is False
    out = run_demo()
    assert out.startswith("Already loaded, nothing changed")
    assert "Vote now in the open election" in out
    assert (
        Election.objects.count(),
        Seat.objects.count(),
        Ballot.objects.count(),
        VoteCast.objects.count(),
        Entry.objects.filter(federation=demo).count(),
    ) == counts
