"""A secret motion question taken to paper in the room, like an election: papers printed
with the question and its answers, handed out at the table (the roll marked, an online
ballot cancelled unread), entered by the tellers, and counted with the online ballots
("mixed") in the same publication, which `asamblea record verify` reconciles."""

from __future__ import annotations

import pytest

from asamblea.ballots.sealing import cancel_tag
from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Motion, MotionBallot, MotionCast
from asamblea.deliberation.services.sealed import motion_key
from asamblea.errors import Conflict, InvalidInput, PermissionDenied, VerificationFailed
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote, PaperVoter
from asamblea.meetings.services.votes import Outcome
from asamblea.record.verify import verify_lines
from deliberation.helpers import entries, export
from meetings.helpers import base_meeting, check_in, tabled_motion
from meetings.paper_helpers import enter_all, forge_paper, hand_out
from support.factories import make_officer

pytestmark = pytest.mark.django_db

YES, NO, ABSTAIN = "1", "2", "3"  # the answers as the paper numbers them


def _secret_motion_in_room(federation, *, entry=PaperVote.Entry.PAPERS, n_members=8, present=6):
    room, officer, users, motion = base_meeting(federation, n_members)
    check_in(room, users[:present])
    motion = deliberation.do_open_vote(officer, motion, secret=True)
    vote = services.do_open_paper_vote(officer, room, motion, entry)
    vote = services.do_print_papers(officer, vote, 10)
    teller = make_officer(federation, "base-1", "escrutadora")
    services.do_name_teller(officer, room, teller)
    return room, officer, users, motion, vote, teller


def _close(officer, motion):
    deliberation.do_close_vote(officer, motion)
    motion = Motion.objects.get(pk=motion.pk)
    [counted] = [e for e in entries(motion.federation, "motion.counted")]
    return motion, counted


def test_a_secret_motion_on_paper_counts_with_the_online_ballots_and_cancels_one_unread(
    federation,
):
    room, officer, users, motion, vote, teller = _secret_motion_in_room(federation)
    assert [o.label for o in services.ballot_order(vote)] == ["Yes", "No", "Abstain"]
    # Two members not in the room vote online; users[0] votes online, then takes a paper.
    for user, choice in ((users[6], "yes"), (users[7], "no"), (users[0], "no")):
        deliberation.do_cast_vote(user, motion, choice)
    key = motion_key(motion)
    assert key is not None
    tags = set(MotionBallot.objects.filter(motion=motion).values_list("cancel_tag", flat=True))
    assert cancel_tag(key, users[0].person.pk) in tags
    rows = {r.attendance.person_id: r for r in services.table_rows(officer, vote)}
    assert rows[users[0].person.pk].online and rows[users[0].person.pk].cancellable
    hand_out(officer, vote, users[:6])
    # users[0]'s online "no" is gone, unread; they voted once.
    assert MotionBallot.objects.filter(motion=motion).count() == 2
    assert MotionCast.objects.filter(motion=motion).count() == 8
    assert PaperVoter.objects.filter(vote=vote).count() == 6
    # Nobody who took a paper votes online as well.
    with pytest.raises(Conflict, match="already voted"):
        deliberation.do_cast_vote(users[1], motion, "yes")
    # Each paper entered twice; paper 3 first read wrong by the teller, then agreed.
    papers = {1: YES, 2: YES, 3: NO, 4: ABSTAIN, 5: YES, 6: "0"}
    enter_all(officer, vote, papers)
    assert services.do_enter_paper(teller, vote, 3, YES) == Outcome.DISCREPANCY
    state = services.paper_state(vote)
    assert [(d.number, [t for _n, t in d.readings]) for d in state.discrepancies] == [
        (3, ["2", "1"])
    ]
    enter_all(teller, vote, {n: t for n, t in reversed(papers.items()) if n != 3})
    assert services.do_enter_paper(teller, vote, 3, NO) == Outcome.DECIDED
    with pytest.raises(InvalidInput, match="marks more than one answer"):
        services.do_enter_paper(teller, vote, 7, "1 2")
    with pytest.raises(InvalidInput, match="There is no answer 4"):
        services.do_enter_paper(teller, vote, 7, "4")

    motion, counted = _close(officer, motion)
    # Online yes (users[6]) and no (users[7]); on paper 3 yes, 1 no, 1 abstain, 1 blank.
    assert (counted["result"]["yes"], counted["result"]["no"]) == (4, 2)
    assert counted["result"]["abstain"] == 1
    assert motion.status == Motion.Status.PASSED
    paper = counted["paper"]
    assert (paper["printed"], paper["handed_out"], paper["unused"]) == (10, 6, 4)
    assert (paper["in_box"], paper["ballots"], paper["invalid"]) == (6, 5, 1)
    [trackers] = entries(federation, "motion.trackers")
    assert len(trackers["trackers"]) == 2  # the cancelled one is neither published nor read
    [opened] = entries(federation, "secrecy.opened")
    assert len(opened["decryption"]["ballots"]) == 2
    # After the close: no paper is handed out or entered.
    with pytest.raises(Conflict, match="closed"):
        services.do_enter_paper(teller, vote, 7, YES)
    # The acta says how the motion was counted.
    acta = services.do_close_meeting(officer, room)
    [item] = acta.public["agenda"]
    assert item["counted"] == {"method": "paper", "audit_number": vote.audit_number}
    assert (item["result"]["yes"], item["result"]["passed"]) == (4, True)
    verify_lines(export(federation))


