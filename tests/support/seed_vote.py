"""`python -m support.seed_vote`: in the database of DATABASE_URL (already migrated), a
federation with an election open for voting, two candidates and a voter who has not
voted; prints them as JSON. For tests that serve that database from a subprocess."""

from __future__ import annotations

import json


def main() -> None:
    from asamblea.cli import _django

    _django.setup()
    from asamblea.elections import services
    from elections.helpers import open_election, voters
    from support.factories import TEST_PASSWORD, make_federation

    federation = make_federation()
    users = voters(federation, "base-1", 3)
    election = open_election(federation)
    for user in users[:2]:
        services.do_stand(user, election)
    services.do_open_voting(election, now=election.voting_opens_at)
    print(
        json.dumps(
            {
                "federation": federation.slug,
                "election": election.pk,
                "candidates": [c.pk for c in services.standing(election)],
                "voter": users[2].username,
                "password": TEST_PASSWORD,
            }
        )
    )


if __name__ == "__main__":
    main()
