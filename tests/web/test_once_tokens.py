"""One-time form tokens: the housekeeping of the used ones stays off the usual form post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from asamblea.errors import Conflict
from asamblea.web import once
from asamblea.web.models import UsedFormToken


def post(token: str) -> None:
    request = RequestFactory().post("/", {"once": token})
    request.session = {once.SESSION_KEY: [token]}  # type: ignore[assignment]
    once.consume_once_token(request)


def test_old_used_tokens_are_dropped_at_most_every_few_minutes(
    db, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(once, "_next_prune", 0.0)
    UsedFormToken.objects.create(token="old")
    long_ago = timezone.now() - timedelta(days=400)
    UsedFormToken.objects.filter(token="old").update(used_at=long_ago)
    post("first")
    assert not UsedFormToken.objects.filter(token="old").exists()
    # Until PRUNE_EVERY has passed, a form post only spends its token (no DELETE).
    with django_assert_num_queries(3):  # SAVEPOINT, INSERT, RELEASE
        post("second")
    with pytest.raises(Conflict):
        post("second")
