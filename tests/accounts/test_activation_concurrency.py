"""A code sent twice at the same moment (two taps, two phones) makes exactly one login
(PostgreSQL: the code's row is locked and deleted in the activation's transaction)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from asamblea.accounts.models import ActivationCode
from asamblea.accounts.services import activation
from asamblea.federation.models import Person
from support.factories import add_member, make_federation, make_officer
from support.threads import run_at_once

pytestmark = pytest.mark.postgres_only


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
