"""Read ballots in the BLT format (OpenSTV, Droop, the Scottish councils) into a Profile.

The format, line by line::

    9 4                         candidates seats
    -2 -7                       optional: withdrawn candidates, as negative numbers
    1 4 6 9 3 0                 a ballot: weight (papers), preferences (1-based), 0
    (b12) 1 2 1 0               a ballot may start with an id in parentheses (ignored)
    3 5 - 2 0                   "-" is a skipped preference: the ranking stops there
    0                           end of the ballots
    "Euan BLOCKLEY" "Conservative"   one line per candidate: name, optional group/party
    "Ward 1 Linn"               optional title

Equal rankings ("2=3") are not accepted. Blank lines are ignored.

Speed: a national vote has millions of papers but few distinct rankings. The file is
read as bytes in chunks and identical raw lines are counted once, then each distinct
line is parsed once, so the cost is one pass over the bytes plus work proportional to
the number of distinct lines. Lines of at most 16 bytes of digits, blanks and "-" (all
lines of a typical file) are counted without a Python object per line: each is packed
into one 64-bit number, 4 bits a byte, and the numbers are counted by sorting them
(numpy). Other lines are counted with a Counter.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
from collections import Counter
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from asamblea.counting.ballots import MAX_WEIGHT, build_profile, rankings_to_arrays
from asamblea.counting.profile import Profile
from asamblea.errors import InvalidFile
from asamblea.textfiles import decode

# Bytes read at a time: large enough to amortise Python overhead, small enough
# that the split lines of one chunk (about 50 bytes each in Python) stay near 10 MB.
CHUNK_SIZE = 1 << 20
_TAIL_START = 1 << 16
# Files with more ballot bytes than this (about 2.5 million papers) are counted by
# several processes, one per core. Below it the time saved is not worth the memory of
# a second process.
PARALLEL_MIN_BYTES = 1 << 25
MAX_WORKERS = 4


def read_blt(path: str | os.PathLike[str]) -> Profile:
    """Read a BLT file from disk; InvalidFile names the line and what was expected."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            return _read(handle, name)
    except OSError as error:
        raise InvalidFile(f"cannot read the file: {error.strerror}", path=name) from None


