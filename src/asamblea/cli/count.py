"""`asamblea count FILE`: count a ballot file (BLT or CSV) and print the result sheet.

Pure: needs no database and imports no Django, so a recount runs anywhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from asamblea.errors import InvalidInput

if TYPE_CHECKING:
    from asamblea.counting.profile import Profile

# The method names, for --help, without importing the counting engine (numpy): every
# `asamblea` command builds this parser, and only `count` needs the engine.
METHOD_NAMES = ("approval", "irv", "plurality", "schulze", "stv-meek", "stv-scottish")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "count",
        help="count a ballot file and print the result, stage by stage",
        description=(
            "Count the ballots in FILE (BLT, or CSV: see docs/counting.md) and print "
            "a stage-by-stage result sheet, or JSON with --json."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="ballots: a .blt or .csv file")
    parser.add_argument(
        "--method",
        default="stv-scottish",
        help=f"counting method, one of: {', '.join(METHOD_NAMES)} (default: stv-scottish)",
    )
    parser.add_argument(
        "--seats", type=int, help="seats to fill (default: from the ballot file's header)"
    )
    parser.add_argument(
        "--seed", type=int, help="seed for ties the rules leave to lot (recorded in the result)"
    )
    parser.add_argument(
        "--at-least",
        action="extend",
        nargs="+",
        default=[],
        metavar="GROUP=K",
        help="at least K seats for the candidates of GROUP (their group/party field)",
    )
    parser.add_argument(
        "--format",
        choices=("blt", "csv"),
        help="ballot file format (default: from the file name; BLT unless it ends in .csv)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from asamblea.counting.methods import count
    from asamblea.counting.report import render_json, render_text

    profile = load(args.file, args.format)
    at_least = parse_at_least(args.at_least)
    result = count(profile, args.method, seats=args.seats, seed=args.seed, at_least=at_least)
    sys.stdout.write(render_json(result) if args.json else render_text(result))
    return 0


def load(path: str, file_format: str | None = None) -> Profile:
    """Read ballots from `path`, as BLT or CSV (by `file_format` or the file name)."""
    if file_format is None:
        file_format = "csv" if Path(path).suffix.lower() == ".csv" else "blt"
    # Only the reader in use is imported: the CSV one brings the csv module.
    if file_format == "csv":
        from asamblea.counting.csvballots import read_csv

        return read_csv(path)
    from asamblea.counting.blt import read_blt

    return read_blt(path)


def parse_at_least(values: list[str]) -> dict[str, int]:
    """`["women=2"]` -> `{"women": 2}`; InvalidInput says what was expected."""
    constraint: dict[str, int] = {}
    for value in values:
        group, sep, number = value.rpartition("=")
        if not sep or not group.strip() or not number.strip().isdigit():
            raise InvalidInput(f"expected --at-least GROUP=K with K a whole number, not {value!r}")
        constraint[group.strip()] = int(number)
    return constraint
