"""ElGamal encryption on ristretto255, and the proof that seals a cast ballot.

A message is a group element M (see `encoding` for how a ballot becomes group
elements). Under the public key Y = x·G a ciphertext is

    (a, b) = (r·G, M + r·Y)          r uniformly random,

and x opens it: M = b - x·a. Anyone can re-encrypt it without the key,

    (a', b') = (a + r'·G, b + r'·Y),

which is what the mix-net does; (a', b') decrypts to the same M and, under the
DDH assumption in the group, cannot be linked to (a, b).

A ballot is a short vector of ciphertexts (one per packed group of ranked
positions), sealed when it is cast by a Schnorr proof of knowledge of every r
(the "signed ElGamal"/TDH0-style encryption of Bernhard, Pereira and Warinschi,
and of Helios and Belenios). The proof binds the election context, so a
ballot cannot be copied from another voter or another election and resubmitted
re-randomised to learn, after the mix, what the copied voter chose (Pfitzmann's
attack on mix-nets); with it the encryption is non-malleable (NM-CPA).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asamblea.secrecy.group import GENERATOR, Point, Scalar, Transcript

__all__ = [
    "Ballot",
    "BallotProof",
    "Ciphertext",
    "KeyPair",
    "decrypt",
    "encrypt",
    "encrypt_ballot",
    "prove_ballot",
    "reencrypt",
    "verify_ballot",
]


@dataclass(frozen=True, slots=True)
class Ciphertext:
    a: Point  # r·G
    b: Point  # M + r·Y

    def to_json(self) -> list[str]:
        return [self.a.hex(), self.b.hex()]

    @classmethod
    def from_json(cls, value: object) -> Ciphertext:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError("a ciphertext is a pair of hex strings")
        a, b = value
        if not isinstance(a, str) or not isinstance(b, str):
            raise ValueError("a ciphertext is a pair of hex strings")
        return cls(Point.from_hex(a), Point.from_hex(b))


Ballot = tuple[Ciphertext, ...]


@dataclass(frozen=True, slots=True)
class KeyPair:
    secret: Scalar
    public: Point

    @classmethod
    def generate(cls) -> KeyPair:
        x = Scalar.random()
        return cls(x, Point.base_times(x))


def encrypt(public: Point, message: Point, r: Scalar | None = None) -> Ciphertext:
    if r is None:
        r = Scalar.random()
    return Ciphertext(Point.base_times(r), message + public * r)


def reencrypt(public: Point, c: Ciphertext, r: Scalar) -> Ciphertext:
    return Ciphertext(c.a + Point.base_times(r), c.b + public * r)


def decrypt(secret: Scalar, c: Ciphertext) -> Point:
    return c.b - c.a * secret


@dataclass(frozen=True, slots=True)
class BallotProof:
    """Fiat-Shamir Schnorr proof of knowledge of each ciphertext's randomness."""

    challenge: Scalar
    responses: tuple[Scalar, ...]

    def to_json(self) -> dict[str, object]:
        return {"challenge": self.challenge.hex(), "responses": [s.hex() for s in self.responses]}

    @classmethod
    def from_json(cls, value: object) -> BallotProof:
        if not isinstance(value, dict):
            raise ValueError("a ballot proof is an object")
        responses = value.get("responses")
        challenge = value.get("challenge")
        if not isinstance(challenge, str) or not isinstance(responses, list):
            raise ValueError("a ballot proof has a challenge and responses")
        return cls(Scalar.from_hex(challenge), tuple(Scalar.from_hex(s) for s in responses))


def _ballot_transcript(context: str, public: Point, ballot: Ballot) -> Transcript:
    t = Transcript("ballot-proof").add(context, GENERATOR, public, len(ballot))
    for c in ballot:
        t.add(c.a, c.b)
    return t


def prove_ballot(
    context: str, public: Point, ballot: Ballot, randomness: Sequence[Scalar]
) -> BallotProof:
    """Prove knowledge of r_k with a_k = r_k·G for every ciphertext of `ballot`."""
    if len(randomness) != len(ballot):
        raise ValueError("one randomness per ciphertext")
    nonces = [Scalar.random() for _ in ballot]
    t = _ballot_transcript(context, public, ballot)
    t.add_points(Point.base_times(w) for w in nonces)
    e = t.scalar()
    return BallotProof(e, tuple(w - e * r for w, r in zip(nonces, randomness, strict=True)))


def verify_ballot(context: str, public: Point, ballot: Ballot, proof: BallotProof) -> bool:
    if len(proof.responses) != len(ballot) or not ballot:
        return False
    t = _ballot_transcript(context, public, ballot)
    e = proof.challenge
    pairs = zip(proof.responses, ballot, strict=True)
    t.add_points(Point.base_times(s) + c.a * e for s, c in pairs)
    return t.scalar() == proof.challenge


def encrypt_ballot(
    context: str, public: Point, messages: Sequence[Point]
) -> tuple[Ballot, BallotProof]:
    """Encrypt a ballot's group elements and seal it with its proof.

    Refuses the identity as a public key: under it a ciphertext's b is the
    plaintext itself (a dishonest server could publish it to read every ballot).
    """
    if public.is_identity():
        raise ValueError("the identity is not a public key")
    randomness = [Scalar.random() for _ in messages]
    ballot = tuple(encrypt(public, m, r) for m, r in zip(messages, randomness, strict=True))
    return ballot, prove_ballot(context, public, ballot, randomness)