def parse_blt(data: bytes | str, path: str | None = None) -> Profile:
    """Parse BLT text held in memory (as `read_blt`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return _read(io.BytesIO(raw), path)


class _Reader:
    """State shared by the steps of one read: where we are and how to complain."""

    def __init__(self, handle: BinaryIO, path: str | None) -> None:
        self.handle = handle
        self.path = path

    def error(self, message: str, line: int | None) -> InvalidFile:
        return InvalidFile(message, line=line, path=self.path)


def _read(handle: BinaryIO, path: str | None) -> Profile:
    reader = _Reader(handle, path)
    n_candidates, seats, withdrawn, header_lines = _read_header(reader)
    body_start = handle.tell()
    lines, total_lines = _count_lines(handle, path)
    trailer, terminator_line = _read_trailer(reader, body_start, total_lines, header_lines)
    for raw, _ in trailer:
        lines[raw] -= 1
    candidates, groups, title = _parse_trailer(reader, trailer, n_candidates, terminator_line)

    for raw in [raw for raw, copies in lines.items() if copies <= 0]:
        del lines[raw]
    arrays = _aggregate_fast(lines, n_candidates, withdrawn)
    if arrays is None:
        rankings = _aggregate_line_by_line(lines, n_candidates, withdrawn)
        if isinstance(rankings, tuple):
            # `lines` is not in file order: look again in order, to name the first bad line.
            handle.seek(body_start)
            in_order = Counter(line.rstrip(b"\n") for line in handle)
            in_order.subtract(raw for raw, _ in trailer)
            failed = _aggregate_line_by_line(+in_order, n_candidates, withdrawn)
            assert isinstance(failed, tuple)  # the same lines, so the same verdict
            message, raw = failed
            raise reader.error(message, _first_line_of(reader, body_start, header_lines, raw))
        arrays = rankings_to_arrays(rankings)
    matrix, papers = arrays
    if not (matrix[:, 0] >= 0).any():
        raise reader.error("no ballot with a preference for a candidate was found", None)
    return build_profile(
        candidates=candidates,
        matrix=matrix,
        papers=papers,
        seats=seats,
        title=title,
        groups=groups,
        withdrawn=frozenset(withdrawn),
    )


def _aggregate_fast(
    ballot_lines: dict[bytes, int], n_candidates: int, withdrawn: set[int]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]] | None:
    """Parse all distinct lines at once with numpy; None if any needs the careful path.

    Lines made only of digits and blanks are joined with a -1 sentinel between them
    and read as one array of numbers; each line must then read `weight prefs... 0`.
    """
    raws = list(ballot_lines)  # dicts keep order: raws[i] has the i-th count
    copies = np.fromiter(ballot_lines.values(), np.int64, len(raws))
    blob = b" -1 ".join(raws)
    if not blob.strip():
        return np.full((1, 1), -1, dtype=np.int32), np.ones(1, dtype=np.int64)
    if blob.translate(None, b"0123456789 \t\r\x0b\x0c-") or blob.count(b"-") != len(raws) - 1:
        return None
    tokens = np.fromstring(blob, dtype=np.int64, sep=" ")
    if tokens.max() > MAX_WEIGHT:  # also catches numbers too long for 64 bits (clamped)
        return None
    ends = np.append(np.flatnonzero(tokens == -1), tokens.size)  # one past each line's end
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    written = lengths > 0  # blank lines have no numbers
    starts, ends, lengths, copies = (
        starts[written],
        ends[written],
        lengths[written],
        copies[written],
    )
    if lengths.min() < 2:
        return None
    weights = tokens[starts]
    pref_count = lengths - 2
    if weights.min() < 1 or tokens[ends - 1].max() != 0:
        return None
    width = max(int(pref_count.max()), 1)
    # Fill the matrix one preference column at a time: memory stays O(lines).
    matrix = np.full((lengths.size, width), -1, dtype=np.int32)
    for column in range(width):
        ranked = np.flatnonzero(pref_count > column)
        if not ranked.size:
            break  # only blank papers ("1 0"): no preference at all, refused below
        values = tokens[starts[ranked] + 1 + column]
        if values.min() < 1 or values.max() > n_candidates:
            return None
        matrix[ranked, column] = values - 1
    if width > 1:
        ordered = np.sort(matrix, axis=1)
        if ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any():
            return None  # a candidate ranked twice: let the careful path say where
    if withdrawn:
        matrix[np.isin(matrix, list(withdrawn))] = -1
        # Close the gaps: stable sort puts kept preferences first, in their order.
        order = np.argsort(matrix < 0, axis=1, kind="stable")
        matrix = np.take_along_axis(matrix, order, axis=1)
    return matrix, weights * copies


def _aggregate_line_by_line(
    ballot_lines: dict[bytes, int], n_candidates: int, withdrawn: set[int]
) -> dict[tuple[int, ...], int] | tuple[str, bytes]:
    """Parse each distinct line on its own: rankings, or (error, first bad raw line)."""
    rankings: dict[tuple[int, ...], int] = {}
    for raw, copies in ballot_lines.items():
        parsed = _parse_ballot(raw, n_candidates, withdrawn)
        if parsed is None:
            continue
        if isinstance(parsed, str):
            return parsed, raw
        weight, ranking = parsed
        if ranking:
            rankings[ranking] = rankings.get(ranking, 0) + weight * copies
    return rankings


def _read_header(reader: _Reader) -> tuple[int, int, set[int], int]:
    """The header line and the optional withdrawn line: (candidates, seats, withdrawn, lines)."""
    line_number = 0
    header = b""
    while not header:
        raw = reader.handle.readline()
        line_number += 1
        if not raw:
            raise reader.error("the file is empty; expected a first line 'candidates seats'", 1)
        header = raw.strip()
        if line_number == 1:
            header = header.removeprefix(b"\xef\xbb\xbf").strip()  # a UTF-8 byte order mark
    fields = header.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        raise reader.error(
            "expected the first line to be two whole numbers: candidates seats", line_number
        )
    n_candidates, seats = int(fields[0]), int(fields[1])
    if n_candidates < 1 or seats < 1:
        raise reader.error("expected at least 1 candidate and at least 1 seat", line_number)
    if seats > n_candidates:
        raise reader.error(f"{seats} seats but only {n_candidates} candidates", line_number)

    withdrawn: set[int] = set()
    position = reader.handle.tell()
    raw = reader.handle.readline()
    if raw.strip().startswith(b"-"):
        line_number += 1
        for field in raw.split():
            try:
                value = -int(field)
            except ValueError:
                value = 0
            if not 1 <= value <= n_candidates:
                raise reader.error(
                    f"expected withdrawn candidates as numbers -1 to -{n_candidates}, "
                    f"found {field.decode('utf-8', 'replace')!r}",
                    line_number,
                )
            withdrawn.add(value - 1)
    else:
        reader.handle.seek(position)
    return n_candidates, seats, withdrawn, line_number


def _count_lines(handle: BinaryIO, path: str | None) -> tuple[Counter[bytes], int]:
    """Every remaining raw line (without its newline) with how often it occurs.

    A large file on disk is split at line boundaries and counted by one process per
    core; the counts are merged. Anything else is counted here.
    """
    start = handle.tell()
    end = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    # Forking is only safe from a single-threaded program (not, say, a web server).
    alone = threading.active_count() == 1
    if path is None or workers < 2 or not alone or end - start < PARALLEL_MIN_BYTES:
        return _count_chunks(handle, end)
    bounds = [start]
    for part in range(1, workers):
        handle.seek(start + (end - start) * part // workers)
        handle.readline()
        bounds.append(max(handle.tell(), bounds[-1]))
    bounds.append(end)
    # Imported here: they cost a tenth of the start-up of a small count that never forks.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        others = [
            pool.submit(_count_range, path, first, last)
            for first, last in itertools.pairwise(bounds[1:])
        ]
        # This process counts the first part while the others count the rest.
        handle.seek(bounds[0])
        lines, total = _count_chunks(handle, bounds[1])
        for other in others:
            more, count = other.result()
            lines.update(more)
            total += count
    return lines, total


def _count_range(path: str, start: int, end: int) -> tuple[Counter[bytes], int]:
    """`_count_chunks` over bytes start..end of the file (start at a line's start)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        return _count_chunks(handle, end)


def _count_chunks(handle: BinaryIO, end: int) -> tuple[Counter[bytes], int]:
    """Count the lines from the handle's position to byte `end` (a line boundary)."""
    lines: Counter[bytes] = Counter()
    packed: list[npt.NDArray[np.uint64]] = []
    packed_copies: list[npt.NDArray[np.int64]] = []
    total = 0
    position = handle.tell()
    while position < end:
        chunk = handle.read(min(CHUNK_SIZE, end - position))
        if not chunk:  # the file got shorter while we read it
            break
        if not chunk.endswith(b"\n") and position + len(chunk) < end:
            chunk += handle.readline()
        position += len(chunk)
        keys, others, count = _count_chunk(chunk)
        distinct, copies = np.unique(keys, return_counts=True)
        packed.append(distinct)
        packed_copies.append(copies)
        lines.update(others)
        total += count
    if packed:
        keys, inverse = np.unique(np.concatenate(packed), return_inverse=True)
        copies = np.bincount(inverse, weights=np.concatenate(packed_copies))
        lines.update(dict(zip(_unpack(keys), copies.astype(np.int64).tolist(), strict=True)))
    return lines, total


# A short line's bytes packed 4 bits each: a digit d is d + 2, a blank 1 and "-" 14, so
# (byte & 15) + (byte >> 4 & 1) + 1 for these bytes only; 0 pads after the line's end.
# A chunk with any other byte (tabs, carriage returns, ids, names) is counted whole
# with a Counter.
_PACKED = b"0123456789 -"
_UNPACK = np.zeros(16, dtype=np.uint8)
_UNPACK[[(c & 15) + (c >> 4 & 1) + 1 for c in _PACKED]] = list(_PACKED)
_SHORT = 16  # bytes: 16 codes of 4 bits fill 64
# _LOW_BYTES[k] keeps the low k bytes of a 64-bit word.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_ONES = np.uint64(0x0101010101010101)


def _count_chunk(chunk: bytes) -> tuple[npt.NDArray[np.uint64], Counter[bytes], int]:
    """The packed keys of the chunk's short lines, a Counter of its other lines, and
    how many lines it has (as `chunk.split(b"\\n")` sees them, without the empty
    string after a final newline)."""
    if chunk.translate(None, _PACKED + b"\n"):
        parts = chunk.split(b"\n")
        if chunk.endswith(b"\n"):
            # split() leaves an empty string after the last newline; it is not a line.
            parts.pop()
        return np.zeros(0, dtype=np.uint64), Counter(parts), len(parts)
    padded = chunk + bytes(2 * _SHORT)
    ends = np.flatnonzero(np.frombuffer(padded, dtype=np.uint8, count=len(chunk)) == ord("\n"))
    if not chunk.endswith(b"\n"):
        ends = np.append(ends, len(chunk))
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    short = lengths <= _SHORT
    # Each line's first 16 bytes as two 64-bit words read at any byte offset.
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    first, length = starts[short], lengths[short]
    low = _codes(words[first]) & _LOW_BYTES[np.minimum(length, 8)]
    high = _codes(words[first + 8]) & _LOW_BYTES[np.clip(length - 8, 0, 8)]
    keys = _nibbles(low) | (_nibbles(high) << np.uint64(32))
    others = Counter(
        chunk[a:b] for a, b in zip(starts[~short].tolist(), ends[~short].tolist(), strict=True)
    )
    return keys, others, int(ends.size)


def _codes(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Each byte of `words` to its 4-bit code (see _PACKED), eight at a time."""
    return (words & (_ONES * np.uint64(15))) + ((words >> np.uint64(4)) & _ONES) + _ONES


def _nibbles(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Eight bytes each below 16 -> their 4-bit values side by side in the low 32 bits."""
    words = (words | (words >> np.uint64(4))) & np.uint64(0x00FF00FF00FF00FF)
    words = (words | (words >> np.uint64(8))) & np.uint64(0x0000FFFF0000FFFF)
    return (words | (words >> np.uint64(16))) & np.uint64(0x00000000FFFFFFFF)


def _unpack(keys: npt.NDArray[np.uint64]) -> list[bytes]:
    """The lines packed in `keys` by `_count_chunk`, as bytes."""
    shifts = np.arange(0, 4 * _SHORT, 4, dtype=np.uint64)
    codes = ((keys[:, None] >> shifts) & np.uint64(15)).astype(np.uint8)
    text = _UNPACK[codes].tobytes()
    lengths = np.count_nonzero(codes, axis=1).tolist()
    return [text[i * _SHORT : i * _SHORT + n] for i, n in enumerate(lengths)]


def _read_trailer(
    reader: _Reader, body_start: int, total_lines: int, header_lines: int
) -> tuple[list[tuple[bytes, int]], int]:
    """The lines from the terminating 0 to the end, with their line numbers.

    Scans backwards from the end of the file: the trailer is the quoted (or blank)
    lines at the end and the "0" line just before them.
    """
    handle = reader.handle
    end = handle.seek(0, io.SEEK_END)
    span = _TAIL_START
    while True:
        start = max(body_start, end - span)
        handle.seek(start)
        tail = handle.read(end - start)
        if start > body_start:
            # Drop the partial line the block starts in.
            tail = tail[tail.find(b"\n") + 1 :] if b"\n" in tail else b""
        parts = tail.split(b"\n")
        if tail.endswith(b"\n"):
            parts.pop()
        first_number = header_lines + total_lines - len(parts) + 1
        for index in range(len(parts) - 1, -1, -1):
            stripped = parts[index].strip()
            if not stripped or stripped.startswith(b'"'):
                continue
            line = first_number + index
            if stripped != b"0":
                if stripped.split()[-1] == b"0":  # a ballot: the 0 line is missing after it
                    raise reader.error(
                        "expected the line 0 that ends the ballots, then one quoted name per "
                        "candidate",
                        line + 1,
                    )
                raise reader.error(
                    f'expected quoted text like "Name", found {_show(stripped)}', line
                )
            trailer = [(parts[i], first_number + i) for i in range(index, len(parts))]
            return trailer, line
        # The whole body was scanned: it is all quoted or blank lines.
        if start == body_start:
            raise reader.error("expected ballots, then the line 0 that ends them", None)
        span *= 8


def _parse_trailer(
    reader: _Reader,
    trailer: list[tuple[bytes, int]],
    n_candidates: int,
    terminator_line: int,
) -> tuple[tuple[str, ...], tuple[str | None, ...], str]:
    """Candidate names, their groups and the title from the lines after the 0 line."""
    names: list[str] = []
    groups: list[str | None] = []
    title: str | None = None
    for raw, line in trailer[1:]:
        # UTF-8, else the Windows code page many councils' files are written in.
        text = decode(raw).strip()
        if not text:
            continue
        fields = _quoted_fields(text)
        if fields is None:
            raise reader.error(f'expected quoted text like "Name", found {text!r}', line)
        if len(names) < n_candidates:
            if not 1 <= len(fields) <= 2 or not fields[0].strip():
                raise reader.error('expected a candidate line: "Name" or "Name" "Group"', line)
            if fields[0] in names:
                raise reader.error(f"candidate {fields[0]!r} is named twice", line)
            names.append(fields[0])
            groups.append(fields[1] if len(fields) == 2 and fields[1] else None)
        elif title is None:
            if len(fields) != 1:
                raise reader.error('expected the title: one quoted text "Title"', line)
            title = fields[0]
        else:
            raise reader.error("unexpected text after the title", line)
    if len(names) < n_candidates:
        raise reader.error(
            f"the header announces {n_candidates} candidates but {len(names)} are named "
            f"after the 0 line (line {terminator_line})",
            None,
        )
    return tuple(names), tuple(groups), title or ""


def _show(raw: bytes) -> str:
    return repr(raw.decode("utf-8", "replace"))


def _quoted_fields(text: str) -> list[str] | None:
    """The quoted strings making up `text`, or None if anything else is there."""
    fields: list[str] = []
    rest = text
    while rest:
        if not rest.startswith('"'):
            return None
        close = rest.find('"', 1)
        if close == -1:
            return None
        fields.append(rest[1:close])
        rest = rest[close + 1 :].lstrip()
    return fields


def _parse_ballot(
    raw: bytes, n_candidates: int, withdrawn: set[int]
) -> tuple[int, tuple[int, ...]] | str | None:
    """(weight, ranking of 0-based candidates) for one line, None if blank, or an error."""
    fields = raw.split()
    if not fields:
        return None
    try:
        # Fast path: plain numbers only, the common case by far.
        numbers = [int(field) for field in fields]
    except ValueError:
        return _parse_ballot_slowly(fields, n_candidates, withdrawn)
    prefs = numbers[1:-1]
    if (
        len(numbers) < 2
        or not 1 <= numbers[0] <= MAX_WEIGHT
        or numbers[-1] != 0
        or (prefs and (min(prefs) < 1 or max(prefs) > n_candidates))
        or len(set(prefs)) != len(prefs)
    ):
        return _parse_ballot_slowly(fields, n_candidates, withdrawn)
    ranking = tuple(p - 1 for p in prefs if p - 1 not in withdrawn)
    return numbers[0], ranking


def _parse_ballot_slowly(
    fields: list[bytes], n_candidates: int, withdrawn: set[int]
) -> tuple[int, tuple[int, ...]] | str:
    """The careful parse, for lines the fast path could not take: says what is wrong."""
    if fields[0].startswith(b"("):
        while fields and not fields[0].endswith(b")"):
            fields = fields[1:]
        fields = fields[1:]
        if not fields:
            return "expected a ballot id in parentheses followed by weight, preferences and 0"
    text = [field.decode("utf-8", "replace") for field in fields]
    if text == ["0"]:
        return "found a second line 0; the ballots end at the first one"
    if text[0].isdigit() and int(text[0]) > MAX_WEIGHT:
        return f"a weight of at most {MAX_WEIGHT} papers per line is expected, found {text[0]}"
    if not text[0].isdigit() or int(text[0]) < 1:
        return (
            f"expected the ballot's weight (a whole number of papers, 1 or more), found {text[0]!r}"
        )
    if len(text) < 2 or text[-1] != "0":
        return "expected the ballot to end with 0"
    ranking: list[int] = []
    seen: set[int] = set()
    stopped = False
    for mark in text[1:-1]:
        if "=" in mark:
            return f"equal rankings ({mark!r}) are not supported; rank one candidate per place"
        if mark == "-":
            stopped = True
            continue
        if not mark.isdigit() or not 1 <= int(mark) <= n_candidates:
            return f"expected a candidate number from 1 to {n_candidates}, found {mark!r}"
        candidate = int(mark) - 1
        if candidate in seen:
            return f"candidate {mark} is ranked twice on this ballot"
        seen.add(candidate)
        if not stopped:
            ranking.append(candidate)
    return int(text[0]), tuple(c for c in ranking if c not in withdrawn)


def _first_line_of(reader: _Reader, body_start: int, header_lines: int, raw: bytes) -> int:
    """The number of the first line whose raw bytes are `raw` (only used for errors)."""
    handle = reader.handle
    handle.seek(body_start)
    for number, line in enumerate(handle, start=header_lines + 1):
        if line.rstrip(b"\n") == raw:
            return number
    raise AssertionError("a counted line must be found again")  # pragma: no cover
