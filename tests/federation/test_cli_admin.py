"""`asamblea admin add|list|remove`: the operator makes a federation's first administrator."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from asamblea.cli.main import main
from asamblea.federation.models import FederationAdmin
from asamblea.federation.services import is_federation_admin
from asamblea.record.models import Entry
from support.factories import make_federation, make_user

PASSWORD = "a long operator password"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"  # the CLI speaks the site's language


def add(monkeypatch, *args: str, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = (*args, "--password-stdin")
    return main(["admin", "add", *args])


def test_add_creates_the_login_and_the_role(federation, monkeypatch, capsys):
    entries = Entry.objects.count()
    assert add(monkeypatch, "test", "ana", stdin=PASSWORD + "\n") == 0
    assert "Created the user “ana”, administrator of “test”." in capsys.readouterr().out
    user = get_user_model().objects.get(username="ana")
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2")  # the configured hasher, never the plain text
    assert is_federation_admin(user, federation)
    assert Entry.objects.count() == entries  # a login name is personal: not on the record


def test_a_second_add_changes_nothing_and_says_so(federation, monkeypatch, capsys):
    assert add(monkeypatch, "test", "ana", stdin=PASSWORD + "\n") == 0
    capsys.readouterr()
    assert main(["admin", "add", "test", "ana"]) == 0
    assert "“ana” is already an administrator of “test”." in capsys.readouterr().out
    assert FederationAdmin.objects.filter(federation=federation).count() == 1


def test_an_existing_login_keeps_its_password(federation, monkeypatch, capsys):
    user = make_user("beto", "his own long password")
    assert not is_federation_admin(user, federation)
    assert add(monkeypatch, "test", "beto", stdin="another long password\n") == 0
    out = capsys.readouterr().out
    assert "“beto” is now an administrator of “test”." in out
    assert "its password was not changed" in out
    user.refresh_from_db()
    assert user.check_password("his own long password")
    assert is_federation_admin(user, federation)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        pytest.param("short1\n", "This password is too short.", id="too-short"),
        pytest.param("password123\n", "This password is too common.", id="too-common"),
        pytest.param("\n", "The password is empty.", id="empty-line"),
        pytest.param("", "The password is empty.", id="empty-input"),
    ],
)
def test_a_weak_password_is_refused_and_nothing_is_created(
    federation, monkeypatch, capsys, password, reason
):
    assert add(monkeypatch, "test", "ana", stdin=password) == 2
    err = capsys.readouterr().err
    assert reason in err
    assert "Traceback" not in err
    assert not get_user_model().objects.filter(username="ana").exists()
    assert not FederationAdmin.objects.exists()


def test_a_new_login_without_a_terminal_or_the_flag_is_refused(federation, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "add", "test", "ana"]) == 2
    assert "--password-stdin" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="ana").exists()


def test_an_unknown_federation_exits_4_and_creates_no_login(db, monkeypatch, capsys):
    assert add(monkeypatch, "nowhere", "ana", stdin=PASSWORD + "\n") == 4
    assert "There is no federation called “nowhere”." in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="ana").exists()
    for action in (["list", "nowhere"], ["remove", "nowhere", "ana"]):
        assert main(["admin", *action]) == 4


def test_an_invalid_login_name_is_refused(federation, monkeypatch, capsys):
    assert add(monkeypatch, "test", "ana maría!", stdin=PASSWORD + "\n") == 2
    assert "Enter a valid username." in capsys.readouterr().err
    assert not get_user_model().objects.exists()


def test_list_and_remove(federation, monkeypatch, capsys):
    other = make_federation("other")
    make_user("zoe")
    make_user("beto")
    for name in ("zoe", "beto"):
        assert main(["admin", "add", "test", name]) == 0
    assert main(["admin", "add", "other", "zoe"]) == 0
    capsys.readouterr()

    assert main(["admin", "list", "test"]) == 0
    assert capsys.readouterr().out == "beto\nzoe\n"

    assert main(["admin", "remove", "test", "zoe"]) == 0
    assert "“zoe” is no longer an administrator of “test”" in capsys.readouterr().out
    zoe = get_user_model().objects.get(username="zoe")  # the login stays
    assert not is_federation_admin(zoe, federation)
    assert is_federation_admin(zoe, other)  # only the role in that federation went
    assert main(["admin", "list", "test"]) == 0
    assert capsys.readouterr().out == "beto\n"


def test_removing_someone_who_is_not_an_admin_says_so(federation, capsys):
    make_user("beto")
    for name in ("beto", "nobody"):
        assert main(["admin", "remove", "test", name]) == 0
        out = capsys.readouterr().out
        assert f"“{name}” is not an administrator of “test”: nothing changed." in out


def test_a_federation_without_admins_lists_nothing(federation, capsys):
    assert main(["admin", "list", "test"]) == 0
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "“test” has no administrators." in printed.err


def test_messages_speak_the_site_language(federation, monkeypatch, capsys, settings):
    settings.LANGUAGE_CODE = "es"
    assert add(monkeypatch, "test", "ana", stdin="short1\n") == 2
    assert "Esa contraseña no se puede usar" in capsys.readouterr().err
    assert add(monkeypatch, "test", "ana", stdin=PASSWORD + "\n") == 0
    assert "Se creó el usuario «ana», administrador de «test»." in capsys.readouterr().out
