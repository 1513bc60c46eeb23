"""The room's pages through Django's test client: the room page and its fragment, the
check-in link, the projector (by its link only), teller counts, the acta and its print."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from asamblea.meetings import services
from meetings.helpers import base_meeting, check_in
from support.factories import make_officer
from support.language import english

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = english(Client())
    if user is not None:
        client.force_login(user)
    return client


def once(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    match = re.search(r'name="once" value="([^"]+)"', page.content.decode())
    assert match, f"no form on {url}"
    return match.group(1)


def urls(room):
    base = f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/"
    return {
        "meeting": base,
        "room": base + "room/",
        "live": base + "room/live/",
        "action": base + "room/action/",
        "checkin": base + f"checkin/{room.checkin_token}/",
        "screen": base + "screen/",
        "screen_live": base + "screen/live/",
        "acta": base + "acta/",
        "sign": base + "acta/sign/",
    }


def test_a_member_checks_in_through_the_link_of_the_qr_code(federation):
    room, officer, users, _motion = base_meeting(federation)
    u = urls(room)
    member = client_for(users[0])
    response = member.post(u["checkin"], {"once": once(member, u["checkin"])})
    assert response.status_code == 302
    assert services.present_count(room) == 1
    assert "You are checked in" in member.get(u["room"]).content.decode()
    # The officers' room page shows the code to scan, the meeting page links the room.
    page = client_for(officer).get(u["room"]).content.decode()
    assert "<svg" in page and room.checkin_token in page
    assert "Open the room" in client_for().get(u["meeting"]).content.decode()


def test_the_projector_opens_with_its_link_only_and_its_fragment_polls(federation):
    room, _officer, users, _motion = base_meeting(federation)
    check_in(room, users[:4])
    u = urls(room)
    assert client_for().get(u["screen"]).status_code in (302, 403)
    screen = client_for().get(u["screen"] + f"?t={room.screen_token}")
    assert screen.status_code == 200
    html = screen.content.decode()
    assert 'hx-trigger="every 5s"' in html and 'http-equiv="refresh"' in html
    fragment = client_for().get(u["screen_live"] + f"?t={room.screen_token}").content.decode()
    assert "Quorum reached" in fragment and 'data-present="4"' in fragment


def test_tellers_enter_counts_on_the_room_page_and_an_outsider_is_told_why_not(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:5])
    second = make_officer(federation, "base-2", "presidenta")
    vote = services.do_open_room_vote(officer, room, motion)
    u = urls(room)
    chair = client_for(officer)
    counts = {"action": "count", "vote": vote.pk, "yes": 4, "no": 1, "abstain": 0}
    chair.post(u["action"], {"once": once(chair, u["room"]), **counts})
    intruder = client_for(users[0])
    refused = intruder.post(u["action"], {"once": once(intruder, u["room"]), **counts})
    assert refused.status_code == 403
    assert "not a teller of this meeting" in refused.content.decode()
    other = client_for(second)
    other.post(u["action"], {"once": once(other, u["room"]), **counts})
    motion.refresh_from_db()
    assert motion.status == "passed"


def test_the_acta_prints_on_a4_or_letter_and_the_public_copy_has_no_members_names(federation):
    room, officer, users, _motion = base_meeting(federation)
    check_in(room, users[:2])
    services.do_close_meeting(officer, room, "Notas")
    u = urls(room)
    internal = client_for(officer).get(u["acta"] + "?paper=letter").content.decode()
    assert "size: letter" in internal and "Socia 0" in internal
    public = client_for().get(u["acta"]).content.decode()
    assert "size: A4" in public and "Socia" not in public


def test_a_council_roll_call_is_entered_seat_by_seat_on_the_room_page(tree):
    from asamblea.deliberation import services as deliberation
    from asamblea.deliberation.models import Meeting
    from support.factories import body

    federation = tree.federation
    council = body(federation, "prov-a1")
    officer = make_officer(federation, "prov-a1", "secretario")
    motion = deliberation.do_second_motion(
        tree.users["luis"],
        deliberation.do_propose_motion(tree.users["rosa"], council, title="Marcha", text="Sí."),
    )
    meeting = deliberation.do_create_meeting(
        officer, council, title="Consejo", starts_at=motion.created_at, motions=[motion]
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, meeting)
    check_in(room, [tree.users["rosa"], tree.users["luis"]])
    vote = services.do_open_room_vote(officer, room, motion)
    u = urls(room)
    chair = client_for(officer)
    page = chair.get(u["room"]).content.decode()
    seats = re.findall(r'<tr data-seat="(\d+)"', page)
    assert len(seats) == 2  # the two seats present, by their published names
    for seat in seats:
        chair.post(
            u["action"],
            {
                "once": once(chair, u["room"]),
                "action": "roll-call",
                "vote": vote.pk,
                "seat": seat,
                "choice": "yes",
            },
        )
    chair.post(
        u["action"], {"once": once(chair, u["room"]), "action": "close-roll-call", "vote": vote.pk}
    )
    motion.refresh_from_db()
    assert motion.status == "passed" and motion.result["yes"] == 2


def test_the_roll_prints_for_the_officers_only(federation):
    room, officer, users, _motion = base_meeting(federation)
    check_in(room, users[:1])
    url = urls(room)["room"] + "roll/?paper=letter"
    page = client_for(officer).get(url).content.decode()
    assert "size: letter" in page and page.count("☐") == 5 and page.count("☑") == 1
    assert client_for(users[1]).get(url).status_code == 403


@pytest.mark.parametrize("action", ["teller", "alternate"])
def test_a_login_name_with_a_nul_is_no_login_a_4xx_not_a_500(federation, action):
    # Found by the officers' form fuzz (tests/web/test_officer_form_fuzz.py) on
    # PostgreSQL, which refuses NUL in text: the teller's login was looked up as typed.
    from asamblea.meetings.models import Alternate, Teller

    room, officer, _users, _motion = base_meeting(federation)
    u = urls(room)
    client = client_for(officer)
    before = Teller.objects.count(), Alternate.objects.count()
    fields = {"action": action, "username": "socia-1\x00", "seat": "1", "public_name": "Ana"}
    response = client.post(u["action"], {**fields, "once": once(client, u["room"])})
    assert 400 <= response.status_code < 500
    assert "no login with that name" in response.content.decode() or (
        "no member with that login name" in response.content.decode()
    )
    assert (Teller.objects.count(), Alternate.objects.count()) == before
