"""Nothing the database writes to disk ties a voter to what they voted (issue 12).

Several voters cast ballots in a sealed election; the raw storage is then read
byte by byte, as someone who seized the disk, a dump or a WAL archive would:

- SQLite: the database file and its `-wal` file;
- PostgreSQL: the write-ahead log segments written since the test began (read with
  `pg_read_binary_file`, as a WAL archive would hold them; every transaction of
  the server in that span, including the casts' own) and a `pg_dump` of the database,

once while the vote is open and again after the close. What is looked for, per voter:

- the ranking as the ballot's JSON column would store it ("[11, 12, 13]", candidacy ids);
- the group elements that encode the ranking (`BallotCodec.encode`), in hex as every
  JSON of the library writes them, and as their raw 32 bytes.

While the vote is open none of them is anywhere. After the close the candidacy-id
rankings are still nowhere (the record names candidates, the opened box uses
codec indices), and the encoded elements appear only in the public record's
entries and the opened box's document (the decryption is published so that
anyone can check it): in no other table of the dump.

What can still be tied, precisely: during the vote, a voter to their *ciphertext*
(their VoteCast and their sealed ballot are written in one transaction, so the
WAL and, until the box is rewritten, row order and PostgreSQL's xmin pair them);
that ciphertext opens only with the vote's key, kept outside the database (a file
in BALLOT_KEY_DIR, deleted when the count is published). After the close each
decrypted paper is "one of the N voters of this vote" (N = the ballots cast; one
mix by the server over the whole box): the server, which made the mix, is the one
party that could link them while it ran, and it keeps no permutation.

A control shows the reading sees what is stored: a plaintext ballot of an election
opened without a key (as those opened before sealing existed) is found in each
raw copy by the same search.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import _read_share, codec_of
from asamblea.elections import services
from asamblea.elections.models import Ballot
from asamblea.elections.services.sealed import election_key
from asamblea.secrecy.bulletin import ballot_from_json
from asamblea.secrecy.elgamal import decrypt
from elections.helpers import open_election, voters
from support.pgcluster import _bin

# The encoding of a ranking is the same in every vote with the same codec (it must be,
# to be decoded), and other tests publish decrypted papers of small elections: so the
# rankings here are whole rankings of 13 candidates, a codec no other test or the demo
# uses, drawn with a fixed seed. Two preferences at least also keep the JSON needle
# ("[16, 18, ...]") rarer than a one-id list.
CANDIDATES = 13
PLAN = [random.Random(12 + n).sample(range(CANDIDATES), CANDIDATES) for n in range(5)]


def _candidacy_ids_apart_from_indices(federation) -> None:
    """Candidacy ids above the codec's indices (0 to 12), so a ranking by id cannot be
    mistaken for a published reading by index: a throwaway election takes ids first."""
    spare = open_election(federation, "base-2", seats=1)
    for member in voters(federation, "base-2", 16, prefix="spare"):
        services.do_stand(member, spare)


def _vote(federation):
    """The sealed election, cast by len(PLAN) voters; per voter, what to look for."""
    _candidacy_ids_apart_from_indices(federation)
    members = voters(federation, "base-1", len(PLAN))
    election = open_election(federation, seats=2)
    standing = voters(federation, "base-1", CANDIDATES, prefix="standing")
    for member in standing:
        services.do_stand(member, election)
    services.do_open_voting(election)
    candidates = services.standing(election)
    key = election_key(election)
    share = _read_share(key.context)
    needles: dict[str, list[bytes]] = {}
    for member, plan in zip(members, PLAN, strict=True):
        ranking = [candidates[i].pk for i in plan]
        receipt = services.do_cast_ballot(member, election, ranking)
        sealed = Ballot.objects.get(tracker=receipt.tracker).sealed
        points = [decrypt(share, c) for c in ballot_from_json(sealed["ballot"])]
        assert tuple(points) == codec_of(key).encode(plan)
        needles[member.username] = [
            json.dumps(ranking).encode(),
            *(p.hex().encode() for p in points),
            *(bytes(p) for p in points),
        ]
    return election, needles


def _control(federation):
    """A plaintext ballot in an election opened without a key: the search must find it."""
    members = voters(federation, "base-3", 3, prefix="control")
    election = open_election(federation, "base-3", seats=1)
    candidates = [services.do_stand(m, election) for m in members[:2]]
    services.do_open_voting(election)
    BallotKey.objects.filter(vote_id=election.pk).delete()
    ranking = [candidates[1].pk, candidates[0].pk]
    receipt = services.do_cast_ballot(members[2], election, ranking)
    return json.dumps(ranking).encode(), receipt.tracker.encode()


def _found(blob: bytes, needles: dict[str, list[bytes]]) -> list[str]:
    return [f"{who}: {n[:40]!r}" for who, found in needles.items() for n in found if n in blob]


def _ids_only(needles: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    return {who: found[:1] for who, found in needles.items()}


def _sqlite_files() -> bytes:
    name = Path(connection.settings_dict["NAME"])
    wal = name.with_name(name.name + "-wal")
    assert wal.exists(), "the SQLite database runs in WAL mode"
    return name.read_bytes() + b"\0" + wal.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_sqlite_files_never_tie_a_voter_to_their_vote(federation):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass reads SQLite's files")
    control, _control_tracker = _control(federation)
    election, needles = _vote(federation)
    during = _sqlite_files()
    assert control in during, "the search does not see what is stored"
    assert _found(during, needles) == []
    services.do_close_election(election)
    after = _sqlite_files()
    assert _found(after, _ids_only(needles)) == []
    _assert_points_only_in_published_tables(needles)


def _assert_points_only_in_published_tables(needles: dict[str, list[bytes]]) -> None:
    """Every column of every table but the record's entries and the opened box's key
    row, read as text: no encoded element of any voter's ballot."""
    quote = connection.ops.quote_name
    published = {"record_entry", BallotKey._meta.db_table}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in published:
                continue
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}")  # noqa: S608
            text = repr(cursor.fetchall()).encode()
            assert _found(text, needles) == [], table


