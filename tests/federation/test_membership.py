"""Who belongs to a body: one definition for elections, deliberation and recall."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from asamblea.elections.models import Seat
from asamblea.errors import PermissionDenied
from asamblea.federation import membership
from asamblea.federation.membership import (
    eligible_people,
    is_eligible,
    is_member,
    person_of,
    require_member,
)
from support.factories import add_member, body, make_user


def test_the_held_seat_status_is_the_elections_one():
    """Seats are read through a relation, not an import: the two spellings must agree."""
    assert membership.SEAT_HELD == Seat.Status.HELD


def test_a_verified_member_of_a_base_is_eligible_and_nobody_else(federation):
    base = body(federation, "base-1")
    user = make_user("ana")
    add_member(federation, "base-1", "Ana", user=user)
    person = person_of(user, federation)
    assert list(eligible_people(base)) == [person]
    assert is_eligible(person, base) and is_member(user, base)
    assert require_member(user, base) == person
    assert not is_eligible(None, base)
    assert not is_eligible(person, body(federation, "base-2"))


@pytest.mark.parametrize(
    ("user", "message"),
    [
        pytest.param(AnonymousUser(), "Log in first", id="nobody-logged-in"),
        pytest.param(None, "Only verified members of", id="a-login-with-no-person-here"),
    ],
)
def test_who_may_not_act_is_told_why(federation, user, message):
    user = user if user is not None else make_user("stranger")
    with translation.override("en"), pytest.raises(PermissionDenied, match=message):
        require_member(user, body(federation, "base-1"))
