"""The member's own data: what Asamblea holds about them, correcting it, the language of
their pages, leaving an assembly and deleting their account (with what stays said)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from asamblea.elections.models import VoteCast
from asamblea.errors import Conflict, InvalidInput, NotFound
from asamblea.federation import services
from asamblea.federation.models import Body, Delegation, Federation, Membership, Person
from deliberation.helpers import member, seat_delegates
from support.factories import TEST_PASSWORD, add_member, body
from support.language import english

ONCE = re.compile(r'name="once" value="([^"]+)"')
NAME, PHONE, EMAIL = "Rosa Huamán Quispe", "+51987654321", "rosa@example.org"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def rosa(federation: Federation) -> Any:
    user = member(federation, "base-1", "rosa", name=NAME, phone=PHONE, email=EMAIL)
    add_member(federation, "base-2", user=user)
    return user


def logged_in(user: Any) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def post(client: Client, page: str, action: str, data: dict[str, str]) -> Any:
    """Send a form as a person does: open its page (for the one-time token), then post."""
    html = client.get(page).content.decode()
    return client.post(action, {**data, "once": ONCE.findall(html)[-1]})


def verified(federation: Federation, slug: str) -> int:
    return body(federation, slug).verified_members


# ---------------------------------------------------------------- seeing it


def test_the_page_shows_everything_held_about_the_member(federation: Federation, rosa: Any) -> None:
    page = logged_in(rosa).get("/me/data/").content.decode()
    for held in (NAME, PHONE, EMAIL, "rosa", "Base 1", "Base 2", "Verified"):
        assert held in page
    assert 'id="leave-base-1"' in page and 'id="delete-link"' in page
    assert 'href="/me/notices/"' in page  # the notices app's preferences


def test_a_login_with_no_person_is_told_there_is_nothing_personal(db: None) -> None:
    from support.factories import make_user

    page = logged_in(make_user("lone")).get("/me/data/").content.decode()
    assert "lone" in page and 'id="details-form"' not in page


# ---------------------------------------------------------------- correcting it


def test_a_member_corrects_their_name_phone_and_email(federation: Federation, rosa: Any) -> None:
    client = logged_in(rosa)
    response = post(
        client,
        "/me/data/",
        "/me/data/details/",
        {"full_name": "  Rosa  Huamán ", "phone": "999 111 222", "email": "Rosa@Example.ORG"},
    )
    assert response.status_code == 302
    person = Person.objects.get(user=rosa)
    assert (person.full_name, person.phone, person.email) == (
        "Rosa Huamán",
        "999111222",
        "rosa@example.org",
    )
    assert "Your details are corrected." in client.get("/me/data/").content.decode()


def test_a_bad_phone_is_refused_on_the_same_page_with_what_was_typed_kept(
    federation: Federation, rosa: Any
) -> None:
    response = post(
        logged_in(rosa),
        "/me/data/",
        "/me/data/details/",
        {"full_name": "Rosa Nueva", "phone": "12", "email": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The phone number looks too short" in page and 'value="Rosa Nueva"' in page
    assert Person.objects.get(user=rosa).full_name == NAME


def test_an_empty_name_is_refused_by_the_service(federation: Federation, rosa: Any) -> None:
    with pytest.raises(InvalidInput):
        services.do_correct_own_details(rosa, full_name="   ", phone="", email="")


# ---------------------------------------------------------------- the language


def test_the_chosen_language_is_kept_and_followed_at_the_next_login(
    federation: Federation, rosa: Any
) -> None:
    client = logged_in(rosa)
    response = post(client, "/me/data/", "/me/data/language/", {"language": "es"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert Person.objects.get(user=rosa).language == "es"
    # Another phone, no cookie: the login brings the member's language.
    other = Client()
    other.post("/accounts/login/", {"username": "rosa", "password": TEST_PASSWORD})
    assert 'lang="es"' in other.get("/me/").content.decode()
    # Back to the federation's language: the choice and the cookie are dropped.
    response = post(client, "/me/data/", "/me/data/language/", {"language": ""})
    assert Person.objects.get(user=rosa).language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""


def test_an_unknown_language_is_refused(federation: Federation, rosa: Any) -> None:
    response = post(logged_in(rosa), "/me/data/", "/me/data/language/", {"language": "xx"})
    assert response.status_code == 400
    with pytest.raises(InvalidInput):
        services.do_set_own_language(rosa, "xx")
    assert Person.objects.get(user=rosa).language == ""


# ---------------------------------------------------------------- leaving


def test_leaving_asks_first_then_counts_and_seats_follow(federation: Federation, rosa: Any) -> None:
    for number in range(3):
        add_member(federation, "base-1", f"Other {number}")
    before = {slug: verified(federation, slug) for slug in ("base-1", "prov-a1", "national")}
    membership = Membership.objects.get(person__user=rosa, body__slug="base-1")
    client = logged_in(rosa)
    confirm = client.get(f"/me/leave/{membership.pk}/").content.decode()
    assert "Leave Base 1?" in confirm and 'id="confirm-leave"' in confirm
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.VERIFIED
    response = post(client, f"/me/leave/{membership.pk}/", f"/me/leave/{membership.pk}/", {})
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.LEFT
    # Rosa still counts above base-1 through base-2 (same province): only base-1 drops.
    assert verified(federation, "base-1") == before["base-1"] - 1
    assert verified(federation, "prov-a1") == before["prov-a1"]
    assert verified(federation, "national") == before["national"]
    # The apportionment is what a recount from scratch gives.
    seats = dict(Delegation.objects.values_list("pk", "next_seats"))
    assert services.do_recompute_seats(federation) == 0
    assert dict(Delegation.objects.values_list("pk", "next_seats")) == seats


def test_leaving_the_last_assembly_lowers_every_council_above(
    federation: Federation, rosa: Any
) -> None:
    before = verified(federation, "national")
    for membership in Membership.objects.filter(person__user=rosa):
        services.do_leave_assembly(rosa, membership.pk)
    assert verified(federation, "national") == before - 1


def test_nobody_leaves_for_another_and_nobody_leaves_twice(
    federation: Federation, rosa: Any
) -> None:
    other = add_member(federation, "base-1", "Someone Else")
    with pytest.raises(NotFound):
        services.do_leave_assembly(rosa, other.pk)
    assert logged_in(rosa).get(f"/me/leave/{other.pk}/").status_code == 404
    mine = Membership.objects.get(person__user=rosa, body__slug="base-2")
    services.do_leave_assembly(rosa, mine.pk)
    with pytest.raises(Conflict):
        services.do_leave_assembly(rosa, mine.pk)


def test_a_delegate_gives_up_the_seat_before_leaving_the_assembly_that_elected_them(
    federation: Federation, rosa: Any
) -> None:
    seat_delegates(federation, "base-1", "prov-a1", [rosa], ["Rosa H."])
    membership = Membership.objects.get(person__user=rosa, body__slug="base-1")
    with pytest.raises(Conflict, match="Vacate"):
        services.do_leave_assembly(rosa, membership.pk)
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.VERIFIED
    # Another assembly, that elected them to nothing: they may leave it.
    other = Membership.objects.get(person__user=rosa, body__slug="base-2")
    services.do_leave_assembly(rosa, other.pk)


def test_an_applicant_withdraws_their_application(federation: Federation, rosa: Any) -> None:
    applied = add_member(federation, "base-3", user=rosa, verified=False)
    before = verified(federation, "base-3")
    services.do_leave_assembly(rosa, applied.pk)
    applied.refresh_from_db()
    assert applied.status == Membership.Status.LEFT
    assert verified(federation, "base-3") == before


# ---------------------------------------------------------------- deleting the account


def test_deleting_the_account_needs_the_password_and_says_what_stays(
    federation: Federation, rosa: Any
) -> None:
    client = logged_in(rosa)
    confirm = client.get("/me/delete/").content.decode()
    assert "anonymous ballots" in confirm and "public record" in confirm
    response = post(client, "/me/delete/", "/me/delete/", {"password": "not it"})
    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    assert get_user_model().objects.filter(username="rosa").exists()


def test_deleting_the_account_erases_the_person_and_ends_the_memberships(
    federation: Federation, rosa: Any
) -> None:
    person = Person.objects.get(user=rosa)
    national = verified(federation, "national")
    client = logged_in(rosa)
    response = post(client, "/me/delete/", "/me/delete/", {"password": TEST_PASSWORD})
    assert response.status_code == 200 and 'id="deleted"' in response.content.decode()
    assert not get_user_model().objects.filter(username="rosa").exists()
    person.refresh_from_db()
    assert (person.full_name, person.phone, person.email, person.user_id) == ("", "", "", None)
    assert set(person.memberships.values_list("status", flat=True)) == {"left"}
    assert verified(federation, "national") == national - 1
    # This session has ended, and the login is gone.
    assert client.get("/me/").status_code == 302
    again = Client().post("/accounts/login/", {"username": "rosa", "password": TEST_PASSWORD})
    assert again.status_code == 200, "the login form refuses it"


def test_the_votes_a_deleted_member_cast_stay_counted(federation: Federation, rosa: Any) -> None:
    from asamblea.elections import services as elections
    from elections.helpers import open_election

    election = open_election(federation, "base-1")
    candidate = member(federation, "base-1", "candidate")
    elections.do_stand(candidate, election, public_name="Candidate")
    elections.do_open_voting(election)
    elections.do_cast_ballot(rosa, election, [elections.standing(election)[0].pk])
    services.do_delete_own_account(rosa, TEST_PASSWORD)
    assert VoteCast.objects.filter(election=election).count() == 1
    assert election.ballots.count() == 1


def test_a_delegate_gives_up_their_seats_before_deleting_the_account(
    federation: Federation, rosa: Any
) -> None:
    seat_delegates(federation, "base-1", "prov-a1", [rosa], ["Rosa H."])
    with pytest.raises(Conflict, match="Vacate"):
        services.do_delete_own_account(rosa, TEST_PASSWORD)
    assert Person.objects.get(user=rosa).full_name == NAME
    assert Body.objects.get(federation=federation, slug="base-1").verified_members >= 1


def test_an_administrator_cannot_delete_their_own_login(federation: Federation) -> None:
    from support.factories import FederationAdminFactory

    admin = FederationAdminFactory(federation=federation).user
    with pytest.raises(Conflict, match="administrator"):
        services.do_delete_own_account(admin, TEST_PASSWORD)
    assert get_user_model().objects.filter(pk=admin.pk).exists()
