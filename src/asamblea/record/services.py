"""The public record in the database: appending, signing, reading, proving, exporting.

Every service that changes who holds power or what was decided calls
`append_entries` in the same transaction as the change: no change without its
entry, no entry without its change. Each call appends its events in order,
stores the tree nodes they complete, advances the federation's tree state and
issues a signed checkpoint, all in that transaction; the tree state's row lock
serialises concurrent appenders of one federation.

Nothing here loads the whole log: an append reads the right edge of the tree
(one hash per set bit of its size), a root or proof for any size reads
O(log n) stored nodes, and an export streams in batches. The hashing, the
canonical form, the signatures and the export format are the pure modules'
(canonical.py, merkle.py, checkpoint.py, export.py), so what is stored is what
`asamblea record verify` recomputes.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.errors import InvalidFile, InvalidInput, NotFound
from asamblea.record.canonical import (
    REQUIRED_ENTRY_FIELDS,
    canonical_entry,
    canonical_json,
    format_time,
)
from asamblea.record.checkpoint import (
    Ed25519Signer,
    PublicKey,
    SignedCheckpoint,
    issue_checkpoint,
    load_or_create_signing_key,
)
from asamblea.record.export import entry_line, header_line
from asamblea.record.merkle import EMPTY_ROOT, HASH_SIZE, Frontier, leaf_hash, node_hash
from asamblea.record.models import Checkpoint, Entry, Node, TreeState

# Rows written or read per database round trip (appends, exports).
BATCH = 2000
# The most entries one read returns (API ranges, pages).
MAX_ENTRIES_PER_READ = 1000
_HEX_DIGITS = frozenset("0123456789abcdef")

if TYPE_CHECKING:
    # Types only: the record sits below the federation and imports none of it at run time.
    from asamblea.federation.models import Body, Federation


@dataclass(frozen=True)
class Event:
    """One public fact to record: its type, the body it concerns and its facts."""

    type: str
    facts: Mapping[str, Any]
    body: Body | None = None


# ---------------------------------------------------------------- the signing key

_signers: dict[str, Ed25519Signer] = {}
_signers_lock = threading.Lock()


def record_signer() -> Ed25519Signer:
    """The installation's checkpoint key (settings.RECORD_KEY_FILE), created on first use.

    Read once per process; restart the processes after replacing the key file.
    """
    path = str(settings.RECORD_KEY_FILE)
    with _signers_lock:
        signer = _signers.get(path)
        if signer is None:
            signer = _signers[path] = _load_or_create_key(path)
    return signer


def _load_or_create_key(path: str) -> Ed25519Signer:
    for attempt in range(5):
        try:
            return load_or_create_signing_key(path)
        except InvalidFile:
            # Another process may have created the file between our look and our
            # create, or be writing it still: read it again in a moment.
            if attempt == 4 or not Path(path).exists():
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def public_key() -> PublicKey:
    """The public half of the installation's checkpoint key, as published."""
    return record_signer().public_key


# ---------------------------------------------------------------- appending


def append_entries(federation: Federation, events: Iterable[Event]) -> list[Entry]:
    """Append events to the federation's log, in order, and sign the new tree head.

    Must run inside the transaction of the change the events record (RuntimeError
    otherwise). Facts with no exact record (floats, say) raise InvalidInput; facts
    that would set "type", "time" or "federation" raise ValueError.
    """
    events = list(events)
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_entries must run inside the transaction of its change")
    state = _locked_state(federation)
    # Taken under the lock, so entry times never go backwards along the log.
    now = timezone.now()
    stamp = format_time(now)
    start = state.size
    frontier = _split_hashes(bytes(state.frontier))
    entries: list[Entry] = []
    nodes: list[Node] = []
    for index, event in enumerate(events, start=start):
        data = canonical_entry(_entry_object(federation, event, stamp))
        digest = leaf_hash(data)
        for level, position, hash_ in _append_leaf(frontier, index, digest):
            nodes.append(Node(federation=federation, level=level, position=position, hash=hash_))
        entries.append(
            Entry(
                federation=federation,
                index=index,
                type=event.type,
                body=event.body,
                payload=data.decode("utf-8"),
                leaf_hash=digest.hex(),
                tracker=_tracker(event.facts),
                created_at=now,
            )
        )
    size = start + len(events)
    root = Frontier(size, frontier).root()
    created = _insert_entries(federation, entries, start)
    _insert_nodes(nodes)
    state.size = size
    state.frontier = b"".join(frontier)
    state.root_hash = root.hex()
    state.save(update_fields=["size", "frontier", "root_hash"])
    signed = issue_checkpoint(record_signer(), federation.slug, size, root, now)
    Checkpoint.objects.create(
        federation=federation,
        size=size,
        root_hash=root.hex(),
        time=signed.time,
        created_at=now,
        signature=base64.b64encode(signed.signature).decode("ascii"),
        public_key=signed.public_key.to_text(),
    )
    for handler in hooks.recorded:
        handler(federation, created)
    return created


