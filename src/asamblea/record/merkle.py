"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1.

Hashes, the tree hash MTH, inclusion proofs (PATH) and consistency proofs
(PROOF), and their verification exactly as in sections 2.1.3.2 and 2.1.4.2,
with SHA-256:

    leaf hash  = SHA-256(0x00 || entry)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

`MerkleTree` keeps every complete subtree hash, level by level, in flat byte
arrays (32 bytes a node, about 64 bytes a leaf in all), so an append costs
amortised two hashes and any root, inclusion proof or consistency proof for
any past size costs O(log² n) array reads and hashes. `Frontier` keeps only the
roots of the perfect subtrees at the right edge (O(log n) hashes): enough to
append and to compute the current root without reading the leaves back.

Indexes count from 0, sizes are numbers of leaves. Pure module: no Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from asamblea.errors import InvalidInput, VerificationFailed

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class InvalidProof(VerificationFailed):
    """An inclusion or consistency proof that does not prove what it claims."""


def leaf_hash(entry: bytes) -> bytes:
    """The RFC 9162 hash of a leaf holding these entry bytes."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node from its children's hashes."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _left_size(width: int) -> int:
    """The largest power of two smaller than width (>= 2): the leaves of the left subtree."""
    return 1 << ((width - 1).bit_length() - 1)


def _fold(parts: list[bytes]) -> bytes:
    """MTH of consecutive perfect subtrees given left to right, largest first."""
    root = parts[-1]
    for part in reversed(parts[:-1]):
        root = node_hash(part, root)
    return root


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (a straightforward reference, O(n))."""
    frontier = Frontier()
    for digest in leaf_hashes:
        frontier.append(digest)
    return frontier.root()


class Frontier:
    """The right edge of a tree: the roots of its perfect subtrees, left to right.

    A tree of size n is the concatenation of perfect subtrees of sizes the
    powers of two in n's binary form; this holds one hash per set bit.
    """

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.hashes = list(hashes)
        if size < 0:
            raise InvalidInput(f"a tree size is a whole number >= 0, not {size}")
        if len(self.hashes) != size.bit_count():
            raise InvalidInput(
                f"a frontier of size {size} has {size.bit_count()} hashes, not {len(self.hashes)}"
            )
        self.size = size

    def append(self, digest: bytes) -> None:
        """Add a leaf hash at the right edge."""
        if len(digest) != HASH_SIZE:
            raise InvalidInput(f"a leaf hash has {HASH_SIZE} bytes, not {len(digest)}")
        # Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        size = self.size
        while size & 1:
            digest = node_hash(self.hashes.pop(), digest)
            size >>= 1
        self.hashes.append(digest)
        self.size += 1

    def root(self) -> bytes:
        """MTH of the whole tree."""
        return _fold(self.hashes) if self.hashes else EMPTY_ROOT


class MerkleTree:
    """An append-only tree that answers roots and proofs for its current or any past size."""

    def __init__(self) -> None:
        # _levels[h] holds, 32 bytes each, the hashes of the complete subtrees of
        # 2**h leaves, in order; level 0 is the leaf hashes.
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """A tree holding these leaf hashes, in order."""
        tree = cls()
        for digest in leaf_hashes:
            tree.append_leaf_hash(digest)
        return tree

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, entry: bytes) -> int:
        """Add an entry as the next leaf; returns its index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, digest: bytes) -> int:
        """Add an already hashed leaf; returns its index."""
        if len(digest) != HASH_SIZE:
            raise InvalidInput(f"a leaf hash has {HASH_SIZE} bytes, not {len(digest)}")
        index = self._size
        levels = self._levels
        levels[0] += digest
        position, level = index, 0
        # While this node is a right child, its parent is now complete.
        while position & 1:
            offset = (position - 1) * HASH_SIZE
            digest = node_hash(bytes(levels[level][offset : offset + HASH_SIZE]), digest)
            level += 1
            position >>= 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += digest
        self._size = index + 1
        return index

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf `index`."""
        self._check_index(index, self._size)
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (default: all)."""
        size = self._check_size(size)
        return self._subtree_root(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, from the leaf upwards."""
        size = self._check_size(size)
        self._check_index(index, size)
        siblings: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            split = start + _left_size(end - start)
            if index < split:
                siblings.append(self._subtree_root(split, end))
                end = split
            else:
                siblings.append(self._subtree_root(start, split))
                start = split
        siblings.reverse()
        return siblings

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[second]) of RFC 9162 section 2.1.4.1 (empty when first is 0 or second)."""
        second = self._check_size(second)
        if not 0 <= first <= second:
            raise InvalidInput(f"no consistency proof from size {first} to size {second}")
        if first in (0, second):
            return []
        # SUBPROOF(m, D[start:end], b) walked top-down; the node it ends on is
        # included only once the walk has gone right (b false).
        siblings: list[bytes] = []
        start, end, remaining, at_left_edge = 0, second, first, True
        while remaining != end - start:
            split = _left_size(end - start)
            if remaining <= split:
                siblings.append(self._subtree_root(start + split, end))
                end = start + split
            else:
                siblings.append(self._subtree_root(start, start + split))
                start += split
                remaining -= split
                at_left_edge = False
        proof = [] if at_left_edge else [self._subtree_root(start, end)]
        proof.extend(reversed(siblings))
        return proof

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])

    def _subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges the RFC recursion visits.

        Those ranges start at a multiple of a power of two at least as large as
        their width, so they split into stored perfect subtrees, largest first.
        """
        if start == end:
            return EMPTY_ROOT
        parts: list[bytes] = []
        while start < end:
            level = (end - start).bit_length() - 1
            parts.append(self._node(level, start >> level))
            start += 1 << level
        return _fold(parts)

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise InvalidInput(f"the tree has {self._size} leaves; there is no size {size}")
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if not 0 <= index < size:
            raise InvalidInput(f"there is no leaf {index} in a tree of {size} leaves")