def _pg(sql: str, *params: object) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _wal_since(start: str) -> bytes:
    """The raw WAL segments from `start` to now, as an archive of them would hold them."""
    end = _pg("SELECT pg_current_wal_insert_lsn()::text")[0][0]
    names = _pg(
        "SELECT DISTINCT pg_walfile_name(%s::pg_lsn + n * 16777216::numeric) FROM "
        "generate_series(0, ((%s::pg_lsn - %s::pg_lsn) / 16777216)::int) n "
        "UNION SELECT pg_walfile_name(%s::pg_lsn)",
        start,
        end,
        start,
        end,
    )
    return b"\0".join(
        bytes(_pg("SELECT pg_read_binary_file(%s)", f"pg_wal/{name}")[0][0])
        for (name,) in sorted(names)
    )


def _pg_dump(*excluded: str) -> bytes:
    settings = connection.settings_dict
    dump = shutil.which("pg_dump") or _bin("pg_dump")
    command = [
        dump, "--no-owner", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
        "-U", settings["USER"], settings["NAME"],
    ]  # fmt: skip
    for table in excluded:
        command += ["--exclude-table-data", table]
    env = {**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""}
    done = subprocess.run(command, capture_output=True, env=env, timeout=300, check=True)
    return done.stdout


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_wal_and_dump_never_tie_a_voter_to_their_vote(federation):
    start = _pg("SELECT pg_current_wal_insert_lsn()::text")[0][0]
    control, control_tracker = _control(federation)
    election, needles = _vote(federation)
    wal = _wal_since(start)
    assert control_tracker in wal, "the WAL read does not hold the casts"
    assert _found(wal, needles) == []
    dump = _pg_dump()
    assert control in dump, "the dump does not show the stored ballots"
    assert _found(dump, needles) == []
    services.do_close_election(election)
    # After the close: the decryption is published (record entries, the opened box),
    # so the encoded elements are there, unlinked; nowhere else.
    published = ("record_entry", BallotKey._meta.db_table)
    assert _found(_pg_dump(*published), needles) == []
    assert _found(_pg_dump(), _ids_only(needles)) == []
    _assert_points_only_in_published_tables(needles)
