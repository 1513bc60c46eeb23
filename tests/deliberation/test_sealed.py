"""Sealed secret motion votes and referendums (server mode, issue 12).

The raw storage of the database (SQLite's files; PostgreSQL's WAL and a `pg_dump`)
is read as in tests/elections/test_raw_storage.py, during the vote and after the
close, for a secret motion vote and a referendum. What is looked for, per voter,
is the group element their choice encodes to (`BallotCodec.encode`), in hex and as
raw bytes: the one form in which a choice could sit beside the voter's cast. While
the vote is open it is nowhere; after the close only in the record's entries and
the opened box's document (the decryption is published, unlinked); the ballot rows'
plaintext columns stay empty throughout.

What can still be tied, precisely: during the vote, a voter to their ciphertext
(cast and ballot are written in one transaction), which opens only with the key kept
outside the database and deleted at the publication. After the close a secret motion
vote's paper is "one of the N voters of the vote"; a referendum's is "one of the k
voters of its published unit" (the box is opened one published row at a time, so a
unit's papers tell exactly its published tally, no more).

Tampering: an operator who changes a sealed ballot on the record and re-signs the log
is caught by `asamblea record verify`.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import codec_of, key_path
from asamblea.deliberation import recount as _registers_checks  # noqa: F401
from asamblea.deliberation import services
from asamblea.deliberation.models import Motion, MotionBallot, ReferendumBallot
from asamblea.deliberation.services.sealed import motion_key, referendum_key
from asamblea.record.verify import LogVerificationFailed, verify_lines
from asamblea.secrecy.group import GENERATOR, Point
from deliberation.helpers import admin, export, member, seat_delegates
from elections.test_raw_storage import (
    _assert_points_only_in_published_tables,
    _control,
    _found,
    _pg,
    _pg_dump,
    _sqlite_files,
    _wal_since,
)
from support.factories import body, make_officer
from support.sealed import motion_ballot_says, referendum_ballot_says

CHOICES = ["yes", "no", "abstain", "yes", "no", "yes"]


def _needles(key: BallotKey, plan: list[Any]) -> dict[str, list[bytes]]:
    """Per voter: the encoded elements of their choice (or ranking), in hex and raw."""
    choices = list(key.choices)
    needles = {}
    for n, choice in enumerate(plan):
        picked = choice if isinstance(choice, list) else [choice]
        points = codec_of(key).encode([choices.index(c) for c in picked])
        needles[f"voter-{n}"] = [
            *(p.hex().encode() for p in points),
            *(bytes(p) for p in points),
        ]
    return needles


def _secret_motion(federation, plan=CHOICES, late=0):
    """A secret vote of base-2, cast by len(plan) members; `late` more on its roll."""
    users = [member(federation, "base-2", f"socia-{n}") for n in range(len(plan) + late)]
    motion = services.do_propose_motion(
        users[0], body(federation, "base-2"), title="Local", text="Abrir un comedor popular."
    )
    services.do_second_motion(users[1], motion)
    services.do_open_vote(make_officer(federation, "base-2"), motion, secret=True)
    key = motion_key(motion)
    assert key is not None
    for user, choice in zip(users, plan, strict=False):
        services.do_cast_vote(user, motion, choice)
    motion.late_voters = users[len(plan) :]
    return motion, key


# Whole rankings of 11 options (a codec no other vote uses, so their encoded elements
# are this test's alone even in a WAL shared with other databases), with a fixed seed.
OPTIONS = [f"Opción {n}" for n in range(11)]
RANKINGS = [random.Random(40 + n).sample(OPTIONS, len(OPTIONS)) for n in range(5)]


def _ranked_motion(federation, plan=RANKINGS):
    users = [member(federation, "base-1", f"m{n}") for n in range(len(plan))]
    motion = services.do_propose_motion(
        users[0],
        body(federation, "base-1"),
        title="Fecha de la marcha",
        text="¿Qué día marchamos?",
        kind="options",
        options=OPTIONS,
    )
    services.do_second_motion(users[1], motion)
    services.do_open_vote(admin(), motion, secret=True)
    key = motion_key(motion)
    assert key is not None
    for user, ranking in zip(users, plan, strict=True):
        services.do_cast_vote(user, motion, ranking=ranking)
    return motion, key


def _close_motion(motion):
    return services.do_close_vote(admin(), motion)


def _referendum(federation, plan=CHOICES):
    """A referendum of province A1; the voters all in base-1, so one unit holds them."""
    users = [member(federation, "base-1", f"b1-{n}") for n in range(len(plan))]
    seat_delegates(federation, "base-1", "prov-a1", users[:2])
    motion = services.do_propose_motion(users[0], body(federation, "prov-a1"), title="T", text="x")
    services.do_second_motion(users[1], motion)
    referendum = services.do_open_referendum(
        admin(), motion, closes_at=timezone.now() + timedelta(hours=5)
    )
    key = referendum_key(referendum)
    assert key is not None
    for user, choice in zip(users, plan, strict=True):
        services.do_cast_referendum_ballot(user, referendum, choice)
    return referendum, key


def _close_referendum(referendum):
    return services.do_close_referendum(admin(), referendum)


VOTES = {
    "motion": (_secret_motion, _close_motion, MotionBallot),
    "referendum": (_referendum, _close_referendum, ReferendumBallot),
}
# The raw-storage tests: (make, close, ballot model, the plan cast).
RAW = {
    "motion": (_secret_motion, _close_motion, MotionBallot, CHOICES),
    "ranked-motion": (_ranked_motion, _close_motion, MotionBallot, RANKINGS),
    "referendum": (_referendum, _close_referendum, ReferendumBallot, CHOICES),
}


def _plaintext_columns_empty(model) -> None:
    for row in model.objects.all():
        assert row.sealed is not None and row.choice == ""
        assert getattr(row, "ranking", None) is None


# ------------------------------------------------------------ raw storage


@pytest.mark.parametrize("kind", RAW)
@pytest.mark.django_db(transaction=True)
def test_sqlite_files_never_tie_a_voter_to_their_vote(federation, kind):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass reads SQLite's files")
    make, close, model, plan = RAW[kind]
    # Freed pages keep what earlier tests wrote (their published yes/no papers share
    # these elements): start from a file and a WAL holding only live rows.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    control, _tracker = _control(federation)
    vote, key = make(federation)
    needles = _needles(key, plan)
    during = _sqlite_files()
    assert control in during, "the search does not see what is stored"
    assert _found(during, needles) == []
    _plaintext_columns_empty(model)
    close(vote)
    _plaintext_columns_empty(model)
    _assert_points_only_in_published_tables(needles)
    assert not key_path(key.context).exists()


@pytest.mark.postgres_only
@pytest.mark.parametrize("kind", RAW)
@pytest.mark.django_db(transaction=True)
def test_postgresql_wal_and_dump_never_tie_a_voter_to_their_vote(federation, kind):
    make, close, model, plan = RAW[kind]
    start = _pg("SELECT pg_current_wal_insert_lsn()::text")[0][0]
    # The yes/no/abstain elements are the same in every yes/no vote: in the full run
    # another test's published papers may already hold them in this database. What was
    # there before this vote opened can tie no voter of it, so it is not looked for.
    before = _pg_dump()
    control, control_tracker = _control(federation)
    vote, key = make(federation)
    needles = {
        who: [n for n in found if n not in before] for who, found in _needles(key, plan).items()
    }
    wal = _wal_since(start)
    assert control_tracker in wal, "the WAL read does not hold the casts"
    if kind == "ranked-motion":
        # The WAL is the whole server's: the three elements of yes/no/abstain are in any
        # other database's published yes/no papers, so only a codec of this test's own
        # can be looked for there. The yes/no votes are checked in the dump and tables.
        assert _found(wal, needles) == []
    dump = _pg_dump()
    assert control in dump, "the dump does not show the stored ballots"
    assert _found(dump, needles) == []
    _plaintext_columns_empty(model)
    close(vote)
    published = ("record_entry", BallotKey._meta.db_table)
    assert _found(_pg_dump(*published), needles) == []
    _assert_points_only_in_published_tables(needles)
    assert not key_path(key.context).exists()


# ------------------------------------------------------------ the count and the record


def test_a_secret_motion_vote_is_counted_from_its_decrypted_box(federation):
    motion, key = _secret_motion(federation)
    said = Counter(motion_ballot_says(b) for b in MotionBallot.objects.filter(motion=motion))
    assert said == Counter(CHOICES)
    motion = _close_motion(motion)
    motion.refresh_from_db()
    assert motion.status == Motion.Status.PASSED  # 3 yes, 2 no, 1 abstain
    key.refresh_from_db()
    assert key.opened is not None and len(key.opened["decryption"]["ballots"]) == len(CHOICES)
    verify_lines(export(federation))


def test_a_referendum_is_counted_per_unit_from_its_decrypted_box(federation):
    referendum, key = _referendum(federation)
    said = Counter(
        referendum_ballot_says(b) for b in ReferendumBallot.objects.filter(referendum=referendum)
    )
    assert said == Counter(CHOICES)
    referendum = _close_referendum(referendum)
    total = Counter()
    for tally in referendum.result["units"].values():
        total.update({k: v for k, v in tally.items() if k in ("yes", "no", "abstain")})
    assert +total == Counter(CHOICES)
    key.refresh_from_db()
    assert set(key.opened["parts"]) <= set(referendum.result["units"])
    verify_lines(export(federation))


def test_re_voting_with_the_code_replaces_the_sealed_ballot(federation):
    motion, _key = _secret_motion(federation, ["yes", "no"], late=1)
    user = motion.late_voters[0]
    receipt = services.do_cast_vote(user, motion, "yes")
    again = services.do_cast_vote(user, motion, "no", ballot_code=receipt.ballot_code)
    assert again.replaced and again.tracker == receipt.tracker
    row = MotionBallot.objects.get(tracker=receipt.tracker)
    assert motion_ballot_says(row) == "no"


# ------------------------------------------------------------ tampering, re-signed


def _changed_ciphertext(entry):
    if entry["type"] == "secrecy.cast" and "election" not in entry:
        a, b = entry["cast"][1]["ballot"][0]
        entry["cast"][1]["ballot"][0] = [a, (Point.from_hex(b) + GENERATOR).hex()]
    return entry


@pytest.mark.parametrize("kind", VOTES)
def test_a_changed_ciphertext_fails_verification_even_re_signed(federation, kind):
    make, close, _model = VOTES[kind]
    vote, _key = make(federation)
    close(vote)
    verify_lines(export(federation))
    with pytest.raises(LogVerificationFailed, match="its proof does not verify"):
        verify_lines(export(federation, _changed_ciphertext))


def _motion_tally_changed(entry):
    if entry["type"] == "motion.counted":
        for ballot in entry["ballots"]:
            if ballot.get("choice") == "abstain":
                ballot["choice"] = "yes"
        entry["result"]["yes"] += 1
        entry["result"]["abstain"] -= 1
    return entry


def _referendum_tally_changed(entry):
    if entry["type"] == "referendum.counted":
        for unit in entry["units"].values():
            if unit["abstain"]:
                unit["abstain"] -= 1
                unit["yes"] += 1
                break
    return entry


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("motion", _motion_tally_changed, "not the papers the proven decryption"),
        # The units no longer match the rows either: caught by the first check that sees it.
        ("referendum", _referendum_tally_changed, None),
    ],
)
def test_a_count_other_than_the_decrypted_papers_fails(federation, kind, change, message):
    make, close, _model = VOTES[kind]
    vote, _key = make(federation)
    close(vote)
    with pytest.raises(LogVerificationFailed, match=message):
        verify_lines(export(federation, change))
