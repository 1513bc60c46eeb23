"""Scottish STV at 100k, 1M and 10M ballots: Asamblea against five peer libraries.

Issue 2, "Must show" 4. Generates the same seeded random ranked ballots
(8 candidates, 3 seats, a realistic non-uniform distribution) as BLT files with
one ballot per line, then, side by side in one run, counts each file with

- Asamblea: the whole run is the real command `asamblea count FILE --method
  stv-scottish`; the count step is `asamblea.counting.methods.count(profile,
  "stv-scottish", seats=3)` on the profile already read from the file;
- pyrankvote, pref_voting (`stv_scottish`), votekit (`FastSTV`), stvpoll
  (`calculate_scottish_stv`) and votelib (`TransferableVoteSelector` with
  Gregory transfers and the Droop quota), installed in their own venv.

For each engine and size it reports the wall time of the whole run (a fresh
process: interpreter start, imports, reading the file, counting), the time of
the count step alone, and the peak memory of the whole run (ru_maxrss of the
process, from wait4). Each run is its own subprocess, capped by a timeout and a
memory cap; a run that hits one is reported as such, not waited for.

Peers read the BLT file as cheaply as their input format allows: one shared
pure-Python reader that counts identical lines with `collections.Counter` and
hands each peer the distinct rankings with their counts (every peer but
pyrankvote takes counts or weights; pyrankvote gets one reference per paper to
a shared Ballot object, its cheapest valid input). Building the peer's own
input structure (profile, ballot objects) is part of its read, as building
Asamblea's profile is part of ours. The count step of each engine runs on its
aggregated ballots.

Run it (see benchmarks/README.md):
    .venv/bin/python benchmarks/stv_peers.py --setup-venv        # once
    .venv/bin/python benchmarks/stv_peers.py                      # all sizes
    .venv/bin/python benchmarks/stv_peers.py --sizes 100k --engines asamblea,votekit
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUR_PYTHON = REPO / ".venv" / "bin" / "python"
DEFAULT_PEER_VENV = Path("/work/bench-venv")
REQUIREMENTS = HERE / "requirements-peers.txt"

CANDIDATES = (
    "Rosa Quispe Mamani",
    "Juan Condori Huanca",
    "Elena Flores Ccama",
    "Víctor Huamán Rojas",
    "Nilda Apaza Choque",
    "Hugo Ticona Pari",
    "Marta Sucso Layme",
    "Félix Yupanqui Soto",
)
SEATS = 3
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
PEERS = ("pyrankvote", "pref_voting", "votekit", "stvpoll", "votelib")
ENGINES = ("asamblea", *PEERS)
# Repeat a measurement while the repeats so far took less than this (best of the repeats
# is reported), at most MAX_REPEATS times. The same rule for every engine.
REPEAT_BUDGET_S = 10.0
MAX_REPEATS = 3
STEP_REPEAT_BUDGET_S = 2.0
STEP_MAX_REPEATS = 5


# --- ballots --------------------------------------------------------------------------


def generate_blt(path: Path, n_ballots: int, seed: int) -> None:
    """Write `n_ballots` random ranked ballots, one per line, as a BLT file.

    Three voter blocs (45%, 35%, 20%) each rank by a Plackett-Luce model with their
    own candidate strengths (sampled exactly with the Gumbel trick), so first
    preferences are uneven and later preferences correlated, as in real wards.
    Ballot lengths follow a skewed distribution (many voters rank 1-3, some all 8).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    blocs = np.array([0.45, 0.35, 0.20])
    strengths = np.log(
        np.array(
            [
                [6.0, 4.0, 1.5, 1.0, 0.8, 0.6, 0.4, 0.3],
                [1.0, 1.2, 5.0, 4.0, 0.8, 0.5, 0.6, 0.4],
                [0.7, 0.6, 0.8, 0.9, 3.0, 2.5, 1.0, 1.5],
            ]
        )
    )
    length_p = np.array([0.18, 0.17, 0.17, 0.14, 0.10, 0.07, 0.05, 0.12])
    k = len(CANDIDATES)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        out.write(f"{k} {SEATS}\n".encode())
        done = 0
        while done < n_ballots:
            n = min(1_000_000, n_ballots - done)
            bloc = rng.choice(3, size=n, p=blocs)
            keys = strengths[bloc] + rng.gumbel(size=(n, k))
            order = np.argsort(-keys, axis=1).astype(np.int64)  # best first
            lengths = rng.choice(np.arange(1, k + 1), size=n, p=length_p)
            # Encode each ballot as base-9 digits (candidate number, 0 = blank) so
            # identical ballots share one code and one encoded line.
            digits = np.where(np.arange(k) < lengths[:, None], order + 1, 0)
            codes = (digits * (9 ** np.arange(k - 1, -1, -1))).sum(axis=1)
            distinct, inverse = np.unique(codes, return_inverse=True)
            lines = np.array([_ballot_line(int(code), k) for code in distinct], dtype=object)
            out.write(b"".join(lines[inverse].tolist()))
            done += n
        out.write(b"0\n")
        for name in CANDIDATES:
            out.write(f'"{name}"\n'.encode())
        out.write(f'"Benchmark ward: {n_ballots} ballots, seed {seed}"\n'.encode())
    tmp.replace(path)


