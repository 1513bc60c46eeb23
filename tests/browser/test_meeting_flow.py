"""A meeting in the room, through the web UI on phone-sized Chromium and a projector.

A council (prov-a1: Rosa, Luis and Ana's seats) meets: its officer names an alternate
for Ana's seat, the alternate checks in with the meeting's QR link in Ana's place and,
with Rosa, makes the quorum. Then a base assembly (base-2) meets: its secretary sets up
the room, two members check in with the QR link and the secretary checks in two more
from the roll; the quorum is reached on the projector (1920x1080); a member asks for the
floor and the chair gives it (the projector shows the timer); a show of hands is counted
by two tellers who first disagree, then agree; the meeting closes, its acta is signed by
two officers, its hash is on the record, and `asamblea record verify` passes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from asamblea.cli.main import main as asamblea
from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting, Motion
from asamblea.federation.models import Federation
from asamblea.federation.services import find_login
from asamblea.meetings import services
from asamblea.meetings.models import Acta, Attendance
from asamblea.record.models import Entry
from deliberation.helpers import Tree, build_tree, member
from support.factories import body, make_federation, make_officer, make_user
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "en"}


@pytest.fixture
def tree(transactional_db: None, settings: Any) -> Tree:
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    federation: Federation = make_federation()
    tree = build_tree(federation)
    make_officer(federation, "prov-a1", "consejo")
    make_officer(federation, "base-2", "secretaria")
    make_officer(federation, "base-2", "presidenta")
    make_user("escrutador")
    for n in range(4):
        member(federation, "base-2", f"socia-{n}")
    return tree


def action(page: Any, value: str, within: str = "main") -> None:
    page.locator(f"{within} button[name=action][value={value}]").first.click()
    page.wait_for_load_state()


def test_a_meeting_in_the_room_from_check_in_to_the_signed_acta(
    tree: Tree, live_server: Any, new_phone: Any, browser: Any, tmp_path: Path
) -> None:
    base = live_server.url
    federation = tree.federation

    # ---- a council: an alternate sits for an absent delegate
    council = body(federation, "prov-a1")
    chair = tree.users["rosa"]
    motion = deliberation.do_second_motion(
        tree.users["luis"],
        deliberation.do_propose_motion(chair, council, title="Marcha", text="Marchamos."),
    )
    officer = make_officer(federation, "prov-a1", "consejo-2")
    sitting = deliberation.do_create_meeting(
        officer, council, title="Consejo provincial", starts_at=timezone.now(), motions=[motion]
    )
    deliberation.do_set_meeting_status(officer, sitting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, sitting)
    make_user("suplente")
    member(federation, "base-2", "suplente")
    ana_seat = next(s for s in deliberation.seats_in(council) if s.holder.user.username == "ana")
    room_path = f"/f/test/meetings/{sitting.pk}/room/"
    desk = log_in(new_phone(), base, "consejo", room_path)
    fits_the_phone(desk)
    seat_row = desk.locator(f"ul.seats li:has(input[name=seat][value='{ana_seat.pk}'])")
    seat_row.locator("input[name=username]").fill("suplente")
    seat_row.locator("input[name=public_name]").fill("Suplente de Ana")
    seat_row.locator("button[value=alternate]").click()
    desk.wait_for_selector("text=The alternate is named for this meeting.")
    checkin_path = desk.locator("a", has_text="Check-in link").get_attribute("href")
    assert checkin_path is not None and room.checkin_token in checkin_path
    checkin_path = re.sub(r"^https?://[^/]+", "", checkin_path)
    for name in ("suplente", "rosa"):
        phone = log_in(new_phone(), base, name, checkin_path)
        fits_the_phone(phone)
        phone.get_by_role("button", name="I am here").click()
        phone.wait_for_selector("text=You are checked in: welcome.")
    desk.goto(base + room_path)
    assert "Quorum reached" in desk.locator(".quorum").inner_text()
    assert "alternate sitting" in desk.locator("ul.seats").inner_text()
    assert Attendance.objects.get(room=room, seat=ana_seat).as_alternate

    # ---- a base assembly: the secretary sets up the room from the meeting's page
    secretaria_user = make_officer(federation, "base-2", "secretaria-x")
    comedor = deliberation.do_second_motion(
        tree.users["ana"],
        deliberation.do_propose_motion(
            find_login("socia-0"),
            body(federation, "base-2"),
            title="Comedor popular",
            text="Abrimos un comedor popular.",
        ),
    )
    meeting = deliberation.do_create_meeting(
        secretaria_user,
        body(federation, "base-2"),
        title="Asamblea ordinaria",
        starts_at=timezone.now(),
        motions=[comedor],
    )
    deliberation.do_set_meeting_status(secretaria_user, meeting, Meeting.Status.OPEN)
    secretary = log_in(new_phone(), base, "secretaria", f"/f/test/meetings/{meeting.pk}/")
    secretary.fill("input[name=speaker_seconds]", "120")
    secretary.get_by_role("button", name="Set up the room").click()
    secretary.wait_for_selector("#room-live")  # the room page, set up
    fits_the_phone(secretary)
    room = services.room_of(meeting)
    assert room is not None and room.speaker_seconds == 120
    assert secretary.locator(".qr-box svg").count() == 1
    room_path = f"/f/test/meetings/{meeting.pk}/room/"
    checkin_path = f"/f/test/meetings/{meeting.pk}/checkin/{room.checkin_token}/"

    # Two members check in with the QR link, on phones with and without JavaScript.
    phones = {}
    for name, javascript in (("socia-0", True), ("socia-1", False)):
        phone = log_in(new_phone(javascript=javascript), base, name, checkin_path)
        phone.get_by_role("button", name="I am here").click()
        phone.wait_for_selector("text=You are checked in: welcome.")
        phones[name] = phone
    # The secretary checks in two more from the roll, found by name.
    for name in ("Socia 2", "Ana"):
        secretary.fill("input[name=q]", name)
        secretary.get_by_role("button", name="Search").click()
        secretary.locator("ul.roll li", has_text=name).locator("button[value=check-in]").click()
        secretary.wait_for_selector("text=Checked in.")
    assert services.quorum_state(room).reached  # 4 present of 6 members, 4 needed

    # The projector: large type on a 1920x1080 screen, by its link.
    screen_context = browser.new_context(**PROJECTOR)
    screen_context.set_default_timeout(30_000)
    screen_context.add_cookies(
        [{"name": "django_language", "value": "en", "domain": "localhost", "path": "/"}]
    )
    try:
        screen = screen_context.new_page()
        screen.goto(f"{base}/f/test/meetings/{meeting.pk}/screen/?t={room.screen_token}")
        assert "Quorum reached" in screen.locator(".quorum").inner_text()
        assert screen.locator(".quorum .big").first.inner_text() == "4"
        width = screen.evaluate("document.documentElement.scrollWidth")
        assert width <= 1920

        # Speakers: a member asks for the floor from her phone; the chair gives it.
        asker = phones["socia-0"]
        asker.goto(base + room_path)
        asker.get_by_role("button", name="Ask for the floor").click()
        asker.wait_for_selector("text=You are on the speakers' list.")
        secretary.goto(base + room_path)
        action(secretary, "next-speaker")
        # The projector's fragment (polled by htmx) shows her with the timer running.
        screen.wait_for_selector(".floor .speaking .timer")
        remaining = int(screen.locator(".timer").get_attribute("data-remaining") or "0")
        assert 0 < remaining <= 120
        assert "Socia 0" in screen.locator(".floor .speaking").inner_text()

        # A show of hands: the secretary names a teller and opens the vote.
        secretary.fill("input[aria-label='Teller login name']", "escrutador")
        action(secretary, "teller")
        secretary.wait_for_selector("text=The teller is named for this meeting.")
        action(secretary, "open-vote")
        secretary.wait_for_selector("text=The vote is open: the tellers count.")
        teller = log_in(new_phone(), base, "escrutador", room_path)
        fits_the_phone(teller)

        def count(page: Any, yes: int, no: int, abstain: int, said: str) -> None:
            page.goto(base + room_path)
            page.fill("form.count-form input[name=yes]", str(yes))
            page.fill("form.count-form input[name=no]", str(no))
            page.fill("form.count-form input[name=abstain]", str(abstain))
            page.locator("form.count-form button").click()
            page.wait_for_selector(f"text={said}")

        count(teller, 3, 1, 0, "waiting for the other teller")
        count(secretary, 2, 1, 1, "The two counts differ")
        screen.wait_for_selector(".discrepancy")
        count(teller, 3, 1, 0, "waiting for the other teller")
        count(secretary, 3, 1, 0, "The counts agree: the result stands.")
        comedor.refresh_from_db()
        assert comedor.status == Motion.Status.PASSED
        screen.wait_for_selector(".room-vote.decided")
        assert "Passed" in screen.locator(".room-vote").inner_text()
    finally:
        screen_context.close()

    # The close: the acta, signed by two officers, its hash on the record.
    secretary.goto(base + room_path)
    secretary.fill("textarea[name=notes]", "Se acordó abrir el comedor en enero.")
    action(secretary, "close")
    secretary.wait_for_selector("text=The meeting is closed and its acta written")
    fits_the_phone(secretary)
    assert "Socia 0" in secretary.locator("article.acta").inner_text()  # internal copy
    secretary.fill("input[name=public_name]", "María, secretaria")
    secretary.get_by_role("button", name="Sign the acta").click()
    secretary.wait_for_selector("text=A second officer signs it too.")
    president = log_in(new_phone(), base, "presidenta", f"/f/test/meetings/{meeting.pk}/acta/")
    president.fill("input[name=public_name]", "Rosa, presidenta")
    president.get_by_role("button", name="Sign the acta").click()
    president.wait_for_selector("text=The acta's hash is on the public record.")
    acta = Acta.objects.get(room=room)
    entry = Entry.objects.get(federation=federation, type="meeting.acta")
    assert acta.public_hash in entry.payload
    public = new_phone().new_page()
    public.goto(f"{base}/f/test/meetings/{meeting.pk}/acta/")
    assert acta.public_hash in public.locator(".hash").inner_text()
    assert "Socia" not in public.locator("article.acta").inner_text()

    export = tmp_path / "record.jsonl"
    export.write_bytes(public.request.get(f"{base}/record/test/export.jsonl").body())
    assert asamblea(["record", "verify", str(export)]) == 0
