"""Verify an exported log from scratch, trusting nothing in it or about its server.

Reads the export line by line (a file or an http(s) URL) and checks:

1. the header, then every entry: its index is the next one, it is a valid
   canonical entry of this log, and it hashes to the leaf hash on its line;
   registered checks for its type (e.g. a recount) pass;
2. every checkpoint, in order: it is for this log, signed by the expected key
   (or, if none is given, by the same key as the first checkpoint), its size
   does not go down, its root is the recomputed root of the first `size`
   entries, and it is consistent with the checkpoint before it (an RFC 9162
   consistency proof generated from the entries and verified against both
   signed roots; consistency is transitive, so each later checkpoint is then
   consistent with every earlier one);
3. the last checkpoint covers every entry.

On the first failure it raises `LogVerificationFailed` naming the line and the
first entry that cannot be trusted. An entry whose own leaf hash disagrees is
named exactly; an entry changed together with its leaf hash is caught by the
next checkpoint, and then the first entry after the last good checkpoint is
named (no signature pins it down further: issue checkpoints often).

Pure module: no Django import. Checks for entry types are registered with
`asamblea.hooks.verify_check` by the apps that own those types, in their pure
`recount` modules, which a verification finds and loads (`load_entry_checks`).
"""

from __future__ import annotations

import http.client
import importlib
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from asamblea import hooks
from asamblea.errors import AsambleaError, InvalidInput, NotFound, VerificationFailed
from asamblea.hooks import KeyedHook
from asamblea.record.canonical import canonical_entry, loads_strict
from asamblea.record.checkpoint import PublicKey, SignedCheckpoint, verify_checkpoint
from asamblea.record.export import FORMAT_NAME, FORMAT_VERSION
from asamblea.record.merkle import InvalidProof, MerkleTree, leaf_hash, verify_consistency

_HEX_HASH = re.compile(r"^[0-9a-f]{64}$")
_ENTRY_FIELDS = frozenset({"kind", "index", "entry", "leaf_hash"})
DOWNLOAD_TIMEOUT_SECONDS = 60


class LogVerificationFailed(VerificationFailed):
    """The log failed a check; `index` is the first entry that cannot be trusted."""

    def __init__(self, source: str, line: int | None, index: int | None, detail: str) -> None:
        where = source if line is None else f"{source}, line {line}"
        what = "" if index is None else f"entry {index}: "
        super().__init__(f"{where}: {what}{detail}")
        self.source = source
        self.line = line
        self.index = index
        self.detail = detail


@dataclass
class CheckContext:
    """What an entry check is told besides the entry itself."""

    log: str
    index: int
    line: int
    # Scratch space shared by every check during one verification, e.g. to
    # collect the ballots published before a count.
    state: dict[str, Any] = field(default_factory=dict)


EntryCheck = Callable[[Mapping[str, Any], CheckContext], None]


class EntryCheckRegistry:
    """Checks to run on entries of given types; a check raises AsambleaError to fail.

    A view of a `KeyedHook` of checks: the default one is `asamblea.hooks.verify_check`,
    where the apps register theirs; a test makes a fresh, empty one.
    """

    def __init__(self, hook: KeyedHook[EntryCheck] | None = None) -> None:
        self.hook: KeyedHook[EntryCheck] = (
            KeyedHook("entry checks", "checks by type") if hook is None else hook
        )

    def register(self, entry_type: str, check: EntryCheck) -> EntryCheck:
        """Run `check` on every entry of `entry_type`; returns the check (decorator-friendly)."""
        return self.hook.add(entry_type, check)

    def unregister(self, entry_type: str, check: EntryCheck) -> None:
        """Stop running `check` on entries of `entry_type`."""
        self.hook.remove(entry_type, check)

    def checks_for(self, entry_type: str) -> list[EntryCheck]:
        return self.hook.get(entry_type)

    def types(self) -> list[str]:
        return self.hook.registered()


DEFAULT_CHECKS = EntryCheckRegistry(hooks.verify_check)


def register_entry_check(entry_type: str, check: EntryCheck) -> EntryCheck:
    """Old name of `hooks.verify_check.add(entry_type, check)`.

    The check gets the entry (a dict) and a CheckContext; it raises an
    AsambleaError (e.g. VerificationFailed) with a message saying what does
    not add up. The module defining it registers it when imported.
    """
    return hooks.verify_check.add(entry_type, check)


