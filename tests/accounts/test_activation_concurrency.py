"""A code sent twice at the same moment (two taps, two phones) makes exactly one login
(PostgreSQL: the code's row is locked and deleted in the activation's transaction)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from asamblea.accounts.models import ActivationCode
from asamblea.accounts.services import activation
from asamblea.errors import AsambleaError
from asamblea.federation.models import Person
from support.factories import add_member, make_federation, make_officer

pytestmark = pytest.mark.postgres_only


def run_at_once(calls: list[Any]) -> list[str]:
    """Run the calls in threads released together; 'ok' or the error's class name each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except AsambleaError as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_one_code_used_at_once_by_several_makes_one_login(
    transactional_db: None, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    federation = make_federation()
    member = add_member(federation, "base-1", "Rosa Mamani")
    officer = make_officer(federation, "base-1")
    issued = activation.do_issue_activation_code(officer, member.body, member.pk)
    before = User.objects.count()

    outcomes = run_at_once(
        [
            lambda n=n: activation.do_activate(issued.code, f"rosa-{n}", "a long good password")
            for n in range(6)
        ]
    )

    assert sorted(outcomes) == ["InvalidField"] * 5 + ["ok"]
    assert User.objects.count() == before + 1
    person = Person.objects.get(pk=member.person_id)
    assert person.user is not None and person.user.username.startswith("rosa-")
    assert not ActivationCode.objects.exists()
