"""Signed tree heads ("checkpoints") and the installation's Ed25519 key.

A checkpoint states that the log `log` (a federation's identifier) had `size`
entries with root hash `root` at `time`. The signed message is

    b"asamblea checkpoint v1\\n" + canonical JSON of {"log", "root" (hex), "size", "time"}

so a signature over anything else (an entry, another program's note) can never
pass for a checkpoint. Signatures are Ed25519 (RFC 8032) via `cryptography`.

The private key lives in a PEM file outside the database (mode 0600, created on
first use); its public key is published as text "ed25519:<base64 of the 32 raw
bytes>" with a short fingerprint people can compare by eye or by voice.

Signing goes through the `CheckpointSigner` protocol so the Django side (or a
hardware key later) only needs `public_key` and `sign(message)`.

Pure module: no Django import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from asamblea.errors import InvalidFile, InvalidInput, NotFound, VerificationFailed
from asamblea.record.canonical import canonical_json, format_time, parse_time
from asamblea.record.merkle import HASH_SIZE

SIGNED_PREFIX = b"asamblea checkpoint v1\n"
PUBLIC_KEY_PREFIX = "ed25519:"
SIGNATURE_SIZE = 64
_HEX_HASH = re.compile(r"^[0-9a-f]{64}$")


class InvalidSignatureError(VerificationFailed):
    """A checkpoint whose signature is not valid for the key it is checked against."""


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key, as published."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise InvalidInput(f"an Ed25519 public key has 32 bytes, not {len(self.raw)}")

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """Parse "ed25519:<base64>" or a PEM public key block."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text.encode("ascii"))
            except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm):
                raise InvalidInput("the PEM block is not a readable public key") from None
            if not isinstance(key, Ed25519PublicKey):
                raise InvalidInput("the PEM public key is not an Ed25519 key")
            return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        if not text.startswith(PUBLIC_KEY_PREFIX):
            raise InvalidInput(
                f'a public key looks like "ed25519:<base64>" or a PEM block, got {text[:40]!r}'
            )
        try:
            raw = base64.b64decode(text[len(PUBLIC_KEY_PREFIX) :], validate=True)
        except binascii.Error:
            raise InvalidInput(f"the public key {text!r} is not valid base64") from None
        return cls(raw)

    def to_text(self) -> str:
        """The publishable form, "ed25519:<base64>"."""
        return PUBLIC_KEY_PREFIX + base64.b64encode(self.raw).decode("ascii")

    def to_pem(self) -> str:
        """The key as a PEM SubjectPublicKeyInfo block (for OpenSSL users)."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """A short form to compare by eye: SHA-256 of the key, first 8 bytes, in groups."""
        digest = hashlib.sha256(self.raw).hexdigest()[:16]
        return ":".join(digest[i : i + 4] for i in range(0, 16, 4))

    def is_valid_signature(self, signature: bytes, message: bytes) -> bool:
        """True if `signature` is this key's Ed25519 signature of `message`."""
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class CheckpointSigner(Protocol):
    """What checkpoint issuing needs from a key: its public half and a signature."""

    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, message: bytes) -> bytes: ...


class Ed25519Signer:
    """A CheckpointSigner holding an Ed25519 private key in memory."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._public_key = PublicKey(raw)

    @classmethod
    def generate(cls) -> Ed25519Signer:
        """A signer with a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> PublicKey:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def to_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (protect it with file permissions)."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def save_signing_key(signer: Ed25519Signer, path: str | os.PathLike[str]) -> None:
    """Write the key to a new file readable by its owner only; never overwrite one."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: losing an existing key would orphan every checkpoint it signed.
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidFile(
            "a key file already exists here; refusing to replace it", path=str(target)
        ) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(signer.to_pem())


def load_signing_key(path: str | os.PathLike[str]) -> Ed25519Signer:
    """Read the key file; refuses one that other users can read."""
    source = Path(path)
    try:
        mode = source.stat().st_mode
        data = source.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{source}: no such key file") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidFile(
            f"other users can read this key file (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {source}",
            path=str(source),
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InvalidFile("not an unencrypted PEM private key", path=str(source)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidFile("the key is not an Ed25519 key", path=str(source))
    return Ed25519Signer(key)


def load_or_create_signing_key(path: str | os.PathLike[str]) -> Ed25519Signer:
    """The installation's key: read from `path`, or generated and saved there on first run."""
    if Path(path).exists():
        return load_signing_key(path)
    signer = Ed25519Signer.generate()
    save_signing_key(signer, path)
    return signer


