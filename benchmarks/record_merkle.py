"""The public record at 1,000,000 entries: appends, export, full verification, proofs.

Issue 4, "Must show" 4, for the pure part (the database-backed append comes
with the Django side). In one process, on the pure in-memory log:

1. tree appends: `MerkleTree.append` of 1M canonical entries already encoded
   (the Merkle work alone), and pymerkle's `InmemoryTree.append_entry` on the
   same bytes, side by side, as an independent reference;
2. log appends: `MemoryLog.append` of 1M ballot-tracker entries (build the
   entry, canonical JSON, hash, tree), with a signed checkpoint every 1,000;
3. the export written to a JSON Lines file;
4. `asamblea.record.verify.verify_source` on that file: every line parsed,
   every entry re-canonicalised and re-hashed, the root recomputed at each of
   the 1,000 checkpoints, each signature checked, each consistency proof
   generated and verified;
5. inclusion proofs at 1M: the largest proof over 1,000 random leaves and the
   first and last, and the time to verify one (`verify_inclusion`, mean and
   worst of 1,000); a consistency proof 1..1M likewise.

Run:
    .venv/bin/python benchmarks/record_merkle.py
    .venv/bin/python benchmarks/record_merkle.py --entries 100000 --no-pymerkle
    .venv/bin/python benchmarks/record_merkle.py --output benchmarks/RECORD_RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from asamblea.record.canonical import canonical_entry, make_entry
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import MemoryLog
from asamblea.record.merkle import MerkleTree, verify_consistency, verify_inclusion
from asamblea.record.verify import EntryCheckRegistry, verify_source

LOG = "frente-sur"
START = datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC)


def tracker_entry(number: int) -> dict[str, object]:
    """A ballot's tracker, the most numerous kind of entry a federation records."""
    return make_entry(
        "ballot.tracker",
        START + datetime.timedelta(microseconds=number),
        LOG,
        election=f"eleccion-{number // 50_000}",
        tracker=f"{random.getrandbits(128):032x}",
    )


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class timed:
    """Time a block, printing its label and duration."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0

    def __enter__(self) -> timed:
        print(f"{self.label} ...", end=" ", flush=True)
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        print(f"{self.seconds:.2f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    parser.add_argument("--no-pymerkle", action="store_true", help="skip the pymerkle reference")
    parser.add_argument("--output", type=Path, help="write the results as Markdown here")
    args = parser.parse_args()
    n, every = args.entries, args.checkpoint_every
    random.seed(20261128)
    results: dict[str, str] = {}
    load_before = os.getloadavg()
    signer = Ed25519Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))

    print(f"encoding {n:,} entries ...", flush=True)
    encoded = [canonical_entry(tracker_entry(number)) for number in range(n)]
    average = sum(map(len, encoded)) / n

    tree = MerkleTree()
    with timed("MerkleTree.append") as t:
        for data in encoded:
            tree.append(data)
    results["Tree appends (asamblea MerkleTree.append, bytes ready)"] = (
        f"{n / t.seconds:,.0f} /s ({t.seconds:.2f} s)"
    )

    if not args.no_pymerkle:
        import pymerkle

        reference = pymerkle.InmemoryTree(algorithm="sha256")
        with timed("pymerkle InmemoryTree.append_entry") as t:
            for data in encoded:
                reference.append_entry(data)
        results["Tree appends (pymerkle 7.0.0 InmemoryTree, same bytes)"] = (
            f"{n / t.seconds:,.0f} /s ({t.seconds:.2f} s)"
        )
        with timed("pymerkle root") as t:
            same_root = reference.get_root() == tree.root()
        results["pymerkle root equals ours"] = f"{same_root} ({t.seconds:.2f} s to compute)"
        del reference
    del encoded

    random.seed(20261128)
    memory = MemoryLog(LOG)
    with timed("MemoryLog.append + checkpoints") as t:
        for number in range(n):
            memory.append(tracker_entry(number))
            if (number + 1) % every == 0:
                memory.issue_checkpoint(signer, START + datetime.timedelta(seconds=number))
        if n % every:
            memory.issue_checkpoint(signer, START + datetime.timedelta(seconds=n))
    results["Log appends (MemoryLog.append: entry, canonical JSON, hash, tree)"] = (
        f"{n / t.seconds:,.0f} /s ({t.seconds:.2f} s, incl. {len(memory.checkpoints):,} "
        f"signed checkpoints)"
    )
    assert memory.tree.root() == tree.root()  # same seed, same entries

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "record.jsonl"
        with timed("export") as t, path.open("w", encoding="utf-8") as out:
            memory.write(out)
        size_mb = path.stat().st_size / 1e6
        results["Export written (JSON Lines)"] = f"{t.seconds:.2f} s, {size_mb:,.0f} MB"

        with timed("verify") as t:
            report = verify_source(
                str(path), public_key=signer.public_key, checks=EntryCheckRegistry()
            )
        assert report.entries == n and report.root == memory.tree.root()
        results["Full verification (asamblea record verify FILE, in process)"] = (
            f"{t.seconds:.2f} s ({n / t.seconds:,.0f} entries/s; "
            f"{report.checkpoints:,} checkpoints)"
        )

    proof_tree = memory.tree
    root = proof_tree.root()
    samples = [0, n - 1, *random.sample(range(n), 1_000)]
    proofs = [(index, proof_tree.inclusion_proof(index)) for index in samples]
    longest = max(len(proof) for _, proof in proofs)
    # Each proof is verified 5 times; the best of the 5 is the verification's
    # cost, the worst single run shows what scheduling and GC on a shared
    # machine add on top.
    gc.collect()  # start the timings without the garbage of the steps above
    best, single_worst = [], 0.0
    for index, proof in proofs:
        leaf = proof_tree.leaf_hash(index)
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            verify_inclusion(index, n, leaf, proof, root)
            runs.append(time.perf_counter() - start)
        best.append(min(runs))
        single_worst = max(single_worst, *runs)
    best.sort()
    results[f"Inclusion proof at {n:,} entries ({len(samples):,} leaves)"] = (
        f"at most {longest} hashes ({longest * 32} bytes); verify median "
        f"{best[len(best) // 2] * 1e6:.1f} µs, 99th percentile "
        f"{best[len(best) * 99 // 100] * 1e6:.1f} µs, worst {best[-1] * 1e6:.1f} µs "
        f"(worst single run of {5 * len(samples):,}: {single_worst * 1e6:.0f} µs)"
    )
    start = time.perf_counter()
    for index in samples[:100]:
        proof_tree.inclusion_proof(index)
    generate = (time.perf_counter() - start) / 100
    results["Inclusion proof generation"] = f"{generate * 1e6:.0f} µs per proof"
    consistency = proof_tree.consistency_proof(n // 3)
    start = time.perf_counter()
    verify_consistency(n // 3, n, proof_tree.root(n // 3), root, consistency)
    results[f"Consistency proof {n // 3:,} -> {n:,}"] = (
        f"{len(consistency)} hashes; verify {(time.perf_counter() - start) * 1e6:.1f} µs"
    )
    results["Peak memory (whole process)"] = f"{peak_memory_mb():,.0f} MB"
    results["Average entry size"] = f"{average:.0f} bytes of canonical JSON"

    command = "python benchmarks/record_merkle.py " + " ".join(sys.argv[1:])
    lines = [
        "# Public record benchmark (pure part)",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command.strip()}`",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}",
        f"- entries: {n:,} ballot-tracker entries, a signed checkpoint every {every:,}",
        f"- load average (1 min) before / after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} "
        "(other work shares these cores; figures move by up to 2x between runs)",
        "",
        "| measure | result |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in results.items()),
        "",
        "Inclusion proofs: each of the sampled proofs is verified 5 times and the best",
        "of the 5 is its cost; the worst single run is what the scheduler and the",
        "garbage collector of a busy shared machine add on top of the hashing.",
        "",
    ]
    text = "\n".join(lines)
    print()
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
