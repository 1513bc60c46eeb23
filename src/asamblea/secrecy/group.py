"""The group: ristretto255 (RFC 9496) through libsodium, bound by `rbcl`.

Ristretto255 is a prime-order group of order
L = 2**252 + 27742317777372353535851937790883648493 built on Curve25519: no
cofactor, canonical 32-byte encodings, and libsodium's implementation of it is
vetted and constant-time. We do no curve arithmetic of our own: every point
operation and every operation on scalars that may be secret (keys, shares,
randomness) is a libsodium call. Python integers appear only for public small
numbers (trustee indices, counters) converted into scalars.

`Point` and `Scalar` are thin immutable wrappers over the 32-byte encodings.
A `Point` built from outside bytes is checked to be a canonical group element;
a `Scalar` built from outside bytes is checked to be canonical (below L).
(rbcl's docstrings call the scalars of `crypto_scalarmult_ristretto255`
"clamped"; libsodium's ristretto255 multiplication only clears the top bit,
and every scalar we pass is reduced, so none is altered: the tests check that
multiplication is linear and inverts.)

Hashing into the group and into the scalars is domain separated: every hash
starts with a tag naming its purpose (``asamblea/secrecy/v1/...``) and every
part is length-prefixed, so no two different statements hash the same input.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Final

import rbcl

__all__ = [
    "GENERATOR",
    "IDENTITY",
    "ORDER",
    "Point",
    "Scalar",
    "Transcript",
    "hash_to_point",
    "hash_to_scalar",
]

ORDER: Final = 2**252 + 27742317777372353535851937790883648493
_PREFIX: Final = b"asamblea/secrecy/v1/"


class Scalar:
    """An integer modulo the group order, as its 32-byte little-endian encoding."""

    __slots__ = ("_b",)

    _b: bytes

    def __init__(self, encoding: bytes) -> None:
        if len(encoding) != 32:
            raise ValueError("a scalar is 32 bytes")
        if rbcl.crypto_core_ristretto255_scalar_reduce(encoding + bytes(32)) != encoding:
            raise ValueError("not a canonical scalar (it must be below the group order)")
        self._b = bytes(encoding)

    @classmethod
    def _trusted(cls, encoding: bytes) -> Scalar:
        s = object.__new__(cls)
        s._b = encoding
        return s

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar from libsodium's CSPRNG (never zero)."""
        return cls._trusted(rbcl.crypto_core_ristretto255_scalar_random())

    @classmethod
    def from_int(cls, value: int) -> Scalar:
        """A public integer (an index, a count), reduced modulo the order."""
        return cls._trusted((value % ORDER).to_bytes(32, "little"))

    @classmethod
    def from_hex(cls, text: str) -> Scalar:
        return cls(bytes.fromhex(text))

    @classmethod
    def from_wide(cls, wide: bytes) -> Scalar:
        """Reduce 64 uniform bytes (a hash) modulo the order: negligible bias."""
        if len(wide) != 64:
            raise ValueError("wide reduction takes 64 bytes")
        return cls._trusted(rbcl.crypto_core_ristretto255_scalar_reduce(wide))

    def __bytes__(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def to_int(self) -> int:
        """For public scalars only (tests, challenges); not constant time."""
        return int.from_bytes(self._b, "little")

    def is_zero(self) -> bool:
        return hmac.compare_digest(self._b, bytes(32))

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar._trusted(rbcl.crypto_core_ristretto255_scalar_add(self._b, other._b))

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar._trusted(rbcl.crypto_core_ristretto255_scalar_sub(self._b, other._b))

    def __neg__(self) -> Scalar:
        return Scalar._trusted(rbcl.crypto_core_ristretto255_scalar_negate(self._b))

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar._trusted(rbcl.crypto_core_ristretto255_scalar_mul(self._b, other._b))

    def invert(self) -> Scalar:
        if self.is_zero():
            raise ZeroDivisionError("zero has no inverse")
        return Scalar._trusted(rbcl.crypto_core_ristretto255_scalar_invert(self._b))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and hmac.compare_digest(self._b, other._b)

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return "Scalar(…)"  # never print a scalar: it may be a key or a share


class Point:
    """An element of ristretto255, as its canonical 32-byte encoding."""

    __slots__ = ("_b",)

    _b: bytes

    def __init__(self, encoding: bytes) -> None:
        if len(encoding) != 32 or not rbcl.crypto_core_ristretto255_is_valid_point(encoding):
            raise ValueError("not the canonical encoding of a ristretto255 element")
        self._b = bytes(encoding)

    @classmethod
    def _trusted(cls, encoding: bytes) -> Point:
        p = object.__new__(cls)
        p._b = encoding
        return p

    @classmethod
    def from_hex(cls, text: str) -> Point:
        return cls(bytes.fromhex(text))

    @classmethod
    def base_times(cls, k: Scalar) -> Point:
        """k·G for the standard generator, with libsodium's fixed-base table."""
        try:
            return cls._trusted(rbcl.crypto_scalarmult_ristretto255_base(bytes(k)))
        except RuntimeError:  # libsodium refuses to return the identity (k = 0)
            return IDENTITY

    def __bytes__(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def is_identity(self) -> bool:
        return self._b == _ZERO

    def __add__(self, other: Point) -> Point:
        return Point._trusted(rbcl.crypto_core_ristretto255_add(self._b, other._b))

    def __sub__(self, other: Point) -> Point:
        return Point._trusted(rbcl.crypto_core_ristretto255_sub(self._b, other._b))

    def __neg__(self) -> Point:
        return Point._trusted(rbcl.crypto_core_ristretto255_sub(_ZERO, self._b))

    def __mul__(self, k: Scalar) -> Point:
        try:
            return Point._trusted(rbcl.crypto_scalarmult_ristretto255(bytes(k), self._b))
        except RuntimeError:
            # Every Point is a valid element (checked when built), so libsodium
            # refused only because the product is the identity (k = 0 or P = 0).
            return IDENTITY

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self._b == other._b

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return f"Point({self._b.hex()[:16]}…)"


_ZERO: Final = bytes(32)
IDENTITY: Final = Point._trusted(_ZERO)
GENERATOR: Final = Point._trusted(rbcl.crypto_scalarmult_ristretto255_base(b"\x01" + bytes(31)))


def sum_points(points: Iterable[Point]) -> Point:
    total = IDENTITY
    for p in points:
        total = total + p
    return total


def sum_scalars(scalars: Iterable[Scalar]) -> Scalar:
    total = Scalar.from_int(0)
    for s in scalars:
        total = total + s
    return total


def _encode_part(part: bytes | str | int | Point | Scalar) -> bytes:
    if isinstance(part, str):
        raw = b"s" + part.encode()
    elif isinstance(part, int):
        raw = b"i" + part.to_bytes(8, "big", signed=True)
    elif isinstance(part, Point):
        raw = b"P" + bytes(part)
    elif isinstance(part, Scalar):
        raw = b"S" + bytes(part)
    else:
        raw = b"b" + part
    return len(raw).to_bytes(4, "big") + raw


class Transcript:
    """A SHA-512 hash of a tag and a sequence of typed, length-prefixed parts.

    The statement of every proof goes through one of these, whole: the group,
    the public key, every ciphertext and every commitment (Bernhard, Pereira and
    Warinschi, "How not to prove yourself", ASIACRYPT 2012: weak Fiat-Shamir,
    which leaves part of the statement out of the hash, breaks Helios).
    """

    __slots__ = ("_h",)

    def __init__(self, tag: str) -> None:
        self._h = hashlib.sha512()
        self._h.update(_encode_part(_PREFIX.decode() + tag))
        self._h.update(_encode_part("ristretto255"))

    def add(self, *parts: bytes | str | int | Point | Scalar) -> Transcript:
        for part in parts:
            self._h.update(_encode_part(part))
        return self

    def add_points(self, points: Iterable[Point]) -> Transcript:
        update = self._h.update
        for p in points:
            update(b"\x00\x00\x00\x21P")
            update(bytes(p))
        return self

    def copy(self) -> Transcript:
        t = object.__new__(Transcript)
        t._h = self._h.copy()
        return t

    def digest(self) -> bytes:
        return self._h.digest()

    def scalar(self) -> Scalar:
        return Scalar.from_wide(self._h.digest())

    def point(self) -> Point:
        return Point._trusted(rbcl.crypto_core_ristretto255_from_hash(self._h.digest()))


def hash_to_scalar(tag: str, *parts: bytes | str | int | Point | Scalar) -> Scalar:
    """A scalar no one chose: SHA-512 of the tagged parts, reduced modulo the order."""
    return Transcript(tag).add(*parts).scalar()


def hash_to_point(tag: str, *parts: bytes | str | int | Point | Scalar) -> Point:
    """A group element whose discrete logarithm no one knows (RFC 9496's map)."""
    return Transcript(tag).add(*parts).point()
