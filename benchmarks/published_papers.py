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
    args = parser.parse_args()
    print("Unique papers: papers whose ranking no other paper of the same count carries.\n")
    print(HEADER)
    print(glasgow("stv-scottish").row("Glasgow 2022, 23 wards, stv-scottish"))
    print(glasgow("stv-meek").row("Glasgow 2022, 23 wards, stv-meek"))
    if not args.no_demo:
        for method, figures in sorted(demo(args.demo_dir).items()):
            print(figures.row(f"demo elections, {method}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
