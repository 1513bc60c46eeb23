"""The proof of shuffle: an honest mix verifies; any tampering with it fails."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.secrecy.elgamal import Ballot, Ciphertext, KeyPair, decrypt, encrypt, reencrypt
from asamblea.secrecy.group import GENERATOR, Scalar, hash_to_point
from asamblea.secrecy.shuffle import ShuffleProof, prove_shuffle, shuffle, verify_shuffle

CONTEXT = "test-election"
Mixed = tuple[KeyPair, list[Ballot], list[Ballot], ShuffleProof]


def ballots(keys: KeyPair, n: int, width: int) -> list[Ballot]:
    return [
        tuple(encrypt(keys.public, hash_to_point("m", i, k)) for k in range(width))
        for i in range(n)
    ]


def opened(keys: KeyPair, bs: list[Ballot]) -> list[tuple[bytes, ...]]:
    return sorted(tuple(bytes(decrypt(keys.secret, c)) for c in b) for b in bs)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=3))
def test_an_honest_shuffle_verifies_and_keeps_the_plaintexts(n: int, width: int) -> None:
    keys = KeyPair.generate()
    inputs = ballots(keys, n, width)
    outputs, proof = shuffle(CONTEXT, keys.public, inputs)
    assert verify_shuffle(CONTEXT, keys.public, inputs, outputs, proof)
    assert opened(keys, outputs) == opened(keys, inputs)
    assert not set(outputs) & set(inputs)  # every ciphertext re-randomised


def test_two_mixes_in_a_row_verify() -> None:
    keys = KeyPair.generate()
    inputs = ballots(keys, 5, 2)
    first, p1 = shuffle(CONTEXT + "/1", keys.public, inputs)
    second, p2 = shuffle(CONTEXT + "/2", keys.public, first)
    assert verify_shuffle(CONTEXT + "/1", keys.public, inputs, first, p1)
    assert verify_shuffle(CONTEXT + "/2", keys.public, first, second, p2)
    assert not verify_shuffle(CONTEXT + "/1", keys.public, first, second, p2)


@pytest.fixture(scope="module")
def mixed() -> Mixed:
    keys = KeyPair.generate()
    inputs = ballots(keys, 6, 2)
    outputs, proof = shuffle(CONTEXT, keys.public, inputs)
    return keys, inputs, outputs, proof


def test_tampered_outputs_fail(mixed: Mixed) -> None:
    keys, inputs, outputs, proof = mixed
    y = keys.public
    assert verify_shuffle(CONTEXT, y, inputs, outputs, proof)
    # Swapped: two outputs exchanged.
    swapped = list(outputs)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert not verify_shuffle(CONTEXT, y, inputs, swapped, proof)
    # Dropped, added.
    assert not verify_shuffle(CONTEXT, y, inputs, outputs[:-1], proof)
    assert not verify_shuffle(CONTEXT, y, inputs, [*outputs, outputs[0]], proof)
    # Substituted: one output replaced by a fresh ballot for another choice.
    substituted = list(outputs)
    substituted[2] = tuple(encrypt(y, hash_to_point("forged", k)) for k in range(2))
    assert not verify_shuffle(CONTEXT, y, inputs, substituted, proof)
    # Duplicated: one output replaced by a re-encryption of another.
    duplicated = list(outputs)
    duplicated[3] = tuple(reencrypt(y, c, Scalar.random()) for c in outputs[4])
    assert not verify_shuffle(CONTEXT, y, inputs, duplicated, proof)
    # One component changed (shifted by G: decrypts to another element).
    changed = list(outputs)
    c = changed[5][1]
    changed[5] = (changed[5][0], Ciphertext(c.a, c.b + GENERATOR))
    assert not verify_shuffle(CONTEXT, y, inputs, changed, proof)
    # Components of one ballot swapped with another's (ballots must stay whole).
    mixed_up = list(outputs)
    mixed_up[0] = (outputs[0][0], outputs[1][1])
    mixed_up[1] = (outputs[1][0], outputs[0][1])
    assert not verify_shuffle(CONTEXT, y, inputs, mixed_up, proof)


def test_tampered_inputs_context_key_or_proof_fail(mixed: Mixed) -> None:
    keys, inputs, outputs, proof = mixed
    y = keys.public
    changed = list(inputs)
    changed[0] = tuple(reencrypt(y, c, Scalar.random()) for c in inputs[0])
    assert not verify_shuffle(CONTEXT, y, changed, outputs, proof)
    assert not verify_shuffle("another", y, inputs, outputs, proof)
    assert not verify_shuffle(CONTEXT, KeyPair.generate().public, inputs, outputs, proof)
    one = Scalar.from_int(1)
    for field in ("challenge", "s1", "s2", "s3"):
        bad = dataclasses.replace(proof, **{field: getattr(proof, field) + one})
        assert not verify_shuffle(CONTEXT, y, inputs, outputs, bad)
    for field in ("s4", "s_hat", "s_prime"):
        values = list(getattr(proof, field))
        values[0] = values[0] + one
        bad = dataclasses.replace(proof, **{field: tuple(values)})
        assert not verify_shuffle(CONTEXT, y, inputs, outputs, bad)
    for field in ("commitments", "chain"):
        points = list(getattr(proof, field))
        points[1] = points[1] + GENERATOR
        bad = dataclasses.replace(proof, **{field: tuple(points)})
        assert not verify_shuffle(CONTEXT, y, inputs, outputs, bad)


def test_a_prover_cannot_prove_a_substitution() -> None:
    """Even with all the secrets, a dishonest mix's proof does not verify."""
    keys = KeyPair.generate()
    y = keys.public
    inputs = ballots(keys, 4, 1)
    rs = [[Scalar.random()] for _ in range(4)]
    outputs: list[Ballot] = [(reencrypt(y, inputs[j][0], rs[j][0]),) for j in range(4)]
    assert verify_shuffle(
        CONTEXT, y, inputs, outputs, prove_shuffle(CONTEXT, y, inputs, outputs, range(4), rs)
    )
    outputs[3] = (reencrypt(y, inputs[2][0], rs[3][0]),)  # ballot 3 replaced by a copy of 2
    proof = prove_shuffle(CONTEXT, y, inputs, outputs, range(4), rs)
    assert not verify_shuffle(CONTEXT, y, inputs, outputs, proof)


