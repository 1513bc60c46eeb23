"""Writes tests/secrecy/trustee_vectors.json: the trustees' cryptography on fixed inputs.

    PYTHONPATH=src:tests python -m support.trustee_vectors

The browser's `trustee.js` (src/asamblea/ballots/static/ballots/) must give the same
bytes for every entry: tests/browser/test_trustee_script.py runs it on this file in
Chromium, and tests/secrecy/test_trustee_vectors.py checks that the file is still what
the library makes. As in seal_vectors.py, every "random" value is a hash of a label:

- dealings: threshold.deal's dealer_to_json and shares f(1) … f(n) for fixed
  coefficients and proof nonce (the same transcript as deal);
- envelopes: envelope.seal_share's string for a fixed ephemeral scalar and iv;
- factors: threshold.partial_decrypt_each's factor_share_to_json for fixed nonces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asamblea.secrecy.bulletin import dealer_to_json, factor_share_to_json
from asamblea.secrecy.elgamal import Ciphertext, encrypt
from asamblea.secrecy.envelope import _seal
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.threshold import (
    DealerCommitment,
    FactorShare,
    _factor_transcript,
    _pok_transcript,
)
from support.seal_vectors import as_file, fixed_scalar, json_values, write

PATH = Path(__file__).resolve().parent.parent / "secrecy" / "trustee_vectors.json"

# (context, dealer, threshold, trustees)
DEALINGS = [
    ("fed-1/stv/7", 1, 2, 3),
    ("fed-1/stv/7", 3, 2, 3),
    ("fed-2/approval/12", 4, 3, 5),
    ("fed-3/plurality/1", 1, 1, 1),
]
# (context, dealer, recipient)
ENVELOPES = [
    ("fed-1/stv/7", 1, 2),
    ("fed-1/stv/7", 2, 1),
    ("Año ñandú — 選挙/stv/3", 5, 5),
]
# (context, trustee, ciphertexts)
FACTORS = [
    ("fed-1/stv/7", 1, 3),
    ("fed-2/approval/12", 4, 1),
    ("fed-2/approval/12", 5, 0),
]


def polynomial_value(coefficients: list[Scalar], index: int) -> Scalar:
    """f(index), as threshold.deal computes it."""
    x, value, power = Scalar.from_int(index), Scalar.from_int(0), Scalar.from_int(1)
    for c in coefficients:
        value = value + c * power
        power = power * x
    return value


def dealing_vectors() -> list[dict[str, Any]]:
    vectors = []
    for number, (context, dealer, threshold, trustees) in enumerate(DEALINGS):
        coefficients = [fixed_scalar(f"coefficient {number}", k) for k in range(threshold)]
        nonce = fixed_scalar("dealer nonce", number)
        commitments = tuple(Point.base_times(c) for c in coefficients)
        # threshold.deal with these coefficients and this nonce instead of random ones.
        t = _pok_transcript(context, dealer, commitments).add(Point.base_times(nonce))
        e = t.scalar()
        dc = DealerCommitment(dealer, commitments, e, nonce - e * coefficients[0])
        vectors.append(
            {
                "context": context,
                "dealer": dealer,
                "threshold": threshold,
                "trustees": trustees,
                "coefficients": [c.hex() for c in coefficients],
                "nonce": nonce.hex(),
                "commitment": dealer_to_json(dc),
                "shares": {
                    str(i): polynomial_value(coefficients, i).hex() for i in range(1, trustees + 1)
                },
            }
        )
    return vectors


def envelope_vectors() -> list[dict[str, Any]]:
    vectors = []
    for number, (context, dealer, recipient) in enumerate(ENVELOPES):
        device = fixed_scalar("device secret", number)
        share = fixed_scalar("share", number)
        ephemeral = fixed_scalar("ephemeral", number)
        iv = bytes(range(number, number + 12))
        public = Point.base_times(device)
        vectors.append(
            {
                "context": context,
                "dealer": dealer,
                "recipient": recipient,
                "device_secret": device.hex(),
                "device_public": public.hex(),
                "share": share.hex(),
                "ephemeral": ephemeral.hex(),
                "iv": iv.hex(),
                "envelope": _seal(context, dealer, recipient, public, share, ephemeral, iv),
            }
        )
    return vectors


def factor_vectors() -> list[dict[str, Any]]:
    vectors = []
    for number, (context, trustee, count) in enumerate(FACTORS):
        share = fixed_scalar("trustee share", number)
        h = Point.base_times(share)
        public = Point.base_times(fixed_scalar("joint key", number))
        ciphertexts = [
            encrypt(
                public,
                Point.base_times(fixed_scalar(f"message {number}", m)),
                fixed_scalar(f"ciphertext randomness {number}", m),
            )
            for m in range(count)
        ]
        nonces = [fixed_scalar(f"factor nonce {number}", m) for m in range(count)]
        factors, challenges, responses = [], [], []
        # threshold.partial_decrypt_each with these nonces instead of random ones.
        for c, w in zip(ciphertexts, nonces, strict=True):
            d = c.a * share
            e = _factor_transcript(context, trustee, h, c.a, d).add(Point.base_times(w), c.a * w)
            challenge = e.scalar()
            factors.append(d)
            challenges.append(challenge)
            responses.append(w - challenge * share)
        fs = FactorShare(trustee, tuple(factors), tuple(challenges), tuple(responses))
        vectors.append(
            {
                "context": context,
                "trustee": trustee,
                "share": share.hex(),
                "verification_key": h.hex(),
                "ciphertexts": [c.to_json() for c in ciphertexts],
                "nonces": [w.hex() for w in nonces],
                "factor_share": factor_share_to_json(fs),
            }
        )
    return vectors


def ciphertexts_of(vector: dict[str, Any]) -> list[Ciphertext]:
    return [Ciphertext.from_json(c) for c in vector["ciphertexts"]]


def build() -> dict[str, Any]:
    document = {
        "about": "Made by tests/support/trustee_vectors.py from asamblea.secrecy; see its docstring.",
        "dealings": dealing_vectors(),
        "envelopes": envelope_vectors(),
        "factors": factor_vectors(),
    }
    return json_values(document)


def render() -> str:
    return as_file(build())


if __name__ == "__main__":
    write(PATH, render())
