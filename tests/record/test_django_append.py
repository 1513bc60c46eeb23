"""Appending to the stored record: in the change's transaction, canonical, hashed and
signed as the pure modules say, with the tree state and nodes the proofs read."""

from __future__ import annotations

import json
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from asamblea.errors import Conflict, InvalidInput
from asamblea.federation import services as federation_services
from asamblea.federation.models import Body, Federation
from asamblea.record import services
from asamblea.record.canonical import TIME_PATTERN, canonical_entry, format_time, loads_strict
from asamblea.record.checkpoint import PublicKey, load_signing_key, verify_checkpoint
from asamblea.record.merkle import MerkleTree, leaf_hash
from asamblea.record.models import Checkpoint, Entry, Node, TreeState
from asamblea.record.services import Event, append_entries
from support.factories import add_member, body, make_federation, make_officer


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


def stored_leaves(federation: Federation) -> list[bytes]:
    rows = Entry.objects.filter(federation=federation).order_by("index")
    return [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True)]


def append(federation: Federation, *events: Event) -> list[Entry]:
    with transaction.atomic():
        return append_entries(federation, list(events))


def test_each_stored_entry_is_its_canonical_json_and_hashes_to_its_leaf(
    federation: Federation,
) -> None:
    entries = list(Entry.objects.filter(federation=federation).order_by("index"))
    assert [e.index for e in entries] == list(range(len(entries)))
    assert len(entries) > 10
    for entry in entries:
        data = entry.payload.encode("utf-8")
        value = loads_strict(data)
        # Stored bytes are exactly what the pure verifier recomputes.
        assert canonical_entry(value) == data
        assert leaf_hash(data).hex() == entry.leaf_hash
        assert value["federation"] == federation.slug and value["type"] == entry.type
        assert TIME_PATTERN.match(value["time"])
        assert value["time"] == format_time(entry.created_at)


def test_facts_are_recorded_exactly_decimals_as_plain_strings(federation: Federation) -> None:
    base = body(federation, "base-1")
    facts = {"quota": Decimal("12.50000"), "names": ["Ñusta Quispe", "José"], "n": 3, "ok": True}
    (entry,) = append(federation, Event("count.result", facts, body=base))
    assert entry.body == base
    value = json.loads(entry.payload)
    assert value["quota"] == "12.50000" and value["names"] == ["Ñusta Quispe", "José"]
    assert "Ñusta" in entry.payload  # UTF-8 as is, not \u escapes


@pytest.mark.parametrize(
    ("facts", "error"),
    [
        pytest.param({"share": 0.5}, InvalidInput, id="float-refused"),
        pytest.param({"type": "x.y"}, ValueError, id="facts-may-not-set-type"),
        pytest.param({"time": "2020-01-01T00:00:00Z"}, ValueError, id="facts-may-not-set-time"),
        pytest.param({"federation": "other"}, ValueError, id="facts-may-not-set-the-log"),
    ],
)
def test_facts_that_have_no_exact_record_are_refused_and_nothing_is_appended(
    federation: Federation, facts: dict[str, Any], error: type[Exception]
) -> None:
    before = Entry.objects.count(), Checkpoint.objects.count()
    with pytest.raises(error):
        append(federation, Event("test.event", {"n": 1}), Event("test.event", facts))
    assert (Entry.objects.count(), Checkpoint.objects.count()) == before


def test_an_entry_type_must_be_a_dotted_lower_case_name(federation: Federation) -> None:
    with pytest.raises(InvalidInput):
        append(federation, Event("Seat Filled", {}))


def test_a_body_of_another_federation_is_refused(federation: Federation) -> None:
    other = make_federation("other")
    with pytest.raises(ValueError, match="another federation"):
        append(federation, Event("test.event", {}, body=body(other, "base-1")))


def test_appending_outside_a_transaction_is_refused(transactional_db: None) -> None:
    federation = make_federation()
    before = Entry.objects.count()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        append_entries(federation, [Event("test.event", {})])
    assert Entry.objects.count() == before


def test_an_empty_batch_appends_and_signs_nothing(federation: Federation) -> None:
    before = Checkpoint.objects.count()
    assert append(federation) == []
    assert Checkpoint.objects.count() == before


def test_a_change_that_fails_leaves_no_entry_and_its_entry_never_lands_alone(
    federation: Federation,
) -> None:
    state = TreeState.objects.get(federation=federation)
    counts = Entry.objects.count(), Checkpoint.objects.count(), Node.objects.count()
    # A change and its entry in one transaction that then fails: neither stays.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        base = body(federation, "base-1")
        Body.objects.filter(pk=base.pk).update(name="Renamed")
        append_entries(federation, [Event("body.renamed", {"body": base.slug}, body=base)])
        assert Entry.objects.filter(type="body.renamed").exists()
        1 / 0  # noqa: B018 - the failure after the entry was appended
    assert body(federation, "base-1").name == "Base 1"
    assert (Entry.objects.count(), Checkpoint.objects.count(), Node.objects.count()) == counts
    assert TreeState.objects.get(federation=federation).size == state.size
    # A real service refused: no entry either.
    officer = make_officer(federation, "base-1")
    membership = add_member(federation, "base-1", "Ana Quispe")
    counts = Entry.objects.count(), Checkpoint.objects.count()
    with pytest.raises(Conflict):
        federation_services.do_verify_membership(officer, body(federation, "base-1"), membership.pk)
    assert (Entry.objects.count(), Checkpoint.objects.count()) == counts


