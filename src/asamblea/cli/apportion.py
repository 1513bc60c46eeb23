"""`asamblea apportion`: share a council's seats among bodies by their populations.

Reads a CSV file of `name,population` rows (a header row `name,population` is
optional; with a header, optional `min_seats` and `max_seats` columns give
per-body bounds that override `--min-seats`/`--max-seats`). Prints a table, or
with `--json` one object `{"method", "seats": {name: seats}, ...}`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from asamblea.counting.apportionment import METHODS, Apportionment, apportion
from asamblea.errors import InvalidFile
from asamblea.textfiles import csv_delimiter, decode

_WHOLE = re.compile(r"[0-9]+")
_OPTIONAL_COLUMNS = ("min_seats", "max_seats")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "apportion",
        help="share a council's seats among bodies by population",
        description=(
            "Share SEATS among the bodies listed in FILE (CSV rows name,population; "
            "the header row is optional) by an apportionment method."
        ),
    )
    parser.add_argument("file", metavar="FILE.csv", help="CSV file of name,population rows")
    parser.add_argument("--seats", type=_whole_number, required=True, help="seats to share")
    parser.add_argument("--method", choices=METHODS, required=True, help="apportionment method")
    parser.add_argument(
        "--min-seats", type=_whole_number, default=0, metavar="K", help="minimum seats per body"
    )
    parser.add_argument(
        "--max-seats", type=_whole_number, default=None, metavar="K", help="maximum seats per body"
    )
    parser.add_argument(
        "--first-divisor",
        default=None,
        metavar="F",
        help="sainte-lague only: first divisor instead of 1 (e.g. 1.4 for the modified method)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for a lot, if a tie needs one (recorded)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _whole_number(text: str) -> int:
    if not _WHOLE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    """Read the file, apportion, print; exit 0 (errors are raised as AsambleaError)."""
    rows = read_populations(args.file)
    populations = {name: population for name, population, _, _ in rows}
    min_seats = {name: low if low is not None else args.min_seats for name, _, low, _ in rows}
    max_seats: dict[str, int] = {}
    for name, _, _, high in rows:
        bound = high if high is not None else args.max_seats
        if bound is not None:
            max_seats[name] = bound
    result = apportion(
        populations,
        args.seats,
        args.method,
        min_seats=min_seats,
        max_seats=max_seats,
        seed=args.seed,
        first_divisor=args.first_divisor,
    )
    print(
        json.dumps(as_json(result), ensure_ascii=False, indent=2) if args.json else as_table(result)
    )
    return 0


Row = tuple[str, int, int | None, int | None]


def read_populations(path: str) -> list[Row]:
    """The (name, population, min, max) rows of a CSV file; InvalidFile names the bad line."""
    try:
        with open(path, "rb") as handle:
            text = decode(handle.read())  # UTF-8, else Windows-1252 (Excel on Windows)
    except OSError as error:
        raise InvalidFile(f"cannot be read ({error.strerror})", path=path) from None
    # Comma-separated, or semicolon-separated as Excel saves CSV in a Spanish locale.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text), strict=True)
    try:
        return _parse(reader, path)
    except csv.Error as error:
        raise InvalidFile(f"is not valid CSV ({error})", line=reader.line_num, path=path) from None


def _parse(reader: Any, path: str) -> list[Row]:
    columns = ["name", "population"]
    rows: list[Row] = []
    seen: dict[str, int] = {}
    first = True
    for cells in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        first_row, first = first, False
        if first_row:
            header = [cell.lower() for cell in cells]
            if header[:2] == columns:
                extra = header[2:]
                unknown = [c for c in extra if c not in _OPTIONAL_COLUMNS]
                if unknown or len(set(extra)) != len(extra):
                    raise InvalidFile(
                        f"unexpected header column(s) {', '.join(extra)}; the header is "
                        f"name,population and optionally min_seats, max_seats",
                        line=line,
                        path=path,
                    )
                columns = header
                continue
        if len(cells) != len(columns):
            raise InvalidFile(
                f"expected {len(columns)} fields ({','.join(columns)}), found {len(cells)}",
                line=line,
                path=path,
            )
        values = dict(zip(columns, cells, strict=True))
        name = values["name"]
        if not name:
            raise InvalidFile("the body's name is empty", line=line, path=path)
        if name in seen:
            raise InvalidFile(
                f"{name!r} is listed twice (first on line {seen[name]})", line=line, path=path
            )
        seen[name] = line
        if first_row and not _WHOLE.fullmatch(values["population"]):
            raise InvalidFile(
                "expected the header name,population or a first row such as 'Ward 1,1200'",
                line=line,
                path=path,
            )
        population = _whole(values["population"], "population", line, path)
        assert population is not None
        low = _whole(values.get("min_seats", ""), "min_seats", line, path)
        high = _whole(values.get("max_seats", ""), "max_seats", line, path)
        rows.append((name, population, low, high))
    if not rows:
        raise InvalidFile("has no bodies; expected rows name,population", path=path)
    return rows


def _whole(text: str, column: str, line: int, path: str) -> int | None:
    if column != "population" and text == "":
        return None
    if not _WHOLE.fullmatch(text):
        raise InvalidFile(
            f"{column} must be a whole number ≥ 0 (digits only), got {text!r}",
            line=line,
            path=path,
        )
    return int(text)


def as_json(result: Apportionment) -> dict[str, Any]:
    """The JSON report: method and seats per body, plus how ties were settled."""
    report: dict[str, Any] = {
        "method": result.method,
        "total_seats": result.total_seats,
        "seats": dict(result.seats),
        "populations": dict(result.populations),
    }
    if result.first_divisor is not None:
        report["first_divisor"] = str(_decimal(result.first_divisor, 6).normalize())
    if result.quota is not None:
        report["quota"] = str(_decimal(result.quota, 6))
    report["seed"] = result.seed
    report["draws"] = [
        {"tied": list(draw.tied), "seats": draw.seats, "chosen": list(draw.chosen)}
        for draw in result.draws
    ]
    return report


def as_table(result: Apportionment) -> str:
    """A table to pin on a wall: each body's population, seats and both shares."""
    total_population = sum(result.populations.values())
    headings = ("Body", "Population", "Pop. share", "Seats", "Seat share")
    body_rows = []
    for name, population in result.populations.items():
        seats = result.seats[name]
        seat_share = Fraction(seats, result.total_seats) if result.total_seats else Fraction(0)
        body_rows.append(
            (
                name,
                f"{population:,}",
                _percent(Fraction(population, total_population)),
                str(seats),
                _percent(seat_share),
            )
        )
    total_row = ("Total", f"{total_population:,}", "100.00%", str(result.total_seats), "100.00%")
    widths = [
        max(len(row[i]) for row in (headings, *body_rows, total_row)) for i in range(len(headings))
    ]

    def render(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    method = result.method
    if result.first_divisor is not None and result.first_divisor != 1:
        method += f" (first divisor {_decimal(result.first_divisor, 6).normalize()})"
    lines = [f"Apportionment of {result.total_seats} seats by {method}", ""]
    if result.quota is not None:
        lines.insert(1, f"Quota: {_decimal(result.quota, 2)} people per seat")
    lines += [render(headings), rule, *(render(row) for row in body_rows), rule, render(total_row)]
    for draw in result.draws:
        lines.append("")
        lines.append(
            f"Tie settled by lot (seed {result.seed}): {', '.join(draw.tied)} tied for "
            f"{draw.seats} seat(s); drawn: {', '.join(draw.chosen)}"
        )
    return "\n".join(lines)


def _decimal(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _percent(share: Fraction) -> str:
    return f"{_decimal(share * 100, 2)}%"
