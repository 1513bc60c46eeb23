"""Passwords hashed with argon2, logins throttled, and what an anonymous visitor may do."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

from asamblea.federation.models import Federation, Membership, Officer
from asamblea.record.models import Entry
from support.factories import add_member, make_officer, make_user
from support.language import english

PASSWORD = "a long test password"  # the factories' default
LOGIN = "/accounts/login/"


def _stored_hash(username: str) -> str:
    return str(get_user_model().objects.get(username=username).password)


def test_passwords_are_stored_as_argon2_hashes(db: None) -> None:
    make_user("rosa", PASSWORD)
    stored = _stored_hash("rosa")
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


def test_an_older_hash_becomes_argon2_at_the_next_login(db: None) -> None:
    user = make_user("juan")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert _stored_hash("juan").startswith("pbkdf2_sha256$")
    response = Client().post(LOGIN, {"username": "juan", "password": PASSWORD})
    assert response.status_code == 302
    assert _stored_hash("juan").startswith("argon2$")


def _log_in(client: Client, username: str, password: str, address: str = "203.0.113.7") -> Any:
    return english(client).post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_repeated_failed_logins_lock_the_user_name_out_even_with_the_right_password(
    db: None,
) -> None:
    make_user("rosa")
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5  # LOGIN_FAILURE_LIMIT's default
    client = Client()
    for attempt in range(1, limit):
        refused = _log_in(client, "rosa", f"guess number {attempt}")
        assert refused.status_code == 200, attempt
        assert "do not match" in refused.content.decode()
    locked = _log_in(client, "rosa", "guess number 5")
    assert locked.status_code == 429  # axes' AXES_HTTP_RESPONSE_CODE, with our page
    assert "Too many attempts" in locked.content.decode()
    # Now the right password is refused too, with the same page, and nobody is logged in.
    right = _log_in(client, "rosa", PASSWORD)
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert not _logged_in(client)


def test_a_lock_out_holds_one_user_name_from_one_address_only(db: None) -> None:
    """Someone guessing Rosa's password from one address locks neither Rosa's own phone
    (another address) nor the other users of that address."""
    make_user("rosa")
    make_user("juan")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(Client(), "rosa", f"guess number {attempt}", address="198.51.100.66")
    assert _log_in(Client(), "rosa", PASSWORD, address="198.51.100.66").status_code == 429
    from_home = Client()
    assert _log_in(from_home, "rosa", PASSWORD, address="203.0.113.7").status_code == 302
    assert _logged_in(from_home)
    neighbour = Client()
    assert _log_in(neighbour, "juan", PASSWORD, address="198.51.100.66").status_code == 302
    assert _logged_in(neighbour)


def test_a_successful_login_clears_earlier_failures(db: None) -> None:
    make_user("rosa")
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "rosa", f"guess number {attempt}")
    assert _log_in(client, "rosa", PASSWORD).status_code == 302
    client.logout()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "rosa", f"again {attempt}").status_code == 200
    assert _log_in(client, "rosa", PASSWORD).status_code == 302


# ---------------------------------------------------------------- anonymous visitors


PUBLIC_PAGES = [
    "/",
    "/f/test/",
    "/f/test/b/national/",
    "/f/test/b/region-a/",
    "/f/test/b/prov-a1/",
    "/f/test/b/base-1/",
    "/f/test/b/base-1/join/",
    LOGIN,
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_an_anonymous_visitor_reads_the_public_pages(federation: Federation, path: str) -> None:
    assert Client().get(path).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in_for_a_members_page(federation: Federation) -> None:
    add_member(federation, "base-1", "Rosa Mamani")
    response = Client().get("/f/test/b/base-1/members/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/f/test/b/base-1/members/"


def _state() -> tuple[list[tuple[int, str]], int, int]:
    return (
        sorted(Membership.objects.values_list("pk", "status")),
        Officer.objects.count(),
        Entry.objects.count(),
    )


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("/f/test/b/base-1/members/{pk}/decide/", {"action": "verify"}, id="verify"),
        pytest.param(
            "/f/test/b/base-1/members/{pk}/decide/",
            {"action": "reject", "reason": "not known here"},
            id="reject",
        ),
        pytest.param("/f/test/b/base-1/officers/", {"username": "intruder"}, id="appoint-officer"),
    ],
)
def test_an_anonymous_visitor_cannot_decide_or_appoint(
    federation: Federation, path: str, data: dict[str, str]
) -> None:
    make_officer(federation, "base-1")
    make_user("intruder")
    membership = add_member(federation, "base-1", "Rosa Mamani", verified=False)
    client = Client()
    # Even with a one-time token of its own, taken from the public join form.
    page = client.get("/f/test/b/base-1/join/").content.decode()
    once = page.split('name="once" value="')[1].split('"')[0]
    before = _state()
    response = client.post(path.format(pk=membership.pk), {**data, "once": once})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert _state() == before


def test_the_appoint_form_does_not_tell_an_outsider_whether_a_login_exists(
    federation: Federation,
) -> None:
    make_user("rosa")
    outsider = Client()
    outsider.force_login(make_user("outsider"))
    page = outsider.get("/f/test/b/base-1/join/").content.decode()
    once = page.split('name="once" value="')[1].split('"')[0]
    answers = [
        outsider.post("/f/test/b/base-1/officers/", {"username": name, "once": once}).status_code
        for name in ("rosa", "nobody-by-this-name")
    ]
    assert answers == [403, 403]
    assert not Officer.objects.filter(body__slug="base-1").exists()
