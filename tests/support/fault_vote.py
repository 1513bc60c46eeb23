"""`python -m support.fault_vote VOTERS SLUG...`: in the database of DATABASE_URL (already
migrated), for each SLUG a federation whose base-1 holds an election open for voting,
four candidates and VOTERS members with a logged-in session each; prints them as one
JSON list of {"federation", "election", "candidates", "sessions": {username: cookie}}.

For the fault tests, which serve that database from gunicorn and cast over HTTP."""

from __future__ import annotations

import json
import sys
from datetime import timedelta


def main(voters: int, slugs: list[str]) -> None:
    from asamblea.cli import _django

    _django.setup()
    print(json.dumps([seed(slug, voters) for slug in slugs]))


def seed(slug: str, voters: int) -> dict[str, object]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from asamblea.elections import services
    from asamblea.federation.models import Delegation
    from support.factories import add_member, body, make_federation, make_officer

    with transaction.atomic():
        federation = make_federation(slug)
        base = body(federation, "base-1")
        officer = make_officer(federation, "base-1", f"officer-{slug}")
        hashed = make_password(None)  # unusable: these voters come with a session
        users = []
        for n in range(1, voters + 1):
            user = get_user_model().objects.create(username=f"{slug}-{n:03d}", password=hashed)
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
    for user in users:
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "federation": slug,
        "election": election.pk,
        "candidates": [c.pk for c in standing],
        "sessions": sessions,
    }


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
