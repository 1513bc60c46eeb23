"""Encrypted ballots (issue 12): encrypt, mix with proof, verify, decrypt with proofs.

The pure library `asamblea.secrecy` on ristretto255 through libsodium (rbcl),
one process, one core. For a ranked ballot of `--candidates` candidates (8 by
default: a full ranking packs into 2 ciphertexts; `--candidates 3 --ranks 1`
is a referendum's yes/no/abstain in 1) and a 2-of-3 trustee key
made by a joint Feldman dealing:

1. per ballot: encode + encrypt + seal with the proof of knowledge (what the
   voter's browser or the server does at casting), and checking that proof;
2. for each size N: one mix (re-encrypt, permute, Terelius-Wikström proof) and
   its verification; one trustee's decryption factors with the batched
   Chaum-Pedersen proof, and its verification; combining k = 2 shares and
   reading the rankings back (table lookup).

Wall and CPU (process) time are both reported: on the shared machine the CPU
time is the steadier figure. The raw speed of the group operations is
measured first, so the figures can be scaled to another machine.

Run:
    .venv/bin/python benchmarks/secrecy_mixnet.py
    .venv/bin/python benchmarks/secrecy_mixnet.py --sizes 1000 10000 100000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from asamblea.secrecy.bulletin import (
    cast_to_json,
    decryption_to_json,
    factor_share_to_json,
    mix_to_json,
)
from asamblea.secrecy.elgamal import Ballot, encrypt, encrypt_ballot, verify_ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import GENERATOR, Point, Scalar
from asamblea.secrecy.shuffle import shuffle, verify_shuffle
from asamblea.secrecy.threshold import (
    DecryptionShare,
    FactorShare,
    ThresholdKey,
    combine_decryption,
    deal,
    joint_key,
    partial_decrypt,
    partial_decrypt_each,
    verify_decryption_share,
    verify_factor_share,
)

T = TypeVar("T")
CONTEXT = "benchmark/election-1"


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if cpu > 5:  # a long step: its figure now, in case the run is cut short
        print(f"  ... step {cpu:.1f} s CPU ({wall:.1f} wall)", file=sys.stderr, flush=True)
    return result, wall, cpu


def rate(fn: Callable[[], object], count: int) -> float:
    _, _, cpu = timed(lambda: [fn() for _ in range(count)])
    return count / cpu


def json_bytes(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (VmHWM), MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(
    n: int,
    key: ThresholdKey,
    shares: dict[int, Scalar],
    codec: BallotCodec,
    rankings: list[tuple[int, ...]],
    workers: int,
    each: bool,
    cast_bytes: float,
    mix: bool = True,
) -> tuple[str | None, dict[str, object]]:
    """One row of the table (and its figures as a dict); with workers > 1, also a row
    of the parallel verification.

    each: the trustees' factors proven one by one (`partial_decrypt_each`, what a
    record publishing only the positions a count read needs); otherwise batched.
    """
    width = codec.width
    ballots: list[Ballot] = [
        tuple(encrypt(key.public, p) for p in codec.encode(rankings[i % len(rankings)]))
        for i in range(n)
    ]
    if mix:
        (outputs, proof), w1, c1 = timed(lambda: shuffle(CONTEXT, key.public, ballots))
        ok, w2, c2 = timed(lambda: verify_shuffle(CONTEXT, key.public, ballots, outputs, proof))
        assert ok
    else:  # the decryption steps alone, on the ballots as cast (they cost the same)
        outputs, proof, w1, c1, w2, c2 = ballots, None, 0.0, 0.0, 0.0, 0.0
    flat = [c for b in outputs for c in b]
    d1: DecryptionShare | FactorShare
    d3: DecryptionShare | FactorShare
    if each:
        d1, w3, c3 = timed(lambda: partial_decrypt_each(CONTEXT, key, 1, shares[1], flat))
        ok, w4, c4 = timed(lambda: verify_factor_share(CONTEXT, key, flat, d1))
        assert ok
        d3, w3b, c3b = timed(lambda: partial_decrypt_each(CONTEXT, key, 3, shares[3], flat))
        ok, w4b, c4b = timed(lambda: verify_factor_share(CONTEXT, key, flat, d3))
        assert ok
    else:
        d1, w3, c3 = timed(lambda: partial_decrypt(CONTEXT, key, 1, shares[1], flat))
        ok, w4, c4 = timed(lambda: verify_decryption_share(CONTEXT, key, flat, d1))
        assert ok
        d3, w3b, c3b = timed(lambda: partial_decrypt(CONTEXT, key, 3, shares[3], flat))
        ok, w4b, c4b = timed(lambda: verify_decryption_share(CONTEXT, key, flat, d3))
        assert ok

    opened: list[object] = []

    def read() -> dict[tuple[int, ...] | None, int]:
        points = combine_decryption(key, flat, [d1, d3])
        opened.append(points)
        tally: dict[tuple[int, ...] | None, int] = {}
        for j in range(n):
            r = codec.decode(points[j * width : (j + 1) * width])
            tally[r] = tally.get(r, 0) + 1
        return tally

    tally, w5, c5 = timed(read)
    expected: dict[tuple[int, ...] | None, int] = {}
    for i in range(n):
        expected[rankings[i % len(rankings)]] = expected.get(rankings[i % len(rankings)], 0) + 1
    assert tally == expected
    rss = peak_rss_mib()

    # What the record carries, per ballot (compact JSON as the record writes it).
    mix_b = json_bytes(mix_to_json(outputs, proof)) / n if proof is not None else 0.0
    if each:
        assert isinstance(d1, FactorShare)
        share_b = json_bytes(factor_share_to_json(d1)) / n
    else:
        share_b = json_bytes({"factors": [p.hex() for p in d1.factors]}) / n
    points = opened[0]
    assert isinstance(points, list)
    plain = [points[j * width : (j + 1) * width] for j in range(n)]
    readings = [codec.decode(p) for p in plain]
    read_b = json_bytes(decryption_to_json([], plain, readings)) / n
    figures: dict[str, object] = {
        "n": n,
        "width": width,
        "proofs": "each" if each else "batched",
        "mixed": mix,
        "cpu": {
            "mix": c1,
            "verify_mix": c2,
            "factors_1": c3,
            "verify_1": c4,
            "factors_3": c3b,
            "verify_3": c4b,
            "combine_read": c5,
        },
        "wall": {
            "mix": w1,
            "verify_mix": w2,
            "factors_1": w3,
            "verify_1": w4,
            "factors_3": w3b,
            "verify_3": w4b,
            "combine_read": w5,
        },
        "peak_rss_mib": rss,
        "bytes_per_ballot": {
            "cast": cast_bytes,
            "mix": mix_b,
            "share": share_b,
            "plaintexts_readings": read_b,
        },
        "loadavg": os.getloadavg(),
    }
    cells = " | ".join(
        f"{c:.1f} s ({w:.1f})"
        for w, c in ((w1, c1), (w2, c2), (w3, c3), (w4, c4), (w3b, c3b), (w4b, c4b), (w5, c5))
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"| {n:,} | {cells} | {rss:.0f} | {load} |", flush=True)
    print(
        f"  record bytes a ballot: cast {cast_bytes:.0f}, mix {mix_b:.0f}, "
        f"1 trustee's share {share_b:.0f}, plaintexts + readings {read_b:.0f}",
        flush=True,
    )
    if workers == 1 or proof is None:
        return None, figures
    ok, w6, _ = timed(
        lambda: verify_shuffle(CONTEXT, key.public, ballots, outputs, proof, workers=workers)
    )
    assert ok
    return f"| {n:,} | {w2:.1f} s | {w6:.1f} s |", figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--ranks", type=int, help="preferences a ballot holds (default: all)")
    parser.add_argument("--per-ballot", type=int, default=500)
    parser.add_argument(
        "--workers", type=int, default=1, help="also verify each mix with this many processes"
    )
    parser.add_argument(
        "--batched",
        action="store_true",
        help="trustees' factors with one batched proof (default: one proof per factor)",
    )
    parser.add_argument(
        "--no-mix", action="store_true", help="time the decryption steps alone (no mix)"
    )
    parser.add_argument("--json-out", help="append each size's figures to this file (JSON lines)")
    args = parser.parse_args()

    print(f"# secrecy_mixnet.py, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores,")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")

    s = Scalar.random()
    print("| group operation (one core) | per second (CPU) |\n| --- | ---: |")
    print(f"| k·P, variable base | {rate(lambda: GENERATOR * s, 3000):,.0f} |")
    print(f"| k·G, fixed base (libsodium table) | {rate(lambda: Point.base_times(s), 3000):,.0f} |")
    print(f"| P + Q | {rate(lambda: GENERATOR + GENERATOR, 3000):,.0f} |\n")

    dealings = [deal(CONTEXT, d, 2, 3) for d in (1, 2, 3)]
    key = joint_key([dc for dc, _ in dealings], 3)
    shares = {i: sum((sh[i] for _, sh in dealings[1:]), dealings[0][1][i]) for i in (1, 2, 3)}
    codec = BallotCodec(args.candidates, args.ranks)
    print(f"{args.candidates} candidates, rankings of {codec.ranks}: {codec.width} ciphertexts")
    print(f"({codec.per_ciphertext} positions per ciphertext); key 2 of 3 trustees.\n")

    rng = random.Random(12)
    rankings = [tuple(rng.sample(range(args.candidates), codec.ranks)) for _ in range(200)]
    sealed, _, cpu = timed(
        lambda: [
            encrypt_ballot(CONTEXT, key.public, codec.encode(rankings[i % 200]))
            for i in range(args.per_ballot)
        ]
    )
    enc_ms = 1000 * cpu / args.per_ballot
    _, _, cpu = timed(lambda: [verify_ballot(CONTEXT, key.public, b, p) for b, p in sealed])
    check_ms = 1000 * cpu / args.per_ballot
    print("| per ballot | ms (CPU) |\n| --- | ---: |")
    print(f"| encode + encrypt + proof (casting) | {enc_ms:.2f} |")
    print(f"| check the cast proof | {check_ms:.2f} |\n")
    cast_bytes = sum(json_bytes(cast_to_json(b, p)) for b, p in sealed) / len(sealed)

    _, _, table_cpu = timed(lambda: codec.decode(codec.encode(rankings[0])))
    print(f"Decoding table ({(args.candidates + 1) ** codec.per_ciphertext:,} elements), built")
    print(f"once per count: {table_cpu:.1f} s CPU.\n")
    each = not args.batched
    proofs = "one proof per factor" if each else "one batched proof"
    print(f"Trustees' factors: {proofs}.\n")
    header = (
        "| N ballots | mix + proof | verify mix | trustee 1's factors + proofs | verify"
        " share 1 | trustee 3's factors + proofs | verify share 3 | combine 2 + count"
        " | peak RSS MiB | load |"
    )
    print(header + "\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    parallel = []
    for n in args.sizes:
        row, figures = run_size(
            n, key, shares, codec, rankings, args.workers, each, cast_bytes, not args.no_mix
        )
        parallel.append(row)
        figures.update(
            candidates=args.candidates, ranks=codec.ranks, python=platform.python_version()
        )
        if args.json_out:
            with open(args.json_out, "a") as f:
                f.write(json.dumps(figures) + "\n")
    print("\nCells: CPU seconds (wall seconds in brackets), one process; peak RSS: VmHWM.")
    if args.workers > 1:
        print(f"\n| N ballots | verify mix, 1 process (wall) | {args.workers} processes (wall) |")
        print("| ---: | ---: | ---: |")
        print("\n".join(row for row in parallel if row))


if __name__ == "__main__":
    main()
