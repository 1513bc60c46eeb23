"""Paper ballots through their services: printed papers, the roll marked at the table, each
paper entered twice (discrepancies shown, then resolved), tally sheets, and the count at
the close, which reads the papers with the online ballots and goes on the record."""

from __future__ import annotations

import pytest

from asamblea.elections import services as elections
from asamblea.elections.models import Election, VoteCast
from asamblea.errors import Conflict, InvalidInput, PermissionDenied, VerificationFailed
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote
from asamblea.meetings.services.votes import Outcome
from asamblea.record.verify import verify_lines
from deliberation.helpers import entries, export
from elections.helpers import voters
from meetings.paper_helpers import enter_all, forge_paper, hand_out, paper_election
from support.factories import make_user

pytestmark = pytest.mark.django_db

# Ana 1, Berta 2, Carlos 3, Delia 4 (the ballot's order, by public name).
PAPERS = {1: "1 2", 2: "2 1 3", 3: "3", 4: "1 4 3", 5: "0", 6: "4 3 2 1"}


def test_each_paper_entered_by_two_tellers_counts_once_both_agree(federation):
    _room, officer, users, election, vote, teller = paper_election(federation)
    hand_out(officer, vote, users[:6])
    assert enter_all(officer, vote, PAPERS) == [Outcome.WAITING] * 6
    state = services.paper_state(vote)
    assert (state.entered, state.agreed, state.waiting) == (6, 0, [1, 2, 3, 4, 5, 6])
    assert services.read_paper_ballots(election).rankings == []  # nothing agreed yet
    # The second teller enters them in another order.
    second = dict(reversed(PAPERS.items()))
    assert enter_all(teller, vote, second) == [Outcome.DECIDED] * 6
    state = services.paper_state(vote)
    assert (state.agreed, state.invalid, state.waiting, state.discrepancies) == (6, 1, [], [])
    names = {o.key: o.label for o in state.options}
    assert sorted([names[pk] for pk in r] for r in state.rankings) == [
        ["Ana", "Berta"],
        ["Ana", "Delia", "Carlos"],
        ["Berta", "Ana", "Carlos"],
        ["Carlos"],
        ["Delia", "Carlos", "Berta", "Ana"],
    ]
    facts = state.facts()
    assert facts | {"meeting": 0, "audit_number": ""} == {
        "meeting": 0,
        "audit_number": "",
        "entry": "papers",
        "printed": 20,
        "handed_out": 6,
        "spoiled": 0,
        "unused": 14,
        "in_box": 6,
        "invalid": 1,
        "unresolved": 0,
        "ballots": 5,
    }


def test_a_discrepancy_is_shown_paper_by_paper_until_an_entry_agrees(federation):
    _room, officer, users, _election, vote, teller = paper_election(federation)
    hand_out(officer, vote, users[:3])
    enter_all(officer, vote, {1: "1 2", 2: "3 1", 3: "2"})
    assert services.do_enter_paper(teller, vote, 1, "1 2") == Outcome.DECIDED
    assert services.do_enter_paper(teller, vote, 2, "1 3") == Outcome.DISCREPANCY
    assert services.do_enter_paper(teller, vote, 3, "2") == Outcome.DECIDED
    state = services.paper_state(vote)
    assert state.agreed == 2 and len(state.rankings) == 2
    [discrepancy] = state.discrepancies
    assert discrepancy == services.Discrepancy(2, [("secretaria", "3 1"), ("escrutadora", "1 3")])
    assert state.facts()["unresolved"] == 1
    # Both look at paper 2 together; one enters it again as it reads.
    assert services.do_enter_paper(officer, vote, 2, "3, 1") == Outcome.DECIDED
    state = services.paper_state(vote)
    assert (state.agreed, state.discrepancies, len(state.rankings)) == (3, [], 3)
    with pytest.raises(Conflict, match="Paper 2 is entered twice already and both agree"):
        services.do_enter_paper(teller, vote, 2, "1 3")


def test_one_teller_enters_the_box_twice_but_not_the_same_paper_twice_in_a_row(federation):
    _room, officer, users, _election, vote, _teller = paper_election(federation)
    hand_out(officer, vote, users[:2])
    services.do_enter_paper(officer, vote, 1, "1 2")
    with pytest.raises(Conflict, match="You have just entered paper 1"):
        services.do_enter_paper(officer, vote, 1, "1 2")
    services.do_enter_paper(officer, vote, 2, "2")
    assert services.do_enter_paper(officer, vote, 1, "1 2") == Outcome.DECIDED


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("", "Type the candidates' numbers", id="empty"),
        pytest.param("uno dos", "Type the candidates' numbers", id="words"),
        pytest.param("1 9", "There is no candidate 9", id="no-such-candidate"),
        pytest.param("2 1 2", "Candidate 2 is typed twice", id="twice"),
        pytest.param("1 0 2", "There is no candidate 0", id="zero-among-others"),
    ],
)
def test_a_paper_typed_wrong_is_refused_saying_what_to_type(federation, text, error):
    _room, officer, _users, _election, vote, _teller = paper_election(federation)
    with pytest.raises(InvalidInput, match=error):
        services.do_enter_paper(officer, vote, 1, text)
    assert services.paper_state(vote).entered == 0


