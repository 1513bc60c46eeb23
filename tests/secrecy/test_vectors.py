"""The test vectors of seal.js are still what the Python library makes, and they hold up.

The browser side of the same file is tests/browser/test_seal_script.py.
"""

from __future__ import annotations

import json

import pytest

from asamblea.secrecy.bulletin import ballot_from_json
from asamblea.secrecy.elgamal import BallotProof, decrypt, verify_ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import Point, Scalar, Transcript
from support.seal_vectors import PATH, build, part_from_json, render

VECTORS = json.loads(PATH.read_text(encoding="utf-8"))


def test_the_committed_file_is_what_the_library_makes_now() -> None:
    assert build() == VECTORS, "rerun: PYTHONPATH=src:tests python -m support.seal_vectors"
    assert PATH.read_text(encoding="utf-8") == render()


@pytest.mark.parametrize("vector", VECTORS["transcripts"], ids=lambda v: v["tag"])
def test_a_transcript_read_back_from_the_file_hashes_as_written(vector: dict) -> None:
    t = Transcript(vector["tag"]).add(*(part_from_json(p) for p in vector["parts"]))
    assert t.digest().hex() == vector["digest"]
    assert t.scalar().hex() == vector["scalar"]
    assert t.point().hex() == vector["point"]


@pytest.mark.parametrize("vector", VECTORS["ballots"], ids=lambda v: v["context"])
def test_a_fixed_ballot_verifies_and_opens_to_its_ranking(vector: dict) -> None:
    public = Point.from_hex(vector["public"])
    ballot = ballot_from_json(vector["cast"]["ballot"])
    proof = BallotProof.from_json(vector["cast"]["proof"])
    assert verify_ballot(vector["context"], public, ballot, proof)
    assert not verify_ballot(vector["context"] + "x", public, ballot, proof)
    codec = BallotCodec.from_description(vector["codec"])
    secret = Scalar.from_hex(vector["secret"])
    opened = [decrypt(secret, c) for c in ballot]
    assert opened == list(codec.encode(vector["ranking"]))
    assert codec.decode(opened) == tuple(vector["ranking"])


def test_the_vectors_cover_packing_above_two_to_the_53() -> None:
    assert any(
        (v["codec"]["candidates"] + 1) ** v["codec"]["per_ciphertext"] > 2**53
        for v in VECTORS["encodings"]
    )


@pytest.mark.parametrize("key", VECTORS["refused"]["public_keys"])
def test_a_refused_public_key_is_refused_by_the_library(key: str) -> None:
    with pytest.raises(ValueError):
        point = Point.from_hex(key)
        if point.is_identity():
            raise ValueError("the identity is not a public key")


@pytest.mark.parametrize("case", VECTORS["refused"]["rankings"], ids=str)
def test_a_refused_ranking_is_refused_by_the_library(case: dict) -> None:
    with pytest.raises(ValueError):
        BallotCodec.from_description(case["codec"]).encode(case["ranking"])
