"""Envelope encryption of personal data at rest: what a copy of the database cannot read.

Two tiers of keys. The *data key* (a key-encryption key, 32 random bytes) is never
in the database: it comes from the DATA_KEY setting or from a file in the data
folder (DATA_KEY_FILE, made 0600 on first use). Each value gets its own random
*value key*, which encrypts the value (AES-256-GCM) and is itself encrypted under
the data key (AES-256-GCM). A stored value reads

    aes1:<data key id>:<nonce + encrypted value key>:<nonce + encrypted value>

(the last two in unpadded base64url). The key id names the data key without
revealing it, so that `asamblea keys rotate` can find every value still under an
old key. Values are padded to a multiple of 32 bytes before encryption: the
stored length tells the length of a name only to the nearest 32 bytes, and an
empty phone looks like a short one.

Errors here never carry a value, whole or in part: they say which key is missing
or wrong and what to do, in one line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from asamblea.errors import DataKeyError, InvalidInput

FORMAT = "aes1"
KEY_BYTES = 32
NONCE_BYTES = 12
PAD_TO = 32
# Associated data: a value key cannot be passed off as a value, nor the reverse.
_WRAP_AD = b"asamblea value key"
_VALUE_AD = b"asamblea value"


@dataclass(frozen=True)
class Keyring:
    """The data keys at hand: the first encrypts, every one decrypts what it encrypted."""

    keys: tuple[bytes, ...]
    source: str  # where they came from, for messages: "DATA_KEY" or the file's path
    ids: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(key_id(key) for key in self.keys))

    @property
    def current(self) -> bytes:
        return self.keys[0]

    @property
    def current_id(self) -> str:
        return self.ids[0]

    def by_id(self, wanted: str) -> bytes | None:
        for key, kid in zip(self.keys, self.ids, strict=True):
            if hmac.compare_digest(kid, wanted):
                return key
        return None


def key_id(key: bytes) -> str:
    """A short public name for a data key (a keyed hash of a constant: it reveals nothing)."""
    return hmac.new(key, b"asamblea data key id", hashlib.sha256).hexdigest()[:12]


def new_key() -> str:
    """A fresh data key, as DATA_KEY and the key file write it (base64url, 43 characters)."""
    return _b64(secrets.token_bytes(KEY_BYTES))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_keys(text: str, source: str) -> Keyring:
    """The keys written in `text`: base64url, one per line or comma-separated; lines
    starting with # are notes."""
    keys: list[bytes] = []
    for line in text.replace(",", "\n").splitlines():
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        try:
            key = _unb64(word)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise DataKeyError(
                f"{source}: each data key is 32 bytes in base64 (43 characters); "
                "`asamblea keys new` writes one."
            )
        keys.append(key)
    if not keys:
        raise DataKeyError(f"{source} holds no data key; `asamblea keys new` writes one.")
    return Keyring(tuple(keys), source)


def key_file() -> Path:
    return Path(settings.DATA_KEY_FILE)


