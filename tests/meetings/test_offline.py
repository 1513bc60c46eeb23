"""Entries made in the room without signal and sent later, through the sync address:
applied once through the same services as the online forms (a replay is a no-op that
returns the first answer), signed with the key of the officer's session for this
meeting (a forged signature is refused and not kept), refused for whoever does not run
the meeting, refused with the reason in the sender's language, and a teller's count
entered twice with different figures kept as a conflict for the officers."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from asamblea.errors import Conflict, PermissionDenied
from asamblea.meetings import services
from asamblea.meetings.models import Attendance, DeskKey, OfflineEntry, RoomVote, TellerCount
from asamblea.meetings.services import offline
from meetings.helpers import base_meeting, check_in
from support.factories import make_officer
from support.language import english, in_language

pytestmark = pytest.mark.django_db


def desk_client(user: Any, language: str = "en") -> Client:
    client = in_language(Client(), language) if language != "en" else english(Client())
    client.force_login(user)
    return client


def open_desk(client: Client, room: Any) -> DeskKey:
    page = client.get(f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/room/desk/")
    assert page.status_code == 200, page.content[:300]
    key_id = page.content.decode().split('data-key="')[1].split('"')[0]
    return DeskKey.objects.get(key_id=key_id)


def entry(key: DeskKey, kind: str, payload: dict[str, Any], **over: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "meeting": str(key.room.meeting_id),
        "payload": {k: str(v) for k, v in payload.items()},
        "entered_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "key": key.key_id,
    }
    made.update(over)
    made["signature"] = offline.sign(key.secret, made)
    return made


def send(client: Client, room: Any, *entries: dict[str, Any]) -> Any:
    response = client.post(
        f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/room/sync/",
        json.dumps({"entries": list(entries)}),
        content_type="application/json",
    )
    return response


def answers(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(a["status"], a["message"]) for a in response.json()["answers"]]


def test_a_check_in_sent_twice_is_applied_once_with_the_time_it_was_entered(federation):
    room, officer, _users, _motion = base_meeting(federation)
    client = desk_client(officer)
    key = open_desk(client, room)
    person = services.access_roll(officer, room)[0].person
    sent = entry(key, "check_in", {"person": person.pk})
    assert answers(send(client, room, sent)) == [("applied", "Checked in.")]
    assert answers(send(client, room, sent)) == [("already", "Checked in.")]
    # Replayed from another login's outbox: still nothing twice.
    rows = Attendance.objects.filter(room=room, person=person)
    assert rows.count() == 1
    assert (
        abs((rows[0].checked_in_at - (timezone.now() - timedelta(minutes=3))).total_seconds()) < 60
    )
    assert OfflineEntry.objects.filter(uuid=sent["uuid"]).count() == 1


def test_a_count_sent_twice_and_again_from_a_second_device_counts_once(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:5])
    vote = services.do_open_room_vote(officer, room, motion)
    client = desk_client(officer)
    key = open_desk(client, room)
    count = entry(key, "hand_count", {"vote": vote.pk, "round": 1, "yes": 3, "no": 1, "abstain": 1})
    assert answers(send(client, room, count, count))[0][0] == "applied"
    assert answers(send(client, room, count)) == [
        ("already", "Your count is in: waiting for the other teller's.")
    ]
    other_device = desk_client(officer)
    second_key = open_desk(other_device, room)
    assert second_key.pk != key.pk
    same = entry(
        second_key, "hand_count", {"vote": vote.pk, "round": 1, "yes": 3, "no": 1, "abstain": 1}
    )
    status, message = answers(send(other_device, room, same))[0]
    assert status == "applied" and "already in" in message
    assert TellerCount.objects.filter(vote=vote).count() == 1


def test_a_forged_signature_or_another_meetings_key_is_refused_and_not_kept(federation):
    room, officer, _users, _motion = base_meeting(federation)
    client = desk_client(officer)
    key = open_desk(client, room)
    person = services.access_roll(officer, room)[0].person
    forged = entry(key, "check_in", {"person": person.pk})
    forged["payload"]["person"] = str(services.access_roll(officer, room)[1].person.pk)
    status, message = answers(send(client, room, forged))[0]
    assert status == "refused" and "not signed by your session" in message
    wrong_meeting = entry(key, "check_in", {"person": person.pk}, meeting="999999")
    assert answers(send(client, room, wrong_meeting))[0][0] == "refused"
    assert not Attendance.objects.filter(room=room).exists()
    assert not OfflineEntry.objects.exists()
    # Another login cannot send entries signed with this session's key.
    teller = make_officer(federation, "base-2", "presidenta")
    stolen = entry(key, "check_in", {"person": person.pk})
    assert answers(send(desk_client(teller), room, stolen))[0][0] == "refused"
    assert not Attendance.objects.filter(room=room).exists()


def test_an_officer_of_another_body_is_refused_in_spanish(federation):
    room, officer, _users, _motion = base_meeting(federation)
    outsider = make_officer(federation, "base-1", "secretaria-base-1")
    client = desk_client(outsider, "es")
    page = client.get(f"/f/{federation.slug}/meetings/{room.meeting_id}/room/desk/")
    assert page.status_code == 403
    assert not DeskKey.objects.filter(user=outsider).exists()
    # Even with a real key of this meeting (an officer's), the sync refuses them.
    key = open_desk(desk_client(officer), room)
    person = services.access_roll(officer, room)[0].person
    response = send(client, room, entry(key, "check_in", {"person": person.pk}))
    assert response.status_code == 403
    assert "escrutador" in response.json()["error"] or "escrutadora" in response.json()["error"]
    assert not Attendance.objects.filter(room=room).exists()


def test_refused_entries_keep_the_services_reason_in_the_senders_language(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:4])
    vote = services.do_open_room_vote(officer, room, motion)
    client = desk_client(officer, "es")
    key = open_desk(client, room)
    too_many = entry(
        key, "hand_count", {"vote": vote.pk, "round": 1, "yes": 9, "no": 0, "abstain": 0}
    )
    status, message = answers(send(client, room, too_many))[0]
    assert status == "refused"
    assert "9" in message and "4" in message and "presentes" in message, message
    # The same entry again: the first answer, not a second try.
    assert answers(send(client, room, too_many)) == [("refused", message)]
    assert not TellerCount.objects.exists()
    damaged = entry(
        key, "hand_count", {"vote": vote.pk, "round": 1, "yes": "x", "no": 0, "abstain": 0}
    )
    status, message = answers(send(client, room, damaged))[0]
    assert status == "refused" and "dañada" in message, message


def test_two_devices_entering_the_same_count_differently_is_a_conflict_the_officers_resolve(
    federation,
):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:5])
    vote = services.do_open_room_vote(officer, room, motion)
    first, second = desk_client(officer), desk_client(officer)
    key_one, key_two = open_desk(first, room), open_desk(second, room)
    one = entry(
        key_one, "hand_count", {"vote": vote.pk, "round": 1, "yes": 3, "no": 1, "abstain": 1}
    )
    two = entry(
        key_two, "hand_count", {"vote": vote.pk, "round": 1, "yes": 4, "no": 1, "abstain": 0}
    )
    assert answers(send(first, room, one))[0][0] == "applied"
    assert answers(send(second, room, two))[0][0] == "conflict"
    assert answers(send(second, room, two))[0][0] == "conflict"
    # Held: the other teller's count waits until an officer resolves it.
    teller = make_officer(federation, "base-2", "presidenta")
    with pytest.raises(Conflict, match="in conflict"):
        services.do_enter_count(teller, vote, 3, 1, 1)
    room_page = desk_client(officer).get(f"/f/{federation.slug}/meetings/{room.meeting_id}/room/")
    text = room_page.content.decode()
    assert "Entries in conflict" in text and "Take the count sent later" in text
    conflict = OfflineEntry.objects.get(status="conflict")
    offline.do_resolve_conflict(officer, room, conflict.pk, "taken")
    assert (TellerCount.objects.get(vote=vote).yes, TellerCount.objects.get(vote=vote).abstain) == (
        4,
        0,
    )
    assert offline.conflicts_of(room) == []
    assert services.do_enter_count(teller, vote, 4, 1, 0) == services.Outcome.DECIDED
    assert RoomVote.objects.get(pk=vote.pk).status == RoomVote.Status.DECIDED


def test_a_recount_resolves_a_conflict_into_a_new_round(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:5])
    vote = services.do_open_room_vote(officer, room, motion)
    first, second = desk_client(officer), desk_client(officer)
    key_one, key_two = open_desk(first, room), open_desk(second, room)
    send(
        first,
        room,
        entry(
            key_one, "hand_count", {"vote": vote.pk, "round": 1, "yes": 3, "no": 1, "abstain": 1}
        ),
    )
    send(
        second,
        room,
        entry(
            key_two, "hand_count", {"vote": vote.pk, "round": 1, "yes": 2, "no": 2, "abstain": 1}
        ),
    )
    conflict = OfflineEntry.objects.get(status="conflict")
    outsider = make_officer(federation, "base-1", "otra")
    with pytest.raises(PermissionDenied):
        offline.do_resolve_conflict(outsider, room, conflict.pk, "recount")
    offline.do_resolve_conflict(officer, room, conflict.pk, "recount")
    assert RoomVote.objects.get(pk=vote.pk).round == 2
    assert TellerCount.objects.filter(vote=vote).count() == 1  # history kept
    # A count for a round that is over, from a teller who had not entered it: refused.
    teller = make_officer(federation, "base-2", "presidenta")
    teller_client = desk_client(teller)
    teller_key = open_desk(teller_client, room)
    late = entry(
        teller_key, "hand_count", {"vote": vote.pk, "round": 1, "yes": 1, "no": 1, "abstain": 1}
    )
    status, message = answers(send(teller_client, room, late))[0]
    assert status == "refused" and "is over" in message


def test_the_service_worker_is_served_at_the_rooms_scope(federation):
    room, _officer, _users, _motion = base_meeting(federation)
    response = Client().get(f"/f/{federation.slug}/meetings/{room.meeting_id}/room/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert (
        response["Service-Worker-Allowed"]
        == f"/f/{federation.slug}/meetings/{room.meeting_id}/room/"
    )
    assert (
        f"/f/{federation.slug}/meetings/{room.meeting_id}/room/desk/" in response.content.decode()
    )


def test_without_javascript_the_desk_posts_to_the_room_and_comes_back(federation):
    room, officer, _users, _motion = base_meeting(federation)
    client = desk_client(officer)
    desk = f"/f/{federation.slug}/meetings/{room.meeting_id}/room/desk/"
    page = client.get(desk).content.decode()
    token = page.split('name="once" value="')[1].split('"')[0]
    person = services.access_roll(officer, room)[0].person
    response = client.post(
        f"/f/{federation.slug}/meetings/{room.meeting_id}/room/action/",
        {"action": "roll", "person": person.pk, "once": token, "next": "desk"},
    )
    assert response.status_code == 302 and response["Location"] == desk
    assert Attendance.objects.filter(room=room, person=person).count() == 1
    assert not OfflineEntry.objects.exists()
    assert "Checked in." in client.get(desk).content.decode()


def test_a_check_in_sent_after_the_member_was_checked_out_is_a_conflict_for_the_officers(
    federation,
):
    room, officer, _users, _motion = base_meeting(federation)
    client = desk_client(officer)
    key = open_desk(client, room)
    socia = services.access_roll(officer, room)[0].person
    # Entered on the device at 10 minutes ago; meanwhile checked in and out online.
    late = entry(
        key,
        "check_in",
        {"person": socia.pk},
        entered_at=(timezone.now() - timedelta(minutes=10)).isoformat(),
    )
    attendance = services.do_check_in_member(officer, room, socia.pk)[0]
    services.do_check_out(officer, room, attendance.pk)
    status, message = answers(send(client, room, late))[0]
    assert status == "conflict" and "checked out after" in message
    assert not Attendance.objects.filter(room=room, checked_out_at__isnull=True).exists()
    text = client.get(f"/f/{federation.slug}/meetings/{room.meeting_id}/room/").content.decode()
    assert "Present: check them in" in text and socia.full_name in text
    conflict = OfflineEntry.objects.get(status="conflict")
    offline.do_resolve_conflict(officer, room, conflict.pk, "taken")
    assert Attendance.objects.filter(room=room, checked_out_at__isnull=True).count() == 1
    assert offline.check_in_conflicts_of(room) == []