def test_papers_are_numbered_within_the_printed_count(federation):
    _room, officer, _users, _election, vote, _teller = paper_election(federation, printed=5)
    with pytest.raises(InvalidInput, match="There is no paper 6"):
        services.do_enter_paper(officer, vote, 6, "1")
    with pytest.raises(InvalidInput, match="whole number"):
        services.do_enter_paper(officer, vote, "x", "1")


def test_only_the_tellers_of_this_meeting_enter_papers_and_officers_mark_the_roll(federation):
    _room, _officer, users, _election, vote, teller = paper_election(federation)
    stranger = make_user("extraña")
    for user in (users[0], stranger):
        with pytest.raises(PermissionDenied, match="not a teller of this meeting"):
            services.do_enter_paper(user, vote, 1, "1")
    # The table (names of the present roll) and the printing are the officers'.
    for user in (users[0], teller):
        with pytest.raises(PermissionDenied):
            services.do_mark_paper_voter(user, vote, users[1].person.pk)
        with pytest.raises(PermissionDenied):
            services.do_print_papers(user, vote, 10)
        with pytest.raises(PermissionDenied):
            services.do_replace_spoiled_paper(user, vote)


def test_a_member_who_took_a_paper_cannot_vote_online_and_an_online_voter_votes_on_paper(
    federation,
):
    _room, officer, users, election, vote, _teller = paper_election(federation)
    hand_out(officer, vote, users[:1])
    assert VoteCast.objects.filter(election=election, person=users[0].person).exists()
    candidate = elections.standing(election)[0]
    with pytest.raises(Conflict, match="already voted"):
        elections.do_cast_ballot(users[0], election, [candidate.pk])
    with pytest.raises(Conflict, match="already taken a paper"):
        services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    elections.do_cast_ballot(users[1], election, [candidate.pk])
    # The vote in the room beats the vote online (test_paper_cancels_online.py).
    services.do_mark_paper_voter(officer, vote, users[1].person.pk)
    assert services.paper_state(vote).handed_out == 2
    assert elections.turnout(election)[0] == 2


def test_only_members_present_and_on_the_roll_take_a_paper_and_no_more_than_printed(
    federation,
):
    room, officer, users, _election, vote, _teller = paper_election(federation, printed=2)
    mine = services.my_attendance(users[5], room)[0]
    services.do_check_out(users[5], room, mine.pk)
    with pytest.raises(InvalidInput, match="checked in to this meeting"):
        services.do_mark_paper_voter(officer, vote, users[5].person.pk)
    services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    services.do_replace_spoiled_paper(officer, vote)
    with pytest.raises(Conflict, match="print more first"):
        services.do_mark_paper_voter(officer, vote, users[1].person.pk)
    services.do_print_papers(officer, vote, "3")
    services.do_mark_paper_voter(officer, vote, users[1].person.pk)
    facts = services.paper_state(vote).facts()
    assert (facts["printed"], facts["handed_out"], facts["spoiled"], facts["unused"]) == (
        5,
        2,
        1,
        2,
    )


def test_a_paper_for_a_closed_vote_is_refused(federation):
    _room, officer, users, election, vote, _teller = paper_election(federation)
    hand_out(officer, vote, users[:1])
    elections.do_close_election(election)
    with pytest.raises(Conflict, match="This election is closed"):
        services.do_enter_paper(officer, vote, 1, "1")
    with pytest.raises(Conflict, match="This election is closed"):
        services.do_mark_paper_voter(officer, vote, users[1].person.pk)


def test_a_tally_sheet_is_only_for_plurality_and_approval(federation):
    room, officer, _users, election, vote, _teller = paper_election(federation)
    assert election.method == Election.Method.STV
    vote.delete()
    with pytest.raises(InvalidInput, match="A tally sheet counts marks"):
        services.do_open_paper_vote(officer, room, election, PaperVote.Entry.TALLY)


def _sheet(candidates, marks):
    return {str(c.key): str(n) for c, n in zip(candidates, marks, strict=True)}


