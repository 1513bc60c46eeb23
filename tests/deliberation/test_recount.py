"""Every motion's result is recomputed from the exported record by `asamblea record verify`;
a signed record whose votes, ballots or comparisons were changed fails."""

from __future__ import annotations

import pytest

from asamblea.deliberation import services
from asamblea.record.verify import (
    DEFAULT_CHECKS,
    LogVerificationFailed,
    verify_lines,
)
from deliberation.helpers import admin, export, member
from support.factories import body

pytestmark = pytest.mark.django_db


def decided(tree):
    """A council motion with two mandates and a breach; a secret assembly vote; a ranked vote."""
    f, users = tree.federation, tree.users
    motion = services.do_second_motion(
        users["vilma"],
        services.do_propose_motion(users["rosa"], body(f, "national"), title="Paro", text="x"),
    )
    for region, voters, choice in (
        ("region-a", ("rosa", "luis"), "yes"),
        ("region-b", ("vilma", "hugo"), "no"),
    ):
        vote = services.do_open_mandate_vote(admin(), motion, body(f, region))
        for name in voters:
            services.do_cast_vote(users[name], vote, choice)
        services.do_close_vote(admin(), vote)
    services.do_open_vote(admin(), motion)
    for name, choice in (("rosa", "yes"), ("tito", "no"), ("vilma", "no")):
        services.do_cast_vote(users[name], motion, choice)
    services.do_close_vote(admin(), motion)
    members = [member(f, "base-2", f"s{n}") for n in range(4)]
    secret = services.do_second_motion(
        members[1], services.do_propose_motion(members[0], body(f, "base-2"), title="S", text="x")
    )
    services.do_open_vote(admin(), secret, secret=True)
    for user, choice in zip(members, ("yes", "no", "yes", "abstain"), strict=True):
        services.do_cast_vote(user, secret, choice)
    services.do_close_vote(admin(), secret)
    ranked = services.do_second_motion(
        members[1],
        services.do_propose_motion(
            members[0],
            body(f, "base-2"),
            title="O",
            text="x",
            kind="options",
            options=["A", "B", "C"],
        ),
    )
    services.do_open_vote(admin(), ranked)
    for user, ranking in zip(members, (["A", "B"], ["B"], ["C", "A"], ["A"]), strict=True):
        services.do_cast_vote(user, ranked, ranking=ranking)
    services.do_close_vote(admin(), ranked)


def _when(which, change):
    """An edit of the motion.counted entries `which` selects."""

    def edit(entry):
        if entry["type"] == "motion.counted" and which(entry):
            change(entry)
        return entry

    return edit


def council(entry):
    return entry["kind"] == "motion" and entry["roll_call"]


def secret(entry):
    return entry["secret"]


def ranked(entry):
    return entry["kind"] == "options"


def mandate(entry):
    return entry["kind"] == "mandate"


def _flip_a_roll_call_vote(entry):
    entry["votes"][0]["vote"] = "no" if entry["votes"][0]["vote"] == "yes" else "yes"


def _hide_a_breach(entry):
    for row in entry["compliance"]:
        if row["compliance"] == "broke":
            row["compliance"] = "kept"


def _stuff_a_ballot(entry):
    entry["ballots"][0]["count"] += 1


def _change_the_seed(entry):
    entry["seed"] += 1


def _change_the_instruction(entry):
    entry["result"]["instruction"] = "free"


def _drop_an_absent_delegate(entry):
    entry["votes"] = entry["votes"][1:]


CASES = [
    (council, _flip_a_roll_call_vote, "recounting gives"),
    (council, _hide_a_breach, "compliance"),
    (council, _drop_an_absent_delegate, "recounting gives|vote"),
    (council, lambda e: e["result"].update(passed=not e["result"]["passed"]), "passed"),
    (secret, _stuff_a_ballot, "trackers"),
    (ranked, _change_the_seed, "seed"),
    (mandate, _change_the_instruction, "instruction"),
]


def test_the_record_recounts_every_motion_and_catches_tampering(tree):
    assert "motion.counted" in DEFAULT_CHECKS.types()
    decided(tree)
    report = verify_lines(export(tree.federation))
    assert report.checked["motion.counted"] == 5  # two mandates, the motion, secret, ranked
    assert report.checked["motion.trackers"] == 1
    for which, change, message in CASES:
        with pytest.raises(LogVerificationFailed, match=message):
            verify_lines(export(tree.federation, _when(which, change)))
