"""Keep less: the worker's tick erases personal data that no feature reads any more
(security review, issue 11, "Keep less")."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.utils import timezone

from asamblea.federation.models import Federation, Membership, Person
from asamblea.federation.retention import erase_expired_personal_data
from asamblea.federation.services import do_decide_membership
from asamblea.scheduler import tick
from support.factories import add_member, body, make_officer, make_user


def _decided(federation: Federation, slug: str, name: str, action: str, days_ago: int) -> Person:
    officer = make_officer(federation, slug, f"officer-{slug}-r")
    membership = add_member(federation, slug, name, phone="+51 911 222 333", verified=False)
    if action == "remove":
        membership = do_decide_membership(officer, body(federation, slug), membership.pk, "verify")
    do_decide_membership(officer, body(federation, slug), membership.pk, action, "a reason")
    Membership.objects.filter(pk=membership.pk).update(
        decided_at=timezone.now() - timedelta(days=days_ago)
    )
    return membership.person


def test_old_rejections_and_departures_lose_their_personal_data(federation: Federation) -> None:
    rejected = _decided(federation, "base-1", "Rechazada Antigua", "reject", 31)
    left = _decided(federation, "base-2", "Se Fue Antiguo", "remove", 45)
    recent = _decided(federation, "base-3", "Rechazada Reciente", "reject", 3)
    assert erase_expired_personal_data(timezone.now()) > 0
    for person in (rejected, left):
        person.refresh_from_db()
        assert (person.full_name, person.phone, person.email) == ("", "", "")
        assert set(person.memberships.values_list("reason", flat=True)) == {""}
    recent.refresh_from_db()
    assert recent.full_name == "Rechazada Reciente"
    assert recent.memberships.get().reason == "a reason"


def test_a_person_with_a_login_or_a_current_membership_keeps_their_name(
    federation: Federation,
) -> None:
    user = make_user("rosa")
    add_member(federation, "base-2", "Rosa Mamani", user=user)
    officer = make_officer(federation, "base-1", "officer-base-1-r")
    old = add_member(federation, "base-1", "Rosa Mamani", user=user, verified=False)
    do_decide_membership(officer, body(federation, "base-1"), old.pk, "reject", "a reason")
    Membership.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=60))
    erase_expired_personal_data(timezone.now())
    person = Person.objects.get(user=user)
    assert person.full_name == "Rosa Mamani"
    assert Membership.objects.get(pk=old.pk).reason == ""


def test_failed_logins_are_forgotten_by_the_tick_once_the_lock_out_is_over(db: None) -> None:
    AccessAttempt.objects.create(
        username="someone", ip_address="203.0.113.9", user_agent="x", failures_since_start=3
    )
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=1))
    report = tick(timezone.now())
    assert report["retention"] >= 1 and report["officer_trail"] >= 0
    assert not AccessAttempt.objects.exists()
