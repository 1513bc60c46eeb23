"""Seats won at an election stay until the next one; when members are verified and the
apportionment gives a body fewer (or more) seats, its rows say so: "3 (2 at the next
election)", on the council's page and on the body's own."""

from __future__ import annotations

import re

from django.test import Client

from asamblea.elections import services
from asamblea.federation.models import Delegation, Federation
from support.factories import add_member, body
from support.language import in_language

from .helpers import open_election, voters


def seats_cell(html: str, row_id: str) -> str:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, row_id
    cell = re.search(r'<td class="num seats">(.*?)</td>', row.group(1), re.S)
    assert cell, row_id
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_seats_that_change_at_the_next_election_say_so(federation: Federation) -> None:
    delegation = Delegation.objects.get(source__slug="base-1", council__slug="prov-a1")
    users = voters(federation, "base-1", 3)
    delegation.refresh_from_db()
    election = open_election(federation, "base-1")
    for user in users[: election.seats + 1]:
        services.do_stand(user, election)
    election = services.do_open_voting(election)
    for user in users:
        services.do_cast_ballot(user, election, [c.pk for c in services.standing(election)])
    services.do_close_election(election)
    delegation.refresh_from_db()
    won = delegation.seats
    assert won >= 1 and delegation.next_seats == won

    # Members are verified in base-2, beside it, until the apportionment moves a seat.
    added = 0
    while delegation.next_seats == won:
        add_member(federation, "base-2", f"Nueva Socia {added}")
        added += 1
        delegation.refresh_from_db()
        assert added < 50, "base-2's members never moved a seat"
    later = delegation.next_seats
    client = in_language(Client(), "en")
    province = client.get("/f/test/b/prov-a1/").content.decode()
    assert seats_cell(province, "in-base-1") == f"{won} ({later} at the next election)"
    base = client.get("/f/test/b/base-1/").content.decode()
    assert seats_cell(base, "up-prov-a1") == f"{won} ({later} at the next election)"
    spanish = in_language(Client(), "es").get("/f/test/b/prov-a1/").content.decode()
    assert seats_cell(spanish, "in-base-1") == f"{won} ({later} en la próxima elección)"
    assert body(federation, "base-2").verified_members >= added
