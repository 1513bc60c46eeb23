"""The ballot box: casting, replacing by code, the casting lock and the reshuffle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    lock_for_casting,
    min_voters_for_breakdown,
    reshuffle_due,
)
from asamblea.ballots.codes import new_ballot_code
from asamblea.deliberation.models import ReferendumBallot
from asamblea.elections import services
from asamblea.elections.models import Ballot, Election
from asamblea.errors import InvalidInput, PermissionDenied
from elections.helpers import open_election, voters

NOW = timezone.now()


@pytest.fixture
def election(federation) -> Election:
    return open_election(federation)


def storage_order(model, vote) -> list[str]:
    """Trackers in the order the rows sit in storage (SQLite rowid, PostgreSQL ctid)."""
    position = "ctid" if connection.vendor == "postgresql" else "rowid"
    table = model._meta.db_table
    column = model._meta.get_field(model.VOTE_FIELD).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tracker FROM {table} WHERE {column} = %s ORDER BY {position}",  # noqa: S608
            [vote.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_cast_stores_the_ballot_under_its_tracker_and_hands_back_the_code(election):
    box = BallotBox(Ballot, election)
    receipt = box.cast(7, ranking=[1, 2])
    assert receipt == CastReceipt(receipt.ballot_code, box.tracker(7, receipt.ballot_code))
    assert not receipt.replaced
    (ballot,) = box.ballots()
    assert ballot.tracker == receipt.tracker and ballot.ranking == [1, 2]


def test_the_ballot_code_and_only_it_replaces_the_ballot(election):
    box = BallotBox(Ballot, election)
    receipt = box.cast(7, ranking=[1])
    other = box.cast(8, ranking=[2])
    typed = receipt.ballot_code.lower().replace("-", " ")
    replaced = box.replace(7, typed, ranking=[3])
    assert replaced == CastReceipt(receipt.ballot_code, receipt.tracker, replaced=True)
    # Another person's code, a code from another account, a made-up code: nothing changes.
    for person, code in [(7, other.ballot_code), (9, receipt.ballot_code), (7, new_ballot_code())]:
        with pytest.raises(PermissionDenied, match="Without the code your earlier ballot stands"):
            box.replace(person, code, ranking=[4])
    with pytest.raises(InvalidInput, match="24 letters"):
        box.replace(7, "ABCD", ranking=[4])
    rankings = dict(box.ballots().values_list("tracker", "ranking"))
    assert rankings == {receipt.tracker: [3], other.tracker: [2]}


def test_the_reshuffle_rewrites_the_box_in_tracker_order_with_fresh_keys(election):
    box = BallotBox(Ballot, election)
    trackers = [box.cast(person, ranking=[person]).tracker for person in range(1, 9)]
    keys = set(box.ballots().values_list("pk", flat=True))
    assert storage_order(Ballot, election) == trackers  # the leak: storage follows casting
    box.reshuffle(casts=8, now=NOW)
    assert storage_order(Ballot, election) == sorted(trackers) == box.trackers()
    assert (election.shuffled_casts, election.shuffled_at) == (8, NOW)
    assert dict(box.ballots().values_list("tracker", "ranking")) == {
        tracker: [person] for person, tracker in enumerate(trackers, start=1)
    }
    if connection.vendor != "postgresql":  # the portable path draws random keys anew
        assert not keys & set(box.ballots().values_list("pk", flat=True))


def test_the_reshuffle_keeps_a_box_keyed_by_its_tracker(federation):
    """Referendum ballots are keyed by the tracker itself: the key moves with the row."""
    from deliberation.test_referendum import small_referendum

    referendum, _users = small_referendum(federation)
    box = BallotBox(ReferendumBallot, referendum)
    base = referendum.council.pk  # any body: the box does not read it
    trackers = [box.cast(person, body_id=base, choice="yes").tracker for person in range(1, 6)]
    box.reshuffle(casts=5, now=NOW)
    assert storage_order(ReferendumBallot, referendum) == sorted(trackers)
    assert sorted(box.ballots().values_list("pk", flat=True)) == sorted(trackers)


def test_the_reshuffle_takes_one_statement_on_postgresql_and_rewrites_rows_elsewhere(election):
    box = BallotBox(Ballot, election)
    for person in range(1, 4):
        box.cast(person, ranking=[person])
    with CaptureQueriesContext(connection) as queries:
        box.reshuffle(casts=3, now=NOW)
    statements = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "postgresql":
        (statement,) = statements
        assert statement.startswith("WITH moved AS (DELETE FROM")
        assert "ORDER BY" in statement
    else:
        assert not any("WITH moved" in sql for sql in statements)
        assert [sql.split()[0] for sql in statements] == ["SELECT", "DELETE", "INSERT"]


def test_the_casting_lock_reads_the_fields_asked_for(election):
    with CaptureQueriesContext(connection) as queries:
        row = lock_for_casting(Election, election.pk, ("status", "voting_closes_at"))
    assert row == (election.status, election.voting_closes_at)
    assert lock_for_casting(Election, election.pk + 1000, ("status",)) is None
    assert lock_for_casting(Election, election.pk) is None  # the lock alone
    (read,) = queries.captured_queries
    assert ("FOR SHARE" in read["sql"]) == (connection.vendor == "postgresql")


@pytest.mark.parametrize(
    ("casts", "shuffled_casts", "since", "every", "due"),
    [
        pytest.param(3, 2, timedelta(0), None, True, id="casts-arrived"),
        pytest.param(3, 3, timedelta(hours=1), None, False, id="nothing-new-no-period"),
        pytest.param(3, 3, timedelta(minutes=4), timedelta(minutes=5), False, id="not-yet-time"),
        pytest.param(3, 3, timedelta(minutes=5), timedelta(minutes=5), True, id="time-again"),
        pytest.param(0, 0, timedelta(hours=1), timedelta(minutes=5), False, id="empty-box"),
        pytest.param(3, 3, None, timedelta(minutes=5), True, id="never-shuffled"),
    ],
)
def test_when_the_tick_reshuffles(casts, shuffled_casts, since, every, due):
    shuffled_at = None if since is None else NOW - since
    assert (
        reshuffle_due(
            casts=casts,
            shuffled_casts=shuffled_casts,
            shuffled_at=shuffled_at,
            now=NOW,
            every=every,
        )
        is due
    )


def test_one_setting_says_how_few_voters_hide_the_breakdown(settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 9
    assert min_voters_for_breakdown() == 9


def test_every_kind_of_secret_vote_takes_the_same_code_message(federation):
    """An election cast through its service refuses another person's code as the box does."""
    first, second = voters(federation, "base-1", 2)
    election = open_election(federation)
    candidate = services.do_stand(first, election)
    services.do_open_voting(election)
    mine = services.do_cast_ballot(first, election, [candidate.pk])
    services.do_cast_ballot(second, election, [candidate.pk])
    with pytest.raises(PermissionDenied, match="Without the code your earlier ballot stands"):
        services.do_cast_ballot(second, election, [candidate.pk], ballot_code=mine.ballot_code)