@settings(max_examples=5, deadline=None)
@given(st.permutations(range(5)))
def test_output_i_opens_to_input_pi_i(permutation: list[int]) -> None:
    keys = KeyPair.generate()
    y = keys.public
    inputs = ballots(keys, 5, 2)
    rs = [[Scalar.random(), Scalar.random()] for _ in range(5)]
    outputs: list[Ballot] = [
        tuple(reencrypt(y, c, r) for c, r in zip(inputs[j], rs[j], strict=True))
        for j in permutation
    ]
    proof = prove_shuffle(CONTEXT, y, inputs, outputs, permutation, rs)
    assert verify_shuffle(CONTEXT, y, inputs, outputs, proof)
    for i, j in enumerate(permutation):
        assert [decrypt(keys.secret, c) for c in outputs[i]] == [
            decrypt(keys.secret, c) for c in inputs[j]
        ]


def test_a_mapping_that_is_not_a_permutation_cannot_be_proven() -> None:
    """Output 3 re-encrypts input 2 a second time and input 3 is dropped."""
    keys = KeyPair.generate()
    y = keys.public
    inputs = ballots(keys, 4, 2)
    rs = [[Scalar.random(), Scalar.random()] for _ in range(4)]
    mapping = [0, 1, 2, 2]
    outputs: list[Ballot] = [
        tuple(reencrypt(y, c, r) for c, r in zip(inputs[j], rs[j], strict=True)) for j in mapping
    ]
    proof = prove_shuffle(CONTEXT, y, inputs, outputs, mapping, rs)
    assert not verify_shuffle(CONTEXT, y, inputs, outputs, proof)


def test_two_workers_reach_the_same_verdict(mixed: Mixed) -> None:
    keys, inputs, outputs, proof = mixed
    y = keys.public
    assert verify_shuffle(CONTEXT, y, inputs, outputs, proof, workers=2)
    swapped = [outputs[1], outputs[0], *outputs[2:]]
    assert not verify_shuffle(CONTEXT, y, inputs, swapped, proof, workers=2)
    bad = dataclasses.replace(
        proof, s_hat=(*proof.s_hat[:-1], proof.s_hat[-1] + Scalar.from_int(1))
    )
    assert not verify_shuffle(CONTEXT, y, inputs, outputs, bad, workers=2)
    two = inputs[:2]
    out, small = shuffle(CONTEXT, y, two)
    assert verify_shuffle(CONTEXT, y, two, out, small, workers=3)  # more workers than ballots
