"""The Merkle tree agrees with RFC 9162: published vectors, exhaustive small trees, pymerkle.

Vectors: transparency-dev/merkle (Apache-2.0), transcribed as data in
tests/record/data/ (see its README).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.errors import InvalidInput
from asamblea.record.merkle import (
    EMPTY_ROOT,
    Frontier,
    InvalidProof,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "rfc6962_reference.json").read_text(encoding="utf-8"))
LEAVES = [bytes.fromhex(text) for text in REFERENCE["leaf_inputs_hex"]]
ROOTS = [bytes.fromhex(text) for text in REFERENCE["roots_by_size"]]


def hexes(values: list[bytes]) -> list[str]:
    return [value.hex() for value in values]


def reference_tree(size: int = len(LEAVES)) -> MerkleTree:
    tree = MerkleTree()
    for leaf in LEAVES[:size]:
        tree.append(leaf)
    return tree


def load_probes(name: str) -> list[Any]:
    probes = json.loads((DATA / name).read_text(encoding="utf-8"))
    return [pytest.param(probe, id=probe["file"].removeprefix("testdata/")) for probe in probes]


def b64(text: str) -> bytes:
    return base64.b64decode(text)


# --- The hash functions -------------------------------------------------------


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MerkleTree().root() == EMPTY_ROOT
    assert root_hash([]) == EMPTY_ROOT


def test_leaf_and_node_hashes_match_the_published_ones() -> None:
    assert leaf_hash(b"").hex() == ROOTS[1].hex()
    assert leaf_hash(b"L123456").hex() == REFERENCE["hasher"]["leaf_L123456"]
    assert node_hash(b"N123", b"N456").hex() == REFERENCE["hasher"]["node_N123_N456"]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert node_hash(left, right) != leaf_hash(left + right)
    assert node_hash(left, right) != node_hash(right, left)


# --- Roots, node hashes and proofs of the reference tree ---------------------


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_root_of_every_reference_size_matches(size: int) -> None:
    tree = reference_tree()
    assert tree.root(size) == ROOTS[size]
    assert reference_tree(size).root() == ROOTS[size]
    assert root_hash([leaf_hash(leaf) for leaf in LEAVES[:size]]) == ROOTS[size]


def test_every_complete_subtree_hash_matches() -> None:
    for level, hashes in enumerate(REFERENCE["node_hashes_by_level"]):
        width = 1 << level
        for position, expected in enumerate(hashes):
            subtree = LEAVES[position * width : (position + 1) * width]
            assert root_hash([leaf_hash(leaf) for leaf in subtree]).hex() == expected


@pytest.mark.parametrize(
    "case",
    REFERENCE["inclusion_proofs"],
    ids=lambda case: f"leaf{case['index']}-of-{case['size']}",
)
def test_reference_inclusion_proofs(case: dict[str, Any]) -> None:
    tree = reference_tree()
    proof = tree.inclusion_proof(case["index"], case["size"])
    assert hexes(proof) == case["proof"]
    verify_inclusion(
        case["index"], case["size"], tree.leaf_hash(case["index"]), proof, ROOTS[case["size"]]
    )


@pytest.mark.parametrize(
    "case",
    REFERENCE["consistency_proofs"],
    ids=lambda case: f"{case['first']}-to-{case['second']}",
)
def test_reference_consistency_proofs(case: dict[str, Any]) -> None:
    tree = reference_tree()
    proof = tree.consistency_proof(case["first"], case["second"])
    assert hexes(proof) == case["proof"]
    verify_consistency(
        case["first"], case["second"], ROOTS[case["first"]], ROOTS[case["second"]], proof
    )


# --- transparency-dev probes: a happy path and its mutations, each -----------


@pytest.mark.parametrize("probe", load_probes("transparency_dev_inclusion_probes.json"))
def test_inclusion_verification_agrees_with_transparency_dev_probe(probe: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            probe["leafIdx"],
            probe["treeSize"],
            b64(probe["leafHash"]),
            [b64(node) for node in probe["proof"] or []],
            b64(probe["root"]),
        )

    if probe["wantErr"]:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


@pytest.mark.parametrize("probe", load_probes("transparency_dev_consistency_probes.json"))
def test_consistency_verification_agrees_with_transparency_dev_probe(
    probe: dict[str, Any],
) -> None:
    def verify() -> None:
        verify_consistency(
            probe["size1"],
            probe["size2"],
            b64(probe["root1"]),
            b64(probe["root2"]),
            [b64(node) for node in probe["proof"] or []],
        )

    if probe["wantErr"]:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


def test_the_probe_files_were_all_transcribed() -> None:
    inclusion = load_probes("transparency_dev_inclusion_probes.json")
    consistency = load_probes("transparency_dev_consistency_probes.json")
    assert (len(inclusion), len(consistency)) == (98, 98)


# --- Exhaustive small trees ----------------------------------------------------


def small_tree(size: int) -> MerkleTree:
    return MerkleTree.from_leaf_hashes(leaf_hash(b"entry %d" % number) for number in range(size))


def test_every_inclusion_proof_of_trees_up_to_40_verifies_and_is_short() -> None:
    tree = small_tree(40)
    for size in range(1, 41):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert len(proof) <= math.ceil(math.log2(size))
            verify_inclusion(index, size, tree.leaf_hash(index), proof, root)
            # The same proof does not prove a neighbour, nor the leaf in another tree.
            with pytest.raises(InvalidProof):
                verify_inclusion(index, size, tree.leaf_hash((index + 1) % 40), proof, root)
            if size < 40:
                with pytest.raises(InvalidProof):
                    verify_inclusion(
                        index, size + 1, tree.leaf_hash(index), proof, tree.root(size + 1)
                    )


def test_every_consistency_proof_of_trees_up_to_40_verifies() -> None:
    tree = small_tree(40)
    # The same sizes over another history: its roots must never pass for ours.
    fork = MerkleTree.from_leaf_hashes(leaf_hash(b"forked %d" % number) for number in range(40))
    for second in range(1, 41):
        for first in range(1, second + 1):
            proof = tree.consistency_proof(first, second)
            assert len(proof) <= math.ceil(math.log2(second)) + 1
            verify_consistency(first, second, tree.root(first), tree.root(second), proof)
            if first < second:
                with pytest.raises(InvalidProof):
                    verify_consistency(first, second, fork.root(first), tree.root(second), proof)
                with pytest.raises(InvalidProof):
                    verify_consistency(first, second, tree.root(first), fork.root(second), proof)


def test_proofs_from_an_empty_or_equal_tree_are_empty() -> None:
    tree = small_tree(9)
    assert tree.consistency_proof(0, 9) == []
    assert tree.consistency_proof(9) == []
    assert tree.inclusion_proof(0, 1) == []


# --- Frontier ------------------------------------------------------------------


def test_frontier_root_follows_the_tree_at_every_size() -> None:
    tree, frontier = MerkleTree(), Frontier()
    for number in range(70):
        digest = leaf_hash(b"%d" % number)
        tree.append_leaf_hash(digest)
        frontier.append(digest)
        assert frontier.root() == tree.root()
        assert len(frontier.hashes) == frontier.size.bit_count()
    restored = Frontier(frontier.size, frontier.hashes)
    restored.append(leaf_hash(b"next"))
    tree.append(b"next")
    assert restored.root() == tree.root()


def test_frontier_refuses_inconsistent_state_and_bad_hashes() -> None:
    with pytest.raises(InvalidInput, match="a frontier of size 3 has 2 hashes, not 1"):
        Frontier(3, [EMPTY_ROOT])
    with pytest.raises(InvalidInput, match="whole number >= 0, not -1"):
        Frontier(-1, [])
    with pytest.raises(InvalidInput, match="32 bytes, not 3"):
        Frontier().append(b"abc")


# --- Errors --------------------------------------------------------------------


def test_tree_refuses_what_does_not_exist() -> None:
    tree = small_tree(5)
    assert len(tree) == tree.size == 5
    with pytest.raises(InvalidInput, match="no size 6"):
        tree.root(6)
    with pytest.raises(InvalidInput, match="no leaf 5 in a tree of 5"):
        tree.inclusion_proof(5)
    with pytest.raises(InvalidInput, match="no leaf 3 in a tree of 3"):
        tree.inclusion_proof(3, 3)
    with pytest.raises(InvalidInput, match="no leaf -1"):
        tree.leaf_hash(-1)
    with pytest.raises(InvalidInput, match="from size 4 to size 3"):
        tree.consistency_proof(4, 3)
    with pytest.raises(InvalidInput, match="32 bytes, not 31"):
        tree.append_leaf_hash(b"x" * 31)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param((3, 3, b"l" * 32, [], b"r" * 32), "leaf 3 is not in a tree of 3", id="index"),
        pytest.param((0, 1, b"l" * 31, [], b"r" * 32), "leaf hash has 31 bytes", id="leaf-size"),
        pytest.param((0, 1, b"l" * 32, [], b"r" * 33), "root hash has 33 bytes", id="root-size"),
        pytest.param((0, 2, b"l" * 32, [b"p"], b"r" * 32), "proof hash 0 has 1 bytes", id="node"),
        pytest.param((0, 1, b"l" * 32, [b"p" * 32], b"r" * 32), "more hashes", id="too-long"),
        pytest.param((0, 4, b"l" * 32, [b"p" * 32], b"r" * 32), "fewer hashes", id="too-short"),
        pytest.param((0, 1, b"l" * 32, [], b"r" * 32), "leads to root", id="wrong-root"),
    ],
)
def test_inclusion_failures_say_why(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidProof, match=message):
        verify_inclusion(*arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param((3, 2, b"a" * 32, b"b" * 32, []), "cannot grow", id="shrinking"),
        pytest.param((0, 2, EMPTY_ROOT, b"b" * 32, []), "from the empty tree", id="from-empty"),
        pytest.param((2, 2, b"a" * 32, b"a" * 32, [b"c" * 32]), "empty consistency", id="same"),
        pytest.param((2, 2, b"a" * 32, b"b" * 32, []), "two different roots", id="fork"),
        pytest.param((2, 3, b"a" * 32, b"b" * 32, []), "proof is empty", id="empty-proof"),
        pytest.param((2, 3, b"a" * 3, b"b" * 32, [b"c" * 32]), "first root hash", id="root1"),
        pytest.param((2, 3, b"a" * 32, b"b" * 3, [b"c" * 32]), "second root hash", id="root2"),
        pytest.param((2, 3, b"a" * 32, b"b" * 32, [b"c"]), "proof hash 0", id="node-size"),
        pytest.param((1, 2, b"a" * 32, b"b" * 32, [b"c" * 32] * 2), "more hashes", id="long"),
        pytest.param((3, 8, b"a" * 32, b"b" * 32, [b"c" * 32]), "fewer hashes", id="short"),
    ],
)
def test_consistency_failures_say_why(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidProof, match=message):
        verify_consistency(*arguments)


def test_consistency_failure_tells_which_root_is_wrong() -> None:
    tree = small_tree(8)
    proof = tree.consistency_proof(3, 8)
    with pytest.raises(InvalidProof, match="does not lead to the root of size 3"):
        verify_consistency(3, 8, tree.root(2), tree.root(8), proof)
    with pytest.raises(InvalidProof, match="tree of size 8 does not extend the tree of size 3"):
        verify_consistency(3, 8, tree.root(3), tree.root(7), proof)


# --- An independent implementation: pymerkle ----------------------------------


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(st.binary(max_size=40), min_size=1, max_size=120),
    data=st.data(),
)
def test_roots_and_proofs_agree_with_pymerkle(entries: list[bytes], data: st.DataObject) -> None:
    ours = MerkleTree()
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in entries:
        ours.append(entry)
        theirs.append_entry(entry)
    size = len(entries)
    second = data.draw(st.integers(1, size), label="second")
    first = data.draw(st.integers(1, second), label="first")
    index = data.draw(st.integers(0, second - 1), label="index")

    for checked in {0, first, second, size}:
        assert ours.root(checked) == theirs.get_root(checked)

    # Inclusion: pymerkle's path is the leaf hash followed by the RFC path.
    their_inclusion = theirs.prove_inclusion(index + 1, second)
    our_inclusion = ours.inclusion_proof(index, second)
    assert their_inclusion.path == [ours.leaf_hash(index), *our_inclusion]
    verify_inclusion(index, second, ours.leaf_hash(index), our_inclusion, theirs.get_root(second))
    pymerkle.verify_inclusion(ours.leaf_hash(index), ours.root(second), their_inclusion)

    # Consistency: pymerkle lays its proof out differently; each side's proof
    # must convince its own verifier about the other side's roots.
    our_consistency = ours.consistency_proof(first, second)
    verify_consistency(
        first, second, theirs.get_root(first), theirs.get_root(second), our_consistency
    )
    their_consistency = theirs.prove_consistency(first, second)
    pymerkle.verify_consistency(ours.root(first), ours.root(second), their_consistency)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(2, 300), data=st.data())
def test_any_changed_hash_in_a_proof_is_caught(size: int, data: st.DataObject) -> None:
    tree = small_tree(size)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index)
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    bit = data.draw(st.integers(0, 255), label="bit")
    damaged = list(proof)
    damaged[position] = bytes(
        byte ^ (1 << (bit % 8)) if number == bit // 8 else byte
        for number, byte in enumerate(proof[position])
    )
    with pytest.raises(InvalidProof):
        verify_inclusion(index, size, tree.leaf_hash(index), damaged, tree.root())
    with pytest.raises(InvalidProof):
        verify_inclusion(index, size, tree.leaf_hash(index), proof[:-1], tree.root())
    with pytest.raises(InvalidProof):
        verify_inclusion(index, size, tree.leaf_hash(index), [*proof, proof[0]], tree.root())

    first = data.draw(st.integers(1, size - 1), label="first")
    consistency = tree.consistency_proof(first)
    position = data.draw(st.integers(0, len(consistency) - 1), label="consistency position")
    damaged = list(consistency)
    damaged[position] = hashlib.sha256(consistency[position]).digest()
    with pytest.raises(InvalidProof):
        verify_consistency(first, size, tree.root(first), tree.root(), damaged)
