"""Names, phones, e-mails and decision reasons are ciphertext in the database, readable
only with the data key kept outside it; `asamblea keys rotate` moves them to a new key."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test import Client

from asamblea.cli.main import main
from asamblea.errors import DataKeyError, InvalidInput
from asamblea.federation import crypto
from asamblea.federation.models import Federation, Membership, Person
from asamblea.federation.services import do_decide_membership
from support.factories import add_member, body, make_federation, make_officer
from support.language import english

NAME, PHONE, EMAIL = "Wayra Zqcipher Condori", "+51955443322", "wayra.zq9@example.pe"


@pytest.fixture
def key_file(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A data key file of this test's own, made on first use."""
    settings.DATA_KEY = ""
    settings.DATA_KEY_FILE = tmp_path / "data_key"
    crypto.forget_keys()
    yield tmp_path / "data_key"
    crypto.forget_keys()


def _raw(table: str, column: str, row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row_id])  # noqa: S608
        return str(cursor.fetchone()[0])


# ---------------------------------------------------------------- the format


def test_a_value_round_trips_and_never_encrypts_the_same_way_twice(key_file: Path) -> None:
    first, second = crypto.encrypt(NAME), crypto.encrypt(NAME)
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == NAME
    assert NAME.lower() not in first.lower() and "zqcipher" not in first.lower()
    assert crypto.stored_key_id(first) == crypto.keyring().current_id


def test_lengths_show_only_to_the_nearest_32_bytes() -> None:
    ring = crypto.parse_keys(crypto.new_key(), "test")
    assert len(crypto.encrypt("", ring)) == len(crypto.encrypt("+51955443322", ring))
    assert len(crypto.encrypt("Ana", ring)) == len(crypto.encrypt(NAME, ring))


def test_the_key_file_is_made_private_on_first_use(key_file: Path) -> None:
    assert not key_file.exists()
    crypto.encrypt(NAME)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert crypto.keyring().source == str(key_file)


def test_a_key_file_others_can_read_is_refused_with_the_command_that_fixes_it(
    key_file: Path,
) -> None:
    crypto.encrypt(NAME)
    key_file.chmod(0o644)
    crypto.forget_keys()
    with pytest.raises(DataKeyError, match="chmod 600"):
        crypto.encrypt(NAME)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("not-a-key", id="not-base64-of-32-bytes"),
        pytest.param(crypto.new_key()[:20], id="too-short"),
        pytest.param(" , ", id="empty-list"),
    ],
)
def test_a_malformed_data_key_says_how_to_make_one_and_does_not_echo_it(
    settings: Any, value: str
) -> None:
    settings.DATA_KEY = value
    crypto.forget_keys()
    try:
        with pytest.raises(DataKeyError, match="asamblea keys new") as raised:
            crypto.encrypt(NAME)
        assert (value.strip(" ,") or "\0") not in str(raised.value)
        assert "\n" not in str(raised.value)
    finally:
        crypto.forget_keys()


def test_the_wrong_key_names_the_key_wanted_and_no_part_of_the_value(
    settings: Any,
) -> None:
    old, other = crypto.new_key(), crypto.new_key()
    settings.DATA_KEY = old
    crypto.forget_keys()
    stored = crypto.encrypt(NAME)
    settings.DATA_KEY = other
    crypto.forget_keys()
    try:
        with pytest.raises(DataKeyError) as raised:
            crypto.decrypt(stored)
        message = str(raised.value)
        assert crypto.key_id(crypto.parse_keys(old, "x").current) in message
        assert "zqcipher" not in message.lower() and "\n" not in message
    finally:
        crypto.forget_keys()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda s: s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB"), id="value"),
        pytest.param(lambda s: s.replace(":", ":A", 2).replace(":A", ":", 1), id="value-key"),
        pytest.param(lambda s: s.split(":", 1)[1], id="no-format"),
    ],
)
def test_an_altered_value_is_refused_not_misread(key_file: Path, damage: object) -> None:
    stored = crypto.encrypt(NAME)
    with pytest.raises(DataKeyError) as raised:
        crypto.decrypt(damage(stored))  # type: ignore[operator]
    assert "zqcipher" not in str(raised.value).lower()


