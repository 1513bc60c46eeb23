"""The demo's meetings: a finished assembly with its signed acta on the record, and an
assembly in session with its speakers' list."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from asamblea.deliberation.models import Meeting
from asamblea.federation.demo import load_demo
from asamblea.federation.models import Federation
from asamblea.meetings import services
from asamblea.meetings.demo import FINISHED, IN_SESSION, load_meetings_demo, meetings_demo
from asamblea.meetings.models import Acta
from asamblea.record.verify import verify_lines
from deliberation.helpers import entries, export
from support.language import english

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_signed_acta_and_a_meeting_in_session_with_speakers():
    load_demo(members_per_body=(8, 10), seed=3)
    started = time.perf_counter()
    assert load_meetings_demo() is True
    print(f"load_meetings_demo: {time.perf_counter() - started:.2f} s")
    assert load_meetings_demo() is False  # idempotent
    federation = Federation.objects.get(slug="peru")
    finished = Meeting.objects.get(federation=federation, title=FINISHED)
    acta = Acta.objects.get(room__meeting=finished)
    assert acta.published_at is not None and acta.signatures.count() == 2
    assert [e["hash"] for e in entries(federation, "meeting.acta")] == [acta.public_hash]
    assert [item["result"]["passed"] for item in acta.public["agenda"]] == [True, False]
    assert acta.public["agenda"][0]["counted"]["rounds"] == 2
    # The delegates' election, voted on paper in the room (each paper entered twice,
    # agreed) and online by two members who were not there, counted together.
    [election] = acta.public["elections"]
    assert election["status"] == "closed" and election["elected"]
    paper = election["paper"]
    present = acta.public["attendance"]["checked_in"]
    assert paper["handed_out"] == present and paper["spoiled"] == 1
    assert paper["in_box"] == present and paper["unresolved"] == 0
    assert paper["ballots"] + paper["invalid"] == present
    [closed] = [
        e for e in entries(federation, "election.closed") if e["election"] == election["election"]
    ]
    assert closed["casts"] == present + 2
    page = english(Client()).get(f"/f/peru/meetings/{finished.pk}/acta/?copy=public")
    assert "Elections voted on paper in the room" in page.content.decode()
    sitting = Meeting.objects.get(federation=federation, title=IN_SESSION)
    room = services.room_of(sitting)
    assert room is not None and sitting.status == Meeting.Status.OPEN
    floor = services.floor(room)
    assert floor.speaking is not None and len(floor.waiting) == 3
    assert floor.waiting[0].kind == "order"
    # A secret question under way on paper in the room (and online).
    [paper] = services.paper_votes_of(room)
    state = services.paper_state(paper)
    assert paper.motion is not None and paper.motion.status == "voting"
    assert state.handed_out == len(services.present_roll(room)) // 2 and state.waiting == [1, 2]
    verify_lines(export(federation))
    demo = meetings_demo()
    assert demo is not None
    screen = english(Client()).get(demo.screen).content.decode()
    assert "Quorum reached" in screen and "<svg" in screen
