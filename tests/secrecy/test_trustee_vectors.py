"""The test vectors of trustee.js are still what the Python library makes, and they hold up.

The browser side of the same file is tests/browser/test_trustee_script.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from asamblea.secrecy.bulletin import dealer_from_json, factor_share_from_json
from asamblea.secrecy.envelope import open_share
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.threshold import (
    ThresholdKey,
    verify_dealer_commitment,
    verify_factor_share,
    verify_share,
)
from support.trustee_vectors import PATH, build, ciphertexts_of, render

VECTORS = json.loads(PATH.read_text(encoding="utf-8"))


def test_the_committed_file_is_what_the_library_makes_now() -> None:
    assert build() == VECTORS, "rerun: PYTHONPATH=src:tests python -m support.trustee_vectors"
    assert PATH.read_text(encoding="utf-8") == render()


@pytest.mark.parametrize(
    "vector", VECTORS["dealings"], ids=lambda v: f"{v['context']}#{v['dealer']}"
)
def test_a_fixed_dealing_verifies_and_its_shares_match_its_commitments(
    vector: dict[str, Any],
) -> None:
    dc = dealer_from_json(vector["commitment"])
    assert verify_dealer_commitment(vector["context"], dc)
    assert not verify_dealer_commitment(vector["context"] + "x", dc)
    assert len(dc.commitments) == vector["threshold"]
    assert dc.commitments[0] == Point.base_times(Scalar.from_hex(vector["coefficients"][0]))
    for index, share in vector["shares"].items():
        assert verify_share(dc.commitments, int(index), Scalar.from_hex(share))
        if vector["threshold"] > 1:  # a constant polynomial gives everyone the same share
            assert not verify_share(dc.commitments, int(index) + 1, Scalar.from_hex(share))


@pytest.mark.parametrize("vector", VECTORS["envelopes"], ids=lambda v: v["context"])
def test_a_fixed_envelope_opens_to_its_share(vector: dict[str, Any]) -> None:
    secret = Scalar.from_hex(vector["device_secret"])
    args = (vector["context"], vector["dealer"], vector["recipient"])
    assert open_share(*args, secret, vector["envelope"]) == Scalar.from_hex(vector["share"])
    with pytest.raises(ValueError):
        open_share(*args, secret + Scalar.from_int(1), vector["envelope"])


@pytest.mark.parametrize(
    "vector", VECTORS["factors"], ids=lambda v: f"{v['context']}#{v['trustee']}"
)
def test_fixed_decryption_factors_verify(vector: dict[str, Any]) -> None:
    h = Point.from_hex(vector["verification_key"])
    assert h == Point.base_times(Scalar.from_hex(vector["share"]))
    key = ThresholdKey(1, h, {vector["trustee"]: h})
    share = factor_share_from_json(vector["factor_share"])
    ciphertexts = ciphertexts_of(vector)
    assert verify_factor_share(vector["context"], key, ciphertexts, share)
    if ciphertexts:
        assert not verify_factor_share(vector["context"] + "x", key, ciphertexts, share)
