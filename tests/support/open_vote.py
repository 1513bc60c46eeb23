"""An election open for voting with many voters who hold a session, made in one go.

For tests that serve the database from a subprocess and cast over HTTP
(`support.fault_vote`, `elections/test_durability.py`); they call it in the server's
environment, with Django set up."""

from __future__ import annotations

from datetime import timedelta


def open_vote(
    slug: str,
    voters: int,
    *,
    prefix: str | None = None,
    password: str | None = None,
    form_logins: int = 0,
) -> dict[str, object]:
    """A federation `slug` whose base-1 holds an election open for voting, four candidates
    and `voters` members named `{prefix}-001`... (`prefix` defaults to the slug).

    With `password` the voters can log in with it (hashed once: argon2 is slow on
    purpose); without, their password is unusable. All but the first `form_logins`
    voters get a session made by Django's login. Returns {"federation", "election",
    "candidates", "voters", "sessions": {username: cookie}}."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from asamblea.elections import services
    from asamblea.federation.models import Delegation
    from support.factories import add_member, body, make_federation, make_officer

    prefix = prefix or slug
    with transaction.atomic():
        federation = make_federation(slug)
        base = body(federation, "base-1")
        officer = make_officer(federation, "base-1", f"officer-{prefix}")
        hashed = make_password(password)
        users = []
        for n in range(1, voters + 1):
            user = get_user_model().objects.create(username=f"{prefix}-{n:03d}", password=hashed)
            add_member(federation, "base-1", f"Voter {n}", user=user)
            users.append(user)
        now = timezone.now()
        election = services.do_open_election(
            officer,
            base,
            delegation=Delegation.objects.get(source=base),
            seats=2,
            nominations_close_at=now + timedelta(hours=1),
            voting_opens_at=now + timedelta(hours=1),
            voting_closes_at=now + timedelta(hours=2),
        )
        standing = [services.do_stand(user, election) for user in users[:4]]
        services.do_open_voting(election)
    sessions = {}
    for user in users[form_logins:]:
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "federation": slug,
        "election": election.pk,
        "candidates": [c.pk for c in standing],
        "voters": [user.username for user in users],
        "sessions": sessions,
    }