def test_two_agreeing_tally_sheets_count_and_a_sheet_above_the_papers_handed_out_is_refused(
    federation,
):
    _room, officer, users, election, vote, teller = paper_election(
        federation, seats=1, method="plurality", entry=PaperVote.Entry.TALLY
    )
    hand_out(officer, vote, users[:5])
    candidates = services.ballot_order(vote)
    with pytest.raises(InvalidInput, match="6 papers in the box, but only 5 were handed out"):
        services.do_enter_tally(officer, vote, 6, 0, _sheet(candidates, [3, 2, 1, 0]))
    with pytest.raises(InvalidInput, match="A candidate has 6 marks but only 5"):
        services.do_enter_tally(officer, vote, 5, 0, _sheet(candidates, [6, 0, 0, 0]))
    with pytest.raises(InvalidInput, match="must add up to the valid papers"):
        services.do_enter_tally(officer, vote, 5, 1, _sheet(candidates, [3, 2, 0, 0]))
    assert services.do_enter_tally(officer, vote, 5, 1, _sheet(candidates, [2, 1, 1, 0])) == (
        Outcome.WAITING
    )
    assert services.do_enter_tally(teller, vote, 5, 1, _sheet(candidates, [1, 2, 1, 0])) == (
        Outcome.DISCREPANCY
    )
    assert len(services.paper_state(vote).tally_discrepancies) == 1
    services.do_enter_tally(teller, vote, 5, 1, _sheet(candidates, [2, 1, 1, 0]))
    assert services.do_enter_tally(officer, vote, 5, 1, _sheet(candidates, [2, 1, 1, 0])) == (
        Outcome.DECIDED
    )
    state = services.paper_state(vote)
    assert (state.in_box, state.invalid, len(state.rankings)) == (5, 1, 4)
    election = elections.do_close_election(election)
    assert [e["name"] for e in election.result["count"]["elected"]] == ["Ana"]
    assert election.result["paper"]["entry"] == "tally"
    verify_lines(export(federation))


def _close_and_publish(election):
    election = elections.do_close_election(election)
    [counted] = [e for e in entries(election.federation, "election.counted")]
    return election, counted


def test_the_count_reads_papers_with_online_ballots_as_it_reads_the_same_ballots_online(
    federation,
):
    _room, officer, users, election, vote, teller = paper_election(federation)
    # Three online, four on paper (one blank): the same seven papers as all-online below.
    by_number = {c.public_name: c.pk for c in elections.standing(election)}
    online = [["Ana", "Berta"], ["Ana", "Carlos"], ["Berta"]]
    for user, ranking in zip(users[4:7], online, strict=True):
        elections.do_cast_ballot(user, election, [by_number[n] for n in ranking])
    hand_out(officer, vote, users[:4])
    paper = {1: "2 1", 2: "1 2 3", 3: "0", 4: "3 4"}  # Berta Ana; Ana Berta Carlos; Carlos Delia
    enter_all(officer, vote, paper)
    enter_all(teller, vote, paper)
    election, counted = _close_and_publish(election)
    assert election.result["casts"] == 7 and election.result["papers"] == 6
    assert counted["paper"]["ballots"] == 3 and counted["paper"]["invalid"] == 1
    assert sum(b["count"] for b in counted["ballots"]) == 6
    report = verify_lines(export(federation))
    assert report.checked["election.counted"] == 1

    # The same six ballots, all cast online, in another assembly (same names, same method).
    others = voters(federation, "base-1", 6)
    from elections.helpers import open_election

    twin = open_election(federation, "base-1", seats=2)
    for user, name in zip(others, ["Ana", "Berta", "Carlos", "Delia"], strict=False):
        elections.do_stand(user, twin, public_name=name)
    twin = elections.do_open_voting(twin)
    ids = {c.public_name: c.pk for c in elections.standing(twin)}
    all_online = [*online, ["Berta", "Ana"], ["Ana", "Berta", "Carlos"], ["Carlos", "Delia"]]
    for user, ranking in zip(others, all_online, strict=True):
        elections.do_cast_ballot(user, twin, [ids[n] for n in ranking])
    twin = elections.do_close_election(twin)
    mine, theirs = election.result["count"], twin.result["count"]
    assert mine["elected"] == theirs["elected"]
    assert mine["stages"] == theirs["stages"]
    assert [b for b in counted["ballots"]] == [
        b for b in entries(federation, "election.counted")[-1]["ballots"]
    ]


def test_the_verifier_refuses_a_record_whose_paper_ballots_do_not_add_up(federation):
    _room, officer, users, election, vote, teller = paper_election(federation)
    hand_out(officer, vote, users[:2])
    enter_all(officer, vote, {1: "1", 2: "2 1"})
    enter_all(teller, vote, {2: "2 1", 1: "1"})
    _close_and_publish(election)
    verify_lines(export(federation))

    # One paper ballot more than the ballot list holds.
    with pytest.raises(VerificationFailed, match="paper ballots"):
        verify_lines(export(federation, forge_paper("ballots", 1)))
    # Papers that do not reconcile: printed, handed out, spoilt and unused; the box.
    with pytest.raises(VerificationFailed, match="20 papers printed, but 2 handed out"):
        verify_lines(export(federation, forge_paper("spoiled", 1)))
    with pytest.raises(VerificationFailed, match="3 paper ballots in the box, but 2 counted"):
        verify_lines(export(federation, forge_paper("in_box", 1)))
