"""How many published papers are unique, before and after cutting them where the count stopped.

Issue 12: a published ranking that no other paper carries can serve a coercer
as a receipt ("rank my candidate first, then these five in this order").
Elections now publish each paper only as far as the count read it
(`asamblea.counting.truncate`). This prints, for the Glasgow 2022 council
wards (tests/counting/data/glasgow, counted by the Scottish rules and, for
comparison, by Meek) and for the demo's elections, the papers, their distinct
rankings and the papers whose ranking no other paper of the same count
carries, whole and cut.

Run:
    .venv/bin/python benchmarks/published_papers.py                 # Glasgow, and the demo
    .venv/bin/python benchmarks/published_papers.py --no-demo       # Glasgow only
    .venv/bin/python benchmarks/published_papers.py --demo-dir DIR  # a data dir holding the demo

Without --demo-dir the demo is loaded (`asamblea demo`, SQLite) into a fresh
temporary data directory first, which takes a few minutes.

Sealed elections (`--sealed`, a second table): what the record's decryption
("secrecy.opened") shows. Before, it decrypted every paper whole, so its
unique papers were the "unique whole" above whatever the count published; now
each paper is sealed one preference per ciphertext and decrypted only as far
as the count read it (`asamblea.ballots.sealing`, `OpenedBox.published_as_read`).
For Glasgow each distinct ranking is encoded with the codec an election of the
ward would use, cut with `BallotCodec.shown_by` and read back with
`decode_prefix` (no encryption: what is decrypted is the plaintext); for the
demo, the published "secrecy.opened" entries are read. It also says how many
ciphertexts are decrypted in public, and how many papers the server keeps whole
(unpublished) for a countback: those whose published part names an elected
candidate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLASGOW = ROOT / "tests" / "counting" / "data" / "glasgow"
sys.path.insert(0, str(ROOT / "src"))

from asamblea.counting.blt import read_blt  # noqa: E402
from asamblea.counting.profile import Profile  # noqa: E402
from asamblea.counting.truncate import count_truncated, unique_papers  # noqa: E402
from asamblea.elections.publish import count_as_read_with_depths  # noqa: E402
from asamblea.secrecy.encoding import BallotCodec  # noqa: E402


@dataclass
class Figures:
    """Papers, distinct rankings and unique papers, whole and cut, over some counts."""

    counts: int = 0
    papers: int = 0
    distinct_whole: int = 0
    distinct_cut: int = 0
    unique_whole: int = 0
    unique_cut: int = 0

    def add(self, whole: Profile, cut: Profile) -> None:
        self.counts += 1
        self.papers += whole.total_papers
        self.distinct_whole += whole.distinct_rankings
        self.distinct_cut += cut.distinct_rankings
        self.unique_whole += unique_papers(whole)
        self.unique_cut += unique_papers(cut)

    def row(self, label: str) -> str:
        def share(n: int) -> str:
            return f"{n:,} ({100 * n / self.papers:.1f}%)" if self.papers else "0"

        return (
            f"| {label} | {self.counts} | {self.papers:,} | {self.distinct_whole:,} | "
            f"{self.distinct_cut:,} | {share(self.unique_whole)} | {share(self.unique_cut)} |"
        )


HEADER = (
    "| counts | n | papers | distinct whole | distinct cut | unique whole | unique cut |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def glasgow(method: str) -> Figures:
    figures = Figures()
    for path in sorted(GLASGOW.glob("ward-*.blt")):
        whole = read_blt(path)
        assert whole.seats is not None
        _result, cut = count_truncated(whole, method, seats=whole.seats, seed=2022)
        figures.add(whole, cut)
    return figures


@dataclass
class Sealed:
    """What a sealed election's record decrypts, before (whole) and after (as read)."""

    counts: int = 0
    papers: int = 0
    unique_whole: int = 0
    unique_read: int = 0
    ciphertexts: int = 0
    decrypted: int = 0
    kept_whole: int = 0

    def row(self, label: str) -> str:
        def share(n: int, of: int) -> str:
            return f"{n:,} ({100 * n / of:.1f}%)" if of else "0"

        return (
            f"| {label} | {self.counts} | {self.papers:,} | "
            f"{share(self.unique_whole, self.papers)} | "
            f"{share(self.unique_read, self.papers)} | {share(self.decrypted, self.ciphertexts)} | "
            f"{share(self.kept_whole, self.papers)} |"
        )


