"""Recall on the database: petitions, signatures, the recall vote, and the cascade with
its refills end to end, on seats filled by real elections at every tier."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from asamblea.elections import services as elections
from asamblea.elections.models import Election, Seat
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.models import Membership
from asamblea.federation.services import do_decide_membership
from asamblea.recall import services
from asamblea.recall.models import Countback, PetitionSignature, RecallPetition, RecallSettings
from asamblea.record.models import Entry
from recall.world import World, build_world, member, recall_ana_at_base

pytestmark = pytest.mark.django_db


def entries(world: World, kind: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.payload)
        for e in Entry.objects.filter(federation=world.federation, type=kind).order_by("index")
    ]


# ---------------------------------------------------------------- the cascade, end to end


def test_base_delegate_recalled_loses_regional_command_and_national_seats_each_refilled(
    world: World,
) -> None:
    before = world.held()
    petition = recall_ana_at_base(world)
    assert petition.status == RecallPetition.Status.PASSED
    after = world.held()
    lost = before - after
    gained = after - before
    assert lost == {
        ("Ana", "base-1->prov-a1"),
        ("Ana", "prov-a1->region-a"),
        ("Ana", "region-a/cmd"),
        ("Ana", "region-a->national"),
    }
    assert gained == {
        # Ana's base voters ranked Gus next.
        ("Gus", "base-1->prov-a1"),
        # Ana's provincial voters ranked Bea next, who already sits there: Fe.
        ("Fe", "prov-a1->region-a"),
        ("Dora", "region-a/cmd"),
        # The national assembly's replacement, from the region's ballots.
        ("Bea", "region-a->national"),
    }
    vacated = entries(world, "seat.vacated")
    assert [(v["delegate"], v["reason"]) for v in vacated] == [
        ("Ana", "recalled"),
        ("Ana", "cascade"),
        ("Ana", "cascade"),
        ("Ana", "cascade"),
    ]
    # The cause chain: each cascade loss names the seat whose loss took it.
    first, region = vacated[0], vacated[1]
    assert first["cause"] is None and first["lost_membership_of"] == "prov-a1"
    assert region["cause"] == first["seat"] and region["lost_membership_of"] == "region-a"
    assert {v["cause"] for v in vacated[2:]} == {region["seat"]}
    filled = [e for e in entries(world, "seat.filled") if e["filled_by"] == "countback"]
    assert [f["name"] for f in filled] == ["Gus", "Fe", "Dora", "Bea"]
    assert all(f["countback"]["rule"].startswith("Hare-Clark") for f in filled)
    # Seats carry the reason and cause too.
    ana_seats = Seat.objects.filter(holder__user=world.users["ana"]).order_by("pk")
    assert {s.status for s in ana_seats} == {Seat.Status.VACATED}
    assert ana_seats.filter(reason=Seat.Reason.CASCADE, cause__isnull=False).count() == 3
    national = elections.delegates_into(world.body("national"))
    assert [s.public_name for s in national] == ["Bea"]


def test_a_vacancy_whose_papers_rank_nobody_left_opens_a_by_election(db: None) -> None:
    world = build_world(national_runner_up=False)
    recall_ana_at_base(world)
    assert ("Bea", "region-a->national") not in world.held()
    by_election = Election.objects.get(kind=Election.Kind.BY_ELECTION)
    assert by_election.constituency == world.body("region-a")
    assert by_election.seat.public_name == "Ana"
    assert by_election.status == Election.Status.NOMINATIONS
    refill = entries(world, "seat.refill")
    assert refill[0]["by"] == "by-election" and refill[0]["election"] == by_election.pk
    # The other tiers were still refilled by countback.
    assert ("Gus", "base-1->prov-a1") in world.held()
    # The by-election, when it runs, fills the seat.
    candidacy = elections.do_stand(world.users["bea"], by_election, public_name="Bea")
    elections.do_open_voting(by_election)
    for voter in ["bea", "dora", "fe"]:
        elections.do_cast_ballot(world.users[voter], by_election, [candidacy.pk])
    elections.do_close_election(by_election)
    assert ("Bea", "region-a->national") in world.held()


def test_two_independent_paths_keep_the_seats_above(db: None) -> None:
    world = build_world(two_paths=True)
    recall_ana_at_base(world)
    held = world.held()
    assert ("Ana", "base-1->prov-a1") not in held
    assert ("Ana", "prov-a1->region-a") not in held
    # Still in region-a through prov-a2: the command and national seats stand.
    assert {
        ("Ana", "prov-a2->region-a"),
        ("Ana", "region-a/cmd"),
        ("Ana", "region-a->national"),
    } <= held
    assert len(entries(world, "seat.vacated")) == 2


def test_federation_that_refills_by_by_election_opens_one_per_lost_seat(world: World) -> None:
    RecallSettings.objects.create(federation=world.federation, refill="by-election")
    recall_ana_at_base(world)
    assert Election.objects.filter(kind=Election.Kind.BY_ELECTION).count() == 4
    assert not Countback.objects.exists()
    assert not [e for e in entries(world, "seat.filled") if e["filled_by"] == "countback"]


def test_a_failure_half_way_through_the_refills_changes_nothing(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "Broke the mandate")
    petition = services.do_sign_petition(world.users["ivo"], petition)
    for name in ["hal", "ivo", "jo", "kai", "lu"]:
        elections.do_cast_ballot(world.users[name], petition.election, ["yes"])
    held_before = world.held()
    entries_before = Entry.objects.count()
    seats_before = Seat.objects.count()
    steps: list[str] = []

    def fail_on_third(row: Seat, method: str) -> None:
        steps.append(method)
        if len(steps) == 3:
            raise RuntimeError("injected failure in the third refill")

    services.REFILL_STEP_HOOKS.append(fail_on_third)
    try:
        with pytest.raises(RuntimeError, match="injected"):
            services.do_close_recall(petition.election)
    finally:
        services.REFILL_STEP_HOOKS.remove(fail_on_third)
    assert steps == ["countback"] * 3
    assert world.held() == held_before
    assert Seat.objects.count() == seats_before
    assert Entry.objects.count() == entries_before
    assert not Countback.objects.exists()
    petition.refresh_from_db()
    petition.election.refresh_from_db()
    assert petition.status == RecallPetition.Status.VOTING
    assert petition.election.status == Election.Status.VOTING
    # Without the failure the same close goes through.
    services.do_close_recall(petition.election)
    assert ("Gus", "base-1->prov-a1") in world.held()


def test_a_new_election_that_does_not_re_elect_a_delegate_runs_the_cascade(world: World) -> None:
    from recall.world import run_election

    run_election(
        world,
        "base-1",
        council="prov-a1",
        seats=2,
        candidates=["fe", "gus", "hal"],
        ballots=[("fe", ["fe"]), ("gus", ["gus"]), ("hal", ["gus"]), ("ivo", ["fe"])],
    )
    held = world.held()
    assert not {h for h in held if h[0] == "Ana"}
    assert ("Fe", "prov-a1->region-a") in held  # the countback in the province
    ended = entries(world, "seat.vacated")
    assert ended[0]["reason"] == "term-ended" and ended[0]["lost_membership_of"] == "prov-a1"


# ---------------------------------------------------------------- resignation, death, expulsion


def test_a_delegate_may_resign_their_own_seat(world: World) -> None:
    seat = world.seat("ana", "region-a")
    report = services.do_vacate_seat(world.users["ana"], seat, Seat.Reason.RESIGNED)
    assert [s.pk for s in report.vacated] == [seat.pk]
    assert ("Dora", "region-a/cmd") in world.held()


def test_only_an_officer_records_a_death_or_expulsion(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    for user in [world.users["hal"], world.users["ana"], AnonymousUser()]:
        with pytest.raises(PermissionDenied):
            services.do_vacate_seat(user, seat, Seat.Reason.EXPELLED)
    with pytest.raises(PermissionDenied):
        services.do_vacate_seat(world.users["fe"], seat, Seat.Reason.RESIGNED)
    report = services.do_vacate_seat(world.officers["base-1"], seat, Seat.Reason.DECEASED)
    assert len(report.vacated) == 4
    with pytest.raises(Conflict):
        services.do_vacate_seat(world.officers["base-1"], seat, Seat.Reason.DECEASED)
    with pytest.raises(InvalidInput):
        services.do_vacate_seat(
            world.officers["base-1"], world.seat("fe", "base-1", "prov-a1"), "bored"
        )


# ---------------------------------------------------------------- petitions: permissions


def test_a_non_member_of_the_constituency_can_neither_open_nor_sign(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    outsider = world.users["bea"]  # a member of base-2
    with pytest.raises(PermissionDenied):
        services.do_open_recall_petition(outsider, seat, "reason")
    with pytest.raises(PermissionDenied):
        services.do_open_recall_petition(AnonymousUser(), seat, "reason")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    with pytest.raises(PermissionDenied):
        services.do_sign_petition(outsider, petition)
    with pytest.raises(PermissionDenied):
        services.do_sign_petition(AnonymousUser(), petition)
    assert RecallPetition.objects.get(pk=petition.pk).signatures == 1


def test_a_suspended_member_can_no_longer_sign(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    membership = Membership.objects.get(person__user=world.users["ivo"], body__slug="base-1")
    do_decide_membership(
        world.officers["base-1"], world.body("base-1"), membership.pk, "suspend", "x"
    )
    with pytest.raises(PermissionDenied):
        services.do_sign_petition(world.users["ivo"], petition)


def test_a_council_seat_is_petitioned_by_the_councils_delegates(world: World) -> None:
    seat = world.seat("ana", "prov-a1", "region-a")
    # Hal is a base member under prov-a1, not a delegate in it.
    with pytest.raises(PermissionDenied):
        services.do_open_recall_petition(world.users["hal"], seat, "reason")
    petition = services.do_open_recall_petition(world.users["fe"], seat, "reason")
    # Three delegates in prov-a1: a quarter is one signature, so the vote opens at once.
    assert (petition.electorate, petition.threshold) == (3, 1)
    assert petition.status == RecallPetition.Status.VOTING


def test_a_member_cannot_sign_twice(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    RecallSettings.objects.create(federation=world.federation, threshold=Decimal("0.5"))
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    with translation.override("en"), pytest.raises(Conflict, match="already signed"):
        services.do_sign_petition(world.users["hal"], petition)
    services.do_sign_petition(world.users["ivo"], petition)
    with translation.override("es"), pytest.raises(Conflict, match="ya firmó"):
        services.do_sign_petition(world.users["ivo"], petition)
    petition.refresh_from_db()
    assert petition.signatures == 2 == PetitionSignature.objects.filter(petition=petition).count()


def test_the_holder_cannot_petition_against_themselves_and_one_petition_at_a_time(
    world: World,
) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    with pytest.raises(InvalidInput):
        services.do_open_recall_petition(world.users["ana"], seat, "reason")
    with pytest.raises(InvalidInput):
        services.do_open_recall_petition(world.users["hal"], seat, "   ")
    services.do_open_recall_petition(world.users["hal"], seat, "reason")
    with pytest.raises(Conflict):
        services.do_open_recall_petition(world.users["jo"], seat, "another reason")


def test_signatures_are_never_public(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "Broke the mandate")
    services.do_sign_petition(world.users["ivo"], petition)
    payloads = " ".join(
        Entry.objects.filter(federation=world.federation, type__startswith="recall.").values_list(
            "payload", flat=True
        )
    )
    for name in ["Hal", "Ivo", "hal", "ivo"]:
        assert name not in payloads
    opened = entries(world, "recall.petition_opened")[0]
    assert set(opened) >= {"petition", "seat", "delegate", "reason", "threshold", "electorate"}
    assert "signers" not in opened and "opened_by" not in opened
    assert services.has_signed(world.users["ivo"], petition)
    assert not services.has_signed(world.users["jo"], petition)


def test_petition_expires_without_enough_signatures(world: World) -> None:
    from datetime import timedelta

    seat = world.seat("ana", "base-1", "prov-a1")
    RecallSettings.objects.create(federation=world.federation, threshold=Decimal("0.5"))
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    assert services.do_expire_petitions(now=petition.closes_at - timedelta(seconds=1)) == 0
    assert services.do_expire_petitions(now=petition.closes_at) == 1
    assert services.do_expire_petitions(now=petition.closes_at) == 0
    petition.refresh_from_db()
    assert petition.status == RecallPetition.Status.EXPIRED
    assert entries(world, "recall.petition_expired")[0]["signatures"] == 1
    with pytest.raises(Conflict):
        services.do_sign_petition(world.users["ivo"], petition)
    # A new petition may then be opened.
    services.do_open_recall_petition(world.users["jo"], seat, "again")


# ---------------------------------------------------------------- the recall vote


VOTE_CASES = [
    # yes, no (of 8 on the roll), quorum, majority, passed
    pytest.param(3, 1, "0.5", "0.5", True, id="four-of-eight-voted-three-yes-passes"),
    pytest.param(3, 0, "0.5", "0.5", False, id="three-of-eight-is-below-the-quorum"),
    pytest.param(2, 2, "0.5", "0.5", False, id="a-tie-keeps-the-delegate"),
    pytest.param(3, 0, "0.25", "0.5", True, id="a-lower-federation-quorum"),
    pytest.param(4, 2, "0.5", "0.667", False, id="four-of-six-is-not-over-two-thirds"),
]


@pytest.mark.parametrize(("yes", "no", "quorum", "majority", "passed"), VOTE_CASES)
def test_recall_vote_quorum_and_majority(
    world: World, yes: int, no: int, quorum: str, majority: str, passed: bool
) -> None:
    RecallSettings.objects.create(
        federation=world.federation, quorum=Decimal(quorum), majority=Decimal(majority)
    )
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    petition = services.do_sign_petition(world.users["ivo"], petition)
    voters = ["hal", "ivo", "jo", "kai", "lu", "gus", "fe", "ana"]
    for index, name in enumerate(voters[: yes + no]):
        elections.do_cast_ballot(
            world.users[name], petition.election, ["yes" if index < yes else "no"]
        )
    petition = services.do_close_recall(petition.election)
    assert petition is not None
    assert petition.status == (
        RecallPetition.Status.PASSED if passed else RecallPetition.Status.FAILED
    )
    result = entries(world, "recall.result")[0]
    assert (result["yes"], result["no"], result["electorate"], result["passed"]) == (
        yes,
        no,
        8,
        passed,
    )
    assert result["signatures"] == 2
    assert (("Ana", "base-1->prov-a1") in world.held()) is not passed


def test_a_recall_vote_is_decided_by_the_rules_in_force_when_it_opened(world: World) -> None:
    from django.contrib.auth import get_user_model

    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    petition = services.do_sign_petition(world.users["ivo"], petition)
    opened = entries(world, "recall.threshold_reached")[0]
    assert (opened["quorum"], opened["majority"]) == ("0.500", "0.500")
    # Mid-vote, the federation raises the bar; the vote already open is not moved.
    admin = get_user_model().objects.get(username="root")
    services.do_update_recall_settings(
        admin, world.federation, quorum=Decimal("0.9"), majority=Decimal("0.8")
    )
    for index, name in enumerate(["hal", "ivo", "jo", "kai"]):
        elections.do_cast_ballot(
            world.users[name], petition.election, ["yes" if index < 3 else "no"]
        )
    petition = services.do_close_recall(petition.election)
    assert petition is not None
    assert petition.status == RecallPetition.Status.PASSED
    result = entries(world, "recall.result")[0]
    assert (result["quorum"], result["majority"], result["passed"]) == ("0.500", "0.500", True)


def test_a_seat_vacated_otherwise_cancels_its_recall_vote(world: World) -> None:
    seat = world.seat("ana", "region-a")
    # Dora, Bea and Ana sit in region-a: Bea opens it, a third is one signature.
    petition = services.do_open_recall_petition(world.users["bea"], seat, "reason")
    assert petition.status == RecallPetition.Status.VOTING
    services.do_vacate_seat(world.users["ana"], seat, Seat.Reason.RESIGNED)
    petition.refresh_from_db()
    assert petition.status == RecallPetition.Status.MOOT
    assert Election.objects.get(pk=petition.election_id).status == Election.Status.CANCELLED


def test_a_recall_vote_opens_at_its_threshold_in_server_mode_under_trustees_mode(
    world: World, settings: Any
) -> None:
    """The petition's last signature opens the vote at once: no time for a key ceremony,
    so the recall vote is sealed by the server even with three officers (docs/elections.md)."""
    from asamblea.ballots.models import BallotKey
    from asamblea.ballots.sealing import key_for
    from asamblea.elections.models import Ballot
    from support.factories import make_officer

    settings.ELECTION_KEY_MODE = "trustees"
    for name in ["of-1", "of-2", "of-3"]:
        make_officer(world.federation, "base-1", name)
    petition = recall_ana_at_base(world)
    assert petition.status == RecallPetition.Status.PASSED
    key = key_for(Ballot.TRACKER_SCHEME, petition.election_id)
    assert key is not None and key.mode == BallotKey.Mode.SERVER


def test_new_members_after_the_opening_do_not_change_the_threshold(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    RecallSettings.objects.create(federation=world.federation, threshold=Decimal("0.5"))
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    assert (petition.electorate, petition.threshold) == (8, 4)
    for name in ["mo", "ned", "ola"]:
        member(world, "base-1", name)
        petition = services.do_sign_petition(world.users[name], petition)
    assert petition.threshold == 4
    assert petition.status == RecallPetition.Status.VOTING


@pytest.mark.parametrize(
    ("parity", "replacement"),
    [
        pytest.param(False, "Zeno", id="without-parity-the-voters-next-choice"),
        pytest.param(True, "Yola", id="parity-keeps-the-seat-with-the-departing-members-group"),
    ],
)
def test_countback_under_the_parity_rule(world: World, parity: bool, replacement: str) -> None:
    from recall.world import run_election

    for name in ["wanda", "xavi", "yola", "zeno", "abel", "bruna", "ciro"]:
        member(world, "base-4", name)
    groups = {"wanda": "women", "yola": "women", "bruna": "women", "xavi": "men", "zeno": "men"}
    run_election(
        world,
        "base-4",
        council="prov-b1",
        seats=2,
        candidates=["wanda", "xavi", "yola", "zeno"],
        groups=groups if parity else None,
        ballots=[
            ("wanda", ["wanda", "zeno", "yola"]),
            ("abel", ["wanda", "zeno", "yola"]),
            ("bruna", ["wanda", "yola"]),
            ("xavi", ["xavi"]),
            ("zeno", ["xavi"]),
            ("ciro", ["xavi"]),
            ("yola", ["yola"]),
        ],
    )
    seat = world.seat("wanda", "base-4", "prov-b1")
    officer = world.officers["base-4"]
    services.do_vacate_seat(officer, seat, Seat.Reason.DECEASED)
    held = {name for name, where in world.held() if where == "base-4->prov-b1"}
    assert held == {"Xavi", replacement}


def test_only_a_federation_admin_changes_the_recall_settings(world: World) -> None:
    from django.contrib.auth import get_user_model

    with pytest.raises(PermissionDenied):
        services.do_update_recall_settings(
            world.officers["base-1"], world.federation, quorum=Decimal("0.3")
        )
    admin = get_user_model().objects.get(username="root")
    settings = services.do_update_recall_settings(
        admin, world.federation, threshold=Decimal("0.2"), refill="by-election", vote_days=3
    )
    assert (settings.threshold, settings.refill, settings.vote_days) == (
        Decimal("0.2"),
        "by-election",
        3,
    )
    assert entries(world, "recall.settings")[-1]["refill"] == "by-election"
    with pytest.raises(InvalidInput):
        services.do_update_recall_settings(admin, world.federation, quorum=Decimal("1.5"))
    with pytest.raises(InvalidInput):
        services.do_update_recall_settings(admin, world.federation, refill="lottery")
    with pytest.raises(InvalidInput):
        services.do_update_recall_settings(admin, world.federation, colour="red")
    assert services.recall_settings(world.federation).quorum == Decimal("0.5")
