"""The verifier over the published JSON: a true vote verifies, every forgery fails."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asamblea.secrecy.bulletin import (
    ballot_to_json,
    ballots_from_json,
    share_from_json,
    share_to_json,
)
from asamblea.secrecy.elgamal import encrypt, encrypt_ballot, reencrypt
from asamblea.secrecy.group import GENERATOR, Point, Scalar, hash_to_point
from asamblea.secrecy.verify import verify_document

from .conftest import run_vote

RANKINGS = [(0, 1, 2), (2,), (1, 0), (3, 2, 1, 0), (0, 1, 2), ()]


def failing(document: dict[str, Any], needle: str) -> None:
    result = verify_document(document)
    assert not result.ok
    assert any(needle in p for p in result.problems), result.problems


def test_a_true_vote_verifies_and_reads_the_cast_rankings(small_vote: dict[str, Any]) -> None:
    result = verify_document(small_vote)
    assert result.problems == []
    assert Counter(result.ballots) == Counter(RANKINGS)


def test_one_absent_trustee_of_three_does_not_stop_the_count(small_vote: dict[str, Any]) -> None:
    shares = small_vote["decryption"]["shares"]
    assert sorted(s["trustee"] for s in shares) == [1, 3]
    doc = copy.deepcopy(small_vote)
    del doc["decryption"]["shares"][0]
    failing(doc, "1 verified trustee shares, 2 needed")


def test_a_changed_cast_ciphertext_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    a, b = doc["cast"][2]["ballot"][0]
    doc["cast"][2]["ballot"][0] = [a, (Point.from_hex(b) + GENERATOR).hex()]
    failing(doc, "cast ballot 2: its proof does not verify")


def test_a_ballot_added_or_dropped_before_the_mix_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    doc["cast"].append(copy.deepcopy(doc["cast"][0]))
    failing(doc, "a copy of an earlier ballot")
    failing(doc, "mix/0: 6 ballots out for 7 in")
    doc = copy.deepcopy(small_vote)
    del doc["cast"][4]
    failing(doc, "mix/0: 6 ballots out for 5 in")


def test_a_wrong_shuffle_fails(small_vote: dict[str, Any]) -> None:
    public = Point.from_hex(small_vote["key"]["public"])
    out = small_vote["mixes"][1]["output"]
    swapped = copy.deepcopy(small_vote)
    swapped["mixes"][1]["output"] = [out[1], out[0], *out[2:]]
    failing(swapped, "mix/1: the proof of shuffle does not verify")
    dropped = copy.deepcopy(small_vote)
    del dropped["mixes"][1]["output"][3]
    failing(dropped, "mix/1: 5 ballots out for 6 in")
    added = copy.deepcopy(small_vote)
    added["mixes"][1]["output"].append(out[0])
    failing(added, "mix/1: 7 ballots out for 6 in")
    substituted = copy.deepcopy(small_vote)
    forged = tuple(encrypt(public, hash_to_point("plaintext", 4, 1, 1)) for _ in out[2])
    substituted["mixes"][1]["output"][2] = ballot_to_json(forged)
    failing(substituted, "mix/1: the proof of shuffle does not verify")
    # The first mix's output re-randomised: the second mix no longer follows from it.
    rerandomised = copy.deepcopy(small_vote)
    first = ballots_from_json(out)
    rerandomised["mixes"][0]["output"][0] = ballot_to_json(
        tuple(reencrypt(public, c, Scalar.random()) for c in first[0])
    )
    failing(rerandomised, "mix/0: the proof of shuffle does not verify")


def test_a_wrong_decryption_share_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    share = share_from_json(doc["decryption"]["shares"][1])
    factors = list(share.factors)
    factors[0] = factors[0] + GENERATOR
    doc["decryption"]["shares"][1] = share_to_json(
        type(share)(share.trustee, tuple(factors), share.challenge, share.response)
    )
    failing(doc, "decryption share of trustee 3: proof fails")
    failing(doc, "1 verified trustee shares, 2 needed")


def test_a_wrong_plaintext_or_reading_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    plaintexts = doc["decryption"]["plaintexts"]
    # Two mixed ballots may say the same: swap the first with one that differs.
    other = next(i for i, p in enumerate(plaintexts) if p != plaintexts[0])
    plaintexts[0], plaintexts[other] = plaintexts[other], plaintexts[0]
    failing(doc, "decrypted ballot 0: the plaintext is not what the shares open")
    doc = copy.deepcopy(small_vote)
    readings = doc["decryption"]["ballots"]
    n = next(i for i, r in enumerate(readings) if r and len(r) >= 2)
    readings[n] = [readings[n][1], readings[n][0], *readings[n][2:]]
    failing(doc, f"decrypted ballot {n}: does not read as published")
    doc = copy.deepcopy(small_vote)
    doc["decryption"]["ballots"][n] = None
    failing(doc, f"decrypted ballot {n}: a valid paper published as invalid")


def test_malformed_values_are_reported_not_raised(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    doc["mixes"][0]["proof"]["s1"] = "zz"
    failing(doc, "mix/0: malformed")
    doc = copy.deepcopy(small_vote)
    doc["key"]["public"] = "01" * 32
    failing(doc, "key: malformed")
    doc = copy.deepcopy(small_vote)
    doc["key"]["verification_keys"]["2"] = GENERATOR.hex()
    failing(doc, "key: trustee 2's verification key is not the dealt one")
    assert not verify_document({}).ok


@settings(max_examples=4, deadline=None)
@given(st.data())
def test_any_vote_round_trips_through_mixes_and_any_k_trustees(data: st.DataObject) -> None:
    candidates = data.draw(st.integers(min_value=1, max_value=5))
    rankings = data.draw(
        st.lists(
            st.permutations(range(candidates)).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda k: tuple(p[:k]))
            ),
            min_size=1,
            max_size=5,
        )
    )
    n = data.draw(st.integers(min_value=1, max_value=4))
    k = data.draw(st.integers(min_value=1, max_value=n))
    present = data.draw(st.lists(st.integers(1, n), min_size=k, unique=True))
    document, _ = run_vote(rankings, candidates, k, n, present, mixes=data.draw(st.integers(1, 2)))
    result = verify_document(document)
    assert result.problems == []
    assert Counter(result.ballots) == Counter(rankings)


def test_a_forged_key_or_a_stranger_share_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    doc["key"]["public"] = (Point.from_hex(doc["key"]["public"]) + GENERATOR).hex()
    failing(doc, "key: the public key is not the one the dealings make")
    doc = copy.deepcopy(small_vote)
    doc["key"]["dealers"][1]["response"] = doc["key"]["dealers"][0]["response"]
    failing(doc, "key: dealer 2's proof does not verify")
    doc = copy.deepcopy(small_vote)
    doc["decryption"]["shares"][0]["trustee"] = 9
    failing(doc, "decryption share of trustee 9: proof fails")
    doc = copy.deepcopy(small_vote)
    doc["decryption"]["shares"].append(copy.deepcopy(doc["decryption"]["shares"][0]))
    failing(doc, "trustee 1 twice")


def test_a_cast_ballot_of_the_wrong_width_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    doc["cast"][0]["ballot"].append(doc["cast"][0]["ballot"][0])
    failing(doc, "cast ballot 0: 3 ciphertexts, not 2")


def test_the_identity_is_refused_as_a_key(small_vote: dict[str, Any]) -> None:
    """Under the identity a ciphertext's b is its plaintext: nobody may publish it as the key."""
    doc = copy.deepcopy(small_vote)
    doc["key"]["public"] = "00" * 32
    failing(doc, "key: malformed (the identity is not a public or verification key)")
    with pytest.raises(ValueError):
        encrypt_ballot("x", Point(bytes(32)), [GENERATOR])


def test_a_key_without_its_dealings_fails(small_vote: dict[str, Any]) -> None:
    doc = copy.deepcopy(small_vote)
    doc["key"]["dealers"] = []
    failing(doc, "key: no dealing published")
