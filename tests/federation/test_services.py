"""Membership, counts, seats and roles through the services, allowed and refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation import services
from asamblea.federation.models import Body, Delegation, Membership, Person, Sector
from asamblea.record.models import Entry
from support.factories import add_member, body, make_officer, make_user


def test_verifying_a_member_counts_them_in_their_body_and_every_council_above(federation):
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1", verified=False)
    services.do_verify_membership(officer, body(federation, "base-1"), membership.pk)
    counts = dict(
        Body.objects.filter(federation=federation).values_list("slug", "verified_members")
    )
    assert counts["base-1"] == 1
    assert counts["prov-a1"] == counts["region-a"] == counts["national"] == 1
    assert counts["base-2"] == counts["region-b"] == 0


def test_a_person_in_two_bases_counts_once_in_the_councils_above_both(federation):
    user = make_user("dual")
    add_member(federation, "base-1", user=user)
    add_member(federation, "union-1", user=user, sector="workers")
    assert Person.objects.filter(user=user).count() == 1
    assert body(federation, "base-1").verified_members == 1
    assert body(federation, "union-1").verified_members == 1
    assert body(federation, "prov-a1").verified_members == 1
    assert body(federation, "national").verified_members == 1
    # Leaving one of the two keeps them counted above through the other.
    admin = make_user("admin-x")
    admin.is_superuser = True
    admin.save()
    union_membership = Membership.objects.get(person__user=user, body__slug="union-1")
    services.do_decide_membership(
        admin, body(federation, "union-1"), union_membership.pk, "remove", "moved away"
    )
    assert body(federation, "union-1").verified_members == 0
    assert body(federation, "prov-a1").verified_members == 1


def test_the_same_phone_number_never_joins_two_applicants(federation):
    add_member(federation, "base-1", "Rosa Mamani", phone="+51 987 654 321")
    add_member(federation, "base-3", "Rosa Mamani Q.", phone="+51987654321")
    assert Person.objects.filter(federation=federation).count() == 2


def test_a_logged_in_person_applying_twice_to_the_same_body_is_refused(federation):
    user = make_user("rosa")
    add_member(federation, "base-1", "Rosa", user=user, verified=False)
    with pytest.raises(Conflict):
        add_member(federation, "base-1", "Rosa", user=user, verified=False)
    assert Membership.objects.filter(body__slug="base-1").count() == 1


def test_people_join_base_assemblies_not_councils(federation):
    sector = Sector.objects.get(federation=federation, key="territorial")
    with pytest.raises(InvalidInput):
        services.do_apply_for_membership(body(federation, "prov-a1"), full_name="X", sector=sector)


@pytest.mark.parametrize("action", ["verify", "reject", "suspend", "remove"])
def test_an_officer_of_another_body_cannot_decide(federation, action):
    other_officer = make_officer(federation, "base-2")
    membership = add_member(federation, "base-1", verified=(action in {"suspend", "remove"}))
    with pytest.raises(PermissionDenied):
        services.do_decide_membership(
            other_officer, body(federation, "base-1"), membership.pk, action, "a reason"
        )
    membership.refresh_from_db()
    assert membership.status == ("verified" if action in {"suspend", "remove"} else "applied")


def test_a_forged_membership_id_from_another_body_is_not_found(federation):
    officer = make_officer(federation, "base-2")
    membership = add_member(federation, "base-1", verified=False)
    # The officer is officer of base-2 and names base-2, but the membership is in base-1.
    with pytest.raises(NotFound):
        services.do_verify_membership(officer, body(federation, "base-2"), membership.pk)
    assert Membership.objects.get(pk=membership.pk).status == "applied"


def test_anonymous_users_cannot_decide_or_list(federation):
    membership = add_member(federation, "base-1", verified=False)
    with pytest.raises(PermissionDenied):
        services.do_verify_membership(AnonymousUser(), body(federation, "base-1"), membership.pk)
    with pytest.raises(PermissionDenied):
        services.access_member_list(AnonymousUser(), body(federation, "base-1"))


def test_members_see_their_own_list_but_not_another_bodys(federation):
    user = make_user("member")
    add_member(federation, "base-1", user=user)
    assert len(services.access_member_list(user, body(federation, "base-1"))) == 1
    with pytest.raises(PermissionDenied):
        services.access_member_list(user, body(federation, "base-2"))


def test_an_applicant_who_is_not_yet_verified_cannot_see_the_list(federation):
    user = make_user("applicant")
    add_member(federation, "base-1", user=user, verified=False)
    with pytest.raises(PermissionDenied):
        services.access_member_list(user, body(federation, "base-1"))


def test_deciding_twice_is_refused_and_counts_once(federation):
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1", verified=False)
    services.do_verify_membership(officer, body(federation, "base-1"), membership.pk)
    with pytest.raises(Conflict):
        services.do_verify_membership(officer, body(federation, "base-1"), membership.pk)
    assert body(federation, "national").verified_members == 1


def test_rejecting_needs_a_reason(federation):
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1", verified=False)
    with pytest.raises(InvalidInput):
        services.do_decide_membership(
            officer, body(federation, "base-1"), membership.pk, "reject", "  "
        )


def test_suspending_uncounts_and_reinstating_counts_again(federation):
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1")
    services.do_decide_membership(
        officer, body(federation, "base-1"), membership.pk, "suspend", "missed dues"
    )
    assert body(federation, "region-a").verified_members == 0
    services.do_verify_membership(officer, body(federation, "base-1"), membership.pk)
    assert body(federation, "region-a").verified_members == 1


def test_seats_follow_verified_membership_at_the_next_election(federation):
    for n in range(6):
        add_member(federation, "base-1", f"Person {n}")
    add_member(federation, "base-2", "Someone")
    d1 = Delegation.objects.get(source__slug="base-1", council__slug="prov-a1")
    d2 = Delegation.objects.get(source__slug="base-2", council__slug="prov-a1")
    assert (
        d1.next_seats + d2.next_seats + Delegation.objects.get(source__slug="union-1").next_seats
        == 5
    )
    assert d1.next_seats > d2.next_seats >= 1  # the minimum of one seat holds
    assert d1.seats == 0  # nobody is unseated or seated by an apportionment
    assert Entry.objects.filter(type="delegation.seats", federation=federation).exists()


def test_recompute_matches_the_running_counts(federation):
    user = make_user("dual")
    add_member(federation, "base-1", user=user)
    add_member(federation, "union-1", user=user, sector="workers")
    add_member(federation, "base-4", "Other")
    before = dict(Body.objects.values_list("slug", "verified_members"))
    Body.objects.filter(slug="national").update(verified_members=99)  # a drifted count
    services.do_recompute_seats(federation)
    after = dict(Body.objects.values_list("slug", "verified_members"))
    assert after == before


def test_officers_appoint_officers_of_their_own_body_only(federation):
    officer = make_officer(federation, "base-1")
    newcomer = make_user("newcomer")
    services.do_appoint_officer(officer, body(federation, "base-1"), newcomer)
    assert services.is_officer(newcomer, body(federation, "base-1"))
    with pytest.raises(PermissionDenied):
        services.do_appoint_officer(officer, body(federation, "base-2"), make_user("other"))
    with pytest.raises(Conflict):
        services.do_appoint_officer(officer, body(federation, "base-1"), newcomer)


def test_every_count_change_is_on_the_record_in_the_same_transaction(federation):
    before = Entry.objects.filter(federation=federation).count()
    add_member(federation, "base-4")
    types = list(
        Entry.objects.filter(federation=federation)
        .order_by("index")
        .values_list("type", flat=True)[before:]
    )
    assert types.count("body.verified_members") == 4  # base-4, prov-b1, region-b, national
    indexes = list(Entry.objects.filter(federation=federation).values_list("index", flat=True))
    assert indexes == list(range(len(indexes)))
