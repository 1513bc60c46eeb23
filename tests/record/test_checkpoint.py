"""Checkpoints: signed with Ed25519, refused when anything signed changes; the key file."""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from asamblea.errors import InvalidFile, InvalidInput, NotFound
from asamblea.record.checkpoint import (
    SIGNED_PREFIX,
    CheckpointSigner,
    Ed25519Signer,
    InvalidSignatureError,
    PublicKey,
    SignedCheckpoint,
    checkpoint_message,
    issue_checkpoint,
    load_or_create_signing_key,
    load_signing_key,
    save_signing_key,
    verify_checkpoint,
)
from asamblea.record.merkle import EMPTY_ROOT, leaf_hash

WHEN = datetime(2026, 11, 28, 8, 7, 44, tzinfo=UTC)
ROOT = leaf_hash(b"some root")

# RFC 8032 section 7.1, TEST 1 (empty message).
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_signer_is_rfc8032_ed25519() -> None:
    signer = Ed25519Signer(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_SECRET)))
    assert signer.public_key.raw.hex() == RFC8032_PUBLIC
    assert signer.sign(b"").hex() == RFC8032_SIGNATURE
    assert signer.public_key.is_valid_signature(bytes.fromhex(RFC8032_SIGNATURE), b"")
    assert not signer.public_key.is_valid_signature(bytes.fromhex(RFC8032_SIGNATURE), b"x")


def test_the_signed_message_is_prefix_and_canonical_json() -> None:
    message = checkpoint_message("frente-sur", 12, ROOT, "2026-11-28T08:07:44.000000Z")
    assert message == SIGNED_PREFIX + (
        b'{"log":"frente-sur","root":"' + ROOT.hex().encode() + b'","size":12,'
        b'"time":"2026-11-28T08:07:44.000000Z"}'
    )
    with pytest.raises(InvalidInput, match="32 bytes, not 3"):
        checkpoint_message("frente-sur", 12, b"abc", "2026-11-28T08:07:44.000000Z")


def test_an_issued_checkpoint_verifies_with_its_key(signer: Ed25519Signer) -> None:
    checkpoint = issue_checkpoint(signer, "frente-sur", 12, ROOT, WHEN)
    assert checkpoint.time == "2026-11-28T08:07:44.000000Z"
    assert checkpoint.public_key == signer.public_key
    verify_checkpoint(checkpoint)
    verify_checkpoint(checkpoint, signer.public_key)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"size": 13}, id="size"),
        pytest.param({"root": EMPTY_ROOT}, id="root"),
        pytest.param({"time": "2026-11-28T08:07:45.000000Z"}, id="time"),
        pytest.param({"log": "frente-norte"}, id="log"),
        pytest.param({"signature": bytes(64)}, id="signature"),
    ],
)
def test_changing_anything_signed_breaks_the_signature(
    signer: Ed25519Signer, change: dict[str, Any]
) -> None:
    checkpoint = replace(issue_checkpoint(signer, "frente-sur", 12, ROOT, WHEN), **change)
    with pytest.raises(InvalidSignatureError, match="signature of the checkpoint of size"):
        verify_checkpoint(checkpoint)


def test_a_checkpoint_must_name_the_expected_key(
    signer: Ed25519Signer, other_signer: Ed25519Signer
) -> None:
    checkpoint = issue_checkpoint(other_signer, "frente-sur", 12, ROOT, WHEN)
    with pytest.raises(InvalidSignatureError, match="not the expected"):
        verify_checkpoint(checkpoint, signer.public_key)
    # Claiming the expected key while signing with another does not help either.
    impostor = replace(checkpoint, public_key=signer.public_key)
    with pytest.raises(InvalidSignatureError, match="is not valid for key"):
        verify_checkpoint(impostor, signer.public_key)


class CountingSigner:
    """A CheckpointSigner of our own making (as a hardware key would be): counts signatures."""

    def __init__(self, inner: Ed25519Signer) -> None:
        self.inner = inner
        self.signed = 0

    @property
    def public_key(self) -> PublicKey:
        return self.inner.public_key

    def sign(self, message: bytes) -> bytes:
        self.signed += 1
        return self.inner.sign(message)


def test_any_checkpoint_signer_can_issue(signer: Ed25519Signer) -> None:
    counting = CountingSigner(signer)
    as_protocol: CheckpointSigner = counting
    checkpoint = issue_checkpoint(as_protocol, "frente-sur", 1, ROOT, WHEN)
    verify_checkpoint(checkpoint, signer.public_key)
    assert counting.signed == 1


# --- Public keys ---------------------------------------------------------------


def test_public_key_text_and_pem_round_trip(signer: Ed25519Signer) -> None:
    key = signer.public_key
    text = key.to_text()
    assert text.startswith("ed25519:")
    assert base64.b64decode(text.removeprefix("ed25519:")) == key.raw
    assert PublicKey.from_text(f"  {text}\n") == key
    assert PublicKey.from_text(key.to_pem()) == key
    assert key.fingerprint.count(":") == 3
    assert len(key.fingerprint) == 19


