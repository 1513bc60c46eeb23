"""Log out everywhere (a member ends their other sessions), and a federation
administrator's switch for the officers' second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from asamblea.accounts.services import second_factor, sessions
from asamblea.errors import PermissionDenied
from asamblea.federation.models import Federation, FederationAdmin
from asamblea.record.models import Entry
from support.factories import add_member, make_officer, make_user
from support.language import english
from support.second_factor import log_in_verified

pytestmark = pytest.mark.django_db
PASSWORD = "a long test password"  # the factories' default


def logged_in(username: str) -> Client:
    """A browser that logged in with the login page (as a person does)."""
    client = english(Client())
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/data/").status_code == 200
    return client


def once(page: str, form_id: str) -> str:
    form = page[page.index(f'id="{form_id}"') :]
    match = re.search(r'name="once" value="([^"]+)"', form)
    assert match
    return match.group(1)


def end_other_sessions(client: Client) -> Any:
    page = client.get("/me/data/").content.decode()
    assert 'id="end-other-sessions"' in page
    return client.post("/me/data/sessions/end/", {"once": once(page, "end-sessions-form")})


# ---------------------------------------------------------------- log out everywhere


def test_the_button_logs_out_the_other_browsers_and_keeps_this_one(
    federation: Federation,
) -> None:
    add_member(federation, "base-1", "Rosa Mamani", user=make_user("rosa"))
    here, lost_phone = logged_in("rosa"), logged_in("rosa")
    response = end_other_sessions(here)
    assert response.status_code == 302 and response["Location"] == "/me/data/"
    told = here.get("/me/data/")
    assert told.status_code == 200 and told.context["user"].is_authenticated
    assert "Your other sessions are ended" in told.content.decode()
    # The other browser is logged out at its next request, and told why.
    answer = lost_phone.get("/me/data/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    page = lost_phone.get(answer["Location"])
    assert not page.context["user"].is_authenticated
    assert "logged out everywhere from another device" in page.content.decode()
    assert here.get("/me/data/").context["user"].is_authenticated  # still logged in
    # Logging in again on the other browser works: the new session has the new number.
    again = logged_in("rosa")
    assert again.get("/me/data/").context["user"].is_authenticated


def test_a_session_from_before_the_button_stays_out_after_a_second_press() -> None:
    make_user("rosa")
    here, other = logged_in("rosa"), logged_in("rosa")
    end_other_sessions(here)
    end_other_sessions(here)
    assert here.get("/me/data/").context["user"].is_authenticated
    assert other.get("/me/data/").status_code == 302


def test_other_logins_keep_their_sessions() -> None:
    make_user("rosa")
    make_user("juan")
    rosa, juan = logged_in("rosa"), logged_in("juan")
    end_other_sessions(rosa)
    assert juan.get("/me/data/").status_code == 200


def test_the_form_sent_twice_ends_the_sessions_once() -> None:
    user = make_user("rosa")
    here = logged_in("rosa")
    page = here.get("/me/data/").content.decode()
    token = once(page, "end-sessions-form")
    assert here.post("/me/data/sessions/end/", {"once": token}).status_code == 302
    assert here.post("/me/data/sessions/end/", {"once": token}).status_code == 409
    assert sessions.session_generation(user) == 1
    assert here.get("/me/data/").context["user"].is_authenticated


def test_the_button_needs_a_post_and_a_login() -> None:
    make_user("rosa")
    here = logged_in("rosa")
    assert here.get("/me/data/sessions/end/").status_code == 405
    anonymous = Client()
    answer = anonymous.post("/me/data/sessions/end/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_a_session_without_the_number_counts_as_the_first(client: Client) -> None:
    """Sessions that logged in before this feature keep working until the button."""
    user = make_user("rosa")
    client.force_login(user)
    session = client.session
    del session[sessions.SESSION_GENERATION]
    session.save()
    assert client.get("/me/data/").status_code == 200
    logged_in("rosa")  # another browser
    end_other_sessions(logged_in("rosa"))
    assert client.get("/me/data/").status_code == 302


# ---------------------------------------------------------------- the second-factor rule


def rule_form(client: Client, slug: str) -> str:
    page = client.get(f"/f/{slug}/").content.decode()
    assert 'id="second-factor-rule-form"' in page
    return once(page, "second-factor-rule-form")


def test_an_administrator_turns_the_rule_off_and_on_on_the_record(
    federation: Federation,
) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    client = log_in_verified(english(Client()), admin)
    token = rule_form(client, "strict")
    response = client.post("/f/strict/second-factor-rule/", {"once": token})  # unticked
    assert response.status_code == 302 and response["Location"] == "/f/strict/"
    federation.refresh_from_db()
    assert federation.officers_need_second_factor is False
    assert "no longer need a second factor" in client.get("/f/strict/").content.decode()
    entries = Entry.objects.filter(federation=federation, type="federation.second_factor_rule")
    assert entries.count() == 1
    assert '"officers_need_second_factor":false' in entries.get().payload
    assert "boss" not in entries.get().payload

    token = rule_form(client, "strict")
    client.post("/f/strict/second-factor-rule/", {"once": token, "required": "on"})
    federation.refresh_from_db()
    assert federation.officers_need_second_factor is True
    assert entries.count() == 2


def test_the_same_rule_again_changes_nothing(federation: Federation) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    client = log_in_verified(english(Client()), admin)
    assert not second_factor.do_set_second_factor_rule(
        client.get("/").context["user"], federation, True
    )
    assert not Entry.objects.filter(type="federation.second_factor_rule").exists()


def test_an_officer_may_not_change_the_rule(federation: Federation) -> None:
    officer = make_officer(federation, "base-1")
    client = log_in_verified(english(Client()), officer)
    page = client.get("/f/strict/").content.decode()
    assert 'id="second-factor-rule-form"' not in page
    response = client.post("/f/strict/second-factor-rule/", {"once": "x"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        second_factor.do_set_second_factor_rule(officer, federation, False)
    federation.refresh_from_db()
    assert federation.officers_need_second_factor is True


def test_an_administrator_without_a_second_factor_in_this_session_may_not(
    federation: Federation,
) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    client = english(Client())
    client.force_login(admin)
    assert client.post("/f/strict/second-factor-rule/", {"once": "x"}).status_code == 403
    federation.refresh_from_db()
    assert federation.officers_need_second_factor is True


def test_the_button_and_the_switch_speak_spanish(federation: Federation) -> None:
    admin = make_user("boss")
    FederationAdmin.objects.create(user=admin, federation=federation)
    client = log_in_verified(Client(), admin)  # Spanish: the default
    assert "Cerrar las demás sesiones" in client.get("/me/data/").content.decode()
    assert "Segundo factor de los dirigentes" in client.get("/f/strict/").content.decode()
