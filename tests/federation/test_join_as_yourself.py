"""A logged-in member applying to a second assembly applies as themselves: no second
person, no contact details typed again."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from asamblea.federation.models import Federation, Membership, Person
from support.factories import add_member, make_federation, make_user


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


def test_a_logged_in_member_applies_to_a_second_assembly_as_themselves(
    client: Client, federation: Federation
) -> None:
    login = make_user("rosa")
    first = add_member(federation, "base-1", "Rosa Mamani", user=login, phone="999 888 777")
    client.force_login(login)
    page = client.get("/f/test/b/base-2/join/").content.decode()
    assert 'name="full_name"' not in page and 'name="phone"' not in page
    assert 'id="apply-as-yourself"' in page
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert once is not None
    answer = client.post(
        "/f/test/b/base-2/join/",
        {"sector": str(first.sector_id), "once": once.group(1), "full_name": "Someone Else"},
    )
    assert answer.status_code == 200
    assert Person.objects.filter(federation=federation).count() == 1
    person = Person.objects.get(user=login)
    assert person.full_name == "Rosa Mamani" and person.phone == "999888777"
    assert sorted(
        Membership.objects.filter(person=person).values_list("body__slug", flat=True)
    ) == [
        "base-1",
        "base-2",
    ]


def test_an_anonymous_visitor_still_gives_their_name(
    client: Client, federation: Federation
) -> None:
    page = client.get("/f/test/b/base-2/join/").content.decode()
    assert 'name="full_name"' in page and 'id="apply-as-yourself"' not in page


def test_a_member_opening_the_join_page_of_their_own_assembly_is_told_so_not_given_a_form(
    client: Client, federation: Federation
) -> None:
    login = make_user("rosa")
    add_member(federation, "base-1", "Rosa Mamani", user=login)
    client.force_login(login)
    page = client.get("/f/test/b/base-1/join/").content.decode()
    assert 'id="you-are-member"' in page and "<form" not in page.split("<main", 1)[-1]
    # Sending the form anyway (an old tab) changes nothing and says the same.
    answer = client.post("/f/test/b/base-1/join/", {"sector": "1", "once": "x"})
    assert answer.status_code == 200 and 'id="you-are-member"' in answer.content.decode()
    assert Membership.objects.filter(person__user=login).count() == 1
