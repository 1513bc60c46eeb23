"""The stored public record at 1,000,000 entries, on PostgreSQL: appends, export, verify, proofs.

Issue 4, "Must show" 4, for the database side. Against a scratch PostgreSQL
database (created, migrated, and dropped at the end unless --keep):

1. appends: N ballot-tracker events through `append_entries`, in batches of
   --batch, each batch in its own transaction as a service's change would be
   (canonical JSON, leaf hash, tree nodes, tree state under its row lock, one
   signed checkpoint per batch); plus --small-calls calls of --small-batch
   events, the size of an ordinary change (a membership verified, a seat filled);
2. export: `asamblea record export FILE` in a child process (streamed from the
   database; its peak memory shows it is constant, not proportional to N);
3. verify: `asamblea record verify FILE --public-key KEY` in a child process;
4. inclusion proofs at N from the database (`services.inclusion_proof`, 1,000
   random leaves plus the first and last): size, time to build (queries
   included), and time to verify with `merkle.verify_inclusion` (best of 5
   runs per proof, then median, 99th percentile and worst over the proofs);
   a consistency proof N/3 -> N likewise;
5. the size of the log tables on disk.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, as for the tests):
    .venv/bin/python benchmarks/record_db.py
    .venv/bin/python benchmarks/record_db.py --entries 100000
    .venv/bin/python benchmarks/record_db.py --output benchmarks/RECORD_RESULTS.md

--output replaces this script's own section of the file (between its markers)
and leaves every other section as it is.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASAMBLEA = Path(sys.executable).parent / "asamblea"
SECTION_START = "<!-- record_db.py: begin -->"
SECTION_END = "<!-- record_db.py: end -->"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command in a child; (wall seconds, the child's peak resident MB, its output)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{output.decode()}")
    return seconds, usage.ru_maxrss / 1024, output.decode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def best_of(repeats: int, job: Any) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000, help="events per append call")
    parser.add_argument("--small-calls", type=int, default=2_000)
    parser.add_argument("--small-batch", type=int, default=3)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--database", default="asamblea_record_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args()

    import psycopg

    work = Path(tempfile.mkdtemp(prefix="asamblea-record-db-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "ASAMBLEA_DATA_DIR": str(work),
        "DJANGO_SETTINGS_MODULE": "asamblea.settings",
    }
    os.environ.update(env)
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    load_before = os.getloadavg()[0]
    try:
        results = measure(args, env, work)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            # The scratch data dir holds only the benchmark's own signing key and export.
            shutil.rmtree(work, ignore_errors=True)
    results["load"] = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
    text = report(args, results)
    print(text)
    if args.output:
        write_section(args.output, text)
        print(f"written to {args.output}")
    return 0


def measure(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from asamblea.federation.importing import do_import_federation
    from asamblea.federation.models import Body
    from asamblea.federation.spec import BodySpec, FederationSpec, LevelSpec, SectorSpec
    from asamblea.record import services
    from asamblea.record.merkle import verify_consistency, verify_inclusion
    from asamblea.record.services import Event, append_entries

    results: dict[str, Any] = {}
    call_command("migrate", verbosity=0)
    spec = FederationSpec(
        slug="bench",
        name="Benchmark federation",
        levels=[LevelSpec("base", "Base", 0)],
        sectors=[SectorSpec("territorial", "Territorial")],
    )
    spec.bodies.append(BodySpec("base-1", "Base 1", "base", "base", "territorial"))
    federation = do_import_federation(spec)
    base = Body.objects.get(federation=federation, slug="base-1")
    start_size = services.published_size(federation)

    def events(first: int, count: int) -> list[Event]:
        return [
            Event(
                "ballot.tracker",
                {
                    "election": (first + n) // 50_000,
                    "tracker": hashlib.sha256(f"ballot {first + n}".encode()).hexdigest(),
                },
                body=base,
            )
            for n in range(count)
        ]

    # 1. appends in service-sized transactions.
    print(f"appending {args.entries:,} entries in batches of {args.batch:,} ...", flush=True)
    appended, started = 0, time.perf_counter()
    call_times = []
    while appended < args.entries:
        count = min(args.batch, args.entries - appended)
        batch = events(appended, count)
        call_start = time.perf_counter()
        with transaction.atomic():
            append_entries(federation, batch)
        call_times.append(time.perf_counter() - call_start)
        appended += count
        if appended % 100_000 < args.batch:
            rate = appended / (time.perf_counter() - started)
            print(f"  {appended:,} ({rate:,.0f}/s)", flush=True)
    append_seconds = time.perf_counter() - started
    results["append_seconds"] = append_seconds
    results["append_rate"] = args.entries / append_seconds
    results["append_call_median_ms"] = statistics.median(call_times) * 1000
    print(f"small appends: {args.small_calls:,} calls of {args.small_batch} ...", flush=True)
    small_times = []
    for call in range(args.small_calls):
        batch = events(args.entries + call * args.small_batch, args.small_batch)
        call_start = time.perf_counter()
        with transaction.atomic():
            append_entries(federation, batch)
        small_times.append(time.perf_counter() - call_start)
    results["small_rate"] = args.small_calls * args.small_batch / sum(small_times)
    results["small_call_median_ms"] = statistics.median(small_times) * 1000
    results["small_call_p99_ms"] = percentile(small_times, 0.99) * 1000
    size = services.published_size(federation)
    results["size"] = size
    results["start_size"] = start_size
    results["checkpoints"] = federation.checkpoints.count()
    connection.close()

    # 2 and 3. export and verify, as the commands, in child processes.
    export_file = work / "bench.jsonl"
    print("exporting ...", flush=True)
    seconds, peak, _out = run_measured(
        [str(ASAMBLEA), "record", "export", str(export_file), "--federation", "bench"], env
    )
    results["export_seconds"], results["export_peak_mb"] = seconds, peak
    results["export_mb"] = export_file.stat().st_size / 1e6
    key = services.public_key().to_text()
    print("verifying ...", flush=True)
    seconds, peak, out = run_measured(
        [str(ASAMBLEA), "record", "verify", str(export_file), "--public-key", key], env
    )
    if not out.startswith("OK:"):
        raise SystemExit(out)
    results["verify_seconds"], results["verify_peak_mb"] = seconds, peak
    results["verify_summary"] = out.splitlines()[1].strip()
    export_file.unlink()

    # 4. proofs from the database at the full size.
    print("proofs ...", flush=True)
    rng = random.Random(4)
    indexes = [0, size - 1, *(rng.randrange(size) for _ in range(1_000))]
    checkpoint = services.latest_checkpoint(federation)
    assert checkpoint is not None and checkpoint.size == size
    root = bytes.fromhex(checkpoint.root_hash)
    build, check, lengths = [], [], []
    for index in indexes:
        start = time.perf_counter()
        proof = services.inclusion_proof(federation, index, size)
        build.append(time.perf_counter() - start)
        lengths.append(len(proof.path))
        check.append(
            best_of(
                5,
                lambda p=proof: verify_inclusion(p.index, size, p.leaf_hash, p.path, root),
            )
        )
    results["proof_hashes_max"] = max(lengths)
    results["proof_bytes_max"] = max(lengths) * 32
    results["proof_build_median_ms"] = statistics.median(build) * 1000
    results["proof_build_p99_ms"] = percentile(build, 0.99) * 1000
    results["proof_verify_median_us"] = statistics.median(check) * 1e6
    results["proof_verify_p99_us"] = percentile(check, 0.99) * 1e6
    results["proof_verify_max_us"] = max(check) * 1e6
    results["proofs"] = len(indexes)
    first = size // 3
    start = time.perf_counter()
    consistency = services.consistency_proof(federation, first, size)
    results["consistency_build_ms"] = (time.perf_counter() - start) * 1000
    results["consistency_first"] = first
    results["consistency_hashes"] = len(consistency.path)
    results["consistency_verify_us"] = (
        best_of(
            5,
            lambda: verify_consistency(
                first, size, consistency.first_root, consistency.second_root, consistency.path
            ),
        )
        * 1e6
    )

    # 5. disk.
    with connection.cursor() as cursor:
        sizes = {}
        for table in ["record_entry", "record_node", "record_checkpoint", "record_treestate"]:
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = cursor.fetchone()[0] / 1e6
    results["disk"] = sizes
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def report(args: argparse.Namespace, r: dict[str, Any]) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    import psycopg

    with psycopg.connect(f"{args.server}/postgres") as db:
        server = db.execute("SHOW server_version").fetchone()[0]
    disk = r["disk"]
    lines = [
        SECTION_START,
        "# Public record benchmark (database: append_entries on PostgreSQL)",
        "",
        f"- date: {now}",
        "- command: `python benchmarks/record_db.py"
        + (f" --entries {args.entries}" if args.entries != 1_000_000 else "")
        + (f" --batch {args.batch}" if args.batch != 1_000 else "")
        + " --output benchmarks/RECORD_RESULTS.md`",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}, PostgreSQL {server} on the same machine",
        f"- load average (1 min) before / after: {r['load']} (other work shares these cores)",
        f"- log: {r['size']:,} entries ({r['start_size']} from the federation's import, "
        f"{args.entries:,} ballot trackers in batches of {args.batch:,}, then "
        f"{args.small_calls:,} calls of {args.small_batch}); {r['checkpoints']:,} signed "
        "checkpoints, one per call",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| Appends, batches of {args.batch:,} (one transaction each: canonical JSON, leaf "
        "hash, nodes, tree state under its row lock, signed checkpoint) | "
        f"{r['append_rate']:,.0f} entries/s ({r['append_seconds']:.1f} s; "
        f"{r['append_call_median_ms']:.0f} ms median per call) |",
        f"| Appends, calls of {args.small_batch} (a service's change) | "
        f"{r['small_rate']:,.0f} entries/s; {r['small_call_median_ms']:.1f} ms median per "
        f"call, 99th percentile {r['small_call_p99_ms']:.1f} ms |",
        f"| Export (`asamblea record export`, streamed from the database) | "
        f"{r['export_seconds']:.1f} s, {r['export_mb']:.0f} MB; peak memory "
        f"{r['export_peak_mb']:.0f} MB |",
        f"| Full verification (`asamblea record verify FILE --public-key`) | "
        f"{r['verify_seconds']:.1f} s ({r['size'] / r['verify_seconds']:,.0f} entries/s); "
        f"peak memory {r['verify_peak_mb']:.0f} MB |",
        f"| Export + verify | {r['export_seconds'] + r['verify_seconds']:.1f} s |",
        f"| Inclusion proof at {r['size']:,} entries ({r['proofs']:,} leaves) | at most "
        f"{r['proof_hashes_max']} hashes ({r['proof_bytes_max']} bytes); verify median "
        f"{r['proof_verify_median_us']:.1f} µs, 99th percentile "
        f"{r['proof_verify_p99_us']:.1f} µs, worst {r['proof_verify_max_us']:.1f} µs |",
        f"| Inclusion proof from the database (3 queries) | median "
        f"{r['proof_build_median_ms']:.2f} ms, 99th percentile {r['proof_build_p99_ms']:.2f} ms |",
        f"| Consistency proof {r['consistency_first']:,} -> {r['size']:,} | "
        f"{r['consistency_hashes']} hashes; built in {r['consistency_build_ms']:.2f} ms, "
        f"verified in {r['consistency_verify_us']:.1f} µs |",
        f"| Disk (tables with indexes) | entries {disk['record_entry']:.0f} MB, nodes "
        f"{disk['record_node']:.0f} MB, checkpoints {disk['record_checkpoint']:.1f} MB |",
        f"| Peak memory of the appending process | {r['peak_mb']:.0f} MB |",
        "",
        f"Verifier's summary: {r['verify_summary']}",
        "",
        "Proof verification: each proof is verified 5 times and the best run is its "
        "cost (what the hashing takes, without the scheduler's noise on a shared machine).",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Put this script's section into `path`, replacing only its own earlier section."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION_START in old and SECTION_END in old:
        before = old[: old.index(SECTION_START)]
        after = old[old.index(SECTION_END) + len(SECTION_END) :].lstrip("\n")
        new = before + text + ("\n" + after if after else "")
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + text
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