def test_text_that_is_not_unicode_is_refused_without_quoting_it(key_file: Path) -> None:
    with pytest.raises(InvalidInput) as raised:
        crypto.encrypt("Zqsecret \ud800")
    assert "zqsecret" not in str(raised.value).lower()
    assert raised.value.__context__ is None or raised.value.__suppress_context__


# ---------------------------------------------------------------- in the database


def test_the_database_holds_ciphertext_and_pages_show_the_text(db: None, key_file: Path) -> None:
    federation = make_federation()
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1", NAME, phone=PHONE, email=EMAIL)
    do_decide_membership(officer, body(federation, "base-1"), membership.pk, "suspend", "Zqmotivo")
    person = membership.person
    for column in ("full_name", "phone", "email"):
        raw = _raw("federation_person", column, person.pk)
        assert raw.startswith(f"aes1:{crypto.keyring().current_id}:")
        # Needles long enough that random base64 never spells them (two letters would).
        assert [n for n in ("zqcipher", "wayra", "zq9@", "955443322") if n in raw.lower()] == []
    assert "zqmotivo" not in _raw("federation_membership", "reason", membership.pk).lower()
    person.refresh_from_db()
    assert (person.full_name, person.phone, person.email) == (NAME, PHONE, EMAIL)
    desk = english(Client())
    desk.force_login(officer)
    page = desk.get("/f/test/b/base-1/members/").content.decode()
    assert NAME in page and PHONE in page and EMAIL in page and "Zqmotivo" in page


def test_the_database_cannot_be_asked_to_compare_an_encrypted_value(db: None) -> None:
    with pytest.raises(FieldError):
        Person.objects.filter(full_name=NAME).exists()
    with pytest.raises(FieldError):
        Membership.objects.filter(person__phone__contains="9554").exists()
    assert not Person.objects.filter(email__isnull=True).exists()


def test_members_are_listed_by_status_then_name_sorted_outside_the_database(
    db: None, key_file: Path
) -> None:
    federation = make_federation()
    officer = make_officer(federation, "base-1")
    for name in ["zoila Ramos", "Ana Quispe", "Édgar Mamani", "beto Huamán"]:
        add_member(federation, "base-1", name)
    add_member(federation, "base-1", "Aaron Espera", verified=False)
    desk = english(Client())
    desk.force_login(officer)
    page = desk.get("/f/test/b/base-1/members/").content.decode()
    shown = ["Aaron Espera", "Ana Quispe", "beto Huamán", "Édgar Mamani", "zoila Ramos"]
    positions = [page.index(name) for name in shown]
    assert positions == sorted(positions)


# ---------------------------------------------------------------- rotation


def _people(federation: Federation) -> list[tuple[str, str, str]]:
    return sorted(
        (p.full_name, p.phone, p.email) for p in Person.objects.filter(federation=federation)
    )


def test_rotate_moves_every_value_to_a_new_key_and_the_file_keeps_it_alone(
    db: None, key_file: Path
) -> None:
    federation = make_federation()
    officer = make_officer(federation, "base-1")
    add_member(federation, "base-1", NAME, phone=PHONE, email=EMAIL)
    gone = add_member(federation, "base-1", "Rosa Mamani")
    do_decide_membership(officer, body(federation, "base-1"), gone.pk, "remove", "Se mudó")
    before = _people(federation)
    old_id = crypto.keyring().current_id
    old_file = key_file.read_text()

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["keys", "rotate"]) == 0
    new_id = crypto.keyring().current_id
    assert new_id != old_id and new_id in out.getvalue() and old_id in out.getvalue()
    assert crypto.keyring().keys == (crypto.keyring().current,)  # the old key is retired
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name, phone, email FROM federation_person")
        stored = [value for row in cursor.fetchall() for value in row]
        cursor.execute("SELECT reason FROM federation_membership")
        stored += [row[0] for row in cursor.fetchall()]
    assert stored and all(crypto.stored_key_id(value) == new_id for value in stored)
    assert _people(federation) == before
    assert Membership.objects.get(pk=gone.pk).reason == "Se mudó"
    # A copy of the database with the old key file opens nothing any more.
    key_file.write_text(old_file)
    os.chmod(key_file, 0o600)
    crypto.forget_keys()
    with pytest.raises(DataKeyError):
        _people(federation)