def load_entry_checks(modules: Iterable[str] | None = None) -> EntryCheckRegistry:
    """Import the modules that register entry checks; returns the default registry.

    By default every app's `recount` module (`hooks.autodiscover("recount")`): each
    is pure, so a verification loads no Django.
    """
    if modules is None:
        hooks.autodiscover("recount")
    else:
        for name in modules:
            importlib.import_module(name)
    return DEFAULT_CHECKS


@dataclass(frozen=True)
class VerifyReport:
    """What a successful verification established."""

    source: str
    log: str
    entries: int
    root: bytes
    checkpoints: int
    latest: SignedCheckpoint | None
    types: dict[str, int]
    checked: dict[str, int]

    def summary(self) -> str:
        """A few lines for a person: what was checked, and what to compare by hand."""
        lines = [
            f"OK: the record of {self.log!r} in {self.source} verifies.",
            f"  {self.entries} entries, {self.checkpoints} signed checkpoints; "
            f"root {self.root.hex()}",
        ]
        if self.latest is not None:
            key = self.latest.public_key
            lines.append(f"  latest checkpoint: size {self.latest.size}, time {self.latest.time}")
            lines.append(f"  signed by {key.to_text()} (fingerprint {key.fingerprint})")
        for entry_type, count in sorted(self.types.items()):
            rechecked = self.checked.get(entry_type, 0)
            note = f", {rechecked} re-verified" if rechecked else ""
            lines.append(f"  {entry_type}: {count}{note}")
        lines.append(
            "Compare the key fingerprint and the latest root with those the federation "
            "publishes, and with copies others hold."
        )
        return "\n".join(lines)