# Rows of an append at least this long go in by COPY on PostgreSQL: the ORM's
# per-value work costs ~0.4 ms a row, COPY a few microseconds (benchmarks/record_db.py).
COPY_FROM = 50
_ENTRY_FIELDS = ("federation", "index", "type", "body", "payload", "leaf_hash", "tracker")
_NODE_FIELDS = ("federation", "level", "position", "hash")


def _insert_entries(federation: Federation, entries: list[Entry], start: int) -> list[Entry]:
    if not _copy_rows(Entry, entries, (*_ENTRY_FIELDS, "created_at")):
        return Entry.objects.bulk_create(entries, batch_size=BATCH)
    # COPY returns no ids: read them back by index (the unique index answers).
    ids = dict(
        Entry.objects.filter(federation=federation, index__gte=start).values_list("index", "id")
    )
    for entry in entries:
        entry.pk = ids[entry.index]
        entry._state.adding = False
        entry._state.db = connection.alias
    return entries


def _insert_nodes(nodes: list[Node]) -> None:
    if not _copy_rows(Node, nodes, _NODE_FIELDS):
        Node.objects.bulk_create(nodes, batch_size=BATCH)


def _copy_rows(model: type[models.Model], rows: list[Any], names: tuple[str, ...]) -> bool:
    """Insert rows with PostgreSQL's COPY, in the current transaction; False if not used."""
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        return False
    # Each name is a concrete field of the model, so a Field with a column; get_field's type
    # also allows a reverse relation, and a column's allows None (a field with no column).
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    attributes = [field.attname for field in fields]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([getattr(row, name) for name in attributes])
    return True


def _locked_state(federation: Federation) -> TreeState:
    """The federation's tree state, row-locked until the transaction ends."""
    state = TreeState.objects.select_for_update().filter(federation=federation).first()
    if state is not None:
        return state
    if Entry.objects.filter(federation=federation).exists():
        # Entries without a tree state: migration 0003 builds it; never start over.
        raise RuntimeError(
            f"the record of {federation.slug!r} has entries but no tree state: run the migrations"
        )
    try:
        with transaction.atomic():
            return TreeState.objects.create(federation=federation, root_hash=EMPTY_ROOT.hex())
    except IntegrityError:
        # A concurrent first append created it (and has committed): wait our turn.
        return TreeState.objects.select_for_update().get(federation=federation)


def _entry_object(federation: Federation, event: Event, stamp: str) -> dict[str, Any]:
    clash = set(REQUIRED_ENTRY_FIELDS) & set(event.facts)
    if clash:
        raise ValueError(f"{event.type}: the facts may not set {', '.join(sorted(clash))}")
    if event.body is not None and event.body.federation_id != federation.pk:
        raise ValueError(f"{event.type}: the body {event.body.slug!r} is in another federation")
    return {"type": event.type, "time": stamp, "federation": federation.slug, **event.facts}


def _append_leaf(
    frontier: list[bytes], index: int, digest: bytes
) -> Iterator[tuple[int, int, bytes]]:
    """Add leaf `index` to the right edge; yields (level, position, hash) of completed nodes.

    The same walk as merkle.Frontier.append, which does not say which nodes it completes.
    """
    position, level = index, 0
    # While the new node is a right child, its parent is complete.
    while position & 1:
        digest = node_hash(frontier.pop(), digest)
        level += 1
        position >>= 1
        yield level, position, digest
    frontier.append(digest)


def _split_hashes(blob: bytes) -> list[bytes]:
    return [blob[offset : offset + HASH_SIZE] for offset in range(0, len(blob), HASH_SIZE)]


def _tracker(facts: Mapping[str, Any]) -> str | None:
    """A ballot tracker (64 hex digits) the entry publishes, if any."""
    value = facts.get("tracker")
    if isinstance(value, str) and len(value) == 64 and set(value) <= _HEX_DIGITS:
        return value
    return None


