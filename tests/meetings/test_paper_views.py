"""Paper ballots through their pages (Django's test client, no JavaScript): the room page
takes an election to paper, the print page, the table, the tellers' entry form, a form
sent twice, and who may see what."""

from __future__ import annotations

import re

import pytest

from asamblea.meetings import services
from asamblea.meetings.models import PaperEntry, PaperVote
from elections.helpers import open_election
from meetings.paper_helpers import NAMES, hand_out, paper_election
from meetings.test_views import client_for, once
from support.factories import make_officer

pytestmark = pytest.mark.django_db


def paper_urls(vote: PaperVote) -> dict[str, str]:
    base = f"/f/{vote.room.meeting.federation.slug}/meetings/{vote.room.meeting_id}/room/"
    return {
        "room": base,
        "open": base + "paper/",
        "page": base + f"paper/{vote.pk}/",
        "action": base + f"paper/{vote.pk}/action/",
        "print": base + f"paper/{vote.pk}/print/",
    }


def test_an_officer_takes_an_election_to_paper_from_the_room_page_and_prints_it(federation):
    from asamblea.elections import services as elections
    from meetings.helpers import base_meeting

    room, officer, users, _motion = base_meeting(federation, 6)
    election = open_election(federation, "base-2", seats=2, officer=officer)
    for user, name in zip(users, NAMES, strict=False):
        elections.do_stand(user, election, public_name=name)
    elections.do_open_voting(election)
    client = client_for(officer)
    room_url = f"/f/{federation.slug}/meetings/{room.meeting_id}/room/"
    page = client.get(room_url).content.decode()
    assert "Vote this election on paper in the room" in page
    response = client.post(
        room_url + "paper/",
        {"once": once(client, room_url), "election": election.pk, "entry": "papers"},
    )
    assert response.status_code == 302
    vote = PaperVote.objects.get(election=election)
    u = paper_urls(vote)
    token = once(client, u["page"])
    response = client.post(
        u["action"],
        {"once": token, "action": "print", "count": "6", "sheet": "A5", "per": "2"},
    )
    assert response.status_code == 302 and "n=6" in response["Location"]
    vote.refresh_from_db()
    assert vote.printed == 6
    # The same form sent again prints nothing more.
    again = client.post(
        u["action"], {"once": token, "action": "print", "count": "6", "sheet": "A5", "per": "2"}
    )
    assert again.status_code == 409
    vote.refresh_from_db()
    assert vote.printed == 6
    printed = client.get(response["Location"]).content.decode()
    assert printed.count('class="ballot-paper"') == 6
    assert printed.count(vote.audit_number) == 6
    assert "size: A5" in printed and printed.count('class="paper-sheet') == 3
    assert [
        m for m in re.findall(r'<td class="num">(\d)</td><td class="mark"></td><td>(\w+)', printed)
    ][:4] == [("1", "Ana"), ("2", "Berta"), ("3", "Carlos"), ("4", "Delia")]
    # More than recorded is not printed.
    assert client.get(u["print"] + "?n=7").status_code == 403
    # A member sees no print page and no table.
    assert client_for(users[0]).get(u["print"] + "?n=1").status_code == 403


def test_the_table_marks_a_member_and_the_tellers_enter_papers_through_the_form(federation):
    _room, officer, users, _election, vote, teller = paper_election(federation)
    u = paper_urls(vote)
    desk = client_for(officer)
    page = desk.get(u["page"]).content.decode()
    assert f'data-person="{users[0].person.pk}"' in page and "Hand a paper" in page
    desk.post(
        u["action"],
        {"once": once(desk, u["page"]), "action": "mark", "person": users[0].person.pk},
    )
    hand_out(officer, vote, users[1:3])
    assert "voted on paper" in desk.get(u["page"]).content.decode()

    mine = client_for(teller)
    assert 'name="paper"' in mine.get(u["page"]).content.decode()
    assert "Hand a paper" not in mine.get(u["page"]).content.decode()  # names: officers only
    for number, text in [("1", "1 2"), ("2", "3 1"), ("3", "0")]:
        response = mine.post(
            u["action"],
            {"once": once(mine, u["page"]), "action": "enter", "number": number, "paper": text},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"?next={int(number) + 1}")
    for number, text in [("1", "1 2"), ("2", "1 3"), ("3", "0")]:
        desk.post(
            u["action"],
            {"once": once(desk, u["page"]), "action": "enter", "number": number, "paper": text},
        )
    page = desk.get(u["page"]).content.decode()
    assert '<tr data-paper="2">' in page
    assert (
        "escrutadora: <strong>3 1</strong>" in page and "secretaria: <strong>1 3</strong>" in page
    )
    assert services.paper_state(vote).agreed == 2
    # A wrong paper says what to type, in a page, and writes nothing.
    response = mine.post(
        u["action"],
        {"once": once(mine, u["page"]), "action": "enter", "number": "4", "paper": "9"},
    )
    assert response.status_code == 400
    assert "There is no candidate 9" in response.content.decode()
    assert PaperEntry.objects.filter(vote=vote).count() == 6


def test_a_teller_of_another_meeting_cannot_enter_papers(federation):
    _room, _officer, _users, _election, vote, _teller = paper_election(federation)
    outsider = make_officer(federation, "base-3", "ajena")
    client = client_for(outsider)
    u = paper_urls(vote)
    assert 'name="paper"' not in client.get(u["page"]).content.decode()
    response = client.post(
        u["action"],
        {"once": once(client, "/me/data/"), "action": "enter", "number": "1", "paper": "1"},
    )
    assert response.status_code == 403
    assert "not a teller of this meeting" in response.content.decode()


def test_an_officer_takes_a_secret_motion_to_paper_and_the_tellers_enter_a_tally_sheet(
    federation,
):
    from asamblea.deliberation import services as deliberation
    from meetings.helpers import base_meeting, check_in

    room, officer, users, motion = base_meeting(federation, 6)
    check_in(room, users[:4])
    motion = deliberation.do_open_vote(officer, motion, secret=True)
    client = client_for(officer)
    room_url = f"/f/{federation.slug}/meetings/{room.meeting_id}/room/"
    page = client.get(room_url).content.decode()
    assert "Vote this motion on paper in the room" in page
    response = client.post(
        room_url + "paper/",
        {"once": once(client, room_url), "motion": motion.pk, "entry": "tally"},
    )
    assert response.status_code == 302
    vote = PaperVote.objects.get(motion=motion)
    u = paper_urls(vote)
    client.post(
        u["action"],
        {"once": once(client, u["page"]), "action": "print", "count": "4", "sheet": "A5"},
    )
    printed = client.get(u["print"] + "?n=4&sheet=A5&per=2").content.decode()
    assert "Comedor popular: el texto." in printed  # the question on every paper
    assert "Mark X beside one answer." in printed and vote.audit_number in printed
    assert [re.sub(r"<.*?>", "", m) for m in re.findall(r"<td>(.*?)</td>", printed)][:3] == [
        "Yes",
        "No",
        "Abstain",
    ]
    hand_out(officer, vote, users[:3])
    page = client.get(u["page"]).content.decode()
    assert "Secret vote on a motion" in page and 'name="marks-yes"' in page
    response = client.post(
        u["action"],
        {
            "once": once(client, u["page"]),
            "action": "tally",
            "papers": "4",
            "blank": "0",
            "marks-yes": "2",
            "marks-no": "1",
            "marks-abstain": "1",
        },
    )
    # More papers in the box than handed out: refused, with the reason.
    assert response.status_code == 400
    assert "4 papers in the box, but only 3 were handed out" in response.content.decode()
