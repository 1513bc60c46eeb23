"""A session copied from the database logs no one in; logins end with the browser
unless kept; an idle login ends (security review, issue 11, findings 3 and 4)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from asamblea.web.sessions import LAST_SEEN, stored_key
from support.factories import make_user

PASSWORD = "a long test password"  # the factories' default


def _logged_in(remember: bool) -> Client:
    make_user("rosa", PASSWORD)
    client = Client()
    data = {"username": "rosa", "password": PASSWORD}
    if remember:
        data["remember"] = "1"
    assert client.post("/accounts/login/", data).status_code == 302
    return client


def _is_logged_in(client: Client) -> bool:
    return client.get("/accounts/login/").context["user"].is_authenticated


@pytest.mark.django_db
def test_a_session_row_copied_from_the_database_logs_no_one_in() -> None:
    client = _logged_in(remember=False)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    rows = list(Session.objects.values_list("session_key", flat=True))
    assert key not in rows
    assert stored_key(key) in rows
    thief = Client()
    for row in rows:
        thief.cookies[settings.SESSION_COOKIE_NAME] = row
        assert not _is_logged_in(thief)
    assert _is_logged_in(client)


@pytest.mark.django_db
def test_logging_out_deletes_the_stored_session() -> None:
    client = _logged_in(remember=False)
    old = stored_key(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert Session.objects.filter(session_key=old).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=old).exists()
    assert not _is_logged_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize("remember", [False, True], ids=["unticked", "kept"])
def test_a_login_ends_with_the_browser_unless_kept(remember: bool) -> None:
    client = _logged_in(remember=remember)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    if remember:
        assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    else:
        assert cookie["max-age"] == "" and cookie["expires"] == ""


@pytest.mark.django_db
def test_an_idle_login_ends() -> None:
    client = _logged_in(remember=True)
    assert _is_logged_in(client)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    assert not _is_logged_in(client)
