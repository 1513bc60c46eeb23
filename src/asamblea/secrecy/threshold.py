"""A k-of-n threshold ElGamal key: Feldman-verifiable sharing, proven decryption.

Sharing (Feldman, "A practical scheme for non-interactive verifiable secret
sharing", FOCS 1987). A dealer picks a random polynomial
f(z) = c_0 + c_1·z + … + c_{k-1}·z^{k-1}, publishes its commitments
C_l = c_l·G and a Schnorr proof of knowledge of c_0, and gives trustee i
(1 ≤ i ≤ n) the share f(i), which the trustee checks against the commitments:
f(i)·G = Σ_l i^l·C_l. Any k shares give c_0 by Lagrange interpolation; k - 1
give nothing.

Two ways to make the election key, with the same code:

- **One dealer** (the server deals once and forgets). Each trustee can check
  their share, and no one holds the key after the ceremony - unless the dealer
  kept it: this trusts the server at the moment of key generation.
- **Every trustee deals** (the joint-Feldman DKG of Pedersen, "A threshold
  cryptosystem without a trusted party", EUROCRYPT 1991, as Belenios' threshold
  mode). The key is the sum of the dealers' c_0, trustee i's share the sum of
  what each dealer gave it, and the commitments add up. No single party ever
  holds the key; each dealer proves knowledge of its c_0 so the last one to
  publish cannot cancel the others' (rogue key). The known weakness (Gennaro,
  Jarecki, Krawczyk and Rabin, 1999/2007) is that the last dealers can bias the
  distribution of the public key; this does not help them decrypt, and
  ElGamal's secrecy still holds for keys made this way (GJKR's own analysis of
  the encryption case).

Decryption. Trustee i, holding share s_i with public verification key
h_i = s_i·G, publishes for every ciphertext (a, b) the factor D = s_i·a and one
Chaum-Pedersen proof ("Wallet databases with observers", CRYPTO 1992) that the
same s_i links G to h_i and every a to its D. The proof is batched over all
the ciphertexts with challenge weights derived from the whole statement
(the small-exponents batching of Bellare, Garay and Rabin, EUROCRYPT 1998):
one wrong factor makes Σ e_m·(D_m - s_i·a_m) non-zero except with probability
1/L. Any k verified trustees give x·a = Σ λ_i·D_i (Lagrange at zero) and
M = b - x·a; a missing trustee does not stop the count while k remain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from asamblea.secrecy.elgamal import Ciphertext
from asamblea.secrecy.group import GENERATOR, IDENTITY, Point, Scalar, Transcript

__all__ = [
    "DealerCommitment",
    "DecryptionShare",
    "FactorShare",
    "ThresholdKey",
    "combine_decryption",
    "deal",
    "joint_key",
    "lagrange_at_zero",
    "partial_decrypt",
    "partial_decrypt_each",
    "verify_dealer_commitment",
    "verify_decryption_share",
    "verify_factor",
    "verify_factor_share",
    "verify_share",
]


@dataclass(frozen=True, slots=True)
class DealerCommitment:
    """What a dealer publishes: the commitments to its polynomial and a proof."""

    dealer: int
    commitments: tuple[Point, ...]  # C_0 … C_{k-1}
    challenge: Scalar  # Schnorr proof of knowledge of c_0 (challenge form)
    response: Scalar


def _pok_transcript(context: str, dealer: int, commitments: Sequence[Point]) -> Transcript:
    t = Transcript("dealer-proof").add(context, dealer, GENERATOR, len(commitments))
    return t.add_points(commitments)


def deal(
    context: str, dealer: int, threshold: int, trustees: int, secret: Scalar | None = None
) -> tuple[DealerCommitment, dict[int, Scalar]]:
    """A Feldman sharing of a random secret: the public commitment and the n shares.

    The shares are private, one per trustee (1 … n): each must reach its
    trustee only (encrypted to them), and the dealer forgets them all.
    """
    if not 1 <= threshold <= trustees:
        raise ValueError("the threshold must be between 1 and the number of trustees")
    coefficients = [secret if secret is not None else Scalar.random()]
    coefficients += [Scalar.random() for _ in range(threshold - 1)]
    commitments = tuple(Point.base_times(c) for c in coefficients)
    nonce = Scalar.random()
    t = _pok_transcript(context, dealer, commitments).add(Point.base_times(nonce))
    e = t.scalar()
    proof = DealerCommitment(dealer, commitments, e, nonce - e * coefficients[0])
    shares = {}
    for i in range(1, trustees + 1):
        x, value, power = Scalar.from_int(i), Scalar.from_int(0), Scalar.from_int(1)
        for c in coefficients:
            value = value + c * power
            power = power * x
        shares[i] = value
    return proof, shares


def verify_dealer_commitment(context: str, dc: DealerCommitment) -> bool:
    if not dc.commitments:
        return False
    t = _pok_transcript(context, dc.dealer, dc.commitments)
    t.add(Point.base_times(dc.response) + dc.commitments[0] * dc.challenge)
    return t.scalar() == dc.challenge


def _evaluate(commitments: Sequence[Point], index: int) -> Point:
    """Σ_l index^l·C_l: the public image of the share of trustee `index`."""
    total, x, power = IDENTITY, Scalar.from_int(index), Scalar.from_int(1)
    for c in commitments:
        total = total + c * power
        power = power * x
    return total


def verify_share(commitments: Sequence[Point], index: int, share: Scalar) -> bool:
    """A trustee checks the share it received against the dealer's commitments."""
    return Point.base_times(share) == _evaluate(commitments, index)


