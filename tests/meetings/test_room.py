"""The room through its services: attendance and quorum, alternates, votes counted by
tellers or by roll call, the speakers' list, and the acta on the record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting, Motion
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.meetings import services
from asamblea.meetings.models import Attendance, Speaker
from asamblea.record.verify import verify_lines
from deliberation.helpers import entries, export, member
from meetings.helpers import base_meeting, check_in, tabled_motion
from support.factories import body, make_officer, make_user

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- attendance and quorum


def test_members_check_in_by_the_code_and_the_quorum_is_shown_live(federation):
    room, officer, users, _motion = base_meeting(federation)
    assert services.quorum_state(room) == services.QuorumState(0, 4, 6, "members")
    check_in(room, users[:3])
    state = services.quorum_state(room)
    assert (state.present, state.needed, state.reached) == (3, 4, False)
    services.do_check_in_member(officer, room, users[3].person.pk)
    assert services.quorum_state(room).reached
    assert [a.how for a in Attendance.objects.order_by("pk")] == ["qr"] * 3 + ["officer"]


def test_a_wrong_code_an_outsider_and_a_second_check_in_are_refused(federation):
    room, _officer, users, _motion = base_meeting(federation)
    with pytest.raises(PermissionDenied, match="not this meeting's"):
        services.do_check_in_by_code(users[0], room, "wrong")
    outsider = member(federation, "base-1", "forastero")
    with pytest.raises(PermissionDenied, match="Only verified members"):
        services.do_check_in_by_code(outsider, room, room.checkin_token)
    check_in(room, users[:1])
    with pytest.raises(Conflict, match="Already checked in"):
        check_in(room, users[:1])


def test_only_an_officer_checks_in_from_the_roll_and_the_roll_is_searched_by_name(federation):
    room, officer, users, _motion = base_meeting(federation)
    with pytest.raises(PermissionDenied, match="Only an officer"):
        services.do_check_in_member(users[0], room, users[1].person.pk)
    found = services.access_roll(officer, room, "SOCIA 1")
    assert [row.name for row in found] == ["Socia 1"]
    services.do_check_in_member(officer, room, found[0].person.pk)
    assert services.access_roll(officer, room, "socia 1")[0].present


def test_checking_out_lowers_the_present_count(federation):
    room, _officer, users, _motion = base_meeting(federation)
    check_in(room, users[:2])
    mine = services.my_attendance(users[0], room)[0]
    with pytest.raises(PermissionDenied):
        services.do_check_out(users[1], room, mine.pk)
    services.do_check_out(users[0], room, mine.pk)
    assert services.present_count(room) == 1


def test_nobody_checks_in_before_the_session_opens(federation):
    room, officer, users, _motion = base_meeting(federation)
    deliberation.do_set_meeting_status(officer, room.meeting, Meeting.Status.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        check_in(room, users[:1])


# ---------------------------------------------------------------- show of hands


def _teller(federation, room, officer, name="escrutador"):
    user = make_user(name)
    services.do_name_teller(officer, room, user)
    return user


def test_two_tellers_who_disagree_count_again_and_when_they_agree_the_result_stands(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:5])
    teller = _teller(federation, room, officer)
    vote = services.do_open_room_vote(officer, room, motion)
    assert services.do_enter_count(teller, vote, 3, 1, 1) == services.Outcome.WAITING
    assert services.do_enter_count(officer, vote, 3, 2, 0) == services.Outcome.DISCREPANCY
    vote.refresh_from_db()
    assert vote.round == 2
    assert services.vote_state(vote).discrepancies == [
        {"round": 1, "counts": [(3, 1, 1), (3, 2, 0)]}
    ]
    services.do_enter_count(teller, vote, 3, 1, 1)
    assert services.do_enter_count(officer, vote, "3", "1", "1") == services.Outcome.DECIDED
    motion.refresh_from_db()
    assert motion.status == Motion.Status.PASSED
    assert motion.resolution.number == 1
    counted = entries(federation, "motion.counted")[-1]
    assert counted["room"] == {
        "meeting": room.meeting_id,
        "method": "hands",
        "present": 5,
        "rounds": 2,
        "tellers": 2,
    }
    assert counted["ballots"] == [
        {"choice": "abstain", "count": 1},
        {"choice": "no", "count": 1},
        {"choice": "yes", "count": 3},
    ]
    assert counted["result"]["present"] == 5
    verify_lines(export(federation))


def test_counts_above_the_present_roll_are_refused(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:4])
    vote = services.do_open_room_vote(officer, room, motion)
    with pytest.raises(InvalidInput, match="5 hands counted, but only 4 people are present"):
        services.do_enter_count(officer, vote, 3, 1, 1)
    with pytest.raises(InvalidInput, match="whole number"):
        services.do_enter_count(officer, vote, "tres", 1, 0)


def test_a_vote_without_quorum_is_refused_unless_the_rules_allow_it(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:2])
    with pytest.raises(Conflict, match="There is no quorum: 2 present, 4 needed"):
        services.do_open_room_vote(officer, room, motion)
    services.do_set_up_room(officer, room.meeting, votes_without_quorum=True)
    room.refresh_from_db()
    vote = services.do_open_room_vote(officer, room, motion)
    services.do_enter_count(officer, vote, 2, 0, 0)
    services.do_enter_count(_teller(federation, room, officer), vote, 2, 0, 0)
    motion.refresh_from_db()
    assert (motion.status, motion.result["reason"]) == (Motion.Status.REJECTED, "no-quorum")


def test_a_teller_of_another_meeting_and_a_member_cannot_enter_counts(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:4])
    vote = services.do_open_room_vote(officer, room, motion)
    other_meeting = deliberation.do_create_meeting(
        officer, body(federation, "base-2"), title="Otra", starts_at=timezone.now()
    )
    other = services.do_set_up_room(officer, other_meeting)
    elsewhere = _teller(federation, other, officer, "de-otra")
    for intruder in (elsewhere, users[0]):
        with pytest.raises(PermissionDenied, match="not a teller of this meeting"):
            services.do_enter_count(intruder, vote, 1, 1, 1)


def test_a_teller_enters_once_a_round_and_nothing_after_the_decision(federation):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:4])
    teller = _teller(federation, room, officer)
    vote = services.do_open_room_vote(officer, room, motion)
    services.do_enter_count(teller, vote, 4, 0, 0)
    with pytest.raises(Conflict, match="already entered"):
        services.do_enter_count(teller, vote, 4, 0, 0)
    services.do_enter_count(officer, vote, 4, 0, 0)
    with pytest.raises(Conflict, match="decided"):
        services.do_enter_count(officer, vote, 4, 0, 0)


def test_only_a_motion_of_the_agenda_is_voted_in_the_room(federation):
    room, officer, users, _motion = base_meeting(federation)
    check_in(room, users[:4])
    other = tabled_motion(users, "base-2", federation, "Fuera del orden del día")
    with pytest.raises(InvalidInput, match="agenda"):
        services.do_open_room_vote(officer, room, other)


# ---------------------------------------------------------------- councils: alternates, roll call


def test_an_alternate_sits_and_votes_for_an_absent_delegates_seat_in_a_roll_call(tree):
    federation = tree.federation
    council = body(federation, "prov-a1")  # rosa, luis (base-1) and ana (base-2)
    officer = make_officer(federation, "prov-a1", "secretario")
    motion = deliberation.do_second_motion(
        tree.users["luis"],
        deliberation.do_propose_motion(
            tree.users["rosa"], council, title="Marcha provincial", text="Marchamos."
        ),
    )
    meeting = deliberation.do_create_meeting(
        officer, council, title="Consejo", starts_at=timezone.now(), motions=[motion]
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, meeting)
    assert services.quorum_state(room).needed == 2  # more than half of 3 seats
    seats = {s.holder.user.username: s for s in deliberation.seats_in(council)}
    seat = seats["ana"]
    substitute = member(federation, "base-2", "suplente")
    person = substitute.person
    with pytest.raises(InvalidInput, match="member of Base 1"):
        services.do_name_alternate(officer, room, seats["rosa"].pk, person.pk, "Suplente")
    services.do_name_alternate(officer, room, seat.pk, person.pk, "Suplente de Ana")
    with pytest.raises(Conflict, match="already has an alternate"):
        services.do_name_alternate(officer, room, seat.pk, person.pk, "Otra")
    check_in(room, [tree.users["rosa"], substitute])
    assert services.quorum_state(room).reached
    with pytest.raises(Conflict, match="alternate sits for your seat"):
        check_in(room, [tree.users["ana"]])
    vote = services.do_open_room_vote(officer, room, motion)
    with pytest.raises(InvalidInput, match="Nobody sits for that seat"):
        services.do_enter_roll_call(officer, vote, seats["luis"].pk, "yes")
    services.do_enter_roll_call(officer, vote, seats["rosa"].pk, "yes")
    services.do_enter_roll_call(officer, vote, seat.pk, "no")
    services.do_close_roll_call(officer, vote)
    counted = entries(federation, "motion.counted")[-1]
    assert counted["room"]["alternates"] == [{"seat": seat.pk, "alternate": "Suplente de Ana"}]
    assert sorted(v["vote"] for v in counted["votes"]) == ["no", "yes"]
    verify_lines(export(federation))


def test_alternates_are_only_for_councils(federation):
    room, officer, users, _motion = base_meeting(federation)
    with pytest.raises(InvalidInput, match="only a council"):
        services.do_name_alternate(officer, room, 1, users[0].person.pk, "X")


# ---------------------------------------------------------------- speakers


def test_points_of_order_jump_the_queue_and_the_chair_moves_on_in_one_tap(federation):
    room, officer, users, _motion = base_meeting(federation)
    with pytest.raises(Conflict, match="Check in first"):
        services.do_ask_for_floor(users[0], room)
    check_in(room, users[:3])
    start = timezone.now()
    services.do_ask_for_floor(users[0], room, now=start)
    services.do_ask_for_floor(users[1], room, now=start + timedelta(seconds=1))
    with pytest.raises(Conflict, match="Already on the speakers' list"):
        services.do_ask_for_floor(users[1], room)
    services.do_add_speaker(
        officer,
        room,
        users[2].person.pk,
        Speaker.Kind.POINT_OF_ORDER,
        now=start + timedelta(seconds=2),
    )
    first = services.do_next_speaker(officer, room, now=start + timedelta(seconds=3))
    assert first is not None and first.kind == Speaker.Kind.POINT_OF_ORDER
    now = start + timedelta(seconds=63)
    floor = services.floor(room, now)
    assert floor.remaining == room.speaker_seconds - 60
    assert [s.person.full_name for s in floor.waiting] == ["Socia 0", "Socia 1"]
    services.do_next_speaker(officer, room, now=now)
    assert services.floor(room, now).speaking.person.full_name == "Socia 0"
    with pytest.raises(PermissionDenied):
        services.do_next_speaker(users[0], room)


# ---------------------------------------------------------------- the acta


def test_the_acta_is_generated_signed_by_two_officers_and_its_hash_goes_on_the_record(
    federation,
):
    room, officer, users, motion = base_meeting(federation)
    second = make_officer(federation, "base-2", "presidenta")
    check_in(room, users[:5])
    services.do_ask_for_floor(users[0], room)
    services.do_next_speaker(officer, room)
    vote = services.do_open_room_vote(officer, room, motion)
    with pytest.raises(Conflict, match="still being counted"):
        services.do_close_meeting(officer, room)
    services.do_enter_count(officer, vote, 4, 1, 0)
    services.do_enter_count(second, vote, 4, 1, 0)
    acta = services.do_close_meeting(officer, room, "Se acordó el comedor.")
    room.meeting.refresh_from_db()
    assert room.meeting.status == Meeting.Status.CLOSED
    public = acta.public
    assert public["attendance"]["checked_in"] == 5
    assert public["agenda"][0]["result"]["passed"] is True
    assert public["agenda"][0]["counted"]["method"] == "hands"
    assert public["speakers"][0]["name"] == ""  # a base member's name stays internal
    assert acta.internal["speakers"][0]["name"] == "Socia 0"
    assert "Socia" not in str(public)
    assert acta.public_hash == services.acta_hash(public)
    services.do_sign_acta(officer, acta, "María Secretaria")
    with pytest.raises(Conflict, match="already signed"):
        services.do_sign_acta(officer, acta, "María Secretaria")
    assert entries(federation, "meeting.acta") == []
    with pytest.raises(PermissionDenied):
        services.do_sign_acta(users[0], acta, "Socia")
    services.do_sign_acta(second, acta, "Rosa Presidenta")
    [entry] = entries(federation, "meeting.acta")
    assert entry["hash"] == acta.public_hash
    assert entry["signed_by"] == ["María Secretaria", "Rosa Presidenta"]
    report = verify_lines(export(federation))
    assert report.checked["meeting.acta"] == 1


def test_a_tampered_acta_fails_verification(federation):
    from asamblea.record.verify import LogVerificationFailed

    room, officer, _users, _motion = base_meeting(federation)
    second = make_officer(federation, "base-2", "presidenta")
    acta = services.do_close_meeting(officer, room)
    services.do_sign_acta(officer, acta, "Uno")
    services.do_sign_acta(second, acta, "Dos")

    def change(entry):
        if entry["type"] == "meeting.acta":
            entry["acta"]["notes"] = "otra cosa"
        return entry

    with pytest.raises(LogVerificationFailed, match="hashes to"):
        verify_lines(export(federation, change))


def test_while_the_room_counts_nobody_votes_on_the_app_or_closes_the_vote_elsewhere(
    federation,
):
    room, officer, users, motion = base_meeting(federation)
    check_in(room, users[:4])
    services.do_open_room_vote(officer, room, motion)
    with pytest.raises(Conflict, match="being voted in the room"):
        deliberation.do_cast_vote(users[0], motion, "yes")
    with pytest.raises(Conflict, match="being voted in the room"):
        deliberation.do_close_vote(officer, motion)


def test_a_meeting_closed_from_its_agenda_page_gets_its_acta_once(federation):
    room, officer, users, _motion = base_meeting(federation)
    check_in(room, users[:2])
    deliberation.do_set_meeting_status(officer, room.meeting, Meeting.Status.CLOSED)
    acta = services.do_close_meeting(officer, room, "Cerrada desde la agenda.")
    assert acta.public["attendance"]["checked_in"] == 2
    with pytest.raises(Conflict, match="written already"):
        services.do_close_meeting(officer, room)