def _check_hash(name: str, digest: bytes) -> None:
    if len(digest) != HASH_SIZE:
        raise InvalidProof(f"the {name} has {len(digest)} bytes; a SHA-256 hash has {HASH_SIZE}")


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof as in RFC 9162 section 2.1.3.2; InvalidProof if it fails.

    `leaf` is the leaf hash, `root` the root hash of the tree of `tree_size` leaves.
    """
    if not 0 <= leaf_index < tree_size:
        raise InvalidProof(f"leaf {leaf_index} is not in a tree of {tree_size} leaves")
    _check_hash("leaf hash", leaf)
    _check_hash("root hash", root)
    for number, node in enumerate(proof):
        _check_hash(f"proof hash {number}", node)
    fn, sn = leaf_index, tree_size - 1
    result = leaf
    for node in proof:
        if sn == 0:
            raise InvalidProof("the inclusion proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the inclusion proof has fewer hashes than the tree has levels")
    if result != root:
        raise InvalidProof(
            f"the inclusion proof for leaf {leaf_index} leads to root {result.hex()}, "
            f"not {root.hex()}"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof as in RFC 9162 section 2.1.4.2; InvalidProof if it fails.

    The RFC algorithm is for 0 < first < second. For first == second the proof
    must be empty and the roots equal; a proof from the empty tree proves
    nothing and is refused (as transparency-dev/merkle does).
    """
    if not 0 <= first <= second:
        raise InvalidProof(f"a tree of {first} leaves cannot grow into one of {second}")
    if first == 0:
        raise InvalidProof("a consistency proof from the empty tree proves nothing")
    if first == second:
        if proof:
            raise InvalidProof("trees of the same size need an empty consistency proof")
        if first_root != second_root:
            raise InvalidProof(f"two different roots for the same size {first}")
        return
    if not proof:
        raise InvalidProof("the consistency proof is empty")
    _check_hash("first root hash", first_root)
    _check_hash("second root hash", second_root)
    for number, node in enumerate(proof):
        _check_hash(f"proof hash {number}", node)
    path = list(proof)
    if first & (first - 1) == 0:  # first is an exact power of 2
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = path[0]
    for node in path[1:]:
        if sn == 0:
            raise InvalidProof("the consistency proof has more hashes than the trees need")
        if fn & 1 or fn == sn:
            first_result = node_hash(node, first_result)
            second_result = node_hash(node, second_result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second_result = node_hash(second_result, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the consistency proof has fewer hashes than the trees need")
    if first_result != first_root:
        raise InvalidProof(
            f"the consistency proof does not lead to the root of size {first} "
            f"({first_result.hex()} instead of {first_root.hex()})"
        )
    if second_result != second_root:
        raise InvalidProof(
            f"the tree of size {second} does not extend the tree of size {first}: "
            f"the proof leads to {second_result.hex()} instead of {second_root.hex()}"
        )