@dataclass(frozen=True, slots=True)
class ThresholdKey:
    """The public side of a threshold key: what the record publishes."""

    threshold: int
    public: Point
    verification_keys: Mapping[int, Point]  # trustee index (1 … n) → h_i = s_i·G

    @property
    def trustees(self) -> int:
        return len(self.verification_keys)


def joint_key(commitments: Sequence[DealerCommitment], trustees: int) -> ThresholdKey:
    """The key made by summing dealings (one dealing: the single-dealer mode).

    Check each dealing first with `verify_dealer_commitment`; each trustee's
    share is the sum of the shares it received, checked with `verify_share`.
    """
    if not commitments:
        raise ValueError("no dealing")
    threshold = len(commitments[0].commitments)
    if any(len(dc.commitments) != threshold for dc in commitments):
        raise ValueError("dealings of different thresholds")
    if len({dc.dealer for dc in commitments}) != len(commitments):
        raise ValueError("a dealer dealt twice")
    summed = [IDENTITY] * threshold
    for dc in commitments:
        summed = [s + c for s, c in zip(summed, dc.commitments, strict=True)]
    keys = {i: _evaluate(summed, i) for i in range(1, trustees + 1)}
    return ThresholdKey(threshold, summed[0], keys)


def lagrange_at_zero(indices: Sequence[int], i: int) -> Scalar:
    """λ_i for interpolating at zero from the points of `indices`."""
    num, den = Scalar.from_int(1), Scalar.from_int(1)
    for j in indices:
        if j != i:
            num = num * Scalar.from_int(j)
            den = den * Scalar.from_int(j - i)
    return num * den.invert()


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee `trustee`'s factors s_i·a for a list of ciphertexts, with the proof."""

    trustee: int
    factors: tuple[Point, ...]
    challenge: Scalar
    response: Scalar


def _decryption_transcript(
    context: str,
    key: ThresholdKey,
    trustee: int,
    ciphertexts: Sequence[Ciphertext],
    factors: Sequence[Point],
) -> Transcript:
    t = Transcript("decryption-share").add(context, GENERATOR, key.public, key.threshold)
    for i in sorted(key.verification_keys):
        t.add(i, key.verification_keys[i])
    t.add(trustee, len(ciphertexts))
    t.add_points(c.a for c in ciphertexts)
    t.add_points(c.b for c in ciphertexts)
    return t.add_points(factors)


def _weights(t: Transcript, count: int) -> list[Scalar]:
    seed = t.digest()
    return [Transcript("batch-weight").add(seed, m).scalar() for m in range(count)]


def _weighted_sum(weights: Sequence[Scalar], points: Sequence[Point]) -> Point:
    total = IDENTITY
    for e, p in zip(weights, points, strict=True):
        total = total + p * e
    return total


def partial_decrypt(
    context: str,
    key: ThresholdKey,
    trustee: int,
    share: Scalar,
    ciphertexts: Sequence[Ciphertext],
) -> DecryptionShare:
    """The factors of trustee `trustee` for every ciphertext, and their proof."""
    if key.verification_keys.get(trustee) != Point.base_times(share):
        raise ValueError("this share does not match the trustee's verification key")
    factors = tuple(c.a * share for c in ciphertexts)
    t = _decryption_transcript(context, key, trustee, ciphertexts, factors)
    weights = _weights(t, len(ciphertexts))
    combined_a = _weighted_sum(weights, [c.a for c in ciphertexts])
    nonce = Scalar.random()
    t.add(combined_a, Point.base_times(nonce), combined_a * nonce)
    e = t.scalar()
    return DecryptionShare(trustee, factors, e, nonce - e * share)