def write_key_file(path: Path, keys: list[bytes], *, replace: bool = True) -> None:
    """Write the key file at once (a crash leaves the old file or the new, never half).
    With replace=False an existing file wins: two processes starting together keep one key."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.new")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        text = (
            "# Asamblea's data keys: the first encrypts. Keep a copy apart from the "
            "database's backups.\n" + "".join(_b64(key) + "\n" for key in keys)
        )
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _read_key_file(path: Path) -> Keyring:
    if not path.exists():
        write_key_file(path, [secrets.token_bytes(KEY_BYTES)], replace=False)
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise DataKeyError(
                f"{path} can be read by other accounts of this machine: chmod 600 {path}"
            )
        return parse_keys(path.read_text(encoding="ascii"), str(path))
    except (OSError, UnicodeDecodeError):
        raise DataKeyError(f"{path}: the data key file cannot be read.") from None


class _Cache:
    """The keyring, read again when the key file changes (after `asamblea keys rotate`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ring: Keyring | None = None
        self.stamp: tuple[str, int, int, int] | None = None

    def get(self, *, recheck: bool) -> Keyring:
        if settings.DATA_KEY:
            stamp = ("env", hash(settings.DATA_KEY), 0, 0)
        else:
            path = key_file()
            try:
                seen = path.stat()
                stamp = (str(path), seen.st_ino, seen.st_mtime_ns, seen.st_size)
            except FileNotFoundError:
                stamp = (str(path), 0, 0, 0)
        with self.lock:
            if self.ring is not None and (stamp == self.stamp or not recheck):
                return self.ring
            if settings.DATA_KEY:
                ring = parse_keys(settings.DATA_KEY, "DATA_KEY")
            else:
                ring = _read_key_file(key_file())
                seen = key_file().stat()
                stamp = (str(key_file()), seen.st_ino, seen.st_mtime_ns, seen.st_size)
            self.ring, self.stamp = ring, stamp
            return ring

    def forget(self) -> None:
        with self.lock:
            self.ring = self.stamp = None


_cache = _Cache()


def keyring() -> Keyring:
    """The data keys now in force (DATA_KEY, else the key file, made on first use)."""
    return _cache.get(recheck=True)


def forget_keys() -> None:
    """Drop the keys held in memory: the next use reads them again (tests, rotation)."""
    _cache.forget()


def _pad(raw: bytes) -> bytes:
    # ISO/IEC 7816-4: a 0x80 byte, then zeros up to the block.
    raw += b"\x80"
    return raw + b"\x00" * (-len(raw) % PAD_TO)


def _unpad(raw: bytes) -> bytes:
    end = raw.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise ValueError("bad padding")
    return end[:-1]


def encrypt(text: str, ring: Keyring | None = None) -> str:
    """`text` as stored: encrypted under a fresh value key, itself under the current data key."""
    ring = ring or keyring()
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        # Its message and its .object would quote the text: raise without them.
        raise InvalidInput("The text holds characters that are not valid Unicode.") from None
    value_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(ring.current).encrypt(wrap_nonce, value_key, _WRAP_AD)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(value_key).encrypt(nonce, _pad(raw), _VALUE_AD)
    return f"{FORMAT}:{ring.current_id}:{_b64(wrap_nonce + wrapped)}:{_b64(nonce + sealed)}"


def stored_key_id(stored: str) -> str | None:
    """The id of the data key a stored value is under, or None if it is not encrypted."""
    parts = stored.split(":")
    return parts[1] if len(parts) == 4 and parts[0] == FORMAT else None


def decrypt(stored: str) -> str:
    """The text of a stored value; DataKeyError (naming no part of it) if it cannot be read."""
    kid = stored_key_id(stored)
    if kid is None:
        raise DataKeyError(
            "A personal value in the database is not encrypted: run `asamblea migrate`."
        )
    ring = _cache.get(recheck=False)
    key = ring.by_id(kid)
    if key is None:
        ring = keyring()  # the key file may have changed since it was read
        key = ring.by_id(kid)
    if key is None:
        raise DataKeyError(
            f"The personal data was encrypted with data key {kid}, which is not in "
            f"{ring.source} (it holds {', '.join(ring.ids)}): "
            "give Asamblea that key, e.g. restore the key file you keep apart from backups."
        )
    _format, _kid, wrapped, sealed = stored.split(":")
    try:
        wrapped_raw, sealed_raw = _unb64(wrapped), _unb64(sealed)
        value_key = AESGCM(key).decrypt(
            wrapped_raw[:NONCE_BYTES], wrapped_raw[NONCE_BYTES:], _WRAP_AD
        )
        padded = AESGCM(value_key).decrypt(
            sealed_raw[:NONCE_BYTES], sealed_raw[NONCE_BYTES:], _VALUE_AD
        )
        return _unpad(padded).decode("utf-8")
    except (InvalidTag, ValueError, binascii.Error):
        # UnicodeDecodeError is a ValueError, and its message quotes bytes: never chain it.
        raise DataKeyError(
            f"A personal value under data key {kid} does not open with that key: "
            "the database or the key was altered."
        ) from None