SEALED_HEADER = (
    "| sealed counts | n | papers | unique, whole decryption (before) | "
    "unique, decrypted as read (after) | ciphertexts decrypted | kept whole for a countback |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _unique(rows: dict[tuple[int, ...], int]) -> int:
    return sum(1 for papers in rows.values() if papers == 1)


def glasgow_sealed(method: str) -> Sealed:
    figures = Sealed()
    for path in sorted(GLASGOW.glob("ward-*.blt")):
        whole = read_blt(path)
        assert whole.seats is not None
        names = list(whole.candidates)
        codec = BallotCodec(len(names), table_limit=len(names) + 1)  # as an election seals
        rows = [tuple(c for c in row if c >= 0) for row in whole.rankings.tolist()]
        papers = whole.multiplicity.tolist()
        inputs = {
            "method": method,
            "seats": whole.seats,
            "seed": 2022,
            "candidates": names,
            "ballots": [
                {"ranking": [names[c] for c in row], "count": n}
                for row, n in zip(rows, papers, strict=True)
            ],
        }
        found = count_as_read_with_depths(inputs)
        assert found is not None
        result, _cut, depths = found
        elected = {names.index(item["name"]) for item in result["elected"]}
        read: dict[tuple[int, ...], int] = {}
        for row, n in zip(rows, papers, strict=True):
            points = codec.encode(row)
            shown = codec.shown_by(points, depths[tuple(names[c] for c in row)])
            reading = codec.decode_prefix(points[:shown])
            assert reading is not None and row[: len(reading)] == reading
            read[reading] = read.get(reading, 0) + n
            figures.ciphertexts += codec.width * n
            figures.decrypted += shown * n
            figures.kept_whole += n if elected & set(reading) else 0
        figures.counts += 1
        figures.papers += whole.total_papers
        figures.unique_whole += unique_papers(whole)
        figures.unique_read += _unique(read)
    return figures


def demo_sealed() -> Sealed:
    """The demo's sealed elections as its record decrypts them (after `demo` loaded it)."""
    import json

    from asamblea.ballots.models import BallotKey
    from asamblea.record.models import Entry

    figures = Sealed()
    for payload in Entry.objects.filter(type="secrecy.opened").values_list("payload", flat=True):
        entry = json.loads(payload)
        decryption = entry.get("decryption")
        if "election" not in entry or not decryption or "positions" not in decryption:
            continue
        key = BallotKey.objects.get(context=entry["context"])
        kept = (key.opened or {}).get("kept") or decryption["ballots"]
        shown: dict[tuple[int, ...], int] = {}
        whole: dict[tuple[int, ...], int] = {}
        for reading, full in zip(decryption["ballots"], kept, strict=True):
            if reading is None:
                continue
            shown[tuple(reading)] = shown.get(tuple(reading), 0) + 1
            whole[tuple(full)] = whole.get(tuple(full), 0) + 1
        figures.counts += 1
        figures.papers += sum(shown.values())
        figures.unique_read += _unique(shown)
        # The server no longer has the papers whole: this is a lower bound of "before".
        figures.unique_whole += _unique(whole)
        figures.ciphertexts += int(key.codec["ranks"]) * len(decryption["positions"])
        figures.decrypted += sum(len(p) for p in decryption["positions"])
        figures.kept_whole += sum(
            1 for r, k in zip(decryption["ballots"], kept, strict=True) if r is not None and r != k
        )
    return figures


def demo(data_dir: Path | None) -> dict[str, Figures]:
    """Per method, the figures of the demo's closed elections whose papers are published."""
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="asamblea-demo-"))
        env = {**os.environ, "ASAMBLEA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src")}
        env.pop("DATABASE_URL", None)
        print(f"loading the demo into {data_dir} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "asamblea.cli", "demo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    os.environ["ASAMBLEA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
    import django

    django.setup()
    from asamblea.elections.models import Election
    from asamblea.elections.publish import profile_from_ballots
    from asamblea.elections.services.closing import profile_for
    from asamblea.record.models import Entry

    published = {}
    for payload in Entry.objects.filter(type="election.counted").values_list("payload", flat=True):
        import json

        entry = json.loads(payload)
        if "ballots" in entry and entry.get("ballots_as_read"):
            published[entry["election"]] = entry
    by_method: dict[str, Figures] = {}
    for election in Election.objects.filter(pk__in=published).order_by("pk"):
        entry = published[election.pk]
        whole, _candidacies = profile_for(election)
        cut = profile_from_ballots(
            entry["candidates"], entry["ballots"], seats=entry["seats"], groups=entry["groups"]
        )
        by_method.setdefault(election.method, Figures()).add(whole, cut)
    return by_method


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="Glasgow only")
    parser.add_argument("--demo-dir", type=Path, help="a data directory holding the demo")
    parser.add_argument("--sealed", action="store_true", help="also what sealed records decrypt")
    args = parser.parse_args()
    print("Unique papers: papers whose ranking no other paper of the same count carries.\n")
    print(HEADER)
    print(glasgow("stv-scottish").row("Glasgow 2022, 23 wards, stv-scottish"))
    print(glasgow("stv-meek").row("Glasgow 2022, 23 wards, stv-meek"))
    if not args.no_demo:
        for method, figures in sorted(demo(args.demo_dir).items()):
            print(figures.row(f"demo elections, {method}"))
    if args.sealed:
        print("\nSealed elections: what the record's decryption shows.\n")
        print(SEALED_HEADER)
        print(glasgow_sealed("stv-scottish").row("Glasgow 2022, 23 wards, stv-scottish"))
        print(glasgow_sealed("stv-meek").row("Glasgow 2022, 23 wards, stv-meek"))
        if not args.no_demo:
            print(demo_sealed().row("demo elections, stv-scottish and irv"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
