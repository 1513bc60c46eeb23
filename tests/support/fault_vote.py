"""`python -m support.fault_vote VOTERS SLUG...`: in the database of DATABASE_URL (already
migrated), for each SLUG a federation whose base-1 holds an election open for voting,
four candidates and VOTERS members with a logged-in session each; prints them as one
JSON list of {"federation", "election", "candidates", "sessions": {username: cookie}}
(made by `support.open_vote`).

For the fault tests, which serve that database from gunicorn and cast over HTTP."""

from __future__ import annotations

import json
import sys


def main(voters: int, slugs: list[str]) -> None:
    from asamblea.cli import _django

    _django.setup()
    from support.open_vote import open_vote

    votes = []
    for slug in slugs:
        vote = open_vote(slug, voters)  # no password: these voters come with a session
        del vote["voters"]  # their names are the sessions' keys
        votes.append(vote)
    print(json.dumps(votes))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
