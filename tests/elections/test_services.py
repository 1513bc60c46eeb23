"""Election services, allowed and refused, and what they publish and fill."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from asamblea import hooks
from asamblea.elections import services
from asamblea.elections.models import Ballot, Candidacy, Election, RollEntry, Seat, VoteCast
from asamblea.elections.recount import seed_commitment
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation import services as federation_services
from asamblea.federation.models import Delegation, Membership
from asamblea.record.models import Entry
from elections.helpers import open_election, voters
from support.factories import add_member, body, make_officer, make_user
from support.sealed import ballot_says

NOW = timezone.now()


def entries(federation, entry_type):
    return [
        json.loads(e.payload)
        for e in Entry.objects.filter(federation=federation, type=entry_type).order_by("index")
    ]


def voting_election(federation, n_voters=4, seats=1, base="base-1", **kwargs):
    members = voters(federation, base, n_voters)
    election = open_election(federation, base, seats=seats, **kwargs)
    for member in members[: max(seats + 1, 2)]:
        services.do_stand(member, election)
    services.do_open_voting(election)
    return election, members


# ---------------------------------------------------------------- opening


def test_an_officer_opens_an_election_with_the_apportioned_seats_and_a_committed_seed(federation):
    election = open_election(federation)
    delegation = Delegation.objects.get(source__slug="base-1")
    assert election.seats == delegation.next_seats
    assert election.method == (
        Election.Method.STV if delegation.next_seats > 1 else Election.Method.IRV
    )
    assert 0 <= election.seed < 2**63
    (opened,) = entries(federation, "election.opened")
    assert opened["seed_commitment"] == seed_commitment(election.seed)
    assert str(election.seed) not in json.dumps(opened)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("member", PermissionDenied, id="a-member-is-not-an-officer"),
        pytest.param("other-officer", PermissionDenied, id="officer-of-another-body"),
        pytest.param("anonymous", PermissionDenied, id="anonymous"),
    ],
)
def test_only_officers_of_the_constituency_open_elections(federation, who, error):
    actor = {
        "member": lambda: voters(federation, "base-1", 1)[0],
        "other-officer": lambda: make_officer(federation, "base-2"),
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(error):
        open_election(federation, officer=actor)
    assert not Election.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"method": "irv", "seats": 2}, "one seat", id="irv-for-two-seats"),
        pytest.param({"method": "approval", "parity": True}, "parity", id="parity-needs-stv"),
        pytest.param({"method": "borda"}, "Unknown", id="unknown-method"),
        pytest.param({"seats": 0}, "at least one seat", id="no-seats"),
        pytest.param(
            {"times": {"voting_closes_at": NOW - timedelta(days=1),
                       "voting_opens_at": NOW - timedelta(days=2),
                       "nominations_close_at": NOW - timedelta(days=2)}},
            "future", id="closes-in-the-past",
        ),
        pytest.param(
            {"times": {"voting_opens_at": NOW + timedelta(minutes=1)}},
            "before the vote opens", id="nominations-after-the-vote-opens",
        ),
    ],
)  # fmt: skip
def test_bad_elections_are_refused(federation, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        open_election(federation, **kwargs)


def test_a_council_does_not_elect_another_bodys_delegates(federation):
    officer = make_officer(federation, "base-2")
    with pytest.raises(InvalidInput, match="does not elect"):
        open_election(
            federation,
            "base-2",
            officer=officer,
            delegation=Delegation.objects.get(source__slug="base-1"),
        )


def test_two_elections_for_the_same_seats_at_once_are_refused(federation):
    officer = make_officer(federation, "base-1")
    open_election(federation, officer=officer)
    with pytest.raises(Conflict):
        open_election(federation, officer=officer)


# ---------------------------------------------------------------- standing


def test_verified_members_stand_others_are_refused(federation):
    (member,) = voters(federation, "base-1", 1)
    (outsider,) = voters(federation, "base-2", 1)
    pending = make_user("pending")
    add_member(federation, "base-1", "Pending Person", user=pending, verified=False)
    election = open_election(federation)
    candidacy = services.do_stand(member, election, public_name="Ana Q.")
    assert candidacy.status == Candidacy.Status.ACCEPTED and candidacy.public_name == "Ana Q."
    for refused in (outsider, pending, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.do_stand(refused, election)
    with pytest.raises(Conflict):
        services.do_stand(member, election)


def test_a_public_name_already_on_the_ballot_is_refused(federation):
    a, b = voters(federation, "base-1", 2)
    election = open_election(federation)
    services.do_stand(a, election, public_name="Rosa")
    with pytest.raises(Conflict, match="tells you apart"):
        services.do_stand(b, election, public_name="rosa")


def test_the_parity_rule_asks_each_candidate_for_their_group(federation):
    (a,) = voters(federation, "base-1", 1)
    election = open_election(federation, seats=2, parity=True)
    with pytest.raises(InvalidInput, match="parity"):
        services.do_stand(a, election)
    assert services.do_stand(a, election, group="women").group == "women"


def test_a_nomination_is_accepted_by_the_nominee_only(federation):
    nominator, nominee, other = voters(federation, "base-1", 3)
    election = open_election(federation)
    person = nominee.person
    candidacy = services.do_nominate(nominator, election, person)
    assert candidacy.status == Candidacy.Status.NOMINATED
    with pytest.raises(PermissionDenied):
        services.do_accept_nomination(other, candidacy)
    assert services.do_accept_nomination(nominee, candidacy).status == Candidacy.Status.ACCEPTED
    (outsider,) = voters(federation, "base-2", 1)
    with pytest.raises(InvalidInput):
        services.do_nominate(nominator, election, outsider.person)


def test_a_candidate_withdraws_before_the_vote_but_not_after(federation):
    a, b = voters(federation, "base-1", 2)
    election = open_election(federation)
    ca = services.do_stand(a, election)
    services.do_stand(b, election)
    with pytest.raises(PermissionDenied):
        services.do_withdraw(b, ca)
    services.do_withdraw(a, ca)
    assert [c.person_id for c in services.standing(election)] == [b.person.pk]
    cb = Candidacy.objects.get(election=election, person=b.person)
    services.do_open_voting(election)
    with pytest.raises(Conflict):
        services.do_withdraw(b, cb)


def test_closing_nominations_early_is_for_officers_and_needs_a_candidate(federation):
    officer = make_officer(federation, "base-1")
    (a,) = voters(federation, "base-1", 1)
    election = open_election(federation, officer=officer)
    with pytest.raises(PermissionDenied):
        services.do_close_nominations(a, election)
    with pytest.raises(Conflict, match="Nobody stands"):
        services.do_close_nominations(officer, election)
    services.do_stand(a, election)
    election = services.do_close_nominations(officer, election)
    assert election.status == Election.Status.READY
    with pytest.raises(Conflict):
        services.do_stand(a, election)
    (closed,) = entries(federation, "election.nominations_closed")
    assert closed["candidates"] == [a.person.full_name]


# ---------------------------------------------------------------- the roll and the vote


def test_the_roll_is_frozen_when_the_vote_opens(federation):
    election, members = voting_election(federation, n_voters=3)
    assert set(RollEntry.objects.filter(election=election).values_list("person", flat=True)) == {
        m.person.pk for m in members
    }
    late = make_user("late")
    add_member(federation, "base-1", "Late Comer", user=late)
    candidate = services.standing(election)[0]
    with pytest.raises(PermissionDenied, match="voter roll"):
        services.do_cast_ballot(late, election, [candidate.pk])
    (opened,) = entries(federation, "election.voting_opened")
    assert opened["roll"] == 3


@pytest.mark.parametrize("who", ["other-body", "suspended", "anonymous", "officer-only"])
def test_people_outside_the_roll_cannot_vote(federation, who):
    election, members = voting_election(federation, n_voters=3)
    candidate = services.standing(election)[0]
    if who == "other-body":
        user = voters(federation, "base-2", 1)[0]
    elif who == "suspended":
        user = members[2]
        membership = Membership.objects.get(person=user.person, body__slug="base-1")
        admin = make_user("boss")
        admin.is_superuser = True
        admin.save()
        federation_services.do_decide_membership(
            admin, membership.body, membership.pk, "suspend", "unpaid dues"
        )
    elif who == "anonymous":
        user = AnonymousUser()
    else:
        user = make_officer(federation, "base-1", "just-an-officer")
    with pytest.raises(PermissionDenied):
        services.do_cast_ballot(user, election, [candidate.pk])
    assert not VoteCast.objects.exists() and not Ballot.objects.exists()


def test_one_member_one_ballot_and_replacing_needs_the_code(federation):
    election, (a, _b, c, d) = voting_election(federation)
    first, second = services.standing(election)[:2]
    receipt = services.do_cast_ballot(c, election, [first.pk, second.pk])
    with pytest.raises(Conflict, match="already voted"):
        services.do_cast_ballot(c, election, [second.pk])
    # Someone else's code does not open this voter's ballot, nor does a made-up one.
    other = services.do_cast_ballot(d, election, [first.pk])
    with pytest.raises(PermissionDenied, match="not the code"):
        services.do_cast_ballot(c, election, [second.pk], ballot_code=other.ballot_code)
    # A coercer holding the code cannot use it from their own account.
    with pytest.raises(PermissionDenied, match="not the code"):
        services.do_cast_ballot(d, election, [second.pk], ballot_code=receipt.ballot_code)
    replaced = services.do_cast_ballot(c, election, [second.pk], ballot_code=receipt.ballot_code)
    assert replaced.replaced and replaced.tracker == receipt.tracker
    assert Ballot.objects.filter(election=election).count() == 2
    assert ballot_says(Ballot.objects.get(tracker=receipt.tracker)) == [second.pk]
    with pytest.raises(InvalidInput, match="not voted yet"):
        services.do_cast_ballot(a, election, [first.pk], ballot_code=receipt.ballot_code)
    assert services.turnout(election) == (2, 4)


def test_a_bad_ballot_changes_nothing(federation):
    election, (a, *_rest) = voting_election(federation)
    first = services.standing(election)[0]
    with pytest.raises(InvalidInput):
        services.do_cast_ballot(a, election, [first.pk, first.pk])
    assert not VoteCast.objects.exists() and not Ballot.objects.exists()


def test_no_ballot_before_the_vote_opens_or_after_it_closes(federation):
    members = voters(federation, "base-1", 3)
    election = open_election(federation)
    cand = services.do_stand(members[0], election)
    with pytest.raises(Conflict, match="not opened"):
        services.do_cast_ballot(members[1], election, [cand.pk])
    services.do_stand(members[1], election)
    services.do_open_voting(election)
    services.do_close_election(election)
    with pytest.raises(Conflict, match="closed"):
        services.do_cast_ballot(members[2], election, [cand.pk])


# ---------------------------------------------------------------- the count and the seats


def test_the_close_counts_publishes_and_fills_the_seats(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    election, members = voting_election(federation, n_voters=5, seats=2)
    a, b, c = services.standing(election)
    plan = [[a.pk, b.pk], [a.pk, c.pk], [b.pk], [c.pk, b.pk], [a.pk]]
    receipts = [services.do_cast_ballot(m, election, r) for m, r in zip(members, plan, strict=True)]
    election = services.do_close_election(election)
    count = election.result["count"]
    assert count["method"] == "stv-scottish"
    assert count["quota"] == "2"
    assert count["elected"][0]["name"] == a.public_name
    held = Seat.objects.filter(election=election, status=Seat.Status.HELD)
    assert held.count() == 2
    assert {s.public_name for s in held} == {e["name"] for e in count["elected"]}
    delegation = election.delegation
    delegation.refresh_from_db()
    assert delegation.seats == 2
    trackers = [e["tracker"] for e in entries(federation, "ballot.tracker")]
    assert trackers == sorted(r.tracker for r in receipts)
    (counted,) = entries(federation, "election.counted")
    assert counted["seed"] == election.seed
    assert sum(b["count"] for b in counted["ballots"]) == 5
    assert counted["ballots"] == sorted(counted["ballots"], key=lambda b: b["ranking"])
    assert counted["result"]["elected"] == count["elected"]
    filled = entries(federation, "seat.filled")
    assert {f["name"] for f in filled} == {e["name"] for e in count["elected"]}
    # The council shows its new members (public names only).
    council_members = services.delegates_into(body(federation, "prov-a1"))
    assert {s.public_name for s in council_members} == {s.public_name for s in held}


def test_a_new_election_ends_the_previous_term(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    officer = make_officer(federation, "base-1")
    members = voters(federation, "base-1", 3)
    ended_seen = []
    handler = hooks.seat_ended.register()(lambda seat: ended_seen.append(seat.pk) or [])
    try:
        firsts = []
        for round_ in range(2):
            election = open_election(federation, officer=officer, seats=1)
            cands = [services.do_stand(m, election) for m in members[:2]]
            services.do_open_voting(election)
            services.do_cast_ballot(members[2], election, [cands[round_].pk])
            services.do_close_election(election)
            firsts.append(Seat.objects.get(election=election))
    finally:
        hooks.seat_ended.unregister(handler)
    old, new = firsts
    old.refresh_from_db()
    assert old.status == Seat.Status.VACATED and old.reason == Seat.Reason.TERM_ENDED
    assert new.status == Seat.Status.HELD
    assert ended_seen == [old.pk]
    assert entries(federation, "seat.ended")[0]["seat"] == old.pk


def test_few_voters_get_only_the_outcome_published(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 5
    election, members = voting_election(federation, n_voters=3)
    first = services.standing(election)[0]
    for m in members:
        services.do_cast_ballot(m, election, [first.pk])
    services.do_close_election(election)
    (counted,) = entries(federation, "election.counted")
    assert "ballots" not in counted and "stages" not in counted["result"]
    assert counted["papers"] == 3 and counted["result"]["elected"][0]["name"] == first.public_name
    assert len(entries(federation, "ballot.tracker")) == 3


def test_delegates_elect_in_their_council(federation, settings):
    """A council's voters are the delegates seated in it, elected below."""
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    for base in ("base-1", "base-2"):
        election, members = voting_election(federation, n_voters=2, base=base, seats=1)
        cand = services.standing(election)[0]
        services.do_cast_ballot(members[0], election, [cand.pk])
        services.do_close_election(election)
    province = body(federation, "prov-a1")
    delegates = list(services.eligible_people(province))
    assert len(delegates) == 2
    officer = make_officer(federation, "prov-a1")
    election = open_election(federation, "prov-a1", officer=officer, seats=1)
    base_member = voters(federation, "base-1", 1, prefix="plain")[0]
    with pytest.raises(PermissionDenied, match="delegates"):
        services.do_stand(base_member, election)
    users = [p.user for p in delegates]
    cand = services.do_stand(users[0], election)
    services.do_open_voting(election)
    services.do_cast_ballot(users[1], election, [cand.pk])
    with pytest.raises(PermissionDenied):
        services.do_cast_ballot(base_member, election, [cand.pk])
    services.do_close_election(election)
    assert services.delegates_into(body(federation, "region-a")).get().holder == delegates[0]


def test_nobody_standing_cancels_the_election_when_nominations_close(federation):
    election = open_election(federation)
    election = services.do_close_nominations_on_time(
        election, now=election.nominations_close_at + timedelta(seconds=1)
    )
    assert election.status == Election.Status.CANCELLED
    assert entries(federation, "election.cancelled")[0]["reason"] == services.NOBODY_STOOD