def test_a_yes_no_question_by_tally_sheet_two_tellers_agree_and_no_more_than_handed_out(
    federation,
):
    _room, officer, users, motion, vote, teller = _secret_motion_in_room(
        federation, entry=PaperVote.Entry.TALLY
    )
    deliberation.do_cast_vote(users[7], motion, "no")
    hand_out(officer, vote, users[:5])

    def sheet(yes, no, abstain):
        return {"yes": str(yes), "no": str(no), "abstain": str(abstain)}

    with pytest.raises(InvalidInput, match="6 papers in the box, but only 5 were handed out"):
        services.do_enter_tally(officer, vote, 6, 0, sheet(4, 1, 1))
    with pytest.raises(InvalidInput, match="must add up to the valid papers"):
        services.do_enter_tally(officer, vote, 5, 0, sheet(3, 1, 0))
    assert services.do_enter_tally(officer, vote, 5, 1, sheet(1, 3, 0)) == Outcome.WAITING
    assert services.do_enter_tally(teller, vote, 5, 1, sheet(2, 2, 0)) == Outcome.DISCREPANCY
    services.do_enter_tally(teller, vote, 5, 1, sheet(1, 3, 0))
    assert services.do_enter_tally(officer, vote, 5, 1, sheet(1, 3, 0)) == Outcome.DECIDED
    motion, counted = _close(officer, motion)
    assert (counted["result"]["yes"], counted["result"]["no"]) == (1, 4)
    assert motion.status == Motion.Status.REJECTED
    assert counted["paper"]["entry"] == "tally" and counted["paper"]["ballots"] == 4
    verify_lines(export(federation))

    with pytest.raises(VerificationFailed, match="paper ballots"):
        verify_lines(export(federation, forge_paper("ballots", 1, "motion")))
    with pytest.raises(VerificationFailed, match="10 papers printed, but 5 handed out"):
        verify_lines(export(federation, forge_paper("spoiled", 1, "motion")))
    with pytest.raises(VerificationFailed, match="the tally sheet has 6 papers, 5 handed out"):
        verify_lines(export(federation, forge_paper("in_box", 1, "motion")))


def test_a_ranked_choice_among_options_is_entered_paper_by_paper(federation):
    room, officer, users, _motion = base_meeting(federation, 6)
    check_in(room, users)
    motion = deliberation.do_propose_motion(
        users[0],
        room.meeting.body,
        title="Local de la asamblea",
        text="¿Dónde se reúne la asamblea?",
        kind=Motion.Kind.OPTIONS,
        options=["La plaza", "El colegio", "La parroquia"],
    )
    motion = deliberation.do_second_motion(users[1], motion)
    motion = deliberation.do_open_vote(officer, motion, secret=True)
    with pytest.raises(InvalidInput, match="not preferences"):
        services.do_open_paper_vote(officer, room, motion, PaperVote.Entry.TALLY)
    vote = services.do_print_papers(officer, services.do_open_paper_vote(officer, room, motion), 6)
    deliberation.do_cast_vote(users[5], motion, ranking=["El colegio", "La plaza"])
    hand_out(officer, vote, users[:5])
    teller = make_officer(federation, "base-1", "escrutadora")
    services.do_name_teller(officer, room, teller)
    papers = {1: "1 2", 2: "1", 3: "2 1 3", 4: "1 3", 5: "3"}
    enter_all(officer, vote, papers)
    enter_all(teller, vote, dict(reversed(papers.items())))
    motion, counted = _close(officer, motion)
    assert counted["result"]["winner"] == "La plaza"
    assert counted["paper"]["ballots"] == 5
    verify_lines(export(federation))


def test_refusals_an_open_vote_a_motion_of_another_body_and_a_teller_of_another_meeting(
    federation,
):
    room, officer, users, motion = base_meeting(federation, 6)
    check_in(room, users)
    open_motion = deliberation.do_open_vote(officer, motion, secret=False)
    with pytest.raises(InvalidInput, match="Only a secret vote of an assembly"):
        services.do_open_paper_vote(officer, room, open_motion)
    other = tabled_motion(users, "base-2", federation, "Faena comunal")
    other = deliberation.do_open_vote(officer, other, secret=True)
    vote = services.do_print_papers(officer, services.do_open_paper_vote(officer, room, other), 6)
    with pytest.raises(Conflict, match="already voted on paper"):
        services.do_open_paper_vote(officer, room, other)
    assert other.pk not in {m.pk for m in services.motions_for_paper(room)}
    stranger = make_officer(federation, "base-1", "ajena")
    hand_out(officer, vote, users[:2])
    with pytest.raises(PermissionDenied):
        services.do_enter_paper(stranger, vote, 1, YES)
