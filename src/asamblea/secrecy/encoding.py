"""A ranked ballot (or a single choice) as a few group elements.

A ranking of up to R of n candidates is R "digits", each 0 (no preference at
that position) or 1 + the candidate's index. The digits are packed, p at a
time, into an integer v = d_0 + d_1·(n+1) + … + d_{p-1}·(n+1)^(p-1), and v is
mapped to a group element by hashing:

    encode(v) = hash_to_point("plaintext", n, p, v).

A ballot is therefore ⌈R/p⌉ group elements, each encrypted on its own and all
shuffled together as one vector. p is the largest packing whose table of
(n+1)^p elements stays under `table_limit` (2^16 by default: building it is
about 65,536 hashes, under two seconds, once per count): 8 candidates ranked
in full fit in 2 ciphertexts, 20 candidates in 7, a yes/no/abstain vote in 1.

Why hash to the group rather than v·G ("exponential ElGamal")? Both decode by
looking the decrypted element up in a table, but v·G carries arithmetic: from a
ciphertext of v anyone can make a ciphertext of 2v or v + 1 without knowing v.
The proof that seals a cast ballot (`elgamal.prove_ballot`) already stops such
mauled ballots from being cast, and hashing takes away the arithmetic too, so
a mauled or made-up element decrypts to nothing and is reported as an invalid
paper. We never need to add ballots homomorphically: ranked counts need each
paper whole, which is why the ballots are mixed, not summed. The encoder needs
no table (it hashes the one value it encrypts); the verifier needs none either
(it re-encodes the published ranking and compares); only the decryptor builds
the table.

Ristretto255 has an injective map from 32 bytes into the group, which would
let a whole ranking ride in one element, but libsodium does not expose its
inverse, so we do not use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from asamblea.secrecy.group import Point, hash_to_point

__all__ = ["BallotCodec"]


class BallotCodec:
    """Encodes rankings of up to `ranks` of `candidates` candidates (0-based)."""

    def __init__(self, candidates: int, ranks: int | None = None, table_limit: int = 2**16) -> None:
        if candidates < 1:
            raise ValueError("at least one candidate")
        ranks = candidates if ranks is None else ranks
        if not 1 <= ranks <= candidates:
            raise ValueError("ranks must be between 1 and the number of candidates")
        if table_limit < candidates + 1:
            raise ValueError("the table must hold at least one position")
        self.candidates = candidates
        self.ranks = ranks
        per = 1
        while per < ranks and (candidates + 1) ** (per + 1) <= table_limit:
            per += 1
        self.per_ciphertext = per
        self.width = -(-ranks // per)

    def describe(self) -> dict[str, int]:
        """The parameters a verifier needs (the record publishes them)."""
        return {
            "candidates": self.candidates,
            "ranks": self.ranks,
            "per_ciphertext": self.per_ciphertext,
        }

    @classmethod
    def from_description(cls, value: dict[str, int]) -> BallotCodec:
        codec = cls(value["candidates"], value["ranks"], table_limit=2**62)
        per = value["per_ciphertext"]
        if not 1 <= per <= codec.ranks:
            raise ValueError("per_ciphertext out of range")
        codec.per_ciphertext = per
        codec.width = -(-codec.ranks // per)
        return codec

    def _point(self, value: int) -> Point:
        return hash_to_point("plaintext", self.candidates, self.per_ciphertext, value)

    def encode(self, ranking: Sequence[int]) -> tuple[Point, ...]:
        """The group elements of a ranking (candidate indices, most preferred first)."""
        if len(ranking) > self.ranks:
            raise ValueError("more preferences than the ballot allows")
        if len(set(ranking)) != len(ranking):
            raise ValueError("a candidate ranked twice")
        if any(not 0 <= c < self.candidates for c in ranking):
            raise ValueError("no such candidate")
        digits = [c + 1 for c in ranking] + [0] * (self.width * self.per_ciphertext - len(ranking))
        base = self.candidates + 1
        points = []
        for k in range(self.width):
            chunk = digits[k * self.per_ciphertext : (k + 1) * self.per_ciphertext]
            value = sum(d * base**i for i, d in enumerate(chunk))
            points.append(self._point(value))
        return tuple(points)

    @cached_property
    def _table(self) -> dict[Point, int]:
        size = (self.candidates + 1) ** self.per_ciphertext
        return {self._point(v): v for v in range(size)}

    def _digits(self, points: Sequence[Point]) -> list[int] | None:
        """The positions the elements hold (0: empty, c + 1: candidate c), or None when
        an element is outside the table."""
        base = self.candidates + 1
        digits: list[int] = []
        for p in points:
            value = self._table.get(p)
            if value is None:
                return None
            for _ in range(self.per_ciphertext):
                digits.append(value % base)
                value //= base
        return digits

    def decode(self, points: Sequence[Point]) -> tuple[int, ...] | None:
        """The ranking, or None when the elements are not a well-formed ballot."""
        if len(points) != self.width:
            return None
        digits = self._digits(points)
        if digits is None:
            return None
        digits = digits[: self.width * self.per_ciphertext]
        if any(digits[self.ranks :]):
            return None
        length = digits.index(0) if 0 in digits else len(digits)
        if any(digits[length:]):
            return None  # a gap: a preference after an empty position
        ranking = tuple(d - 1 for d in digits[:length])
        if len(set(ranking)) != len(ranking):
            return None
        return ranking

    def decode_prefix(self, points: Sequence[Point]) -> tuple[int, ...] | None:
        """What the first `len(points)` elements of a ballot say of it: the preferences
        they hold (up to the first empty position), or None when they already show the
        ballot ill-formed (an element outside the table, a preference after an empty
        position, a candidate twice, a preference past `ranks`). The whole ballot's
        elements read as `decode` reads them.

        A sealed election publishes a paper's first elements only, as far as its count
        read it (`asamblea.ballots.sealing`): this is what a verifier reads of them.
        """
        if len(points) == self.width:
            return self.decode(points)
        if not 0 < len(points) < self.width:
            return None
        digits = self._digits(points)
        if digits is None:
            return None
        if any(digits[self.ranks :]):
            return None
        length = digits.index(0) if 0 in digits else len(digits)
        if any(digits[length:]):
            return None
        ranking = tuple(d - 1 for d in digits[:length])
        if len(set(ranking)) != len(ranking):
            return None
        return ranking

    def shown_by(self, points: Sequence[Point], preferences: int) -> int:
        """How many leading elements of a ballot to publish so that a reader sees its
        first `preferences` preferences (at least one element), or, for an ill-formed
        ballot, the fewest leading elements that show it ill-formed (all when no prefix
        does)."""
        if self.decode(points) is None:
            for m in range(1, self.width + 1):
                if self.decode_prefix(points[:m]) is None:
                    return m
            return self.width
        return min(self.width, max(1, -(-preferences // self.per_ciphertext)))
