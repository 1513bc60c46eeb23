"""A verifiable re-encryption shuffle of ballots (the mix-net's one step).

The shuffler re-encrypts every ballot (a vector of w ciphertexts, each with its
own fresh randomness) and permutes them; the proof shows that the output is a
re-encryption of a permutation of the input, and says nothing of which
permutation. The construction is Terelius and Wikström's ("Proofs of
restricted shuffles", AFRICACRYPT 2010; Wikström, "A commitment-consistent
proof of a shuffle", ACISP 2009), as run by Verificatum and Belenios, in the
form of the pseudo-code of Haenni, Locher, Koenig and Dubuis ("Pseudo-code
algorithms for verifiable re-encryption mix-nets", FC 2017 workshops, the
CHVote specification's GenShuffleProof/CheckShuffleProof), written additively
and extended to ciphertext vectors: one permutation commitment and one set of
challenges for the whole vector, one response s4 per component (as
Verificatum's "width").

Notation (N ballots, input e_j, output e'_i = reencrypt(e_π(i)) with the
randomness r'_π(i),k for component k; generators H, H_1 … H_N hashed from the
context so no one knows a relation between them):

    permutation commitment  c_π(i) = r_π(i)·G + H_i
    challenges              u_j = hash(statement, j),   u'_i = u_π(i)
    commitment chain        ĉ_0 = H,  ĉ_i = r̂_i·G + u'_i·ĉ_{i-1}

and a Schnorr-style proof, made non-interactive by hashing the whole statement
(context, G, the key, every input and output ciphertext, the permutation
commitments and the chain) with the prover's commitments t, of knowledge of
the openings such that

    Σ c_j - Σ H_j = r̄·G                       (c commits to a permutation matrix…)
    ĉ_N - (Π u_j)·H = r̂·G                       (…whose entries' product is Π u_j)
    Σ u_j·c_j = r̃·G + Σ u'_i·H_i                (c commits to (u'_i))
    Σ u'_i·a'_ik = Σ u_j·a_jk + r'_k·G          for each component k
    Σ u'_i·b'_ik = Σ u_j·b_jk + r'_k·Y          (the outputs re-encrypt the inputs so permuted)
    ĉ_i = r̂_i·G + u'_i·ĉ_{i-1}                  (the chain is well made)

The proof holds 2N group elements and 2N + w + 4 scalars; proving costs about
(6 + 4w)·N scalar multiplications (re-encryption included), verifying about
(5 + 4w)·N.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from asamblea.secrecy.elgamal import Ballot, Ciphertext
from asamblea.secrecy.group import (
    GENERATOR,
    IDENTITY,
    Point,
    Scalar,
    Transcript,
    hash_to_point,
    sum_points,
)

__all__ = ["ShuffleProof", "generators", "prove_shuffle", "shuffle", "verify_shuffle"]


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    commitments: tuple[Point, ...]  # c_1 … c_N (indexed by input position)
    chain: tuple[Point, ...]  # ĉ_1 … ĉ_N
    challenge: Scalar
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]  # one per ciphertext component
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]


def generators(context: str, count: int) -> list[Point]:
    """H, H_1 … H_count: independent generators nobody knows a relation between."""
    return [hash_to_point("shuffle-generator", context, i) for i in range(count + 1)]


def _width(ballots: Sequence[Ballot]) -> int:
    widths = {len(b) for b in ballots}
    if len(widths) != 1 or 0 in widths:
        raise ValueError("ballots must all hold the same, non-zero number of ciphertexts")
    return widths.pop()


def _statement(
    context: str,
    public: Point,
    hs: Sequence[Point],
    inputs: Sequence[Ballot],
    outputs: Sequence[Ballot],
    commitments: Sequence[Point],
) -> bytes:
    t = Transcript("shuffle-statement").add(context, GENERATOR, public)
    t.add(len(inputs), len(inputs[0]), hs[0])
    for side in (inputs, outputs):
        for ballot in side:
            for c in ballot:
                t.add_points((c.a, c.b))
    return t.add_points(commitments).digest()


def _challenges(statement: bytes, count: int) -> list[Scalar]:
    return [Transcript("shuffle-u").add(statement, j).scalar() for j in range(count)]


def _challenge(
    statement: bytes,
    chain: Sequence[Point],
    t123: Sequence[Point],
    t4: Sequence[tuple[Point, Point]],
    t_hat: Sequence[Point],
) -> Scalar:
    t = Transcript("shuffle-challenge").add(statement).add_points(chain).add_points(t123)
    for ta, tb in t4:
        t.add_points((ta, tb))
    return t.add_points(t_hat).scalar()


def shuffle(
    context: str, public: Point, inputs: Sequence[Ballot]
) -> tuple[list[Ballot], ShuffleProof]:
    """Re-encrypt and permute `inputs` at random; return the output and its proof."""
    width = _width(inputs)
    n = len(inputs)
    permutation = list(range(n))
    secrets.SystemRandom().shuffle(permutation)
    randomness = [[Scalar.random() for _ in range(width)] for _ in range(n)]
    outputs: list[Ballot] = []
    for i in range(n):
        j = permutation[i]
        outputs.append(
            tuple(
                Ciphertext(c.a + Point.base_times(r), c.b + public * r)
                for c, r in zip(inputs[j], randomness[j], strict=True)
            )
        )
    proof = prove_shuffle(context, public, inputs, outputs, permutation, randomness)
    return outputs, proof


def prove_shuffle(
    context: str,
    public: Point,
    inputs: Sequence[Ballot],
    outputs: Sequence[Ballot],
    permutation: Sequence[int],
    randomness: Sequence[Sequence[Scalar]],
) -> ShuffleProof:
    """The proof that outputs[i] re-encrypts inputs[permutation[i]].

    randomness[j][k] re-encrypted component k of input j.
    """
    n, width = len(inputs), _width(inputs)
    hs = generators(context, n)
    h0, h = hs[0], hs[1:]

    r = [Scalar.random() for _ in range(n)]
    commitments: list[Point] = [IDENTITY] * n
    for i in range(n):
        j = permutation[i]
        commitments[j] = Point.base_times(r[j]) + h[i]

    statement = _statement(context, public, hs, inputs, outputs, commitments)
    u = _challenges(statement, n)
    u_prime = [u[permutation[i]] for i in range(n)]

    r_hat = [Scalar.random() for _ in range(n)]
    chain: list[Point] = []
    previous = h0
    for i in range(n):
        previous = Point.base_times(r_hat[i]) + previous * u_prime[i]
        chain.append(previous)

    w1, w2, w3 = Scalar.random(), Scalar.random(), Scalar.random()
    w4 = [Scalar.random() for _ in range(width)]
    w_hat = [Scalar.random() for _ in range(n)]
    w_prime = [Scalar.random() for _ in range(n)]

    t1 = Point.base_times(w1)
    t2 = Point.base_times(w2)
    t3 = Point.base_times(w3) + sum_points(hi * wi for hi, wi in zip(h, w_prime, strict=True))
    t4 = []
    for k in range(width):
        ta = -Point.base_times(w4[k])
        tb = -(public * w4[k])
        for i in range(n):
            ta = ta + outputs[i][k].a * w_prime[i]
            tb = tb + outputs[i][k].b * w_prime[i]
        t4.append((ta, tb))
    t_hat = [
        Point.base_times(w_hat[i]) + (chain[i - 1] if i else h0) * w_prime[i] for i in range(n)
    ]

    e = _challenge(statement, chain, (t1, t2, t3), t4, t_hat)

    zero = Scalar.from_int(0)
    r_bar = sum(r, zero)
    v = Scalar.from_int(1)
    r_hat_sum = zero
    for i in reversed(range(n)):  # v_i = Π_{l > i} u'_l
        r_hat_sum = r_hat_sum + r_hat[i] * v
        v = v * u_prime[i]
    r_tilde = sum((rj * uj for rj, uj in zip(r, u, strict=True)), zero)
    r4 = [sum((randomness[j][k] * u[j] for j in range(n)), zero) for k in range(width)]

    return ShuffleProof(
        commitments=tuple(commitments),
        chain=tuple(chain),
        challenge=e,
        s1=w1 - e * r_bar,
        s2=w2 - e * r_hat_sum,
        s3=w3 - e * r_tilde,
        s4=tuple(w4[k] - e * r4[k] for k in range(width)),
        s_hat=tuple(w_hat[i] - e * r_hat[i] for i in range(n)),
        s_prime=tuple(w_prime[i] - e * u_prime[i] for i in range(n)),
    )


@dataclass(frozen=True, slots=True)
class _Part:
    """Ballots lo … hi-1 of a mix, what one worker needs for its share of the sums."""

    inputs: Sequence[Ballot]
    outputs: Sequence[Ballot]
    commitments: Sequence[Point]
    u: Sequence[Scalar]
    h: Sequence[Point]
    s_prime: Sequence[Scalar]
    s_hat: Sequence[Scalar]
    chain: Sequence[Point]
    previous: Sequence[Point]  # ĉ_{i-1} for each i of the part (ĉ_0 = H)
    challenge: Scalar


@dataclass(frozen=True, slots=True)
class _Sums:
    c_tilde: Point  # Σ u_j·c_j
    h_prime: Point  # Σ s'_i·H_i
    inputs: list[tuple[Point, Point]]  # per component: Σ u_j·a_jk, Σ u_j·b_jk
    outputs: list[tuple[Point, Point]]  # per component: Σ s'_i·a'_ik, Σ s'_i·b'_ik
    t_hat: list[Point]


def _verify_part(part: _Part) -> _Sums:
    """The linear work of verifying a mix over one slice of ballots (runs in a worker)."""
    e = part.challenge
    width = len(part.inputs[0])
    c_tilde = sum_points(c * uj for c, uj in zip(part.commitments, part.u, strict=True))
    h_prime = sum_points(hi * si for hi, si in zip(part.h, part.s_prime, strict=True))
    sums_in, sums_out = [], []
    for k in range(width):
        big_a, big_b, out_a, out_b = IDENTITY, IDENTITY, IDENTITY, IDENTITY
        for ballot, uj in zip(part.inputs, part.u, strict=True):
            big_a = big_a + ballot[k].a * uj
            big_b = big_b + ballot[k].b * uj
        for ballot, si in zip(part.outputs, part.s_prime, strict=True):
            out_a = out_a + ballot[k].a * si
            out_b = out_b + ballot[k].b * si
        sums_in.append((big_a, big_b))
        sums_out.append((out_a, out_b))
    t_hat = [
        chain * e + Point.base_times(s_hat) + previous * s_prime
        for chain, s_hat, previous, s_prime in zip(
            part.chain, part.s_hat, part.previous, part.s_prime, strict=True
        )
    ]
    return _Sums(c_tilde, h_prime, sums_in, sums_out, t_hat)


def verify_shuffle(
    context: str,
    public: Point,
    inputs: Sequence[Ballot],
    outputs: Sequence[Ballot],
    proof: ShuffleProof,
    *,
    workers: int = 1,
) -> bool:
    """True when `outputs` re-encrypts a permutation of `inputs` (CheckShuffleProof).

    With `workers` > 1 the linear sums (nearly all the work) are split among
    that many processes; the result is the same.
    """
    n = len(inputs)
    if n == 0 or len(outputs) != n:
        return False
    try:
        width = _width(inputs)
        if _width(outputs) != width:
            return False
    except ValueError:
        return False
    if not (
        len(proof.commitments) == len(proof.chain) == len(proof.s_hat) == len(proof.s_prime) == n
        and len(proof.s4) == width
    ):
        return False
    hs = generators(context, n)
    h0, h = hs[0], hs[1:]
    statement = _statement(context, public, hs, inputs, outputs, proof.commitments)
    u = _challenges(statement, n)
    e = proof.challenge
    previous = [h0, *proof.chain[:-1]]

    def part(lo: int, hi: int) -> _Part:
        return _Part(
            inputs[lo:hi],
            outputs[lo:hi],
            proof.commitments[lo:hi],
            u[lo:hi],
            h[lo:hi],
            proof.s_prime[lo:hi],
            proof.s_hat[lo:hi],
            proof.chain[lo:hi],
            previous[lo:hi],
            e,
        )

    workers = max(1, min(workers, n))
    bounds = [n * w // workers for w in range(workers + 1)]
    parts = [part(lo, hi) for lo, hi in itertools.pairwise(bounds)]
    if workers == 1:
        sums = [_verify_part(parts[0])]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            sums = list(pool.map(_verify_part, parts))

    c_bar = sum_points(proof.commitments) - sum_points(h)
    u_product = Scalar.from_int(1)
    for uj in u:
        u_product = u_product * uj
    c_hat = proof.chain[-1] - h0 * u_product
    c_tilde = sum_points(p.c_tilde for p in sums)

    t1 = c_bar * e + Point.base_times(proof.s1)
    t2 = c_hat * e + Point.base_times(proof.s2)
    t3 = c_tilde * e + Point.base_times(proof.s3) + sum_points(p.h_prime for p in sums)
    t4 = []
    for k in range(width):
        big_a = sum_points(p.inputs[k][0] for p in sums)
        big_b = sum_points(p.inputs[k][1] for p in sums)
        ta = big_a * e - Point.base_times(proof.s4[k]) + sum_points(p.outputs[k][0] for p in sums)
        tb = big_b * e - public * proof.s4[k] + sum_points(p.outputs[k][1] for p in sums)
        t4.append((ta, tb))
    t_hat = [t for p in sums for t in p.t_hat]
    return _challenge(statement, proof.chain, (t1, t2, t3), t4, t_hat) == e
