"""Read ranked ballots from a simple CSV file into a Profile.

The convention (UTF-8, a byte-order mark is fine; Windows-1252 and semicolons as
separators, as spreadsheets on Windows save CSV, are read too)::

    # title: Provincial delegation 2026        optional lines starting with "#", first:
    # seats: 3                                 the number of seats
    # candidate: Ana QUISPE | women            one per candidate, optional "| group";
    # candidate: Luis MAMANI | men             if given, these are all the candidates
    weight,1st,2nd,3rd                         header row: "weight" is optional
    3,Ana QUISPE,Luis MAMANI,                  one row per ballot (or per `weight` papers)
    1,Luis MAMANI,,                            names in order of preference

- The header row names the columns. A column called `weight` (any case) gives how
  many papers carry the row's ranking (a whole number, 1 or more); without it each
  row is one paper. Every other column is a preference, the first one leftmost;
  their header names are free.
- A blank cell ends the ranking: preferences after a gap are not in consecutive
  order and are ignored. Rows with no preference at all are skipped.
- Without `# candidate:` lines the candidates are the names found on the ballots,
  in alphabetical order (so the order of the rows never matters).
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from typing import TYPE_CHECKING

from asamblea.counting.ballots import MAX_WEIGHT, build_profile, rankings_to_arrays
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidFile
from asamblea.textfiles import csv_delimiter, decode

if TYPE_CHECKING:
    from _csv import Reader


def read_csv(path: str | os.PathLike[str]) -> Profile:
    """Read a ballots CSV file; InvalidFile names the line and what was expected."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise InvalidFile(f"cannot read the file: {error.strerror}", path=name) from None
    return parse_csv(data, name)


def parse_csv(data: bytes | str, path: str | None = None) -> Profile:
    """Parse ballots CSV held in memory (as `read_csv`)."""
    # Bytes: UTF-8, else Windows-1252 (spreadsheets on Windows).
    text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)

    title = ""
    seats: int | None = None
    declared: list[str] = []
    groups: list[str | None] = []
    first = 0
    while first < len(lines) and lines[first].lstrip().startswith("#"):
        key, _, value = lines[first].lstrip()[1:].partition(":")
        key, value = key.strip().lower(), value.strip()
        number = first + 1
        if key == "title":
            title = value
        elif key == "seats":
            if not value.isdigit() or int(value) < 1:
                raise InvalidFile(
                    f"expected '# seats: N' with N a whole number, 1 or more, found {value!r}",
                    line=number,
                    path=path,
                )
            seats = int(value)
        elif key == "candidate":
            name, _, group = (part.strip() for part in value.partition("|"))
            if not name:
                raise InvalidFile(
                    "expected '# candidate: NAME' or '# candidate: NAME | GROUP'",
                    line=number,
                    path=path,
                )
            if name in declared:
                raise InvalidFile(f"candidate {name!r} is declared twice", line=number, path=path)
            declared.append(name)
            groups.append(group or None)
        elif key:
            raise InvalidFile(
                f"unknown setting {key!r}; expected title, seats or candidate",
                line=number,
                path=path,
            )
        first += 1

    rows = "".join(lines[first:])
    reader = csv.reader(io.StringIO(rows), delimiter=csv_delimiter(rows), strict=True)
    try:
        return _read_rows(reader, first, path, title, seats, declared, groups)
    except csv.Error as error:
        line = first + reader.line_num
        raise InvalidFile(f"expected CSV: {error}", line=line, path=path) from None


def _read_rows(
    reader: Reader,
    first: int,
    path: str | None,
    title: str,
    seats: int | None,
    declared: list[str],
    groups: list[str | None],
) -> Profile:
    """The header row and the ballots after the settings lines (`first` of them)."""
    header: list[str] | None = None
    for header in reader:
        if any(cell.strip() for cell in header):
            break
    if header is None or not any(cell.strip() for cell in header):
        raise InvalidFile(
            "expected a header row naming the columns (e.g. weight,1,2,3)", line=None, path=path
        )
    header_line = first + reader.line_num
    columns = [cell.strip().lower() for cell in header]
    if columns.count("weight") > 1:
        raise InvalidFile("the header names two weight columns", line=header_line, path=path)
    weight_column = columns.index("weight") if "weight" in columns else None
    preference_columns = [i for i in range(len(columns)) if i != weight_column]

    index = {name: i for i, name in enumerate(declared)}
    ballots: Counter[tuple[str, ...]] = Counter()
    for row in reader:
        number = first + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise InvalidFile(
                f"expected at most {len(columns)} cells (as in the header), found {len(row)}",
                line=number,
                path=path,
            )
        papers = 1
        if weight_column is not None:
            cell = row[weight_column].strip() if weight_column < len(row) else ""
            if not cell.isdigit() or not 1 <= int(cell) <= MAX_WEIGHT:
                raise InvalidFile(
                    f"expected the weight: a whole number of papers from 1 to {MAX_WEIGHT}, "
                    f"found {cell!r}",
                    line=number,
                    path=path,
                )
            papers = int(cell)
        ranking: list[str] = []
        for column in preference_columns:
            name = row[column].strip() if column < len(row) else ""
            if not name:
                break
            if name in ranking:
                raise InvalidFile(
                    f"{name!r} is ranked twice on this ballot", line=number, path=path
                )
            if declared and name not in index:
                raise InvalidFile(
                    f"{name!r} is not a declared candidate (see the '# candidate:' lines)",
                    line=number,
                    path=path,
                )
            ranking.append(name)
        if ranking:
            ballots[tuple(ranking)] += papers

    if not ballots:
        raise InvalidFile("no ballot with a preference for a candidate was found", path=path)
    if not declared:
        declared = sorted({name for ranking in ballots for name in ranking})
        groups = [None] * len(declared)
        index = {name: i for i, name in enumerate(declared)}
    rankings: dict[tuple[int, ...], int] = {}
    for names, papers in ballots.items():
        key = tuple(index[name] for name in names)
        rankings[key] = rankings.get(key, 0) + papers
    matrix, multiplicity = rankings_to_arrays(rankings)
    return build_profile(
        candidates=tuple(declared),
        matrix=matrix,
        papers=multiplicity,
        seats=seats,
        title=title,
        groups=tuple(groups),
    )
