"""Passkeys' refusals (the whole ceremony runs in real Chromium: tests/browser/
test_passkey_flow.py): answers that are not a passkey's, or not this user's."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from asamblea.accounts.models import Passkey
from asamblea.accounts.services import passkeys
from asamblea.errors import InvalidInput, NotFound
from support.factories import make_user


def test_the_options_ask_for_a_passkey_of_this_site_for_this_login(db: None) -> None:
    user = make_user("rosa")
    options, challenge = passkeys.registration_options(user, "example.org")
    parsed = json.loads(options)
    assert parsed["rp"]["id"] == "example.org" and parsed["user"]["name"] == "rosa"
    assert len(challenge) >= 32


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({}, id="empty"),
        pytest.param({"id": "abc", "response": {"clientDataJSON": "e30"}}, id="not-signed"),
    ],
)
def test_an_answer_that_is_not_a_passkeys_is_refused(db: None, answer: dict[str, object]) -> None:
    user = make_user("rosa")
    with pytest.raises(InvalidInput):
        passkeys.do_add_passkey(
            user, answer, challenge=b"x" * 32, rp_id="localhost", origin="http://localhost"
        )
    Passkey.objects.create(
        user=user, credential_id="abc", public_key=b"not a key", created_at=timezone.now()
    )
    with pytest.raises(InvalidInput):
        passkeys.do_log_in_with_passkey(
            answer, challenge=b"x" * 32, rp_id="localhost", origin="http://localhost"
        )


def test_nobody_removes_another_logins_passkey(db: None) -> None:
    owner, other = make_user("rosa"), make_user("juan")
    passkey = Passkey.objects.create(
        user=owner, credential_id="abc", public_key=b"key", created_at=timezone.now()
    )
    with pytest.raises(NotFound):
        passkeys.do_remove_passkey(other, passkey.pk)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_a_passkey_login_without_options_first_is_refused(client: Client, db: None) -> None:
    answer = client.post("/accounts/login/passkey/", "{}", content_type="application/json")
    assert answer.status_code == 400 and "error" in answer.json()
