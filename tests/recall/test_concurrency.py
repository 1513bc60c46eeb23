"""Signatures under concurrency (PostgreSQL): every member counted once, the count
always equals the signatures stored, and exactly one recall vote opens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from asamblea.elections.models import Election
from asamblea.recall import services
from asamblea.recall.models import PetitionSignature, RecallPetition, RecallSettings
from recall.world import build_world, member
from support.threads import run_at_once

pytestmark = pytest.mark.postgres_only


def test_many_members_sign_at_once_and_one_member_many_times(
    transactional_db: None, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    names = [f"m{i}" for i in range(12)]
    for name in names:
        member(world, "base-1", name)
    RecallSettings.objects.create(federation=world.federation, threshold=Decimal("0.5"))
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    assert (petition.electorate, petition.threshold) == (20, 10)

    # The same member taps "sign" six times at once: one signature.
    same = run_at_once([lambda: services.do_sign_petition(world.users["ivo"], petition)] * 6)
    assert sorted(same) == ["Conflict"] * 5 + ["ok"]

    # Twelve members sign at once: the threshold (10) is crossed once, one vote opens.
    outcomes = run_at_once(
        [lambda n=name: services.do_sign_petition(world.users[n], petition) for name in names]
    )
    petition = RecallPetition.objects.get(pk=petition.pk)
    stored = PetitionSignature.objects.filter(petition=petition).count()
    assert petition.signatures == stored == 2 + outcomes.count("ok")
    assert petition.signatures == 10
    # Those after the threshold find the petition closed to signatures.
    assert sorted(set(outcomes)) == ["Conflict", "ok"]
    assert petition.status == RecallPetition.Status.VOTING
    assert Election.objects.filter(kind=Election.Kind.RECALL).count() == 1
