"""The export writer: the header, entries spliced in as stored, then checkpoints."""

from __future__ import annotations

import io
import json

import pytest

from asamblea.errors import InvalidInput
from asamblea.record.canonical import canonical_entry, canonical_json
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import ExportWriter, MemoryLog, entry_line, write_export
from asamblea.record.merkle import leaf_hash
from asamblea.record.verify import EntryCheckRegistry, LogVerificationFailed, verify_lines

from .conftest import LOG, build_log, sample_entry


def test_an_entry_line_is_canonical_json_around_the_stored_bytes() -> None:
    data = canonical_entry(sample_entry(0))
    line = entry_line(4, data)
    expected = {
        "kind": "entry",
        "index": 4,
        "entry": json.loads(data),
        "leaf_hash": leaf_hash(data).hex(),
    }
    assert line == canonical_json(expected).decode()
    assert entry_line(4, data.decode()) == line


def test_an_entry_line_keeps_the_stored_hash_even_if_wrong() -> None:
    data = canonical_entry(sample_entry(0))
    stored = leaf_hash(b"something else")
    assert json.loads(entry_line(0, data, stored))["leaf_hash"] == stored.hex()
    with pytest.raises(InvalidInput, match="entry 3: a leaf hash has 32 bytes, not 2"):
        entry_line(3, data, b"ab")


def test_write_export_takes_stored_bytes_and_hashes(signer: Ed25519Signer) -> None:
    memory = build_log(signer, entries=4, every=4)
    rows = [(data, leaf_hash(data)) for data in memory.entries]
    rows[2] = (rows[2][0], leaf_hash(b"tampered in the database"))
    out = io.StringIO()
    writer = write_export(out, LOG, rows, memory.checkpoints)
    assert (writer.entries, writer.checkpoints) == (4, 1)
    with pytest.raises(LogVerificationFailed, match="entry 2: the entry does not match"):
        verify_lines(out.getvalue().splitlines(), checks=EntryCheckRegistry())


def test_entries_cannot_follow_a_checkpoint(signer: Ed25519Signer) -> None:
    memory = build_log(signer, entries=2, every=2)
    writer = ExportWriter(io.StringIO(), LOG)
    writer.write_entry(memory.entries[0])
    writer.write_checkpoint(memory.checkpoints[0])
    with pytest.raises(InvalidInput, match="before the first checkpoint"):
        writer.write_entry(memory.entries[1])


def test_a_memory_log_takes_only_its_own_federation() -> None:
    memory = MemoryLog(LOG)
    with pytest.raises(InvalidInput, match="entry of federation 'otra' in the log of 'frente-sur'"):
        memory.append(sample_entry(0, log="otra"))
    assert len(memory) == 0


def test_writing_and_export_text_agree(signer: Ed25519Signer) -> None:
    memory = build_log(signer, entries=7, every=3)
    out = io.StringIO()
    memory.write(out)
    assert out.getvalue() == memory.export_text()