# ---------------------------------------------------------------- checkpoints


def latest_checkpoint(federation: Federation) -> Checkpoint | None:
    """The newest signed tree head of the federation's log (None before the first entry)."""
    return Checkpoint.objects.filter(federation=federation).order_by("-size").first()


def access_checkpoint(federation: Federation, size: int | None = None) -> Checkpoint:
    """The latest checkpoint, or the one of `size`; NotFound if there is none."""
    if size is None:
        found = latest_checkpoint(federation)
        if found is None:
            raise NotFound(
                _("The record of %(log)s has no entries yet.") % {"log": federation.slug}
            )
        return found
    try:
        return Checkpoint.objects.get(federation=federation, size=size)
    except Checkpoint.DoesNotExist:
        raise NotFound(
            _("No checkpoint of the record of %(log)s has size %(size)s.")
            % {"log": federation.slug, "size": size}
        ) from None


def published_size(federation: Federation) -> int:
    """How many entries the latest signed checkpoint covers (0 for an empty log)."""
    found = latest_checkpoint(federation)
    return 0 if found is None else found.size


def checkpoint_json(checkpoint: Checkpoint, log: str) -> dict[str, Any]:
    """A stored checkpoint as an export line's object (docs/record.md), fields as stored."""
    return {
        "kind": "checkpoint",
        "log": log,
        "size": checkpoint.size,
        "root": checkpoint.root_hash,
        "time": checkpoint.time,
        "public_key": checkpoint.public_key,
        "signature": checkpoint.signature,
    }


def signed_checkpoint(checkpoint: Checkpoint, log: str) -> SignedCheckpoint:
    """A stored checkpoint as the pure library's value (to verify its signature)."""
    return SignedCheckpoint.from_json(checkpoint_json(checkpoint, log))


# ---------------------------------------------------------------- entries


def entry_object(entry: Entry) -> dict[str, Any]:
    """The stored entry as a JSON object (its canonical JSON parsed)."""
    value: dict[str, Any] = json.loads(entry.payload)
    return value


def entries_between(federation: Federation, start: int, end: int | None = None) -> list[Entry]:
    """Entries start <= index < end of the published log, at most MAX_ENTRIES_PER_READ."""
    size = published_size(federation)
    if start < 0:
        raise InvalidInput(_("The first index is a whole number from 0."))
    end = size if end is None else min(end, size)
    end = min(end, start + MAX_ENTRIES_PER_READ)
    if end <= start:
        return []
    return list(
        Entry.objects.filter(federation=federation, index__gte=start, index__lt=end)
        .select_related("body")
        .order_by("index")
    )


def recent_entries(
    federation: Federation, *, body: Body | None = None, before: int | None = None, limit: int = 20
) -> list[Entry]:
    """The newest entries of the log (or about one body), newest first, below `before`."""
    found = Entry.objects.filter(federation=federation)
    if body is not None:
        found = found.filter(body=body)
    if before is not None:
        found = found.filter(index__lt=before)
    limit = max(1, min(limit, MAX_ENTRIES_PER_READ))
    return list(found.select_related("body").order_by("-index")[:limit])


def access_entry(federation: Federation, index: int) -> Entry:
    """Entry `index` of the federation's log; NotFound if there is none."""
    try:
        return Entry.objects.select_related("body").get(federation=federation, index=index)
    except Entry.DoesNotExist:
        raise NotFound(
            _("The record of %(log)s has no entry %(index)s.")
            % {"log": federation.slug, "index": index}
        ) from None


def normalise_hash(text: str) -> str:
    """A hash or tracker as typed (spaces, capitals) in its stored form, or InvalidInput."""
    value = "".join(text.split()).lower()
    if len(value) != 64 or not set(value) <= _HEX_DIGITS:
        raise InvalidInput(
            _("A hash or tracker has 64 characters, digits 0-9 and letters a-f; got %(count)s.")
            % {"count": len(value)}
        )
    return value


def find_entries(text: str, federation: Federation | None = None) -> list[Entry]:
    """Entries whose leaf hash is `text`, or that publish the ballot tracker `text`."""
    value = normalise_hash(text)
    found = Entry.objects.filter(Q(leaf_hash=value) | Q(tracker=value))
    if federation is not None:
        found = found.filter(federation=federation)
    return list(found.select_related("federation", "body").order_by("federation_id", "index")[:20])


