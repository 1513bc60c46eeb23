"""The export format of a log, and an in-memory log that produces it.

An export is JSON Lines (UTF-8, one object per line, "\\n" after each):

    {"format":"asamblea-record","kind":"header","log":"<federation>","version":1}
    {"entry":{...},"index":0,"kind":"entry","leaf_hash":"<64 hex>"}
    ... every entry, in order, indexes 0, 1, 2, ... without gaps ...
    {"kind":"checkpoint","log":...,"public_key":"ed25519:...","root":"<hex>",
     "signature":"<base64>","size":N,"time":"..."}
    ... every checkpoint, by increasing size ...

Entry lines embed the entry's stored canonical bytes unchanged, and the leaf
hash as stored, so a row changed after it was appended shows up at its own
line. docs/record.md describes the format for people writing other verifiers.

Pure module: no Django import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TextIO

from asamblea.errors import InvalidInput
from asamblea.record.canonical import canonical_entry, canonical_json
from asamblea.record.checkpoint import CheckpointSigner, SignedCheckpoint, issue_checkpoint
from asamblea.record.merkle import HASH_SIZE, MerkleTree, leaf_hash

FORMAT_NAME = "asamblea-record"
FORMAT_VERSION = 1


def header_line(log: str) -> str:
    """The first line of an export of `log`."""
    header = {"kind": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION, "log": log}
    return canonical_json(header).decode("utf-8")


def entry_line(index: int, entry: bytes | str, stored_hash: bytes | None = None) -> str:
    """The line of entry `index` from its stored canonical bytes (and stored leaf hash).

    The bytes are spliced in, not re-encoded: an export shows what is stored,
    including any damage, for the verifier to find.
    """
    data = entry.encode("utf-8") if isinstance(entry, str) else entry
    digest = leaf_hash(data) if stored_hash is None else stored_hash
    if len(digest) != HASH_SIZE:
        raise InvalidInput(f"entry {index}: a leaf hash has {HASH_SIZE} bytes, not {len(digest)}")
    # Keys in canonical order: entry, index, kind, leaf_hash.
    return (
        '{"entry":'
        + data.decode("utf-8")
        + ',"index":'
        + str(index)
        + ',"kind":"entry","leaf_hash":"'
        + digest.hex()
        + '"}'
    )


def checkpoint_line(checkpoint: SignedCheckpoint) -> str:
    """The line of a checkpoint."""
    return canonical_json(checkpoint.to_json()).decode("utf-8")


class ExportWriter:
    """Writes an export line by line: the header, then entries in order, then checkpoints."""

    def __init__(self, out: TextIO, log: str) -> None:
        self._out = out
        self.log = log
        self.entries = 0
        self.checkpoints = 0
        out.write(header_line(log) + "\n")

    def write_entry(self, entry: bytes | str, stored_hash: bytes | None = None) -> None:
        """Write the next entry (its stored canonical bytes, and its stored leaf hash)."""
        if self.checkpoints:
            raise InvalidInput("all entries must be written before the first checkpoint")
        self._out.write(entry_line(self.entries, entry, stored_hash) + "\n")
        self.entries += 1

    def write_checkpoint(self, checkpoint: SignedCheckpoint) -> None:
        """Write a checkpoint (in order of size, after the entries)."""
        self._out.write(checkpoint_line(checkpoint) + "\n")
        self.checkpoints += 1


def write_export(
    out: TextIO,
    log: str,
    entries: Iterable[bytes | str | tuple[bytes | str, bytes | None]],
    checkpoints: Iterable[SignedCheckpoint],
) -> ExportWriter:
    """Write a whole export; entries are stored bytes, or (stored bytes, stored leaf hash)."""
    writer = ExportWriter(out, log)
    for item in entries:
        if isinstance(item, tuple):
            writer.write_entry(*item)
        else:
            writer.write_entry(item)
    for checkpoint in checkpoints:
        writer.write_checkpoint(checkpoint)
    return writer


class MemoryLog:
    """A whole log in memory: append entries, issue checkpoints, export.

    The pure counterpart of the database log, for tests, benchmarks and demos.
    """

    def __init__(self, log: str) -> None:
        self.log = log
        self.tree = MerkleTree()
        self.entries: list[bytes] = []
        self.checkpoints: list[SignedCheckpoint] = []

    def __len__(self) -> int:
        return self.tree.size

    def append(self, entry: Mapping[str, Any]) -> int:
        """Append an entry of this log's federation; returns its index."""
        if entry.get("federation") != self.log:
            raise InvalidInput(
                f"entry of federation {entry.get('federation')!r} in the log of {self.log!r}"
            )
        data = canonical_entry(entry)
        self.entries.append(data)
        return self.tree.append(data)

    def issue_checkpoint(self, signer: CheckpointSigner, time: datetime) -> SignedCheckpoint:
        """Sign the current tree head and keep it."""
        checkpoint = issue_checkpoint(signer, self.log, self.tree.size, self.tree.root(), time)
        self.checkpoints.append(checkpoint)
        return checkpoint

    def write(self, out: TextIO) -> None:
        """Write the export of this log."""
        write_export(out, self.log, self.entries, self.checkpoints)

    def export_text(self) -> str:
        """The export as one string."""
        lines = [header_line(self.log)]
        lines.extend(entry_line(index, data) for index, data in enumerate(self.entries))
        lines.extend(checkpoint_line(checkpoint) for checkpoint in self.checkpoints)
        return "\n".join(lines) + "\n"