def test_rfc8032_public_key_fingerprint_is_stable() -> None:
    key = PublicKey(bytes.fromhex(RFC8032_PUBLIC))
    assert key.to_text() == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    assert key.fingerprint == "21fe:31df:a154:a261"


def ec_public_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("ssh-ed25519 AAAA", "looks like", id="other-format"),
        pytest.param("ed25519:not base64!", "not valid base64", id="bad-base64"),
        pytest.param("ed25519:" + base64.b64encode(b"short").decode(), "32 bytes, not 5", id="len"),
        pytest.param(
            "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "not a readable", id="pem"
        ),
        pytest.param(
            "-----BEGIN PUBLIC KEY-----\nñ\n-----END PUBLIC KEY-----",
            "not a readable",
            id="non-ascii",
        ),
    ],
)
def test_public_key_text_is_checked(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        PublicKey.from_text(text)


def test_a_pem_key_of_another_algorithm_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not an Ed25519 key"):
        PublicKey.from_text(ec_public_pem())


# --- The key file ----------------------------------------------------------------


def test_a_saved_key_is_private_and_loads_back(tmp_path: Path, signer: Ed25519Signer) -> None:
    path = tmp_path / "keys" / "record.pem"
    save_signing_key(signer, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_signing_key(path).public_key == signer.public_key


def test_an_existing_key_is_never_overwritten(tmp_path: Path, signer: Ed25519Signer) -> None:
    path = tmp_path / "record.pem"
    save_signing_key(signer, path)
    with pytest.raises(InvalidFile, match="refusing to replace it"):
        save_signing_key(Ed25519Signer.generate(), path)
    assert load_signing_key(path).public_key == signer.public_key


def test_the_key_is_created_on_first_use_and_reused_after(tmp_path: Path) -> None:
    path = tmp_path / "record.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_signing_key(path)
    assert again.public_key == first.public_key


def test_a_key_others_can_read_is_refused(tmp_path: Path, signer: Ed25519Signer) -> None:
    path = tmp_path / "record.pem"
    save_signing_key(signer, path)
    os.chmod(path, 0o640)
    with pytest.raises(InvalidFile, match="chmod 600"):
        load_signing_key(path)


def test_a_missing_key_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such key file"):
        load_signing_key(tmp_path / "absent.pem")


def write_private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


def test_a_key_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = write_private(tmp_path / "record.pem", b"hello")
    with pytest.raises(InvalidFile, match="not an unencrypted PEM private key"):
        load_signing_key(path)


def test_a_key_file_of_another_algorithm_is_refused(tmp_path: Path) -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = write_private(tmp_path / "record.pem", pem)
    with pytest.raises(InvalidFile, match="not an Ed25519 key"):
        load_signing_key(path)


# --- The checkpoint line ---------------------------------------------------------


def test_checkpoint_json_round_trips(signer: Ed25519Signer) -> None:
    checkpoint = issue_checkpoint(signer, "frente-sur", 12, ROOT, WHEN)
    data = checkpoint.to_json()
    assert data["kind"] == "checkpoint"
    assert data["root"] == ROOT.hex()
    assert SignedCheckpoint.from_json(data) == checkpoint


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"kind": "entry"}, '"kind": "checkpoint"', id="kind"),
        pytest.param({"size": None}, "missing size", id="missing-field"),
        pytest.param({"extra": 1}, "unexpected extra", id="extra-field"),
        pytest.param({"log": ""}, '"log" must be', id="empty-log"),
        pytest.param({"size": -1}, '"size" must be', id="negative-size"),
        pytest.param({"size": True}, '"size" must be', id="boolean-size"),
        pytest.param({"size": "12"}, '"size" must be', id="text-size"),
        pytest.param({"root": "AB" * 32}, '"root" must be', id="upper-case-root"),
        pytest.param({"root": "ab"}, '"root" must be', id="short-root"),
        pytest.param({"time": "now"}, "expected a UTC time", id="time"),
        pytest.param({"public_key": 5}, '"public_key" must be', id="key-type"),
        pytest.param({"public_key": "ed25519:AAAA"}, "32 bytes", id="key-length"),
        pytest.param({"signature": "%%%"}, '"signature" must be', id="signature-base64"),
        pytest.param({"signature": "AAAA"}, '"signature" must be', id="signature-length"),
        pytest.param({"signature": 7}, '"signature" must be', id="signature-type"),
    ],
)
def test_a_malformed_checkpoint_line_names_the_field(
    signer: Ed25519Signer, change: dict[str, Any], message: str
) -> None:
    data = issue_checkpoint(signer, "frente-sur", 12, ROOT, WHEN).to_json()
    for key, value in change.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    with pytest.raises(InvalidInput, match=message):
        SignedCheckpoint.from_json(data)
