"""Paper ballots for an STV election, in the room, through the web UI on phone-sized Chromium.

base-2 meets; its election of two delegates (Ana, Berta, Carlos, Delia standing) is open,
and one member has voted online already. The secretary takes the election to paper from
the room page, records and prints six papers, names a teller, and at the table hands a
paper to four members present (the one who voted online is shown as such: a paper
would cancel their online ballot, and they take none). The teller (JavaScript on) and the secretary (JavaScript off, in another order)
each enter the four papers; one paper is read differently, shown paper by paper with both
readings, and agrees once entered again. The vote closes: the published result counts the
online ballot and the three valid papers, and `asamblea record verify` passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from asamblea.cli.main import main as asamblea
from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting
from asamblea.elections import services as elections
from asamblea.federation.models import Federation
from asamblea.federation.services import find_login
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote
from deliberation.helpers import member
from elections.helpers import open_election
from support.factories import body, make_federation, make_officer, make_user
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser
NAMES = ["Ana", "Berta", "Carlos", "Delia"]


@pytest.fixture
def setting(transactional_db: None, settings: Any) -> dict[str, Any]:
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    federation: Federation = make_federation()
    officer = make_officer(federation, "base-2", "secretaria")
    make_user("escrutador")
    members = [member(federation, "base-2", f"socia-{n}") for n in range(6)]
    meeting = deliberation.do_create_meeting(
        officer, body(federation, "base-2"), title="Asamblea electoral", starts_at=timezone.now()
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, meeting)
    for user in members[:5]:
        services.do_check_in_by_code(user, room, room.checkin_token)
    election = open_election(federation, "base-2", seats=2, officer=officer)
    for user, name in zip(members, NAMES, strict=False):
        elections.do_stand(user, election, public_name=name)
    election = elections.do_open_voting(election)
    ids = {c.public_name: c.pk for c in elections.standing(election)}
    # socia-4 votes online before the meeting: Carlos, then Delia.
    elections.do_cast_ballot(members[4], election, [ids["Carlos"], ids["Delia"]])
    return {"federation": federation, "meeting": meeting, "election": election, "members": members}


def test_two_tellers_enter_paper_ballots_with_one_discrepancy_through_to_the_result(
    setting: dict[str, Any], live_server: Any, new_phone: Any, tmp_path: Path
) -> None:
    base = live_server.url
    meeting, election = setting["meeting"], setting["election"]
    room_path = f"/f/test/meetings/{meeting.pk}/room/"

    secretary = log_in(new_phone(javascript=False), base, "secretaria", room_path)
    fits_the_phone(secretary)
    secretary.fill("input[aria-label='Teller login name']", "escrutador")
    secretary.locator("button[name=action][value=teller]").click()
    secretary.wait_for_selector("text=The teller is named for this meeting.")
    secretary.select_option("section.paper-votes select[name=election]", str(election.pk))
    secretary.get_by_role("button", name="Vote this election on paper in the room").click()
    secretary.wait_for_selector("text=The vote is taken on paper here: print the papers.")
    vote = PaperVote.objects.get(election=election)
    paper_path = f"{room_path}paper/{vote.pk}/"
    fits_the_phone(secretary)

    # Record and print six papers, two to an A4 sheet.
    secretary.fill("section.paper-print input[name=count]", "6")
    secretary.select_option("section.paper-print select[name=per]", "2")
    secretary.locator("section.paper-print button[value=print]").click()
    secretary.wait_for_selector("article.ballot-paper")
    assert secretary.locator("article.ballot-paper").count() == 6
    assert secretary.locator(".paper-sheet").count() == 3
    first = secretary.locator("article.ballot-paper").first.inner_text()
    assert vote.audit_number in first
    positions = [first.index(name) for name in NAMES]  # in the ballot's published order
    assert positions == sorted(positions)
    vote.refresh_from_db()
    assert vote.printed == 6

    # The table: four members take a paper; the one who voted online is shown as such.
    secretary.goto(base + paper_path)
    members = setting["members"]
    online = secretary.locator(f"li[data-person='{members[4].person.pk}']")
    assert "voted online: their online ballot will be cancelled" in online.inner_text()
    for user in members[:4]:
        row = secretary.locator(f"li[data-person='{user.person.pk}']")
        row.locator("button[value=mark]").click()
        secretary.wait_for_selector("text=A paper is handed out")
    assert secretary.locator("#reconciliation td[data-k=handed_out]").inner_text() == "4"

    # Ana 1, Berta 2, Carlos 3, Delia 4.
    teller = log_in(new_phone(), base, "escrutador", paper_path)
    fits_the_phone(teller)

    def enter(page: Any, number: int, text: str, said: str) -> None:
        page.fill("form.paper-form input[name=number]", str(number))
        page.fill("form.paper-form input[name=paper]", text)
        page.locator("form.paper-form button[value=enter]").click()
        page.wait_for_selector(f"text={said}")

    for number, text in [(1, "1 2"), (2, "1 3"), (3, "3 4"), (4, "0")]:
        enter(teller, number, text, f"Paper {number} is in")
    # The next paper's number is offered: the teller types only the paper.
    assert teller.locator("form.paper-form input[name=number]").input_value() == "5"
    for number, text, said in [
        (4, "0", "agrees"),
        (3, "4 3", "does not agree"),
        (2, "1 3", "agrees"),
        (1, "1 2", "agrees"),
    ]:
        enter(secretary, number, text, f"Paper {number} {said}")
    row = secretary.locator("#discrepancies tr[data-paper='3']")
    assert "escrutador: 3 4" in row.inner_text() and "secretaria: 4 3" in row.inner_text()
    assert secretary.locator("#reconciliation td[data-k=discrepancies]").inner_text() == "1"
    # They look at paper 3 together; the teller enters it again, as it reads.
    teller.goto(base + paper_path)
    enter(teller, 3, "3 4", "Paper 3 agrees")
    assert teller.locator("#discrepancies").count() == 0
    state = services.paper_state(vote)
    assert (state.agreed, state.invalid, len(state.rankings)) == (4, 1, 3)

    # The vote closes (the worker, on time): online and paper ballots counted together.
    election = elections.do_close_election(election)
    assert election.result["papers"] == 4 and election.result["paper"]["ballots"] == 3
    public = new_phone().new_page()
    public.goto(f"{base}/f/test/e/{election.pk}/")
    # Ana (papers 1 and 2) and Carlos (paper 3 and the online ballot) reach the quota of 2.
    elected = [e["name"] for e in election.result["count"]["elected"]]
    assert sorted(elected) == ["Ana", "Carlos"]
    text = public.locator("main").inner_text()
    assert all(name in text for name in elected)
    export = tmp_path / "record.jsonl"
    export.write_bytes(public.request.get(f"{base}/record/test/export.jsonl").body())
    assert asamblea(["record", "verify", str(export)]) == 0
    assert find_login("escrutador") is not None
