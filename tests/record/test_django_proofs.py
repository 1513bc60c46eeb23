"""Roots and proofs served from the stored nodes agree with merkle.py over the same
leaves, verify with merkle.py's RFC 9162 checks, and cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from asamblea.errors import InvalidInput, NotFound
from asamblea.federation.models import Federation
from asamblea.record import services
from asamblea.record.merkle import (
    EMPTY_ROOT,
    InvalidProof,
    MerkleTree,
    verify_consistency,
    verify_inclusion,
)
from asamblea.record.models import Entry
from asamblea.record.services import Event, append_entries
from support.factories import make_federation

# Batches of different sizes, so the checkpoints fall at odd and even sizes.
BATCHES = [1, 1, 2, 5, 8, 3, 13, 1, 21]


@pytest.fixture
def log(db: None) -> tuple[Federation, MerkleTree]:
    """A federation whose log grew in uneven batches, and merkle.py's tree of its leaves."""
    federation = make_federation()
    for batch in BATCHES:
        with transaction.atomic():
            append_entries(federation, [Event("test.event", {"n": n}) for n in range(batch)])
    leaves = Entry.objects.filter(federation=federation).order_by("index")
    tree = MerkleTree.from_leaf_hashes(
        bytes.fromhex(h) for h in leaves.values_list("leaf_hash", flat=True)
    )
    assert tree.size == services.published_size(federation) > 64
    return federation, tree


def test_the_root_of_every_size_is_the_reference_root(log: tuple[Federation, MerkleTree]) -> None:
    federation, tree = log
    for size in range(tree.size + 1):
        assert services.root_at(federation, size) == tree.root(size), size
    assert services.root_at(federation, 0) == EMPTY_ROOT


def test_every_inclusion_proof_is_the_reference_proof_and_verifies(
    log: tuple[Federation, MerkleTree],
) -> None:
    federation, tree = log
    for size in [1, 2, 3, 7, 8, 9, 31, 32, 33, tree.size - 1, tree.size]:
        root = tree.root(size)
        for index in range(size):
            proof = services.inclusion_proof(federation, index, size)
            assert proof.path == tree.inclusion_proof(index, size), (index, size)
            assert proof.root == root and proof.leaf_hash == tree.leaf_hash(index)
            verify_inclusion(index, size, proof.leaf_hash, proof.path, root)


def test_every_consistency_proof_is_the_reference_proof_and_verifies(
    log: tuple[Federation, MerkleTree],
) -> None:
    federation, tree = log
    # Every pair up to 33 entries, then every first size into a few larger trees.
    for second in [*range(1, 34), 63, 64, 65, tree.size - 1, tree.size]:
        for first in range(1, second + 1):
            proof = services.consistency_proof(federation, first, second)
            assert proof.path == tree.consistency_proof(first, second), (first, second)
            assert (proof.first_root, proof.second_root) == (tree.root(first), tree.root(second))
            verify_consistency(first, second, proof.first_root, proof.second_root, proof.path)


def test_a_proof_against_the_wrong_root_fails(log: tuple[Federation, MerkleTree]) -> None:
    federation, tree = log
    proof = services.inclusion_proof(federation, 5)
    with pytest.raises(InvalidProof):
        verify_inclusion(6, proof.tree_size, proof.leaf_hash, proof.path, proof.root)
    consistency = services.consistency_proof(federation, 10)
    with pytest.raises(InvalidProof):
        verify_consistency(10, consistency.second, tree.root(11), consistency.second_root, [])


def test_defaults_are_the_latest_checkpoint_and_a_leaf_hash_finds_its_index(
    log: tuple[Federation, MerkleTree],
) -> None:
    federation, tree = log
    proof = services.inclusion_proof_by_hash(federation, tree.leaf_hash(40).hex().upper())
    assert (proof.index, proof.tree_size) == (40, tree.size)
    assert proof.root.hex() == services.latest_checkpoint(federation).root_hash
    assert services.consistency_proof(federation, 3).second == tree.size


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(
            lambda f: services.inclusion_proof(f, 10**6), InvalidInput, id="no-such-index"
        ),
        pytest.param(
            lambda f: services.inclusion_proof(f, 3, 3), InvalidInput, id="index-past-size"
        ),
        pytest.param(
            lambda f: services.inclusion_proof(f, 0, 10**6), InvalidInput, id="unsigned-size"
        ),
        pytest.param(lambda f: services.consistency_proof(f, 0), InvalidInput, id="from-empty"),
        pytest.param(lambda f: services.consistency_proof(f, 9, 8), InvalidInput, id="shrinking"),
        pytest.param(
            lambda f: services.inclusion_proof_by_hash(f, "0" * 64), NotFound, id="no-hash"
        ),
        pytest.param(
            lambda f: services.inclusion_proof_by_hash(f, "xyz"), InvalidInput, id="bad-hash"
        ),
    ],
)
def test_impossible_proofs_are_clear_errors(log, call, error) -> None:
    federation, _tree = log
    with pytest.raises(error):
        call(federation)


def test_a_proof_reads_a_fixed_number_of_rows_whatever_the_size(db: None) -> None:
    """No proof loads the leaves: queries stay the same from 100 to 5,000 entries."""
    federation = make_federation("big")
    counts = []
    for target in [100, 5000]:
        with transaction.atomic():
            missing = target - services.published_size(federation)
            append_entries(federation, [Event("test.event", {"n": n}) for n in range(missing)])
        with CaptureQueriesContext(connection) as inclusion:
            proof = services.inclusion_proof(federation, target // 3)
        with CaptureQueriesContext(connection) as consistency:
            services.consistency_proof(federation, target // 2 + 1)
        assert len(proof.path) <= (target - 1).bit_length()
        counts.append((len(inclusion), len(consistency)))
    # The latest checkpoint, the leaves needed (at most one), the nodes needed.
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 3
