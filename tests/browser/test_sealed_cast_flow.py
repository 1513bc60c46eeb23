"""A ballot sealed in the browser, end to end: the server stores it, and it says what was chosen.

The server side of sealed ballots (issue 12, decision 0004: the vote's key when the
vote opens, `sealed` checked and stored when cast) comes in its own change; until it
is there this test is skipped. With it, a voter on a phone ranks two candidates,
the page posts only the sealed ballot (watched on the way, not changed), the server
accepts it, and the stored ballot, decrypted with the server's key file, reads
back the ranking.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from asamblea.elections import services
from asamblea.elections.models import Ballot
from asamblea.federation.models import Federation
from support.factories import make_federation
from support.phone import log_in

sealed = pytest.importorskip(
    "support.sealed", reason="the server side of sealed ballots is not on this branch yet"
)

pytestmark = pytest.mark.browser


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    return make_federation()


def test_a_ballot_sealed_on_the_phone_is_stored_sealed_and_reads_back(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    from elections.helpers import open_election, voters

    users = voters(federation, "base-1", 4)
    election = open_election(federation)
    for user in users[:3]:
        services.do_stand(user, election)
    services.do_open_voting(election, now=election.voting_opens_at)
    candidates = list(services.standing(election))

    page = log_in(new_phone(), live_server.url, "voter-base-1-4", f"/f/test/e/{election.pk}/")
    posts: list[dict[str, list[str]]] = []
    page.on(
        "request",
        lambda request: (
            posts.append(parse_qs(request.post_data or "", keep_blank_values=True))
            if request.method == "POST" and request.url.endswith("/ballot/")
            else None
        ),
    )
    page.goto(f"{live_server.url}/f/test/e/{election.pk}/ballot/")
    assert page.locator("#ballot[data-seal-key]").count() == 1
    page.locator(".ballot-row").nth(2).locator("select").select_option("1")
    page.locator(".ballot-row").nth(0).locator("select").select_option("2")
    page.click("#cast")
    page.wait_for_selector("#cast-done")

    assert len(posts) == 1
    assert not [field for field in posts[0] if field.startswith("rank-")]
    posted = json.loads(posts[0]["sealed"][0])
    assert set(posted) == {"ballot", "proof"}
    stored = Ballot.objects.get(election=election)
    assert stored.ranking == []
    assert stored.sealed is not None and stored.sealed["ballot"] == posted["ballot"]
    assert sealed.ballot_says(stored) == [candidates[2].pk, candidates[0].pk]
