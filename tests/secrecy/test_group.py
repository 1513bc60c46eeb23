"""The group wrappers, ElGamal and the ballot encoding: laws, round trips, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.secrecy.elgamal import (
    KeyPair,
    decrypt,
    encrypt,
    encrypt_ballot,
    reencrypt,
    verify_ballot,
)
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import (
    GENERATOR,
    IDENTITY,
    ORDER,
    Point,
    Scalar,
    hash_to_point,
    hash_to_scalar,
)

small = st.integers(min_value=0, max_value=ORDER - 1)


@settings(max_examples=25, deadline=None)
@given(small, small)
def test_scalar_arithmetic_matches_integers_modulo_the_order(x: int, y: int) -> None:
    a, b = Scalar.from_int(x), Scalar.from_int(y)
    assert (a + b).to_int() == (x + y) % ORDER
    assert (a - b).to_int() == (x - y) % ORDER
    assert (a * b).to_int() == (x * y) % ORDER
    assert (-a).to_int() == (-x) % ORDER
    if x:
        assert (a * a.invert()).to_int() == 1


@settings(max_examples=15, deadline=None)
@given(small, small)
def test_scalar_multiplication_is_linear(x: int, y: int) -> None:
    a, b = Scalar.from_int(x), Scalar.from_int(y)
    assert Point.base_times(a + b) == Point.base_times(a) + Point.base_times(b)
    assert GENERATOR * a == Point.base_times(a)
    assert (GENERATOR * a) * b == Point.base_times(a * b)


def test_zero_and_identity_are_handled_not_refused() -> None:
    zero = Scalar.from_int(0)
    assert Point.base_times(zero) == IDENTITY
    assert GENERATOR * zero == IDENTITY
    assert IDENTITY * Scalar.random() == IDENTITY
    assert GENERATOR - GENERATOR == IDENTITY
    assert GENERATOR + IDENTITY == GENERATOR
    assert -GENERATOR + GENERATOR == IDENTITY


def test_outside_encodings_are_checked() -> None:
    with pytest.raises(ValueError):
        Point(b"\x01" * 32)  # not a canonical element
    with pytest.raises(ValueError):
        Point(bytes(31))
    with pytest.raises(ValueError):
        Scalar((ORDER).to_bytes(32, "little"))  # not reduced
    assert Scalar((ORDER - 1).to_bytes(32, "little")).to_int() == ORDER - 1
    assert Point.from_hex(GENERATOR.hex()) == GENERATOR


def test_hashes_are_domain_separated() -> None:
    assert hash_to_scalar("a", "x") != hash_to_scalar("b", "x")
    assert hash_to_scalar("a", "xy") != hash_to_scalar("a", "x", "y")
    assert hash_to_scalar("a", 1) != hash_to_scalar("a", "1")
    assert hash_to_point("a", 1) != hash_to_point("a", 2)
    assert hash_to_point("a", 1) == hash_to_point("a", 1)
    assert repr(Scalar.random()) == "Scalar(…)"


def test_elgamal_round_trip_and_reencryption() -> None:
    keys = KeyPair.generate()
    m = hash_to_point("test", 7)
    c = encrypt(keys.public, m)
    assert decrypt(keys.secret, c) == m
    c2 = reencrypt(keys.public, c, Scalar.random())
    assert c2 != c
    assert decrypt(keys.secret, c2) == m


def test_a_ballot_proof_binds_the_ballot_and_the_context() -> None:
    keys = KeyPair.generate()
    codec = BallotCodec(5)
    ballot, proof = encrypt_ballot("election-1", keys.public, codec.encode([2, 0, 4]))
    assert verify_ballot("election-1", keys.public, ballot, proof)
    assert not verify_ballot("election-2", keys.public, ballot, proof)
    other = KeyPair.generate()
    assert not verify_ballot("election-1", other.public, ballot, proof)
    # A re-randomised copy of someone else's ballot cannot reuse their proof.
    copied = tuple(reencrypt(keys.public, c, Scalar.random()) for c in ballot)
    assert not verify_ballot("election-1", keys.public, copied, proof)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_any_ranking_round_trips(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=9))
    ranks = data.draw(st.integers(min_value=1, max_value=n))
    limit = data.draw(st.sampled_from([n + 1, 100, 1000]))
    codec = BallotCodec(n, ranks, table_limit=limit)
    ranking = data.draw(st.permutations(range(n)))[: data.draw(st.integers(0, ranks))]
    points = codec.encode(ranking)
    assert len(points) == codec.width
    assert codec.decode(points) == tuple(ranking)
    again = BallotCodec.from_description(codec.describe())
    assert again.encode(ranking) == points


def test_packing_and_malformed_papers() -> None:
    assert BallotCodec(8).width == 2
    assert BallotCodec(20).width == 7
    assert BallotCodec(3, 1).width == 1
    codec = BallotCodec(4)
    assert codec.decode([hash_to_point("test", 1)] * codec.width) is None
    with pytest.raises(ValueError):
        codec.encode([1, 1])
    with pytest.raises(ValueError):
        codec.encode([4])
    # A hand-made gap (a preference after an empty position) is not a paper.
    gap = codec._point(0 + 2 * 5)  # position 0 empty, position 1 = candidate 1
    assert codec.decode([gap, *codec.encode([])[1:]]) is None