def verify_decryption_share(
    context: str,
    key: ThresholdKey,
    ciphertexts: Sequence[Ciphertext],
    share: DecryptionShare,
) -> bool:
    h = key.verification_keys.get(share.trustee)
    if h is None or len(share.factors) != len(ciphertexts):
        return False
    t = _decryption_transcript(context, key, share.trustee, ciphertexts, share.factors)
    weights = _weights(t, len(ciphertexts))
    combined_a = _weighted_sum(weights, [c.a for c in ciphertexts])
    combined_d = _weighted_sum(weights, share.factors)
    e, s = share.challenge, share.response
    t.add(combined_a, Point.base_times(s) + h * e, combined_a * s + combined_d * e)
    return t.scalar() == e


@dataclass(frozen=True, slots=True)
class FactorShare:
    """Trustee `trustee`'s factors s_i·a, each with its own Chaum-Pedersen proof.

    Helios's form (one proof per ciphertext, not batched): any subset of the
    factors can be published and checked on its own, so a record can show the
    decryption of only the positions a count read and keep the rest sealed.
    """

    trustee: int
    factors: tuple[Point, ...]
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]


def _factor_transcript(context: str, trustee: int, h: Point, a: Point, d: Point) -> Transcript:
    return Transcript("decryption-factor").add(context, GENERATOR, trustee, h, a, d)


def partial_decrypt_each(
    context: str,
    key: ThresholdKey,
    trustee: int,
    share: Scalar,
    ciphertexts: Sequence[Ciphertext],
) -> FactorShare:
    """The factors of trustee `trustee` for every ciphertext, one proof each.

    Proof m: nonce w, commitments w·G and w·a_m, challenge
    e = H("decryption-factor", context, G, trustee, h_i, a_m, D_m, w·G, w·a_m),
    response r = w - e·s_i; checked by r·G + e·h_i = w·G and r·a_m + e·D_m = w·a_m.
    """
    h = Point.base_times(share)
    if key.verification_keys.get(trustee) != h:
        raise ValueError("this share does not match the trustee's verification key")
    factors, challenges, responses = [], [], []
    for c in ciphertexts:
        d = c.a * share
        w = Scalar.random()
        e = (
            _factor_transcript(context, trustee, h, c.a, d)
            .add(Point.base_times(w), c.a * w)
            .scalar()
        )
        factors.append(d)
        challenges.append(e)
        responses.append(w - e * share)
    return FactorShare(trustee, tuple(factors), tuple(challenges), tuple(responses))


def verify_factor(
    context: str, trustee: int, h: Point, a: Point, d: Point, challenge: Scalar, response: Scalar
) -> bool:
    """Whether D = s·a for the s of h = s·G (one factor's proof)."""
    t = _factor_transcript(context, trustee, h, a, d)
    t.add(Point.base_times(response) + h * challenge, a * response + d * challenge)
    return t.scalar() == challenge


def verify_factor_share(
    context: str,
    key: ThresholdKey,
    ciphertexts: Sequence[Ciphertext],
    share: FactorShare,
) -> bool:
    h = key.verification_keys.get(share.trustee)
    n = len(ciphertexts)
    if h is None or not len(share.factors) == len(share.challenges) == len(share.responses) == n:
        return False
    return all(
        verify_factor(context, share.trustee, h, c.a, d, e, r)
        for c, d, e, r in zip(
            ciphertexts, share.factors, share.challenges, share.responses, strict=True
        )
    )


def combine_decryption(
    key: ThresholdKey,
    ciphertexts: Sequence[Ciphertext],
    shares: Sequence[DecryptionShare | FactorShare],
) -> list[Point]:
    """The plaintext elements from k (or more) verified decryption shares.

    Uses the first k shares by trustee index; verify them first.
    """
    chosen: list[DecryptionShare | FactorShare] = sorted(shares, key=lambda s: s.trustee)[
        : key.threshold
    ]
    indices = [s.trustee for s in chosen]
    if len(set(indices)) < key.threshold:
        raise ValueError(f"{key.threshold} trustees' shares are needed")
    lambdas = [lagrange_at_zero(indices, i) for i in indices]
    plaintexts = []
    for m, c in enumerate(ciphertexts):
        xa = IDENTITY
        for lam, s in zip(lambdas, chosen, strict=True):
            xa = xa + s.factors[m] * lam
        plaintexts.append(c.b - xa)
    return plaintexts
