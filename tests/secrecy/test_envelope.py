"""Shares sealed to a device key: only that key opens them, and nothing altered opens."""

from __future__ import annotations

import pytest

from asamblea.secrecy.envelope import open_share, seal_share
from asamblea.secrecy.group import IDENTITY, Point, Scalar

CONTEXT = "federation-1/stv/7"


def device() -> tuple[Scalar, Point]:
    d = Scalar.random()
    return d, Point.base_times(d)


def test_the_recipient_opens_what_was_sealed_to_it() -> None:
    d, public = device()
    share = Scalar.random()
    envelope = seal_share(CONTEXT, 2, 3, public, share)
    assert open_share(CONTEXT, 2, 3, d, envelope) == share
    # Fresh randomness every time: two envelopes of the same share differ.
    assert seal_share(CONTEXT, 2, 3, public, share) != envelope


def test_another_device_key_does_not_open_it() -> None:
    _, public = device()
    other, _ = device()
    envelope = seal_share(CONTEXT, 1, 2, public, Scalar.random())
    with pytest.raises(ValueError, match="does not open"):
        open_share(CONTEXT, 1, 2, other, envelope)


@pytest.mark.parametrize(
    ("context", "dealer", "recipient"),
    [("federation-1/stv/8", 1, 2), (CONTEXT, 3, 2), (CONTEXT, 1, 3)],
)
def test_an_envelope_moved_to_another_vote_dealer_or_recipient_does_not_open(
    context: str, dealer: int, recipient: int
) -> None:
    d, public = device()
    envelope = seal_share(CONTEXT, 1, 2, public, Scalar.random())
    with pytest.raises(ValueError, match="does not open"):
        open_share(context, dealer, recipient, d, envelope)


@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_changed_digit_anywhere_is_refused(part: int) -> None:
    d, public = device()
    envelope = seal_share(CONTEXT, 1, 2, public, Scalar.random())
    pieces = envelope.split(".")
    for at in (0, len(pieces[part]) // 2, len(pieces[part]) - 1):
        changed = list(pieces)
        digit = changed[part][at]
        changed[part] = (
            changed[part][:at] + ("1" if digit != "1" else "2") + changed[part][at + 1 :]
        )
        with pytest.raises(ValueError):
            open_share(CONTEXT, 1, 2, d, ".".join(changed))


@pytest.mark.parametrize(
    ("envelope", "message"),
    [
        ("", "64, 24 and 96"),
        ("abc", "64, 24 and 96"),
        ("00" * 32 + "." + "00" * 12, "64, 24 and 96"),
        ("AA" * 32 + "." + "00" * 12 + "." + "00" * 48, "64, 24 and 96"),
        ("00" * 32 + "." + "00" * 12 + "." + "00" * 48 + ".", "64, 24 and 96"),
        ("ff" * 32 + "." + "00" * 12 + "." + "00" * 48, "not a ristretto255 element"),
        ("00" * 32 + "." + "00" * 12 + "." + "00" * 48, "is the identity"),
    ],
)
def test_a_malformed_envelope_is_refused_with_a_clear_message(envelope: str, message: str) -> None:
    d, _ = device()
    with pytest.raises(ValueError, match=message):
        open_share(CONTEXT, 1, 2, d, envelope)


def test_the_identity_is_no_device_key() -> None:
    with pytest.raises(ValueError, match="not a device key"):
        seal_share(CONTEXT, 1, 2, IDENTITY, Scalar.random())
