"""The rules a body decides by, on tables of cases; no database."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asamblea.deliberation.rules import (
    Choice,
    Compliance,
    Electorate,
    MandateChoice,
    Quorum,
    QuorumBasis,
    Reason,
    Rule,
    ScopeTree,
    Tally,
    Threshold,
    Turnout,
    attribute_people,
    breakdown,
    compliance,
    count_options,
    decide,
    decide_mandate,
    reporting_units,
    turnout_by_body,
)
from asamblea.errors import InvalidInput

SIMPLE = Rule(Threshold.SIMPLE)
ABSOLUTE = Rule(Threshold.ABSOLUTE)
TWO_THIRDS = Rule(Threshold.TWO_THIRDS)
MAJORITY_OF_SEATS = Quorum(QuorumBasis.SEATS)
MAJORITY_OF_MEMBERS = Quorum(QuorumBasis.MEMBERS)


def council(seats: int, vacant: int = 0) -> Electorate:
    return Electorate(seats, seats - vacant)


# (tally, electorate, rule, passed, reason)
CASES = [
    # ---- simple majority of votes cast
    pytest.param(Tally(6, 4), council(10), SIMPLE, True, Reason.PASSED, id="simple-6-4-passes"),
    pytest.param(Tally(5, 5), council(10), SIMPLE, False, Reason.TIE, id="simple-tie-fails"),
    pytest.param(Tally(1, 0), council(10), SIMPLE, True, Reason.PASSED, id="simple-one-yes-no-no"),
    pytest.param(
        Tally(3, 2, 5), council(10), SIMPLE, True, Reason.PASSED, id="simple-abstentions-ignored"
    ),
    pytest.param(
        Tally(2, 3, 5),
        council(10),
        SIMPLE,
        False,
        Reason.SHORT,
        id="simple-abstentions-cannot-save",
    ),
    pytest.param(
        Tally(0, 0, 4), council(10), SIMPLE, False, Reason.NO_VOTES, id="simple-all-abstain-fails"
    ),
    pytest.param(Tally(), council(10), SIMPLE, False, Reason.NO_VOTES, id="simple-nobody-voted"),
    pytest.param(
        Tally(2, 1),
        council(10),
        SIMPLE,
        True,
        Reason.PASSED,
        id="simple-most-absent-no-quorum-rule",
    ),
    # ---- absolute majority of seats (vacant seats count in the size)
    pytest.param(
        Tally(6, 0), council(10), ABSOLUTE, True, Reason.PASSED, id="absolute-6-of-10-seats"
    ),
    pytest.param(
        Tally(5, 0), council(10), ABSOLUTE, False, Reason.SHORT, id="absolute-half-is-not-more"
    ),
    pytest.param(
        Tally(5, 0), council(9), ABSOLUTE, True, Reason.PASSED, id="absolute-5-of-9-seats"
    ),
    pytest.param(
        Tally(5, 0),
        council(10, vacant=2),
        ABSOLUTE,
        False,
        Reason.SHORT,
        id="absolute-vacant-seats-still-count",
    ),
    pytest.param(
        Tally(6, 2),
        council(10, vacant=2),
        ABSOLUTE,
        True,
        Reason.PASSED,
        id="absolute-6-of-10-with-2-vacant",
    ),
    pytest.param(
        Tally(5, 1, 2),
        council(10),
        ABSOLUTE,
        False,
        Reason.SHORT,
        id="absolute-absent-count-against",
    ),
    pytest.param(
        Tally(5, 5), council(10), ABSOLUTE, False, Reason.SHORT, id="absolute-tie-is-short"
    ),
    # ---- two thirds of votes cast
    pytest.param(
        Tally(6, 3), council(10), TWO_THIRDS, True, Reason.PASSED, id="two-thirds-exactly"
    ),
    pytest.param(
        Tally(5, 3), council(10), TWO_THIRDS, False, Reason.SHORT, id="two-thirds-one-short"
    ),
    pytest.param(
        Tally(4, 2, 4),
        council(10),
        TWO_THIRDS,
        True,
        Reason.PASSED,
        id="two-thirds-abstentions-ignored",
    ),
    pytest.param(
        Tally(1, 0), council(10), TWO_THIRDS, True, Reason.PASSED, id="two-thirds-one-yes-alone"
    ),
    pytest.param(
        Tally(0, 0, 3),
        council(10),
        TWO_THIRDS,
        False,
        Reason.NO_VOTES,
        id="two-thirds-only-abstentions",
    ),
    pytest.param(
        Tally(7, 4), council(11), TWO_THIRDS, False, Reason.SHORT, id="two-thirds-7-4-is-short"
    ),
    # ---- quorum of seats / members
    pytest.param(
        Tally(4, 1),
        council(10),
        Rule(Threshold.SIMPLE, MAJORITY_OF_SEATS),
        False,
        Reason.NO_QUORUM,
        id="quorum-5-present-of-10-seats-is-not-more-than-half",
    ),
    pytest.param(
        Tally(4, 1, 1),
        council(10),
        Rule(Threshold.SIMPLE, MAJORITY_OF_SEATS),
        True,
        Reason.PASSED,
        id="quorum-abstainers-make-the-quorum",
    ),
    pytest.param(
        Tally(4, 1),
        council(10, vacant=2),
        Rule(Threshold.SIMPLE, MAJORITY_OF_MEMBERS),
        True,
        Reason.PASSED,
        id="quorum-of-members-leaves-vacant-seats-out",
    ),
    pytest.param(
        Tally(4, 1),
        council(10, vacant=2),
        Rule(Threshold.SIMPLE, MAJORITY_OF_SEATS),
        False,
        Reason.NO_QUORUM,
        id="quorum-of-seats-counts-vacant-seats",
    ),
    pytest.param(
        Tally(3, 0),
        council(9),
        Rule(Threshold.SIMPLE, Quorum(QuorumBasis.SEATS, Fraction(1, 3), strict=False)),
        True,
        Reason.PASSED,
        id="quorum-at-least-a-third",
    ),
    pytest.param(
        Tally(2, 0),
        council(9),
        Rule(Threshold.SIMPLE, Quorum(QuorumBasis.SEATS, Fraction(1, 3), strict=False)),
        False,
        Reason.NO_QUORUM,
        id="quorum-below-a-third",
    ),
    pytest.param(
        Tally(6, 0),
        council(10),
        Rule(Threshold.ABSOLUTE, MAJORITY_OF_SEATS),
        True,
        Reason.PASSED,
        id="quorum-and-absolute-both-met",
    ),
    pytest.param(
        Tally(3, 3),
        council(10),
        Rule(Threshold.SIMPLE, MAJORITY_OF_SEATS),
        False,
        Reason.TIE,
        id="quorum-met-but-tied",
    ),
    pytest.param(
        Tally(),
        council(0),
        Rule(Threshold.SIMPLE, MAJORITY_OF_SEATS),
        False,
        Reason.NO_QUORUM,
        id="quorum-body-without-seats",
    ),
    # ---- a base assembly: seats are the roll, nothing vacant
    pytest.param(
        Tally(40, 30, 10),
        Electorate.of_assembly(120),
        Rule(Threshold.SIMPLE, MAJORITY_OF_MEMBERS),
        True,
        Reason.PASSED,
        id="assembly-80-of-120-present",
    ),
    pytest.param(
        Tally(40, 10, 10),
        Electorate.of_assembly(120),
        Rule(Threshold.SIMPLE, MAJORITY_OF_MEMBERS),
        False,
        Reason.NO_QUORUM,
        id="assembly-60-of-120-is-no-quorum",
    ),
]


@pytest.mark.parametrize(("tally", "electorate", "rule", "passed", "reason"), CASES)
def test_decision_on_the_table_of_cases(tally, electorate, rule, passed, reason):
    decision = decide(tally, electorate, rule)
    assert (decision.passed, decision.reason) == (passed, reason)


def test_a_decision_reports_absent_and_vacant_seats():
    decision = decide(Tally(3, 1, 1), council(10, vacant=3), Rule(Threshold.ABSOLUTE))
    assert decision.absent == 2  # 7 members, 5 present
    assert decision.electorate.vacant == 3
    assert decision.yes_required == 6
    assert decision.to_json()["vacant"] == 3


def test_more_votes_than_members_is_refused():
    with pytest.raises(InvalidInput, match="more votes than voters"):
        decide(Tally(5, 4), council(10, vacant=2), SIMPLE)


@pytest.mark.parametrize(
    ("electorate", "kwargs"),
    [
        pytest.param((5, 6), {}, id="members-above-seats"),
        pytest.param((-1, 0), {}, id="negative-seats"),
    ],
)
def test_impossible_electorates_are_refused(electorate, kwargs):
    with pytest.raises(InvalidInput):
        Electorate(*electorate)


def test_impossible_tallies_and_quorums_are_refused():
    with pytest.raises(InvalidInput):
        Tally(-1, 0)
    with pytest.raises(InvalidInput):
        Quorum(QuorumBasis.SEATS, Fraction(3, 2))
    with pytest.raises(InvalidInput):
        Quorum(QuorumBasis.SEATS, Fraction(1), strict=True)
    with pytest.raises(InvalidInput, match="maybe"):
        Tally.of(["yes", "maybe"])


def test_rules_round_trip_through_json():
    rule = Rule(Threshold.TWO_THIRDS, Quorum(QuorumBasis.MEMBERS, Fraction(2, 3), strict=False))
    assert Rule.from_json(rule.to_json()) == rule
    assert rule.quorum.describe() == "at least 2/3 of members"


@given(
    yes=st.integers(0, 50),
    no=st.integers(0, 50),
    abstain=st.integers(0, 50),
    spare=st.integers(0, 30),
    vacant=st.integers(0, 10),
    threshold=st.sampled_from(list(Threshold)),
)
def test_one_more_yes_never_hurts_and_yes_required_is_exact(
    yes, no, abstain, spare, vacant, threshold
):
    members = yes + no + abstain + spare + 1
    electorate = Electorate(members + vacant, members)
    rule = Rule(threshold)
    before = decide(Tally(yes, no, abstain), electorate, rule)
    after = decide(Tally(yes + 1, no, abstain), electorate, rule)
    assert after.passed or not before.passed
    # yes_required is the exact bar: at it the motion passes, one below it does not.
    assert before.passed == (yes >= before.yes_required)


# ---------------------------------------------------------------- mandates

MANDATE_CASES = [
    pytest.param({"yes": 5, "no": 2}, 10, Quorum(), MandateChoice.YES, "plurality", id="yes"),
    pytest.param({"no": 3, "free": 1}, 10, Quorum(), MandateChoice.NO, "plurality", id="no"),
    pytest.param(
        {"free": 4, "yes": 3, "no": 3},
        10,
        Quorum(),
        MandateChoice.FREE,
        "plurality",
        id="free-has-most",
    ),
    pytest.param({"yes": 3, "no": 3}, 10, Quorum(), MandateChoice.FREE, "tie", id="tie-means-free"),
    pytest.param(
        {"yes": 3, "no": 1},
        10,
        Quorum(QuorumBasis.MEMBERS),
        MandateChoice.FREE,
        "no-quorum",
        id="no-quorum-means-free",
    ),
    pytest.param({}, 10, Quorum(), MandateChoice.FREE, "no-votes", id="nobody-voted"),
]


@pytest.mark.parametrize(("votes", "members", "quorum", "instruction", "reason"), MANDATE_CASES)
def test_mandate_votes(votes, members, quorum, instruction, reason):
    decision = decide_mandate(votes, Electorate(members, members), quorum)
    assert (decision.instruction, decision.reason) == (instruction, reason)


@pytest.mark.parametrize(
    ("instruction", "vote", "expected"),
    [
        pytest.param("yes", "yes", Compliance.KEPT, id="kept-yes"),
        pytest.param("no", "no", Compliance.KEPT, id="kept-no"),
        pytest.param("yes", "no", Compliance.BROKE, id="broke-voted-against"),
        pytest.param("no", "abstain", Compliance.BROKE, id="broke-abstained"),
        pytest.param("yes", None, Compliance.ABSENT, id="absent-when-instructed"),
        pytest.param("free", "no", Compliance.FREE, id="free-vote"),
        pytest.param(None, "yes", Compliance.FREE, id="no-mandate"),
    ],
)
def test_compliance(instruction, vote, expected):
    assert compliance(instruction, vote) == expected


# ---------------------------------------------------------------- ranked options


def test_ranked_options_by_schulze_wikipedia_example():
    # The 45-voter example of the Schulze method's Wikipedia article: E wins, E > A > C > B > D.
    rankings = {
        ("A", "C", "B", "E", "D"): 5,
        ("A", "D", "E", "C", "B"): 5,
        ("B", "E", "D", "A", "C"): 8,
        ("C", "A", "B", "E", "D"): 3,
        ("C", "A", "E", "B", "D"): 7,
        ("C", "B", "A", "D", "E"): 2,
        ("D", "C", "E", "B", "A"): 7,
        ("E", "B", "A", "D", "C"): 8,
    }
    result = count_options(["A", "B", "C", "D", "E"], rankings, seed=1)
    assert result["ranking"] == ["E", "A", "C", "B", "D"]
    assert result["winner"] == "E"
    assert result["papers"] == 45


def test_ranked_options_refuse_unknown_options():
    with pytest.raises(InvalidInput, match="not one of the options"):
        count_options(["A", "B"], {("A", "Z"): 1}, seed=1)


def test_level_options_are_ordered_by_the_recorded_lot():
    first = count_options(["A", "B"], {("A", "B"): 1, ("B", "A"): 1}, seed=7)
    again = count_options(["A", "B"], {("A", "B"): 1, ("B", "A"): 1}, seed=7)
    assert first == again
    assert first["draws"] and set(first["draws"][0]["tied"]) == {"A", "B"}


# ---------------------------------------------------------------- referendums


def test_a_person_in_two_assemblies_is_counted_once_where_they_voted():
    memberships = {"ana": ["union", "community"], "luis": ["community"], "rosa": ["union"]}
    attribution = attribute_people(memberships, {"ana": "community"})
    assert attribution == {"ana": "community", "luis": "community", "rosa": "union"}
    turnout = turnout_by_body(attribution, ["ana"])
    assert turnout == {"community": Turnout(2, 1), "union": Turnout(1, 0)}
    assert sum(t.electorate for t in turnout.values()) == len(memberships)


def test_a_non_voter_is_counted_where_they_joined_first():
    assert attribute_people({"ana": ["union", "community"]}, {}) == {"ana": "union"}


def test_voting_through_a_body_one_does_not_belong_to_is_refused():
    with pytest.raises(InvalidInput, match="not one of theirs"):
        attribute_people({"ana": ["union"]}, {"ana": "community"})
    with pytest.raises(InvalidInput, match="not on the roll"):
        attribute_people({"ana": ["union"]}, {"pedro": "union"})


# national ← {north ← {n1, n2, n3}, south ← {s1, s2}}
TREE = ScopeTree(
    "national", {"national": ["north", "south"], "north": ["n1", "n2", "n3"], "south": ["s1", "s2"]}
)


def test_big_assemblies_are_their_own_rows_small_ones_pooled_under_their_council():
    turnout = {
        "n1": Turnout(20, 10),
        "n2": Turnout(9, 3),
        "n3": Turnout(9, 3),
        "s1": Turnout(30, 12),
        "s2": Turnout(5, 5),
    }
    units = reporting_units(turnout, TREE, min_voters=5)
    assert units["n1"] == "n1" and units["s1"] == "s1" and units["s2"] == "s2"
    # n2 and n3 together have 6 voters: a pool under north.
    assert units["n2"] == units["n3"] == "pool:north"


def test_a_small_top_pool_takes_in_the_smallest_rows():
    turnout = {
        "n1": Turnout(20, 10),
        "n2": Turnout(9, 3),
        "n3": Turnout(9, 3),
        "s1": Turnout(30, 12),
        "s2": Turnout(5, 2),
    }
    units = reporting_units(turnout, TREE, min_voters=5)
    # s2 alone has 2 voters: too few for a pool under south, so it moves up to the top,
    # where 2 voters could be worked out from the total: the smallest row (the north
    # pool, 6 voters) joins it.
    assert units["s2"] == units["n2"] == units["n3"] == "pool:national"
    assert units["n1"] == "n1" and units["s1"] == "s1"


def test_the_per_body_table_adds_up_and_hides_pooled_choices():
    turnout = {
        "n1": Turnout(20, 10),
        "n2": Turnout(9, 3),
        "n3": Turnout(9, 3),
        "s1": Turnout(30, 12),
        "s2": Turnout(5, 5),
    }
    ballots = {
        "n1": Tally(6, 4),
        "n2": Tally(3, 0),
        "n3": Tally(1, 1, 1),
        "s1": Tally(2, 9, 1),
        "s2": Tally(0, 5),
    }
    result = breakdown(turnout, ballots, TREE, min_voters=5)
    assert result.total == Tally(12, 19, 2)
    assert sum(result.units.values(), Tally()) == result.total
    assert result.voted == 33 and result.electorate == 73
    assert result.rows["n1"].tally == Tally(6, 4)
    assert result.rows["n2"].tally is None  # pooled: its own choices are not shown
    assert result.rows["n2"].voted == 3  # turnout is always shown
    assert result.rows["north"].tally == Tally(10, 5, 1)  # n1 + the north pool
    assert result.rows["south"].tally == Tally(2, 14, 1)
    assert result.rows["national"].tally == result.total


def test_a_council_row_with_a_base_pooled_elsewhere_shows_turnout_only():
    turnout = {
        "n1": Turnout(20, 10),
        "n2": Turnout(9, 3),
        "s1": Turnout(30, 12),
        "s2": Turnout(5, 3),
    }
    ballots = {"n1": Tally(6, 4), "n2": Tally(3), "s1": Tally(2, 9, 1), "s2": Tally(0, 3)}
    result = breakdown(turnout, ballots, TREE, min_voters=5)
    # n2 and s2 (3 voters each) are pooled together at the top: neither council's row
    # may show choices, or n2 = north - n1 would follow.
    assert result.unit_of["n2"] == result.unit_of["s2"] == "pool:national"
    assert result.rows["north"].tally is None and result.rows["north"].voted == 13
    assert result.rows["south"].tally is None


def test_ballots_must_match_turnout():
    with pytest.raises(InvalidInput, match="2 ballots but 3 people"):
        breakdown(
            {"n1": Turnout(5, 3)},
            {"n1": Tally(1, 1)},
            ScopeTree("national", {"national": ["n1"]}),
            1,
        )


people = st.dictionaries(
    st.integers(0, 200),
    st.lists(st.sampled_from(["n1", "n2", "n3", "s1", "s2"]), min_size=1, max_size=3, unique=True),
    max_size=120,
)


@given(memberships=people, data=st.data(), min_voters=st.integers(1, 8))
def test_every_person_counts_once_and_the_rows_add_up(memberships, data, min_voters):
    voters = data.draw(st.sets(st.sampled_from(sorted(memberships)))) if memberships else set()
    voted_in = {p: data.draw(st.sampled_from(memberships[p])) for p in voters}
    choices = {p: data.draw(st.sampled_from(list(Choice))) for p in voters}
    attribution = attribute_people(memberships, voted_in)
    turnout = turnout_by_body(attribution, voters)
    ballots: dict[str, Tally] = {}
    for person in voters:
        body = attribution[person]
        ballots[body] = ballots.get(body, Tally()) + Tally.of([choices[person]])
    result = breakdown(turnout, ballots, TREE, min_voters)
    assert result.electorate == len(memberships)
    assert result.voted == len(voters) == result.total.present
    assert result.total == Tally.of(choices.values())
    assert sum(result.units.values(), Tally()) == result.total
    # No published unit shows fewer than min_voters people, unless it is the top pool.
    for unit, tally in result.units.items():
        assert tally.present >= min_voters or unit == "pool:national"
    # Every council row that shows choices shows exactly the ballots of the bases under it.
    under = TREE.bases_under()
    for council in TREE.councils():
        row = result.rows[council]
        if row.tally is not None:
            expected = sum((ballots.get(b, Tally()) for b in under[council]), Tally())
            assert row.tally == expected


def test_the_pure_rules_never_import_django():
    code = (
        "import sys, asamblea.deliberation.rules, asamblea.deliberation.recount, "
        "asamblea.deliberation.regions_map; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