class _Verifier:
    """One verification run over the lines of one export."""

    def __init__(
        self, source: str, public_key: PublicKey | None, checks: EntryCheckRegistry
    ) -> None:
        self.source = source
        self.expected_key = public_key
        self.checks = checks
        self.log = ""
        self.tree = MerkleTree()
        self.types: Counter[str] = Counter()
        self.checked: Counter[str] = Counter()
        # (line, checkpoint) in file order; a str in place of the checkpoint says
        # why that line is not one, reported once the entries before it are checked.
        self.checkpoints: list[tuple[int, SignedCheckpoint | str]] = []
        self.entry_failure: LogVerificationFailed | None = None
        self.repeated_entry: LogVerificationFailed | None = None
        self.state: dict[str, Any] = {}
        self.last_line = 0

    def fail(self, line: int | None, index: int | None, detail: str) -> LogVerificationFailed:
        return LogVerificationFailed(self.source, line, index, detail)

    def run(self, lines: Iterable[bytes | str]) -> VerifyReport:
        number = 0
        for number, raw in enumerate(lines, start=1):
            self.read_line(number, raw)
        self.last_line = number
        if number == 0:
            raise self.fail(None, None, "the file is empty; expected an asamblea record export")
        return self.check_checkpoints()

    def read_line(self, number: int, raw: bytes | str) -> None:
        problem: str | None = None
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            value = loads_strict(text)
        except ValueError as error:  # UnicodeDecodeError and JSONDecodeError included
            value, problem = None, f"the line is not valid JSON ({error})"
        else:
            if not isinstance(value, dict):
                problem = "the line is not a JSON object"
        if number == 1:
            self.read_header(value, problem)
            return
        if problem is not None:
            self.line_problem(number, problem)
            return
        kind = value.get("kind")
        if kind == "entry":
            if self.checkpoints:
                self.entry_problem(number, "an entry after the checkpoints")
            # After the first bad entry the rest are not hashed; the lines are
            # still read for the checkpoints, which may name an earlier culprit.
            elif self.entry_failure is None:
                self.read_entry(number, value)
        elif kind == "checkpoint":
            try:
                self.checkpoints.append((number, SignedCheckpoint.from_json(value)))
            except InvalidInput as error:
                self.checkpoints.append((number, f"not a valid checkpoint: {error}"))
        else:
            self.line_problem(
                number, f'unknown line kind {kind!r}; expected "entry" or "checkpoint"'
            )

    def line_problem(self, number: int, detail: str) -> None:
        """A line that is neither entry nor checkpoint: its place decides whom it implicates."""
        if self.checkpoints:
            self.checkpoints.append((number, detail))
        else:
            self.entry_problem(number, detail)

    def entry_problem(self, number: int, detail: str) -> None:
        """Remember the first problem among the entry lines (it may not be reported first)."""
        if self.entry_failure is None:
            self.entry_failure = self.fail(number, self.tree.size, detail)

    def read_header(self, value: Any, problem: str | None) -> None:
        if problem is not None:
            raise self.fail(1, None, f"expected the header of an {FORMAT_NAME} export: {problem}")
        if value.get("kind") != "header" or value.get("format") != FORMAT_NAME:
            raise self.fail(
                1, None, f"expected the header of an {FORMAT_NAME} export, got {value!r}"
            )
        if value.get("version") != FORMAT_VERSION:
            raise self.fail(
                1,
                None,
                f"format version {value.get('version')!r} is not supported "
                f"(this verifier reads version {FORMAT_VERSION})",
            )
        log = value.get("log")
        if not isinstance(log, str) or not log:
            raise self.fail(1, None, f'the header needs the log name in "log", got {log!r}')
        self.log = log

    def read_entry(self, number: int, value: dict[str, Any]) -> None:
        expected = self.tree.size
        if set(value) != _ENTRY_FIELDS:
            self.entry_problem(
                number, "an entry line has exactly the fields " + ", ".join(sorted(_ENTRY_FIELDS))
            )
            return
        index = value["index"]
        if not isinstance(index, int) or isinstance(index, bool):
            self.entry_problem(number, f"expected here, but the line's index is {index!r}")
            return
        if index > expected:
            self.entry_problem(
                number,
                f"expected here, but this line holds entry {index} "
                f"(entry {expected} was removed or moved)",
            )
            return
        if index < expected:
            # Entries so far sit one a line, so the earlier holder of `index` is known.
            earlier = number - (expected - index)
            self.entry_failure = self.fail(
                number,
                index,
                f"lines {earlier} and {number} both hold entry {index}: one of them was "
                "inserted, duplicated or moved",
            )
            # If a checkpoint vouches for the earlier one, the later line is the culprit.
            self.repeated_entry = self.fail(
                number,
                expected,
                f"expected here, but this line repeats entry {index}, which a valid "
                f"checkpoint covers on line {earlier}: this line was inserted, duplicated "
                "or moved",
            )
            return
        stated = value["leaf_hash"]
        if not isinstance(stated, str) or not _HEX_HASH.match(stated):
            self.entry_problem(
                number, f"the leaf hash must be 64 lower-case hex digits, got {stated!r}"
            )
            return
        entry = value["entry"]
        try:
            data = canonical_entry(entry)
        except InvalidInput as error:
            self.entry_problem(number, f"not a valid entry: {error}")
            return
        if entry["federation"] != self.log:
            self.entry_problem(
                number, f"an entry of federation {entry['federation']!r} in the log of {self.log!r}"
            )
            return
        computed = leaf_hash(data)
        if computed.hex() != stated:
            self.entry_problem(
                number,
                f"the entry does not match its leaf hash (computed {computed.hex()}, "
                f"line says {stated}): it was changed after it was recorded",
            )
            return
        entry_type = entry["type"]
        checks = self.checks.checks_for(entry_type)
        if checks:
            context = CheckContext(log=self.log, index=expected, line=number, state=self.state)
            for check in checks:
                try:
                    check(entry, context)
                except AsambleaError as error:
                    self.entry_problem(number, f"{entry_type} does not check out: {error}")
                    return
                except (AttributeError, KeyError, TypeError, ValueError) as error:
                    self.entry_problem(
                        number, f"{entry_type} lacks what its check needs: {error!r}"
                    )
                    return
            self.checked[entry_type] += 1
        self.types[entry_type] += 1
        self.tree.append_leaf_hash(computed)

    def check_checkpoints(self) -> VerifyReport:
        tree = self.tree
        reference = self.expected_key
        previous: SignedCheckpoint | None = None
        covered = 0
        for number, checkpoint in self.checkpoints:
            if isinstance(checkpoint, str):
                raise self.fail(number, covered, checkpoint)
            if self.entry_failure is not None and checkpoint.size > tree.size:
                raise self.first_entry_failure(covered)
            if checkpoint.log != self.log:
                raise self.fail(
                    number,
                    covered,
                    f"the checkpoint is for log {checkpoint.log!r}, not {self.log!r}",
                )
            if reference is None:
                reference = checkpoint.public_key
            try:
                verify_checkpoint(checkpoint, reference)
            except VerificationFailed as error:
                raise self.fail(
                    number,
                    covered,
                    f"entries from here on are not covered by a valid signature: {error}",
                ) from None
            if previous is not None and checkpoint.size < previous.size:
                raise self.fail(
                    number,
                    covered,
                    f"checkpoints out of order: size {checkpoint.size} after size {previous.size}",
                )
            if checkpoint.size > tree.size:
                raise self.fail(
                    number,
                    tree.size,
                    f"missing: the checkpoint is signed for {checkpoint.size} entries but the "
                    f"file has only {tree.size}",
                )
            self.check_root(number, checkpoint, previous, covered)
            previous, covered = checkpoint, checkpoint.size
        if self.entry_failure is not None:
            raise self.first_entry_failure(covered)
        if previous is None:
            raise self.fail(
                self.last_line, 0, "the file ends without a checkpoint: nothing in it is signed"
            )
        if covered < tree.size:
            raise self.fail(
                self.checkpoints[-1][0],
                covered,
                f"entries {covered} to {tree.size - 1} are not covered by any signed checkpoint",
            )
        return VerifyReport(
            source=self.source,
            log=self.log,
            entries=tree.size,
            root=tree.root(),
            checkpoints=len(self.checkpoints),
            latest=previous,
            types=dict(self.types),
            checked=dict(self.checked),
        )

    def first_entry_failure(self, covered: int) -> LogVerificationFailed:
        """The entry failure to report once checkpoints have vouched for `covered` entries."""
        assert self.entry_failure is not None
        index = self.entry_failure.index
        if self.repeated_entry is not None and index is not None and index < covered:
            return self.repeated_entry
        return self.entry_failure

    def check_root(
        self,
        number: int,
        checkpoint: SignedCheckpoint,
        previous: SignedCheckpoint | None,
        covered: int,
    ) -> None:
        """The signed root must be the entries' root and extend the previous checkpoint."""
        size = checkpoint.size
        span = f"entries {covered} to {size - 1}" if size > covered else "the entries"
        if previous is not None and previous.size > 0:
            proof = self.tree.consistency_proof(previous.size, size)
            try:
                verify_consistency(previous.size, size, previous.root, checkpoint.root, proof)
            except InvalidProof as error:
                raise self.fail(
                    number,
                    covered,
                    f"{span} do not match the checkpoint of size {size}: it is not consistent "
                    f"with the checkpoint of size {previous.size} ({error}). At least one entry "
                    "was changed, inserted, removed or reordered, or the log was forked"
                    + self.fork_note(checkpoint),
                ) from None
        computed = self.tree.root(size)
        if computed != checkpoint.root:
            raise self.fail(
                number,
                covered,
                f"{span} do not hash to the root signed in the checkpoint of size {size} "
                f"(computed {computed.hex()}, signed {checkpoint.root.hex()}). At least one "
                "entry was changed, inserted, removed or reordered" + self.fork_note(checkpoint),
            )

    def fork_note(self, bad: SignedCheckpoint) -> str:
        """If another validly signed checkpoint matches the entries, say the log forked."""
        for number, other in self.checkpoints:
            if isinstance(other, str) or other.size > self.tree.size or other.size <= bad.size:
                continue
            if other.public_key == bad.public_key and other.root == self.tree.root(other.size):
                try:
                    verify_checkpoint(other, bad.public_key)
                except VerificationFailed:
                    continue
                return (
                    f"; the checkpoint of size {other.size} on line {number} matches these "
                    "entries and is validly signed by the same key: the log operator signed "
                    "two histories that cannot both be true (a fork)"
                )
        return ""


