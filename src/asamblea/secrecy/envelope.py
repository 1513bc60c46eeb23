"""A trustee's share sealed to another trustee's device key: ECIES on ristretto255.

In the key ceremony every trustee deals (threshold.py) and must give each other
trustee its share f(j) through the server without the server reading it. The
share goes in an envelope sealed to the recipient's device key D_j = d_j·G, made
in the recipient's browser; the server only relays it. This is DHIES (Abdalla,
Bellare and Rogaway, "The Oracle Diffie-Hellman Assumptions and an Analysis of
DHIES", CT-RSA 2001) with AES-256-GCM as the authenticated cipher:

    r random, R = r·G, Z = r·D_j
    key = SHA-512 Transcript("share-envelope", context, dealer, j, R, D_j, Z)[:32]
    iv random (12 bytes), ct = AES-256-GCM(key, iv, 32-byte share, aad)
    aad = UTF-8 of "<context>|<dealer>|<j>"
    envelope = hex(R) "." hex(iv) "." hex(ct)

The recipient computes Z = d_j·R. The hash binds the vote, the dealer, the
recipient and both public keys, and the aad binds them again in the cipher, so
an envelope moved to another vote, dealer or recipient does not open. The
browser's twin is trustee.js (static/ballots/); tests/browser/test_trustee_script.py
checks that each opens the other's envelopes.
"""

from __future__ import annotations

import os
import re
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asamblea.secrecy.group import Point, Scalar, Transcript

__all__ = ["open_share", "seal_share"]

_ENVELOPE: Final = re.compile(r"([0-9a-f]{64})\.([0-9a-f]{24})\.([0-9a-f]{96})")


def _key(context: str, dealer: int, recipient: int, r: Point, device: Point, z: Point) -> bytes:
    t = Transcript("share-envelope").add(context, dealer, recipient, r, device, z)
    return t.digest()[:32]


def _aad(context: str, dealer: int, recipient: int) -> bytes:
    return f"{context}|{dealer}|{recipient}".encode()


def seal_share(
    context: str, dealer: int, recipient: int, device_public: Point, share: Scalar
) -> str:
    """The envelope of `share` from `dealer` that only `recipient`'s device secret opens."""
    return _seal(context, dealer, recipient, device_public, share, Scalar.random(), os.urandom(12))


def _seal(
    context: str,
    dealer: int,
    recipient: int,
    device_public: Point,
    share: Scalar,
    ephemeral: Scalar,
    iv: bytes,
) -> str:
    """seal_share with its randomness given (fixed only in the test vectors)."""
    if device_public.is_identity():
        raise ValueError("the identity is not a device key")
    r = Point.base_times(ephemeral)
    key = _key(context, dealer, recipient, r, device_public, device_public * ephemeral)
    ct = AESGCM(key).encrypt(iv, bytes(share), _aad(context, dealer, recipient))
    return f"{r.hex()}.{iv.hex()}.{ct.hex()}"


def open_share(
    context: str, dealer: int, recipient: int, device_secret: Scalar, envelope: str
) -> Scalar:
    """The share in `envelope`; ValueError if it is malformed, tampered or not ours."""
    match = _ENVELOPE.fullmatch(envelope) if isinstance(envelope, str) else None
    if match is None:
        raise ValueError(
            "an envelope is hex(R).hex(iv).hex(ciphertext): 64, 24 and 96 lowercase hex digits"
        )
    try:
        r = Point.from_hex(match[1])
    except ValueError:
        raise ValueError("the envelope's R is not a ristretto255 element") from None
    if r.is_identity():
        raise ValueError("the envelope's R is the identity")
    device_public = Point.base_times(device_secret)
    key = _key(context, dealer, recipient, r, device_public, r * device_secret)
    try:
        plain = AESGCM(key).decrypt(
            bytes.fromhex(match[2]), bytes.fromhex(match[3]), _aad(context, dealer, recipient)
        )
    except InvalidTag:
        raise ValueError(
            "the envelope does not open: it is not for this device key, vote, dealer and "
            "recipient, or it was altered"
        ) from None
    try:
        return Scalar(plain)
    except ValueError:
        raise ValueError("the envelope holds no share (not a canonical scalar)") from None
