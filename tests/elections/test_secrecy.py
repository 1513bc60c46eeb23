"""The secret ballot, checked on the real schema and the stored rows (SQLite and PostgreSQL).

Nothing may tie a voter (VoteCast, RollEntry: person) to a ballot (Ballot: what
was voted): no column, no key, no timestamp, no ordered id, and, once the
election is closed, no physical row order or transaction id either.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from asamblea.elections import services
from asamblea.elections.models import Ballot, RollEntry, VoteCast
from elections.helpers import open_election, voters

VOTERS = 12


def table_columns(model) -> dict[str, str]:
    """Column name -> database type name, read from the database itself."""
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {column.name: column.type_code for column in description}


def foreign_keys(table: str) -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        return connection.introspection.get_relations(cursor, table)


def test_the_schema_has_no_link_between_a_vote_cast_and_a_ballot(db):
    assert set(table_columns(Ballot)) == {
        "id",
        "election_id",
        "tracker",
        "ranking",
        "sealed",
        "seal_hash",
        # A keyed hash of (vote, person) whose key is only in the vote's key file, outside
        # the database: it names nobody in a copy of it (meetings/test_paper_cancels_online).
        "cancel_tag",
    }
    assert set(table_columns(VoteCast)) == {"id", "election_id", "person_id"}
    assert set(table_columns(RollEntry)) == {"id", "election_id", "person_id"}
    ballot_keys = foreign_keys(Ballot._meta.db_table)
    assert {target for _column, target in ballot_keys.values()} == {"elections_election"}
    vote_keys = foreign_keys(VoteCast._meta.db_table)
    assert {target for _column, target in vote_keys.values()} == {
        "elections_election",
        "federation_person",
    }
    # No table anywhere points at a ballot.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    for table in tables:
        targets = {target for _column, target in foreign_keys(table).values()}
        assert Ballot._meta.db_table not in targets, table
    # The ballot key is a random UUID, not a counter that follows voting order.
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"


def physical_order(election) -> list[str]:
    """Trackers in the order the rows sit in storage (SQLite rowid, PostgreSQL ctid)."""
    position = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tracker FROM elections_ballot WHERE election_id = %s ORDER BY {position}",  # noqa: S608
            [election.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def cast_everyone(federation):
    members = voters(federation, "base-1", VOTERS)
    election = open_election(federation, seats=2)
    candidates = [services.do_stand(m, election) for m in members[:3]]
    services.do_open_voting(election)
    trackers_in_voting_order = []
    for number, member in enumerate(members):
        first, second = candidates[number % 3], candidates[(number + 1) % 3]
        receipt = services.do_cast_ballot(member, election, [first.pk, second.pk])
        trackers_in_voting_order.append(receipt.tracker)
    return election, members, candidates, trackers_in_voting_order


def test_after_the_close_no_row_order_follows_the_voting_order(federation):
    election, _members, _candidates, voting_order = cast_everyone(federation)
    # While the vote is open and before any rewrite, storage order IS voting order:
    # this is the leak the rewrite exists to remove (and proves the check can fail).
    assert physical_order(election) == voting_order
    services.do_close_election(election)
    stored = physical_order(election)
    assert sorted(stored) == sorted(voting_order)
    # Storage order is tracker order: a function of public, random values only.
    assert stored == sorted(voting_order)
    # VoteCast rows follow voting order (by person), but share nothing with ballots.
    assert VoteCast.objects.filter(election=election).count() == VOTERS


def test_the_tick_rewrites_the_ballots_while_the_vote_is_open(federation):
    election, _members, _candidates, voting_order = cast_everyone(federation)
    assert services.do_reshuffle_ballots(election) is True
    assert physical_order(election) == sorted(voting_order)
    # Nothing new since: the next tick leaves the rows alone.
    assert services.do_reshuffle_ballots(election) is False


def test_stored_ballots_hold_no_person_no_time_and_random_keys(federation):
    election, members, _candidates, _order = cast_everyone(federation)
    services.do_close_election(election)
    person_ids = {m.person.pk for m in members}
    for ballot in Ballot.objects.filter(election=election):
        assert uuid.UUID(str(ballot.pk)).version == 4
        # Sealed: the row holds ciphertexts only (the ranking column stays empty).
        assert ballot.ranking == [] and ballot.sealed is not None
        assert set(ballot.sealed) == {"ballot", "proof"}
        assert len(ballot.tracker) == 64
        for person_id in person_ids:
            assert str(person_id) != ballot.tracker


def xmins(table: str, election) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text FROM {table} WHERE election_id = %s",  # noqa: S608
            [election.pk],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres_only
def test_after_the_close_no_transaction_id_ties_a_ballot_to_its_vote_cast(
    transactional_db, federation
):
    election, _members, _candidates, _order = cast_everyone(federation)
    # Each cast committed its VoteCast and its Ballot in one transaction: until the
    # ballots are rewritten, PostgreSQL's xmin pairs them up (the leak to remove).
    assert sorted(xmins("elections_ballot", election)) == sorted(
        xmins("elections_votecast", election)
    )
    services.do_close_election(election)
    ballot_xmins = set(xmins("elections_ballot", election))
    assert len(ballot_xmins) == 1
    assert not ballot_xmins & set(xmins("elections_votecast", election))