def test_rotate_with_data_key_needs_the_new_key_first_then_uses_it(db: None, settings: Any) -> None:
    old, new = crypto.new_key(), crypto.new_key()
    settings.DATA_KEY = old
    crypto.forget_keys()
    try:
        federation = make_federation()
        add_member(federation, "base-1", NAME, phone=PHONE)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main(["keys", "rotate"]) == 1
        assert "DATA_KEY holds one key" in err.getvalue() and old not in err.getvalue()
        settings.DATA_KEY = f"{new},{old}"
        crypto.forget_keys()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["keys", "rotate"]) == 0
        # The command speaks the site's language: the key ids and the setting's name are
        # the same in every language.
        old_id = crypto.parse_keys(old, "old").current_id
        assert old_id in out.getvalue() and "DATA_KEY" in out.getvalue()
        settings.DATA_KEY = new
        crypto.forget_keys()
        assert _people(federation)[0][:2] == (NAME, PHONE)
    finally:
        crypto.forget_keys()


def test_a_missing_key_file_stops_the_command_in_one_line(
    db: None, key_file: Path, tmp_path: Path, settings: Any
) -> None:
    federation = make_federation()
    add_member(federation, "base-1", NAME)
    # The key file lost (not restored from where it was kept): a new one is made, which
    # cannot open what the old one encrypted.
    settings.DATA_KEY_FILE = tmp_path / "elsewhere" / "data_key"
    (tmp_path / "elsewhere").mkdir()
    crypto.forget_keys()
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["keys", "check"])
    assert code == 1
    message = err.getvalue()
    assert message.startswith("asamblea: The personal data was encrypted with data key")
    assert message.count("\n") == 1 and "Traceback" not in message
    assert "zqcipher" not in message.lower()


def test_a_page_that_cannot_decrypt_answers_503_without_a_trace_or_a_name(
    db: None, key_file: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    federation = make_federation()
    officer = make_officer(federation, "base-1")
    add_member(federation, "base-1", NAME, phone=PHONE)
    settings.DATA_KEY = crypto.new_key()
    crypto.forget_keys()
    desk = english(Client(raise_request_exception=False))
    desk.force_login(officer)
    answer = desk.get("/f/test/b/base-1/members/")
    assert answer.status_code == 503
    text = answer.content.decode()
    assert "operators must fix it" in text and "zqcipher" not in text.lower()
    assert "data key" in caplog.text and "zqcipher" not in caplog.text.lower()
    assert "Traceback" not in caplog.text


# ---------------------------------------------------------------- the migration

BEFORE = ("federation", "0003_contacts_never_join_people")
AFTER = ("federation", "0004_encrypt_personal_data")


def _migrate(target: tuple[str, str] | None) -> None:
    """Migrate to `target`, or (None) to the newest of every app, as the other tests need."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def test_the_migration_encrypts_existing_people_in_place_and_back(
    transactional_db: None, key_file: Path
) -> None:
    federation = make_federation()
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO federation_person (federation_id, full_name, phone, email, "
                "created_at) VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP)",
                [federation.pk, NAME, PHONE, ""],
            )
            cursor.execute("SELECT id FROM federation_person WHERE phone = %s", [PHONE])
            person_id = cursor.fetchone()[0]
        _migrate(AFTER)
        assert crypto.stored_key_id(_raw("federation_person", "full_name", person_id))
        assert crypto.stored_key_id(_raw("federation_person", "email", person_id))
        assert "955443322" not in _raw("federation_person", "phone", person_id)
        # Only the columns the schema has at this migration (later ones add others).
        person = Person.objects.only("full_name", "phone", "email").get(pk=person_id)
        assert (person.full_name, person.phone, person.email) == (NAME, PHONE, "")
        _migrate(BEFORE)
        assert _raw("federation_person", "full_name", person_id) == NAME
    finally:
        _migrate(None)