def verify_lines(
    lines: Iterable[bytes | str],
    *,
    source: str = "<record>",
    public_key: PublicKey | None = None,
    checks: EntryCheckRegistry | None = None,
) -> VerifyReport:
    """Verify an export given as lines; raises LogVerificationFailed on the first failure."""
    registry = load_entry_checks() if checks is None else checks
    return _Verifier(source, public_key, registry).run(lines)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def read_source(source: str) -> Iterator[bytes]:
    """The lines of a local file or of an http(s) URL."""
    if _is_url(source):
        request = urllib.request.Request(source, headers={"User-Agent": "asamblea-verify"})  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
                yield from response
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise InvalidInput(f"could not download {source}: {error}") from None
        return
    try:
        with open(source, "rb") as handle:
            yield from handle
    except FileNotFoundError:
        raise NotFound(f"{source}: no such file") from None
    except (IsADirectoryError, PermissionError) as error:
        raise InvalidInput(f"{source}: cannot read it ({error.strerror})") from None


def verify_source(
    source: str,
    *,
    public_key: PublicKey | None = None,
    checks: EntryCheckRegistry | None = None,
) -> VerifyReport:
    """Verify the export in a file or at an http(s) URL."""
    return verify_lines(read_source(source), source=source, public_key=public_key, checks=checks)
