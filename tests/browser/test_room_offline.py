"""The room without signal, on a phone-sized Chromium: the secretary opens the desk page
once while online, the hall loses signal in the middle of the check-in and of a show of
hands, the secretary goes on (checks in three more members, enters her count, even
reloads the page without signal), the signal comes back, and the server holds exactly
what was entered, once; sending the outbox again changes nothing. And two devices
entering the same teller's count with different figures: a conflict, shown to the
device and on the officers' room page, resolved by an officer, never by the server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting
from asamblea.federation.models import Federation, Person
from asamblea.meetings import services
from asamblea.meetings.models import Attendance, OfflineEntry, Room, RoomVote, TellerCount
from deliberation.helpers import member
from meetings.helpers import tabled_motion
from support.factories import body, make_federation, make_officer
from support.phone import fits_the_phone, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def room(transactional_db: None) -> tuple[Room, Any, Any, list[Any]]:
    federation: Federation = make_federation()
    users = [member(federation, "base-2", f"socia-{n}") for n in range(6)]
    secretary = make_officer(federation, "base-2", "secretaria")
    chair = make_officer(federation, "base-2", "presidenta")
    motion = tabled_motion(users, "base-2", federation, "Comedor popular")
    meeting = deliberation.do_create_meeting(
        secretary,
        body(federation, "base-2"),
        title="Asamblea en el local sin señal",
        starts_at=timezone.now(),
        motions=[motion],
    )
    deliberation.do_set_meeting_status(secretary, meeting, Meeting.Status.OPEN)
    return services.do_set_up_room(secretary, meeting), secretary, chair, users


def person(user: Any) -> Person:
    found = Person.objects.filter(user=user).first()
    assert found is not None
    return found


def desk_path(room: Room) -> str:
    return f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/room/desk/"


def open_desk(context: Any, base: str, username: str, room: Room) -> Any:
    """Log in and open the desk, and wait until its service worker keeps it."""
    page = log_in(context, base, username, desk_path(room))
    page.evaluate("navigator.serviceWorker.ready.then(function () { return true; })")
    page.reload()  # now under the worker: the page as served goes into its cache
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return page


def check_in(page: Any, user: Any) -> None:
    page.locator(f".desk-roll li[data-person='{person(user).pk}'] button[name=person]").click()


def outbox(page: Any) -> list[dict[str, Any]]:
    return json.loads(
        page.evaluate(
            "localStorage.getItem('asamblea-outbox-' + document.getElementById('desk').dataset.meeting) || '[]'"
        )
    )


def all_sent(page: Any) -> None:
    expect(page.locator("#outbox li.pending")).to_have_count(0, timeout=30_000)


def test_the_desk_goes_on_without_signal_and_the_server_holds_each_entry_once(
    room: tuple[Room, Any, Any, list[Any]], live_server: Any, new_phone: Any
) -> None:
    the_room, secretary, chair, users = room
    base = live_server.url
    phone = new_phone()
    desk = open_desk(phone, base, "secretaria", the_room)
    fits_the_phone(desk)

    # ---- check-in: one with signal, then the signal goes
    check_in(desk, users[0])
    desk.wait_for_selector("#outbox li.applied")
    phone.set_offline(True)
    for user in users[1:4]:
        check_in(desk, user)
    expect(desk.locator("#outbox li.pending")).to_have_count(3)
    assert "No signal" in desk.locator("#desk-status").inner_text()
    assert desk.locator(".present-count").inner_text() == "4"
    assert Attendance.objects.filter(room=the_room).count() == 1
    # A reload without signal: the page comes from the device, the outbox with it.
    desk.reload()
    expect(desk.locator("#outbox li.pending")).to_have_count(3)
    assert "pending" in desk.locator("#outbox").inner_text()
    assert desk.locator(".present-count").inner_text() == "4"
    kept = outbox(desk)
    phone.set_offline(False)
    all_sent(desk)
    assert "sent" in desk.locator("#outbox").inner_text()
    for user in users[:4]:
        assert Attendance.objects.filter(room=the_room, person=person(user)).count() == 1
    assert Attendance.objects.filter(room=the_room).count() == 4

    # ---- a show of hands: the chair opens it; the signal goes while the secretary counts
    vote = services.do_open_room_vote(chair, the_room, the_room.meeting.items.get().motion)
    desk.reload()
    desk.wait_for_selector("form[data-offline=hand_count]")
    phone.set_offline(True)
    desk.fill("input[name=yes]", "3")
    desk.fill("input[name=no]", "1")
    desk.fill("input[name=abstain]", "0")
    desk.locator("button[value=count]").click()
    desk.wait_for_selector("#outbox li.pending")
    desk.reload()
    desk.wait_for_selector("#outbox li.pending")
    assert not TellerCount.objects.filter(vote=vote).exists()
    kept += [e for e in outbox(desk) if e["kind"] == "hand_count"]
    phone.set_offline(False)
    all_sent(desk)
    assert "waiting for the other teller" in desk.locator("#outbox").inner_text()
    counts = list(TellerCount.objects.filter(vote=vote))
    assert [(c.teller_id, c.yes, c.no, c.abstain) for c in counts] == [(secretary.pk, 3, 1, 0)]

    # ---- the outbox sent again, and the page reloaded: nothing twice
    replay = desk.evaluate(
        """(entries) => fetch(document.getElementById('desk').dataset.sync, {
            method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json',
                      'X-CSRFToken': document.getElementById('desk').dataset.csrf},
            body: JSON.stringify({entries: entries})}).then(r => r.json())""",
        kept,
    )
    assert [a["status"] for a in replay["answers"]] == ["already"] * 4
    desk.reload()
    assert desk.locator("#outbox li").count() == 0
    assert desk.locator(".present-count").inner_text() == "4"
    assert Attendance.objects.filter(room=the_room).count() == 4
    assert TellerCount.objects.filter(vote=vote).count() == 1
    assert OfflineEntry.objects.filter(room=the_room).count() == 5  # 4 check-ins, 1 count
    assert set(OfflineEntry.objects.values_list("status", flat=True)) == {"applied"}


def test_two_devices_entering_the_same_count_differently_show_a_conflict_to_the_officers(
    room: tuple[Room, Any, Any, list[Any]], live_server: Any, new_phone: Any
) -> None:
    the_room, _secretary, chair, users = room
    base = live_server.url
    for user in users[:5]:
        services.do_check_in_by_code(user, the_room, the_room.checkin_token)
    vote = services.do_open_room_vote(chair, the_room, the_room.meeting.items.get().motion)
    phones = [new_phone(), new_phone()]
    desks = [open_desk(p, base, "secretaria", the_room) for p in phones]
    for p in phones:
        p.set_offline(True)
    for desk, figures in zip(desks, [("3", "1", "1"), ("4", "1", "0")], strict=True):
        desk.fill("input[name=yes]", figures[0])
        desk.fill("input[name=no]", figures[1])
        desk.fill("input[name=abstain]", figures[2])
        desk.locator("button[value=count]").click()
        desk.wait_for_selector("#outbox li.pending")
    phones[0].set_offline(False)
    all_sent(desks[0])
    phones[1].set_offline(False)
    desks[1].wait_for_selector("#outbox li.conflict")
    assert "in conflict" in desks[1].locator("#outbox").inner_text()
    # Nothing settled behind the officers' backs: one count in place, the other kept aside.
    assert [(c.yes, c.abstain) for c in TellerCount.objects.filter(vote=vote)] == [(3, 1)]
    conflict = OfflineEntry.objects.get(status="conflict")
    assert conflict.payload["yes"] == "4"

    officer = log_in(
        new_phone(), base, "presidenta", f"/f/test/meetings/{the_room.meeting_id}/room/"
    )
    fits_the_phone(officer)
    section = officer.locator("section.conflicts")
    assert "Entries in conflict" in section.inner_text()
    rows = section.locator("table.side-by-side tr")
    assert "In place" in rows.nth(1).inner_text() and "3" in rows.nth(1).inner_text()
    assert "Sent later" in rows.nth(2).inner_text() and "4" in rows.nth(2).inner_text()
    assert "secretaria" in section.inner_text()
    section.locator("button[value=recount]").click()
    officer.wait_for_selector("text=The conflict is resolved.")
    assert officer.locator("section.conflicts").count() == 0
    assert RoomVote.objects.get(pk=vote.pk).round == 2
    assert OfflineEntry.objects.get(pk=conflict.pk).resolution == "recount"
