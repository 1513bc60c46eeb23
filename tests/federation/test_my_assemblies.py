"""'Mis asambleas': a member's bodies with their roles, and what awaits them now, gathered
from every app through asamblea.hooks.member_agenda; and the body page that speaks to
"you" (member, applicant, delegate)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from asamblea.elections import services as elections
from asamblea.elections.models import Election
from asamblea.federation import agenda
from asamblea.federation.models import Federation
from deliberation.helpers import member, seat_delegates
from elections.helpers import open_election
from support.factories import add_member, make_officer, make_user
from support.language import english


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def keys(user: Any) -> list[str]:
    return [item.key for item in agenda.agenda(agenda.member_of(user))]


def voting_election(federation: Federation, base: str, **kwargs: Any) -> Election:
    """An election of `base`'s delegates with its vote open (the roll frozen now)."""
    election = open_election(federation, base, **kwargs)
    candidate = member(federation, base, f"candidate-{base}")
    elections.do_stand(candidate, election, public_name=f"Candidate {base}")
    elections.do_open_voting(election)
    return election


def test_nothing_waits_for_a_new_member_and_the_page_says_so(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    assert keys(ana) == []
    client = english(Client())
    client.force_login(ana)
    page = client.get("/me/").content.decode()
    assert 'id="nothing-waits"' in page
    assert 'id="my-base-1"' in page
    assert "Member" in page


def test_an_open_vote_waits_until_it_is_cast(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    election = voting_election(federation, "base-1")
    assert keys(ana) == [f"vote-{election.pk}"]
    page = english(Client())
    page.force_login(ana)
    html = page.get("/me/").content.decode()
    assert f'href="/f/test/e/{election.pk}/ballot/"' in html
    standing = elections.standing(election)
    elections.do_cast_ballot(ana, election, [standing[0].pk])
    assert keys(ana) == []


def test_a_vote_of_another_assembly_does_not_wait_for_a_member(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    voting_election(federation, "base-2")
    assert keys(ana) == []


def test_open_nominations_wait_for_a_member_who_may_stand(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    election = open_election(federation, "base-1")
    assert keys(ana) == [f"stand-{election.pk}"]
    elections.do_stand(ana, election, public_name="Ana")
    assert keys(ana) == []


def test_an_officer_is_told_of_waiting_applications_and_seats_to_fill(
    federation: Federation,
) -> None:
    officer = make_officer(federation, "base-1")
    add_member(federation, "base-1", "Waiting Person", verified=False)
    add_member(federation, "base-1", "Another Person", verified=False)
    items = agenda.agenda(agenda.member_of(officer))
    texts = {item.key: item.text for item in items}
    assert texts["applications-base-1"] == ("2 applications are waiting for a decision in Base 1.")
    assert any(key.startswith("fill-") for key in texts)
    # An election under way: the seats are being filled, nothing to open.
    open_election(federation, "base-1", officer=officer)
    assert not any(key.startswith("fill-") for key in keys(officer))


def test_the_bodies_list_shows_every_role(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    add_member(federation, "base-2", user=ana)
    add_member(federation, "union-1", user=ana, verified=False, sector="workers")
    seat_delegates(federation, "base-1", "prov-a1", [ana], ["Ana Delegada"])
    make_officer_of = make_officer(federation, "base-2", "other")  # not ana's
    assert make_officer_of != ana
    roles = {role.body.slug: role.roles for role in agenda.roles_of(agenda.member_of(ana))}
    assert roles == {
        "base-1": ["Member"],
        "base-2": ["Member"],
        "union-1": ["Application waiting for an officer"],
        "prov-a1": ["Delegate of Base 1"],
    }


def test_the_body_page_speaks_to_the_member_the_applicant_and_the_stranger(
    federation: Federation,
) -> None:
    ana = member(federation, "base-1", "ana")
    add_member(federation, "base-2", user=ana, verified=False)
    stranger = make_user("stranger")
    client = english(Client())
    client.force_login(ana)
    own = client.get("/f/test/b/base-1/").content.decode()
    assert 'id="you-are-member"' in own and "/join/" not in own
    waiting = client.get("/f/test/b/base-2/").content.decode()
    assert 'id="you-applied"' in waiting and "/join/" not in waiting
    client.force_login(stranger)
    other = client.get("/f/test/b/base-1/").content.decode()
    assert "you-are-member" not in other and "/f/test/b/base-1/join/" in other


def test_a_delegate_sees_their_seat_on_the_council_page(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    [seat] = seat_delegates(federation, "base-1", "prov-a1", [ana], ["Ana Delegada"])
    client = english(Client())
    client.force_login(ana)
    page = client.get("/f/test/b/prov-a1/").content.decode()
    assert 'id="your-seats"' in page
    assert f"/f/test/seats/{seat.pk}/" in page
    source = client.get("/f/test/b/base-1/").content.decode()
    assert 'id="your-seats"' in source


def test_login_lands_on_my_assemblies(federation: Federation) -> None:
    add_member(federation, "base-1", user=make_user("ana"))
    response = english(Client()).post(
        "/accounts/login/", {"username": "ana", "password": "a long test password"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_my_assemblies_needs_a_login() -> None:
    response = english(Client()).get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_election_closing_soon_comes_first(federation: Federation) -> None:
    ana = member(federation, "base-1", "ana")
    add_member(federation, "base-2", user=ana)
    now = timezone.now()
    later = voting_election(
        federation,
        "base-1",
        times={
            "nominations_close_at": now + timedelta(minutes=1),
            "voting_opens_at": now + timedelta(minutes=1),
            "voting_closes_at": now + timedelta(days=3),
        },
    )
    sooner = voting_election(federation, "base-2")
    assert keys(ana) == [f"vote-{sooner.pk}", f"vote-{later.pk}"]


def test_a_recall_petition_waits_for_the_members_and_warns_the_delegate(
    federation: Federation,
) -> None:
    from asamblea.recall.services import do_open_recall_petition, do_sign_petition

    rosa, luis, plain = (member(federation, "base-1", name) for name in ("rosa", "luis", "plain"))
    for number in range(5):
        member(federation, "base-1", f"extra-{number}")
    [seat] = seat_delegates(federation, "base-1", "prov-a1", [rosa], ["Rosa Delegada"])
    petition = do_open_recall_petition(luis, seat, "Did not report back")
    assert petition.threshold == 2 and petition.signatures == 1
    assert keys(plain) == [f"petition-{petition.pk}"]
    assert keys(luis) == []  # signed it already (opening signs)
    [against] = agenda.agenda(agenda.member_of(rosa))
    assert against.key == f"petition-{petition.pk}" and "against your seat" in against.text
    # The threshold is reached: the recall vote opens, and waits for the roll.
    do_sign_petition(plain, petition)
    petition.refresh_from_db()
    assert petition.election is not None
    assert f"recall-vote-{petition.election.pk}" in keys(plain)
    assert f"petition-{petition.pk}" not in keys(plain)
    elections.do_cast_ballot(plain, petition.election, ["no"])
    assert f"recall-vote-{petition.election.pk}" not in keys(plain)
