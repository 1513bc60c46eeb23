"""The threshold key: shares checked, any k of n decrypt, wrong factors are caught."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.secrecy.bulletin import factor_share_from_json, factor_share_to_json
from asamblea.secrecy.elgamal import encrypt, reencrypt
from asamblea.secrecy.group import GENERATOR, Point, Scalar, hash_to_point
from asamblea.secrecy.threshold import (
    DecryptionShare,
    FactorShare,
    ThresholdKey,
    combine_decryption,
    deal,
    joint_key,
    partial_decrypt,
    partial_decrypt_each,
    verify_dealer_commitment,
    verify_decryption_share,
    verify_factor,
    verify_factor_share,
    verify_share,
)

CONTEXT = "test-election"


def dkg(k: int, n: int) -> tuple[ThresholdKey, dict[int, Scalar]]:
    """Every trustee deals; each checks and sums what it receives."""
    dealings = [deal(CONTEXT, d, k, n) for d in range(1, n + 1)]
    for dc, shares in dealings:
        assert verify_dealer_commitment(CONTEXT, dc)
        for i, s in shares.items():
            assert verify_share(dc.commitments, i, s)
    key = joint_key([dc for dc, _ in dealings], n)
    shares = {i: sum((sh[i] for _, sh in dealings[1:]), dealings[0][1][i]) for i in range(1, n + 1)}
    return key, shares


def test_a_single_dealer_key_decrypts_with_any_k_of_n() -> None:
    secret = Scalar.random()
    dc, shares = deal(CONTEXT, 0, 3, 5, secret=secret)
    key = joint_key([dc], 5)
    assert key.public == Point.base_times(secret)
    messages = [hash_to_point("m", i) for i in range(4)]
    cts = [encrypt(key.public, m) for m in messages]
    decs = {i: partial_decrypt(CONTEXT, key, i, shares[i], cts) for i in shares}
    for subset in itertools.combinations(sorted(decs), 3):
        assert combine_decryption(key, cts, [decs[i] for i in subset]) == messages
    with pytest.raises(ValueError):
        combine_decryption(key, cts, [decs[1], decs[2]])
    with pytest.raises(ValueError):
        combine_decryption(key, cts, [decs[1], decs[1], decs[1]])


@settings(max_examples=5, deadline=None)
@given(st.data())
def test_a_joint_key_decrypts_while_k_trustees_remain(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=4))
    k = data.draw(st.integers(min_value=1, max_value=n))
    key, shares = dkg(k, n)
    assert all(key.verification_keys[i] == Point.base_times(s) for i, s in shares.items())
    present = data.draw(st.lists(st.sampled_from(range(1, n + 1)), min_size=k, unique=True))
    messages = [hash_to_point("m", i) for i in range(3)]
    cts = [encrypt(key.public, m) for m in messages]
    decs = [partial_decrypt(CONTEXT, key, i, shares[i], cts) for i in present]
    assert all(verify_decryption_share(CONTEXT, key, cts, d) for d in decs)
    assert combine_decryption(key, cts, decs) == messages


def test_bad_shares_and_bad_dealings_are_refused() -> None:
    dc, shares = deal(CONTEXT, 1, 2, 3)
    assert not verify_share(dc.commitments, 2, shares[3])
    assert not verify_share(dc.commitments, 2, shares[2] + Scalar.from_int(1))
    assert not verify_dealer_commitment("other", dc)
    other, _ = deal(CONTEXT, 2, 2, 3)
    forged = type(dc)(1, (other.commitments[0], *dc.commitments[1:]), dc.challenge, dc.response)
    assert not verify_dealer_commitment(CONTEXT, forged)
    key = joint_key([dc], 3)
    with pytest.raises(ValueError):
        partial_decrypt(CONTEXT, key, 1, shares[2], [])


def test_a_wrong_decryption_factor_fails_verification() -> None:
    key, shares = dkg(2, 3)
    cts = [encrypt(key.public, hash_to_point("m", i)) for i in range(5)]
    good = partial_decrypt(CONTEXT, key, 2, shares[2], cts)
    assert verify_decryption_share(CONTEXT, key, cts, good)
    factors = list(good.factors)
    factors[3] = factors[3] + GENERATOR
    bad = DecryptionShare(2, tuple(factors), good.challenge, good.response)
    assert not verify_decryption_share(CONTEXT, key, cts, bad)
    # Honest factors from another trustee's share, or for other ciphertexts.
    assert not verify_decryption_share(
        CONTEXT, key, cts, DecryptionShare(3, good.factors, good.challenge, good.response)
    )
    changed = [*cts[:4], reencrypt(key.public, cts[4], Scalar.random())]
    assert not verify_decryption_share(CONTEXT, key, changed, good)
    assert not verify_decryption_share("other", key, cts, good)
    assert not verify_decryption_share(CONTEXT, key, cts[:4], good)


def test_factors_proven_one_by_one_decrypt_and_any_subset_checks_alone() -> None:
    key, shares = dkg(2, 3)
    messages = [hash_to_point("m", i) for i in range(6)]
    cts = [encrypt(key.public, m) for m in messages]
    each = {i: partial_decrypt_each(CONTEXT, key, i, shares[i], cts) for i in (1, 3)}
    assert all(verify_factor_share(CONTEXT, key, cts, s) for s in each.values())
    assert combine_decryption(key, cts, list(each.values())) == messages
    # A published subset (positions 0 and 4 only) checks on its own.
    s3, h3 = each[3], key.verification_keys[3]
    for m in (0, 4):
        assert verify_factor(
            CONTEXT, 3, h3, cts[m].a, s3.factors[m], s3.challenges[m], s3.responses[m]
        )
    assert factor_share_from_json(factor_share_to_json(s3)) == s3


def test_a_wrong_factor_proven_alone_fails() -> None:
    key, shares = dkg(2, 3)
    cts = [encrypt(key.public, hash_to_point("m", i)) for i in range(3)]
    good = partial_decrypt_each(CONTEXT, key, 2, shares[2], cts)
    factors = list(good.factors)
    factors[1] = factors[1] + GENERATOR
    assert not verify_factor_share(
        CONTEXT, key, cts, FactorShare(2, tuple(factors), good.challenges, good.responses)
    )
    assert not verify_factor_share(
        CONTEXT, key, cts, FactorShare(1, good.factors, good.challenges, good.responses)
    )
    assert not verify_factor_share("other", key, cts, good)
    assert not verify_factor_share(CONTEXT, key, cts[:2], good)
    swapped = FactorShare(2, good.factors, good.challenges[::-1], good.responses[::-1])
    assert not verify_factor_share(CONTEXT, key, cts, swapped)
    with pytest.raises(ValueError):
        partial_decrypt_each(CONTEXT, key, 1, shares[2], cts)