def _ballot_line(code: int, k: int) -> bytes:
    prefs = []
    for position in range(k - 1, -1, -1):
        digit = (code // 9**position) % 9
        if digit:
            prefs.append(str(digit))
    return ("1 " + " ".join(prefs) + " 0\n").encode()


@dataclass
class Ballots:
    """A BLT file read the cheap way: distinct rankings (0-based) with their counts."""

    names: list[str]
    seats: int
    rankings: dict[tuple[int, ...], int]


def read_blt_counted(path: str) -> Ballots:
    """The shared peer reader: count identical ballot lines, then parse each once."""
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    n_candidates, seats = (int(x) for x in lines[0].split()[:2])
    end = lines.index(b"0", 1)
    rankings: dict[tuple[int, ...], int] = {}
    for line, times in collections.Counter(lines[1:end]).items():
        fields = line.split()
        weight = int(fields[0])
        if weight < 0:  # a withdrawn candidate, not a ballot
            continue
        ranking = tuple(int(x) - 1 for x in fields[1:-1])
        rankings[ranking] = rankings.get(ranking, 0) + weight * times
    names = [line.strip().strip(b'"').decode() for line in lines[end + 1 : end + 1 + n_candidates]]
    return Ballots(names=names, seats=seats, rankings=rankings)


# --- the engines (run inside the worker process) --------------------------------------

Counter_ = Callable[[], list[str]]


def prepare_asamblea(path: str) -> tuple[Counter_, int, int]:
    from asamblea.counting import blt
    from asamblea.counting.methods import count

    profile = _our_reader(blt)(path)

    def run() -> list[str]:
        result = count(profile, "stv-scottish", seats=SEATS)
        return list(result.elected_names)

    return run, profile.total_papers, profile.distinct_rankings


def _our_reader(blt: Any) -> Callable[[str], Any]:
    for name in ("read_blt", "read_blt_file", "load_blt", "parse_blt_file", "read"):
        if hasattr(blt, name):
            reader: Callable[[str], Any] = getattr(blt, name)
            return reader
    raise SystemExit("asamblea.counting.blt has no reader function this benchmark knows")


def prepare_pyrankvote(path: str) -> tuple[Counter_, int, int]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    data = read_blt_counted(path)
    candidates = [Candidate(name) for name in data.names]
    ballots: list[Any] = []
    for ranking, times in data.rankings.items():
        # pyrankvote has no weights: one entry per paper, all sharing one Ballot object.
        ballots.extend([Ballot(ranked_candidates=[candidates[i] for i in ranking])] * times)

    def run() -> list[str]:
        result = pyrankvote.single_transferable_vote(candidates, ballots, number_of_seats=SEATS)
        return [candidate.name for candidate in result.get_winners()]

    return run, len(ballots), len(data.rankings)


def prepare_pref_voting(path: str) -> tuple[Counter_, int, int]:
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_scottish

    data = read_blt_counted(path)
    rankings = [{c: rank + 1 for rank, c in enumerate(r)} for r in data.rankings]
    profile = ProfileWithTies(
        rankings, rcounts=list(data.rankings.values()), candidates=list(range(len(data.names)))
    )

    def run() -> list[str]:
        winners = stv_scottish(profile, num_seats=SEATS, rng=random.Random(0))
        return [data.names[c] for c in winners]

    return run, sum(data.rankings.values()), len(data.rankings)


def prepare_votekit(path: str) -> tuple[Counter_, int, int]:
    from votekit import RankBallot, RankProfile
    from votekit.elections import FastSTV

    data = read_blt_counted(path)
    ballots = [
        RankBallot(ranking=[data.names[i] for i in r], weight=times)
        for r, times in data.rankings.items()
    ]
    profile = RankProfile(
        ballots=ballots, candidates=data.names, max_ranking_length=len(data.names)
    )

    def run() -> list[str]:
        election = FastSTV(profile, n_seats=SEATS, tiebreak="random", rng_seed=0)
        return [name for group in election.get_elected() for name in sorted(group)]

    return run, sum(data.rankings.values()), len(data.rankings)


def prepare_stvpoll(path: str) -> tuple[Counter_, int, int]:
    from stvpoll.scottish_stv import calculate_scottish_stv

    data = read_blt_counted(path)
    ballots = [(tuple(data.names[i] for i in r), times) for r, times in data.rankings.items()]
    names = tuple(data.names)

    def run() -> list[str]:
        result = calculate_scottish_stv(names, ballots, SEATS, random_shuffle=False)
        return list(result.elected_as_tuple())

    return run, sum(data.rankings.values()), len(data.rankings)


def prepare_votelib(path: str) -> tuple[Counter_, int, int]:
    from votelib.evaluate.sequential import TransferableVoteSelector

    data = read_blt_counted(path)
    votes = {tuple(data.names[i] for i in r): times for r, times in data.rankings.items()}

    def run() -> list[str]:
        selector = TransferableVoteSelector(transferer="Gregory", quota_function="droop")
        return [str(c) for c in selector.evaluate(votes, SEATS)]

    return run, sum(data.rankings.values()), len(data.rankings)


PREPARE: dict[str, Callable[[str], tuple[Counter_, int, int]]] = {
    "asamblea": prepare_asamblea,
    "pyrankvote": prepare_pyrankvote,
    "pref_voting": prepare_pref_voting,
    "votekit": prepare_votekit,
    "stvpoll": prepare_stvpoll,
    "votelib": prepare_votelib,
}


def worker(engine: str, path: str, mode: str) -> None:
    """Read, count, print one JSON line. `whole`: count once; `step`: best of repeats."""
    started = time.perf_counter()
    run, papers, distinct = PREPARE[engine](path)
    read_s = time.perf_counter() - started
    times = []
    elected: list[str] = []
    repeats = 1 if mode == "whole" else STEP_MAX_REPEATS
    while len(times) < repeats:
        t0 = time.perf_counter()
        elected = run()
        times.append(time.perf_counter() - t0)
        if sum(times) >= STEP_REPEAT_BUDGET_S:
            break
    report = {
        "read_s": read_s,
        "count_s": min(times),
        "count_runs": len(times),
        "papers": papers,
        "distinct": distinct,
        "elected": elected,
    }
    print(json.dumps(report, ensure_ascii=False))


# --- measuring one process ------------------------------------------------------------


@dataclass
class Run:
    """One subprocess: its wall time, peak memory and what it printed, or why it stopped."""

    wall_s: float | None = None
    cpu_s: float | None = None  # user + system CPU time of the process
    maxrss_mib: float | None = None
    stdout: str = ""
    failure: str | None = None  # "timeout", "memory cap", "exit N: ..."


def measure(
    command: Sequence[str],
    timeout_s: float,
    mem_cap_mib: float,
    env: dict[str, str] | None = None,
) -> Run:
    """Run `command`, wall-timed from spawn to reaping, with its own ru_maxrss."""
    out_path = Path(f"/tmp/stv-peers-{os.getpid()}.out")
    err_path = Path(f"/tmp/stv-peers-{os.getpid()}.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        reaped: dict[str, Any] = {}

        def reap() -> None:
            _, status, usage = os.wait4(process.pid, 0)
            reaped["end"] = time.perf_counter()
            reaped["status"] = status
            reaped["usage"] = usage

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        failure = None
        tree_peak = 0.0
        while waiter.is_alive():
            waiter.join(0.03)
            if not waiter.is_alive():
                break
            # ru_maxrss is per process: a run that forks workers can hold more at once,
            # so also sample the resident memory of the whole process tree.
            tree_peak = max(tree_peak, _tree_rss_mib(process.pid))
            if time.perf_counter() - started > timeout_s:
                failure = f"timeout (>{timeout_s:.0f} s)"
            elif tree_peak > mem_cap_mib:
                failure = f"memory cap (>{mem_cap_mib / 1024:.0f} GiB)"
            if failure:
                process.kill()
                waiter.join()
                break
    process.returncode = 0  # reaped by wait4; keep Popen from waiting again
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink()
    err_path.unlink()
    usage = reaped["usage"]
    run = Run(maxrss_mib=max(usage.ru_maxrss / 1024, tree_peak), stdout=stdout)
    if failure:
        run.failure = failure
        return run
    code = os.waitstatus_to_exitcode(reaped["status"])
    if code != 0:
        last = stderr.strip().splitlines()[-1:] or ["(no message)"]
        run.failure = f"exit {code}: {last[0][:200]}"
        return run
    run.wall_s = reaped["end"] - started
    run.cpu_s = usage.ru_utime + usage.ru_stime
    return run


def _tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants now, in MiB (0 if gone)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        # Descendants start after their ancestor, so only later pids need a look
        # (cheap enough to sample often; pid wrap-around during a run is ignored).
        if entry.isdigit() and int(entry) > root:
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    # The command name may hold spaces; fields after its ")" are fixed.
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    pages = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                pages += int(statm.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- the benchmark ----------------------------------------------------------------------


@dataclass
class Result:
    engine: str
    size: str
    whole_s: float | None = None
    whole_cpu_s: float | None = None
    whole_runs: int = 0
    maxrss_mib: float | None = None
    count_s: float | None = None
    read_s: float | None = None
    papers: int | None = None
    distinct: int | None = None
    elected: list[str] = field(default_factory=list)
    failure: str | None = None


def bench_engine(engine: str, size: str, path: Path, args: argparse.Namespace) -> Result:
    result = Result(engine=engine, size=size)
    python = str(args.our_python if engine == "asamblea" else args.peer_venv / "bin" / "python")
    me = str(Path(__file__).resolve())
    env = None
    if engine == "asamblea":
        # `python -m asamblea.cli` is what the `asamblea` script runs; PYTHONPATH puts the
        # snapshot of the measured commit before the editable install of the work tree.
        env = {**os.environ, "PYTHONPATH": str(args.engine_src)}
        count_args = ["count", str(path), "--method", "stv-scottish", "--json"]
        whole_cmd = [python, "-m", "asamblea.cli", *count_args]
    else:
        whole_cmd = [python, me, "--worker", engine, str(path), "--mode", "whole"]
    walls: list[float] = []
    cpus: list[float] = []
    while len(walls) < MAX_REPEATS:
        run = measure(whole_cmd, args.timeout, args.mem_cap_gib * 1024, env)
        if run.failure:
            result.failure = run.failure
            result.maxrss_mib = run.maxrss_mib
            return result
        assert run.wall_s is not None
        walls.append(run.wall_s)
        cpus.append(run.cpu_s or 0.0)
        rss = run.maxrss_mib
        # The largest peak of the repeats: never flatter an engine.
        result.maxrss_mib = max(result.maxrss_mib or 0.0, rss or 0.0)
        if engine == "asamblea":
            report = json.loads(run.stdout)
            result.elected = [e["name"] for e in report["elected"]]
        else:
            report = json.loads(run.stdout.strip().splitlines()[-1])
            result.elected = report["elected"]
            if result.count_s is None or report["count_s"] < result.count_s:
                result.count_s, result.read_s = report["count_s"], report["read_s"]
            result.papers, result.distinct = report["papers"], report["distinct"]
        if sum(walls) >= REPEAT_BUDGET_S:
            break
    result.whole_s = min(walls)
    result.whole_cpu_s = min(cpus)
    result.whole_runs = len(walls)
    # The count step alone: best of repeats in one process, unless the whole run's single
    # count already took long enough to be measured well (then a second run adds nothing).
    if engine == "asamblea" or (result.count_s is not None and result.count_s < 1.0):
        step_cmd = [python, me, "--worker", engine, str(path), "--mode", "step"]
        run = measure(step_cmd, args.timeout, args.mem_cap_gib * 1024, env)
        if run.failure:
            result.failure = f"count step: {run.failure}"
            return result
        report = json.loads(run.stdout.strip().splitlines()[-1])
        result.count_s, result.read_s = report["count_s"], report["read_s"]
        result.papers, result.distinct = report["papers"], report["distinct"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M,10M", help="comma list of 100k, 1M, 10M")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma list of engines")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the ballot generator")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/asamblea-bench"))
    parser.add_argument("--our-python", type=Path, default=DEFAULT_OUR_PYTHON)
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per process")
    parser.add_argument("--mem-cap-gib", type=float, default=12.0, help="RSS cap per process")
    parser.add_argument(
        "--engine-commit",
        default="HEAD",
        help="measure Asamblea as committed here (exported with git archive), not the work tree",
    )
    parser.add_argument("--json-out", type=Path, help="also write all figures here as JSON")
    parser.add_argument("--setup-venv", action="store_true", help="create the peers' venv")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--mode", choices=("whole", "step"), default="whole", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.worker:
        worker(args.worker[0], args.worker[1], args.mode)
        return 0
    if args.setup_venv:
        return setup_venv(args.peer_venv)

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [s for s in sizes if _ballots_in(s) is None] + [
        e for e in engines if e not in ENGINES
    ]
    if unknown:
        parser.error(f"unknown size or engine: {', '.join(unknown)}")
    if any(e in PEERS for e in engines) and not (args.peer_venv / "bin" / "python").exists():
        parser.error(f"no peer venv at {args.peer_venv}; run with --setup-venv first")

    args.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"# STV peers benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# command: {' '.join(sys.argv)}")
    if "asamblea" in engines:
        args.engine_src = export_engine(args.engine_commit, args.data_dir)
        described = subprocess.run(
            ["git", "log", "-1", "--format=%h %ci %s", args.engine_commit],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"# asamblea measured at commit {described}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: list[Result] = []
    gave_up: dict[str, str] = {}
    for size in sizes:
        path = args.data_dir / f"stv-{size}-seed{args.seed}.blt"
        if not path.exists():
            t0 = time.perf_counter()
            generate_blt(path, _ballots_in(size) or 0, args.seed)
            print(
                f"# generated {path} ({path.stat().st_size / 2**20:.0f} MiB) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        for engine in engines:
            if engine in gave_up:
                result = Result(engine=engine, size=size, failure=f"skipped ({gave_up[engine]})")
            else:
                result = bench_engine(engine, size, path, args)
                failure = result.failure or ""
                if "timeout" in failure or "memory" in failure:
                    gave_up[engine] = f"{result.failure} at {size}"
            results.append(result)
            print(_row(result), flush=True)
        print(flush=True)
    print(summary(results))
    if args.json_out:
        args.json_out.write_text(json.dumps([r.__dict__ for r in results], indent=2) + "\n")
    return 0


def _ballots_in(size: str) -> int | None:
    """'100k' -> 100000, '1M' -> 1000000, '2500' -> 2500; None if not such a number."""
    scale = {"k": 1_000, "M": 1_000_000}.get(size[-1:], 1)
    digits = size[:-1] if scale != 1 else size
    return int(digits) * scale if digits.isdigit() and int(digits) > 0 else None


def _row(r: Result) -> str:
    def secs(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    mib = "-" if r.maxrss_mib is None else f"{r.maxrss_mib:.0f}"
    if r.failure and r.whole_s is None:
        return f"{r.size:>4} {r.engine:<12} {r.failure}  (peak so far {mib} MiB)"
    agree = ",".join(r.elected)
    note = f"  [{r.failure}]" if r.failure else ""
    return (
        f"{r.size:>4} {r.engine:<12} whole {secs(r.whole_s):>8} s (best of {r.whole_runs}, "
        f"cpu {secs(r.whole_cpu_s)} s)  "
        f"count {secs(r.count_s):>8} s  load {secs(r.read_s):>7} s  peak {mib:>6} MiB  "
        f"{r.distinct} distinct of {r.papers}  elected {agree}{note}"
    )


def summary(results: list[Result]) -> str:
    """The issue's targets at each size, checked against the figures."""
    lines = ["# targets"]
    for size in dict.fromkeys(r.size for r in results):
        ours = next((r for r in results if r.size == size and r.engine == "asamblea"), None)
        peers = [r for r in results if r.size == size and r.engine in PEERS]
        if ours is None or ours.whole_s is None:
            continue
        ok_peers = [p for p in peers if p.whole_s is not None and p.count_s is not None]
        if ok_peers:
            fastest_count = min(ok_peers, key=lambda p: p.count_s or 0.0)
            fastest_whole = min(ok_peers, key=lambda p: p.whole_s or 0.0)
            assert ours.count_s and fastest_count.count_s and fastest_whole.whole_s
            leanest = min(p.maxrss_mib or 0.0 for p in ok_peers)
            lines.append(
                f"{size}: count step {fastest_count.count_s / ours.count_s:.1f}x faster than the "
                f"fastest peer ({fastest_count.engine}); whole run "
                f"{fastest_whole.whole_s / ours.whole_s:.1f}x faster than the fastest peer "
                f"({fastest_whole.engine}); peak {ours.maxrss_mib:.0f} MiB vs the leanest peer "
                f"{leanest:.0f} MiB"
            )
            cpu_peers = [p for p in ok_peers if p.whole_cpu_s]
            if ours.whole_cpu_s and cpu_peers:
                leanest_cpu = min(cpu_peers, key=lambda p: p.whole_cpu_s or 0.0)
                assert leanest_cpu.whole_cpu_s
                lines.append(
                    f"{size}: whole run CPU time {leanest_cpu.whole_cpu_s / ours.whole_cpu_s:.1f}x "
                    f"less than the least CPU-hungry peer ({leanest_cpu.engine})"
                )
            disagree = [p.engine for p in ok_peers if sorted(p.elected) != sorted(ours.elected)]
            if disagree:
                lines.append(f"{size}: elected differently from asamblea: {', '.join(disagree)}")
        else:
            lines.append(f"{size}: no peer finished")
        lines.append(f"{size}: asamblea whole run {ours.whole_s:.2f} s")
    lines.append(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return "\n".join(lines)


def export_engine(commit: str, data_dir: Path) -> Path:
    """The `src` folder of `commit`, exported once into `data_dir` (other work in progress
    in the work tree is never measured by accident)."""
    full = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = data_dir / f"asamblea-{full[:12]}"
    if not (target / "src").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", full, "src"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def setup_venv(venv: Path) -> int:
    """Create the peers' venv with the pinned versions of benchmarks/requirements-peers.txt."""
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    print(f"peers installed in {venv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