@dataclass(frozen=True)
class SignedCheckpoint:
    """A signed tree head: log, size, root, time, and who signed it how."""

    log: str
    size: int
    root: bytes
    time: str
    public_key: PublicKey
    signature: bytes

    def signed_message(self) -> bytes:
        return checkpoint_message(self.log, self.size, self.root, self.time)

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as a line of an export (see docs/record.md)."""
        return {
            "kind": "checkpoint",
            "log": self.log,
            "size": self.size,
            "root": self.root.hex(),
            "time": self.time,
            "public_key": self.public_key.to_text(),
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedCheckpoint:
        """Read a checkpoint object; InvalidInput naming the first field that is wrong."""
        expected = {"kind", "log", "size", "root", "time", "public_key", "signature"}
        if data.get("kind") != "checkpoint":
            raise InvalidInput(f'a checkpoint has "kind": "checkpoint", got {data.get("kind")!r}')
        if set(data) != expected:
            missing = sorted(expected - set(data))
            extra = sorted(set(data) - expected)
            raise InvalidInput(
                "a checkpoint has the fields "
                + ", ".join(sorted(expected))
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(extra)}" if extra else "")
            )
        log, size, root, time = data["log"], data["size"], data["root"], data["time"]
        if not isinstance(log, str) or not log:
            raise InvalidInput(f'"log" must be a non-empty string, got {log!r}')
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidInput(f'"size" must be a whole number >= 0, got {size!r}')
        if not isinstance(root, str) or not _HEX_HASH.match(root):
            raise InvalidInput(f'"root" must be 64 lower-case hex digits, got {root!r}')
        parse_time(time)
        public_key = data["public_key"]
        if not isinstance(public_key, str):
            raise InvalidInput(f'"public_key" must be a string, got {public_key!r}')
        signature_text = data["signature"]
        signature = _base64_or_empty(signature_text)
        if len(signature) != SIGNATURE_SIZE:
            raise InvalidInput(
                f'"signature" must be the base64 of {SIGNATURE_SIZE} bytes, got {signature_text!r}'
            )
        return cls(
            log=log,
            size=size,
            root=bytes.fromhex(root),
            time=time,
            public_key=PublicKey.from_text(public_key),
            signature=signature,
        )


def _base64_or_empty(text: Any) -> bytes:
    """The bytes of a base64 string, or b"" if it is not one (callers check the length)."""
    if not isinstance(text, str):
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        return b""


def checkpoint_message(log: str, size: int, root: bytes, time: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    if len(root) != HASH_SIZE:
        raise InvalidInput(f"a root hash has {HASH_SIZE} bytes, not {len(root)}")
    return SIGNED_PREFIX + canonical_json(
        {"log": log, "root": root.hex(), "size": size, "time": time}
    )


def issue_checkpoint(
    signer: CheckpointSigner, log: str, size: int, root: bytes, time: datetime
) -> SignedCheckpoint:
    """Sign the tree head of `log` at `size` entries with root `root`."""
    stamp = format_time(time)
    signature = signer.sign(checkpoint_message(log, size, root, stamp))
    return SignedCheckpoint(
        log=log,
        size=size,
        root=root,
        time=stamp,
        public_key=signer.public_key,
        signature=signature,
    )


def verify_checkpoint(checkpoint: SignedCheckpoint, public_key: PublicKey | None = None) -> None:
    """Raise InvalidSignatureError unless the checkpoint is signed by `public_key`.

    Without `public_key` the key named in the checkpoint is used: that proves
    only that the holder of that key signed it, so compare its fingerprint
    with the one the federation publishes.
    """
    key = checkpoint.public_key if public_key is None else public_key
    if key != checkpoint.public_key:
        raise InvalidSignatureError(
            f"the checkpoint names key {checkpoint.public_key.to_text()} "
            f"(fingerprint {checkpoint.public_key.fingerprint}), "
            f"not the expected {key.to_text()} (fingerprint {key.fingerprint})"
        )
    if not key.is_valid_signature(checkpoint.signature, checkpoint.signed_message()):
        raise InvalidSignatureError(
            f"the signature of the checkpoint of size {checkpoint.size} is not valid "
            f"for key {key.to_text()}"
        )
