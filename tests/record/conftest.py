"""Shared pieces for the public record's pure tests: a key, a small signed log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from asamblea.record.canonical import make_entry
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import MemoryLog

LOG = "frente-sur"
START = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
ENTRIES = 20
CHECKPOINT_EVERY = 5


def fixed_signer(seed: int) -> Ed25519Signer:
    """A signer whose key is derived from a small number (tests must not depend on luck)."""
    return Ed25519Signer(Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def sample_entry(number: int, log: str = LOG) -> dict[str, object]:
    """The number-th event of a small federation's life, cycling through a few types."""
    time = START + timedelta(minutes=number)
    body = f"asamblea-{number % 4}"
    if number % 3 == 0:
        return make_entry("body.created", time, log, body=body, level="district")
    if number % 3 == 1:
        return make_entry(
            "body.members_counted", time, log, body=body, verified_members=100 + number
        )
    return make_entry(
        "count.result",
        time,
        log,
        body=body,
        votes={"Quispe": Decimal("12.50000"), "Mamani": Decimal(number)},
        total=str(Decimal("12.50000") + Decimal(number)),
    )


def build_log(
    signer: Ed25519Signer,
    entries: int = ENTRIES,
    every: int = CHECKPOINT_EVERY,
    log: str = LOG,
    first: int = 0,
) -> MemoryLog:
    """A log of `entries` sample entries with a checkpoint after every `every`."""
    memory = MemoryLog(log)
    for number in range(first, first + entries):
        memory.append(sample_entry(number, log))
        if len(memory) % every == 0:
            memory.issue_checkpoint(signer, START + timedelta(minutes=number, seconds=30))
    return memory


@pytest.fixture
def signer() -> Ed25519Signer:
    return fixed_signer(7)


@pytest.fixture
def other_signer() -> Ed25519Signer:
    return fixed_signer(9)


@pytest.fixture
def memory_log(signer: Ed25519Signer) -> MemoryLog:
    return build_log(signer)


@pytest.fixture
def export_lines(memory_log: MemoryLog) -> list[str]:
    """The export of the sample log, one string per line (without the newline)."""
    return memory_log.export_text().splitlines()


@pytest.fixture
def export_file(tmp_path: Path, memory_log: MemoryLog) -> Path:
    path = tmp_path / "record.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        memory_log.write(handle)
    return path