def test_every_membership_change_that_moves_a_count_is_recorded_with_it(
    federation: Federation,
) -> None:
    before = Entry.objects.count()
    add_member(federation, "base-4", "Juan Huamán")
    new = Entry.objects.filter(federation=federation, index__gte=before)
    assert set(new.values_list("type", flat=True)) >= {"body.verified_members"}
    # The member's name is nowhere on the record.
    assert not Entry.objects.filter(payload__icontains="Huamán").exists()


def test_the_tree_state_and_nodes_are_those_of_the_reference_tree(
    federation: Federation,
) -> None:
    # 60 and more go in by COPY on PostgreSQL (services.COPY_FROM), the others by the ORM.
    for batch in [1, 2, 3, 7, 16, 1, 30, 60, 70]:
        append(federation, *[Event("test.event", {"n": n}) for n in range(batch)])
    leaves = stored_leaves(federation)
    tree = MerkleTree.from_leaf_hashes(leaves)
    state = TreeState.objects.get(federation=federation)
    assert state.size == len(leaves)
    assert state.root_hash == tree.root().hex()
    # The frontier: one stored hash per set bit of the size.
    assert len(bytes(state.frontier)) == 32 * bin(state.size).count("1")
    # Every complete subtree of 2**level leaves is stored, none twice, with its hash.
    nodes = {
        (n.level, n.position): bytes(n.hash) for n in Node.objects.filter(federation=federation)
    }
    expected = {}
    level = 1
    while 1 << level <= len(leaves):
        width = 1 << level
        for position in range(len(leaves) // width):
            start = position * width
            sub = MerkleTree.from_leaf_hashes(leaves[start : start + width])
            expected[(level, position)] = sub.root()
        level += 1
    assert nodes == expected


def test_each_batch_gets_a_checkpoint_signed_by_the_installation_key(
    federation: Federation,
) -> None:
    for batch in [3, 1, 5]:
        append(federation, *[Event("test.event", {"n": n}) for n in range(batch)])
    leaves = stored_leaves(federation)
    tree = MerkleTree.from_leaf_hashes(leaves)
    key = services.public_key()
    checkpoints = list(Checkpoint.objects.filter(federation=federation).order_by("size"))
    sizes = [c.size for c in checkpoints]
    assert sizes[-3:] == [len(leaves) - 6, len(leaves) - 5, len(leaves)]
    assert sizes == sorted(set(sizes))
    for checkpoint in checkpoints:
        signed = services.signed_checkpoint(checkpoint, federation.slug)
        verify_checkpoint(signed, key)
        assert signed.root == tree.root(checkpoint.size)
        assert checkpoint.time == format_time(checkpoint.created_at)
        assert PublicKey.from_text(checkpoint.public_key) == key


def test_a_changed_checkpoint_no_longer_verifies(federation: Federation) -> None:
    checkpoint = services.latest_checkpoint(federation)
    assert checkpoint is not None
    signed = services.signed_checkpoint(checkpoint, federation.slug)
    checkpoint.size += 1
    forged = services.signed_checkpoint(checkpoint, federation.slug)
    verify_checkpoint(signed)
    with pytest.raises(Exception, match="not valid"):
        verify_checkpoint(forged)


def test_the_signing_key_is_made_on_first_use_outside_the_database_owner_only(
    db: None, settings: Any, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "record.pem"
    settings.RECORD_KEY_FILE = key_file
    assert not key_file.exists()
    federation = make_federation("fresh")
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    checkpoint = services.latest_checkpoint(federation)
    assert checkpoint is not None
    assert checkpoint.public_key == load_signing_key(key_file).public_key.to_text()
    # The key never enters the database.
    pem = key_file.read_text()
    assert not Checkpoint.objects.filter(public_key__contains=pem[40:80]).exists()


def test_a_ballot_tracker_in_the_facts_is_kept_to_find_its_entry(
    federation: Federation,
) -> None:
    tracker = "ab" * 32
    entry, other = append(
        federation,
        Event("ballot.tracker", {"election": 1, "tracker": tracker}),
        Event("ballot.tracker", {"election": 1, "tracker": "not a tracker"}),
    )
    assert entry.tracker == tracker and other.tracker is None
    many = append(
        federation,
        *[Event("ballot.tracker", {"election": 2, "tracker": f"{n:064x}"}) for n in range(80)],
    )
    assert [e.tracker for e in many] == [f"{n:064x}" for n in range(80)]
    assert services.find_entries(f"{79:064x}") == [many[-1]]
    assert all(e.pk and Entry.objects.get(pk=e.pk).index == e.index for e in many)
    assert services.find_entries(tracker.upper()) == [entry]
    assert services.find_entries(entry.leaf_hash, federation) == [entry]
