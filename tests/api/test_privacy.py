"""No personal data in any API answer: canaries planted in members' names, phones,
e-mails and user names are searched for in every response of every route."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asamblea.federation.models import Federation, Membership
from support.people import people_named, person_named

NoCanary = Callable[[str, str], None]
Login = Callable[[Client, str], Client]
PERSONAL_FIELDS = {
    "full_name",
    "name_of_person",
    "phone",
    "email",
    "username",
    "user",
    "person",
    "members",
    "memberships",
    "officers",
    "applicants",
}


def test_the_canaries_are_really_planted(federation: Federation) -> None:
    person = person_named("Zyxwvu Canarinoqa")
    assert person.phone == "+51987650321"
    assert person.email == "canary.zq7@example.org"
    assert person.user is not None and person.user.username == "canary-user-zq7"
    assert Membership.objects.get(person=person).status == Membership.Status.VERIFIED


def test_the_canary_check_itself_catches_a_leak(assert_no_canary: NoCanary) -> None:
    for leak in [
        '{"name": "Zyxwvu Canarinoqa"}',
        '{"phone": "51987650321"}',
        "CANARY.ZQ7@EXAMPLE.ORG",
        "by canary-user-zq7",
    ]:
        with pytest.raises(AssertionError):
            assert_no_canary(leak, "a made-up answer")


@pytest.mark.parametrize("who", ["anonymous", "canary-user-zq7", "officer-base-1"])
def test_no_get_route_answers_with_personal_data(
    who: str,
    get_urls: list[str],
    assert_no_canary: NoCanary,
    login: Login,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client() if who == "anonymous" else login(Client(), who)
    caplog.set_level(logging.DEBUG)
    statuses = {}
    for url in [*get_urls, "/api/openapi.json", "/api/docs"]:
        response = client.get(url)
        statuses[url] = response.status_code
        assert_no_canary(response.content.decode(), f"GET {url} as {who}")
        assert_no_canary(str(dict(response.headers)), f"headers of GET {url} as {who}")
    # The walk really read the data: every body's page and list answered.
    assert statuses["/api/v1/federations/test/bodies/base-1"] == 200
    assert statuses["/api/v1/federations/test/bodies?limit=500"] == 200
    assert statuses["/api/v1/tokens"] == (401 if who == "anonymous" else 200)
    assert_no_canary(caplog.text, f"the log while {who} walked the API")


def test_errors_and_write_answers_carry_no_personal_data(
    officer_client: Client,
    federation: Federation,
    assert_no_canary: NoCanary,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = Membership.objects.get(person__in=people_named("Zyxwvu Canarinoqa"))
    url = f"/api/v1/federations/test/bodies/base-1/memberships/{canary.pk}/decision"
    answers: list[Any] = []
    for payload in [
        {"action": "suspend", "reason": "Missed three assemblies"},
        {"action": "suspend", "reason": "again"},  # a conflict: already suspended
        {"action": "verify"},
        {"action": "nonsense"},
        {"action": "remove"},  # no reason
    ]:
        answers.append(officer_client.post(url, payload, content_type="application/json"))
    assert [a.status_code for a in answers] == [200, 409, 200, 400, 400]
    answers.append(Client().post(url, {"action": "verify"}, content_type="application/json"))
    answers.append(officer_client.get("/api/v1/federations/test/bodies/nobody"))
    issued = officer_client.post(
        "/api/v1/tokens",
        {"name": "sync", "capabilities": ["memberships.decide"]},
        content_type="application/json",
    )
    answers.append(issued)
    for answer in answers:
        assert_no_canary(answer.content.decode(), f"{answer.request['PATH_INFO']} answer")
    assert_no_canary(caplog.text, "the log of the write actions")


def test_no_schema_has_a_field_for_personal_data(openapi: dict[str, Any]) -> None:
    for name, schema in openapi["components"]["schemas"].items():
        fields = set(schema.get("properties", {}))
        assert not fields & PERSONAL_FIELDS, f"{name} publishes {fields & PERSONAL_FIELDS}"