# ---------------------------------------------------------------- roots and proofs


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 PATH(index, D[tree_size]): that leaf `index` is in the tree of `tree_size`."""

    log: str
    index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 PROOF(first, D[second]): that the tree of `second` extends that of `first`."""

    log: str
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: list[bytes]


def root_at(federation: Federation, size: int) -> bytes:
    """MTH of the first `size` entries of the published log."""
    _check_size(federation, size)
    return _tree_hashes(federation, [(0, size)])[0]


def inclusion_proof(
    federation: Federation, index: int, tree_size: int | None = None
) -> InclusionProof:
    """The proof that entry `index` is in the tree of `tree_size` (default: the latest)."""
    size = _check_size(federation, tree_size)
    if not 0 <= index < size:
        raise InvalidInput(
            _("There is no entry %(index)s in a record of %(size)s entries.")
            % {"index": index, "size": size}
        )
    ranges = _inclusion_ranges(index, size)
    hashes = _tree_hashes(federation, [(index, index + 1), (0, size), *ranges])
    return InclusionProof(
        log=federation.slug,
        index=index,
        tree_size=size,
        leaf_hash=hashes[0],
        root=hashes[1],
        path=hashes[2:],
    )


def inclusion_proof_by_hash(
    federation: Federation, leaf_hash_text: str, tree_size: int | None = None
) -> InclusionProof:
    """The inclusion proof of the first entry whose leaf hash is `leaf_hash_text`."""
    value = normalise_hash(leaf_hash_text)
    size = _check_size(federation, tree_size)
    index = (
        Entry.objects.filter(federation=federation, leaf_hash=value, index__lt=size)
        .order_by("index")
        .values_list("index", flat=True)
        .first()
    )
    if index is None:
        raise NotFound(
            _("No entry among the first %(size)s of the record of %(log)s has this leaf hash.")
            % {"size": size, "log": federation.slug}
        )
    return inclusion_proof(federation, index, size)


def consistency_proof(
    federation: Federation, first: int, second: int | None = None
) -> ConsistencyProof:
    """The proof that the tree of `second` entries (default: the latest) extends that of `first`."""
    second = _check_size(federation, second)
    if not 0 < first <= second:
        raise InvalidInput(
            _("A consistency proof goes from a size of at least 1 to a size at least as large.")
        )
    ranges = _consistency_ranges(first, second)
    hashes = _tree_hashes(federation, [(0, first), (0, second), *ranges])
    return ConsistencyProof(
        log=federation.slug,
        first=first,
        second=second,
        first_root=hashes[0],
        second_root=hashes[1],
        path=hashes[2:],
    )


def _check_size(federation: Federation, size: int | None) -> int:
    published = published_size(federation)
    if size is None:
        return published
    if not 0 <= size <= published:
        raise InvalidInput(
            _("The record of %(log)s has %(published)s signed entries; there is no size %(size)s.")
            % {"log": federation.slug, "published": published, "size": size}
        )
    return size


