"""The officers' trail: member views and decisions leave a trace that the body's other
officers (and administrators) read, and nobody else; it names no member."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from asamblea.accounts.models import OfficerAction
from asamblea.accounts.services.trail import prune_officer_trail
from asamblea.federation.models import Federation, FederationAdmin
from support.factories import add_member, make_officer, make_user
from support.language import english
from support.second_factor import log_in_verified

pytestmark = pytest.mark.django_db
TRAIL = "/f/strict/b/base-1/officers/trail/"


def verified(user: object) -> Client:
    return log_in_verified(english(Client()), user)


def once(page: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_views_and_decisions_are_on_the_trail_for_the_other_officers(
    federation: Federation,
) -> None:
    infiltrated = verified(make_officer(federation, "base-1", "mole"))
    applicant = add_member(
        federation, "base-1", "Nadia Quispe", verified=False, phone="+51900111333"
    )
    page = infiltrated.get("/f/strict/b/base-1/members/").content.decode()
    infiltrated.get("/f/strict/b/base-1/members/")  # a reload: still one entry
    infiltrated.post(
        f"/f/strict/b/base-1/members/{applicant.pk}/decide/",
        {"action": "reject", "reason": "no", "once": once(page)},
    )
    kinds = list(OfficerAction.objects.order_by("at").values_list("actor_name", "kind"))
    assert kinds == [("mole", "members.viewed"), ("mole", "membership.decided")]

    colleague = verified(make_officer(federation, "base-1", "colleague"))
    trail = colleague.get(TRAIL)
    assert trail.status_code == 200
    text = trail.content.decode()
    assert "mole" in text and f"application #{applicant.pk}" in text and "rejected" in text
    assert "Nadia" not in text and "+51900111333" not in text


def test_appointing_an_officer_is_on_the_trail(federation: Federation) -> None:
    officer = verified(make_officer(federation, "base-1"))
    make_user("newcomer")
    page = officer.get("/f/strict/b/base-1/members/").content.decode()
    officer.post("/f/strict/b/base-1/officers/", {"username": "newcomer", "once": once(page)})
    entry = OfficerAction.objects.get(kind=OfficerAction.Kind.APPOINTED_OFFICER)
    assert entry.officer_name == "newcomer"


def test_the_trail_is_for_the_body_s_officers_and_administrators_only(
    federation: Federation,
) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    assert verified(admin).get(TRAIL).status_code == 200
    member = make_user("member")
    add_member(federation, "base-1", "Member", user=member)
    assert verified(member).get(TRAIL).status_code == 403
    assert verified(make_officer(federation, "base-2")).get(TRAIL).status_code == 403
    assert english(Client()).get(TRAIL).status_code == 302  # to the login page
    unverified = english(Client())
    unverified.force_login(make_officer(federation, "base-1"))
    assert unverified.get(TRAIL).status_code == 403


def test_a_decision_through_the_api_is_on_the_trail(federation: Federation) -> None:
    officer = verified(make_officer(federation, "base-1", "scripted"))
    applicant = add_member(federation, "base-1", "Nadia", verified=False)
    response = officer.post(
        f"/api/v1/federations/strict/bodies/base-1/memberships/{applicant.pk}/decision",
        {"action": "verify"},
        content_type="application/json",
    )
    assert response.status_code == 200
    entry = OfficerAction.objects.get()
    assert (entry.actor_name, entry.decision, entry.membership_number) == (
        "scripted",
        "verify",
        applicant.pk,
    )


def test_old_entries_are_pruned(federation: Federation, settings: object) -> None:
    officer = verified(make_officer(federation, "base-1"))
    officer.get("/f/strict/b/base-1/members/")
    now = timezone.now()
    assert prune_officer_trail(now + timedelta(days=364)) == 0
    assert prune_officer_trail(now + timedelta(days=366)) == 1
    assert not OfficerAction.objects.exists()
