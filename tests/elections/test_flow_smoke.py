from __future__ import annotations

from asamblea.elections import services
from asamblea.elections.models import Election, Seat
from elections.helpers import open_election, voters


def test_a_whole_election_fills_the_seats(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 2
    members = voters(federation, "base-1", 5)
    election = open_election(federation, seats=2)
    cands = [services.do_stand(m, election) for m in members[:3]]
    services.do_open_voting(election)
    for i, m in enumerate(members):
        order = [cands[i % 3].pk, cands[(i + 1) % 3].pk]
        services.do_cast_ballot(m, election, order)
    election = services.do_close_election(election)
    assert election.status == Election.Status.CLOSED
    assert len(election.result["count"]["elected"]) == 2
    assert Seat.objects.filter(election=election, status="held").count() == 2