def _left_size(width: int) -> int:
    """The largest power of two smaller than width (>= 2): the RFC's split point k."""
    return 1 << ((width - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes form PATH(index, D[size]), from the leaf up."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _left_size(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes form PROOF(first, D[second]) (RFC 9162 2.1.4.1)."""
    if first == second:
        return []
    # SUBPROOF walked top-down; the node it ends on is included only once the walk
    # has gone right (the RFC's b false).
    siblings: list[tuple[int, int]] = []
    start, end, remaining, at_left_edge = 0, second, first, True
    while remaining != end - start:
        split = _left_size(end - start)
        if remaining <= split:
            siblings.append((start + split, end))
            end = start + split
        else:
            siblings.append((start, start + split))
            start += split
            remaining -= split
            at_left_edge = False
    ranges = [] if at_left_edge else [(start, end)]
    ranges.extend(reversed(siblings))
    return ranges


def _perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """The stored complete subtrees (level, position) that make up leaves [start, end).

    The RFC's recursion only visits ranges that start at a multiple of a power of
    two at least as large as their width, so they split into aligned perfect
    subtrees, largest first.
    """
    parts: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"leaves {start}..{end} do not split into complete subtrees")
        parts.append((level, start >> level))
        start += 1 << level
    return parts


def _tree_hashes(federation: Federation, ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each range of leaves, from stored nodes: two queries whatever the size."""
    split = [_perfect_parts(start, end) for start, end in ranges]
    stored = _stored_nodes(federation, {address for parts in split for address in parts})
    results = []
    for parts in split:
        if not parts:
            results.append(EMPTY_ROOT)
            continue
        root = stored[parts[-1]]
        for address in reversed(parts[:-1]):
            root = node_hash(stored[address], root)
        results.append(root)
    return results


def _stored_nodes(
    federation: Federation, addresses: set[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The hashes of complete subtrees by (level, position); level 0 are the leaves."""
    found: dict[tuple[int, int], bytes] = {}
    leaves = sorted(position for level, position in addresses if level == 0)
    if leaves:
        rows = Entry.objects.filter(federation=federation, index__in=leaves).values_list(
            "index", "leaf_hash"
        )
        for index, digest in rows:
            found[(0, index)] = _hash_bytes(digest)
    inner = sorted(address for address in addresses if address[0] > 0)
    if inner:
        wanted = Q()
        for level, position in inner:
            wanted |= Q(level=level, position=position)
        nodes = Node.objects.filter(federation=federation).filter(wanted)
        for level, position, node_hash in nodes.values_list("level", "position", "hash"):
            found[(level, position)] = bytes(node_hash)
    missing = addresses - found.keys()
    if missing:
        raise RuntimeError(
            f"the stored tree of {federation.slug!r} lacks nodes {sorted(missing)[:5]}"
        )
    return found


def _hash_bytes(text: str) -> bytes:
    """A stored hex hash as bytes; a damaged one as bytes that match nothing."""
    try:
        digest = bytes.fromhex(text)
    except ValueError:
        digest = b""
    # The verifier, not this reader, reports the damage: keep the line's shape.
    return digest if len(digest) == HASH_SIZE else b"\xff" * HASH_SIZE


# ---------------------------------------------------------------- export


def export_lines(federation: Federation) -> Iterator[str]:
    """The federation's export (docs/record.md), line by line without newlines, streamed.

    A snapshot at the latest checkpoint: entries appended while it streams are left
    for the next export, so the file always ends signed. Constant memory.
    """
    log = federation.slug
    size = published_size(federation)
    yield header_line(log)
    start = 0
    while start < size:
        rows = list(
            Entry.objects.filter(federation=federation, index__gte=start, index__lt=size)
            .order_by("index")
            .values_list("index", "payload", "leaf_hash")[:BATCH]
        )
        if not rows:
            break
        for index, payload, digest in rows:
            # The stored index, bytes and hash as they are: any damage shows in the file.
            yield entry_line(index, payload, _hash_bytes(digest))
        start = rows[-1][0] + 1
    after = -1
    while True:
        checkpoints = list(
            Checkpoint.objects.filter(
                federation=federation, size__gt=after, size__lte=size
            ).order_by("size")[:BATCH]
        )
        if not checkpoints:
            break
        for checkpoint in checkpoints:
            yield canonical_json(checkpoint_json(checkpoint, log)).decode("utf-8")
        after = checkpoints[-1].size


def write_export(federation: Federation, out: TextIO) -> tuple[int, int]:
    """Write the federation's export to `out`; returns (entries, checkpoints) written."""
    entries = checkpoints = 0
    for line in export_lines(federation):
        out.write(line)
        out.write("\n")
        if line.startswith('{"entry":'):
            entries += 1
        elif line.startswith('{"kind":"checkpoint"'):
            checkpoints += 1
    return entries, checkpoints


def export_chunks(federation: Federation, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The export as UTF-8 byte chunks of about `chunk_size`, for a streaming response."""
    pending: list[bytes] = []
    length = 0
    for line in export_lines(federation):
        data = line.encode("utf-8") + b"\n"
        pending.append(data)
        length += len(data)
        if length >= chunk_size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def export_to_file(path: str, federation: Federation) -> tuple[str, int, int]:
    """Write a federation's export to `path` ("-": standard output).

    Returns (federation slug, entries, checkpoints). The file is written beside
    its final name and renamed at the end, so a failed export leaves no half file.
    """
    if path == "-":
        entries, checkpoints = write_export(federation, sys.stdout)
        sys.stdout.flush()
        return federation.slug, entries, checkpoints
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(_("%(path)s is a folder; give a file name.") % {"path": path})
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            entries, checkpoints = write_export(federation, out)
        partial.replace(target)
    except FileNotFoundError:
        raise InvalidInput(_("%(path)s: the folder does not exist.") % {"path": path}) from None
    except PermissionError:
        raise InvalidInput(_("%(path)s: not allowed to write there.") % {"path": path}) from None
    finally:
        partial.unlink(missing_ok=True)
    return federation.slug, entries, checkpoints
