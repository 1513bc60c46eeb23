"""The verifier passes an untouched export and names the first bad entry of a tampered one.

The sample log (conftest.py) has 20 entries on lines 2..21 (entry i on line
i + 2) and checkpoints at sizes 5, 10, 15 and 20 on lines 22..25.
"""

from __future__ import annotations

import base64
import http.server
import json
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from asamblea.errors import InvalidInput, NotFound, VerificationFailed
from asamblea.record.canonical import canonical_entry, canonical_json
from asamblea.record.checkpoint import Ed25519Signer, issue_checkpoint
from asamblea.record.export import MemoryLog, checkpoint_line, header_line
from asamblea.record.merkle import leaf_hash
from asamblea.record.verify import (
    DEFAULT_CHECKS,
    CheckContext,
    EntryCheckRegistry,
    LogVerificationFailed,
    load_entry_checks,
    register_entry_check,
    verify_lines,
    verify_source,
)

from .conftest import LOG, START, build_log, sample_entry

FIRST_CHECKPOINT_LINE = 22
Lines = list[str]


def entry_at(lines: Lines, index: int) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(lines[index + 1])
    return value


def compact(value: Any) -> str:
    """JSON as a forger would write it (plain json: it need not be valid for the record)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def put(lines: Lines, index: int, value: Mapping[str, Any]) -> None:
    lines[index + 1] = compact(value)


def rehashed(line: dict[str, Any]) -> dict[str, Any]:
    """The line with its leaf hash recomputed, as a careful forger would."""
    return {**line, "leaf_hash": leaf_hash(compact(line["entry"]).encode()).hex()}


def edit_entry(index: int, rehash: bool = False, **changes: Any) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        line = entry_at(lines, index)
        line["entry"] = {**line["entry"], **changes}
        put(lines, index, rehashed(line) if rehash else line)

    return mutate


def renumber(lines: Lines) -> None:
    """Make entry indexes contiguous again after a removal or insertion."""
    entry_lines = [n for n, text in enumerate(lines) if '"kind":"entry"' in text]
    for index, number in enumerate(entry_lines):
        lines[number] = canonical_json({**json.loads(lines[number]), "index": index}).decode()


def delete_entry(index: int, renumbered: bool = False) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        del lines[index + 1]
        if renumbered:
            renumber(lines)

    return mutate


def forged_line(index: int) -> str:
    entry = sample_entry(500)
    data = canonical_entry(entry)
    return canonical_json(
        {"kind": "entry", "index": index, "entry": entry, "leaf_hash": leaf_hash(data).hex()}
    ).decode()


def insert_entry(before: int, renumbered: bool = False) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        lines.insert(before + 1, forged_line(before))
        if renumbered:
            renumber(lines)

    return mutate


def move_line(source: int, target: int) -> Callable[[Lines], None]:
    """Move the line of entry `source` to just after the line of entry `target`."""

    def mutate(lines: Lines) -> None:
        line = lines.pop(source + 1)
        lines.insert(target + 1, line)

    return mutate


def reorder_and_renumber(lines: Lines) -> None:
    move_line(3, 9)(lines)
    renumber(lines)


def swap_lines(first: int, second: int) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        lines[first + 1], lines[second + 1] = lines[second + 1], lines[first + 1]

    return mutate


def swap_contents(first: int, second: int) -> Callable[[Lines], None]:
    """Swap two entries (and their leaf hashes) but keep the indexes in order."""

    def mutate(lines: Lines) -> None:
        one, two = entry_at(lines, first), entry_at(lines, second)
        put(lines, first, {**two, "index": first})
        put(lines, second, {**one, "index": second})

    return mutate


def edit_checkpoint(number: int, **changes: Any) -> Callable[[Lines], None]:
    """Change fields of the number-th checkpoint line (0 = size 5)."""

    def mutate(lines: Lines) -> None:
        position = FIRST_CHECKPOINT_LINE - 1 + number
        lines[position] = canonical_json({**json.loads(lines[position]), **changes}).decode()

    return mutate


def flip_signature(lines: Lines) -> None:
    position = FIRST_CHECKPOINT_LINE - 1 + 1  # the checkpoint of size 10
    value = json.loads(lines[position])
    signature = bytearray(base64.b64decode(value["signature"]))
    signature[10] ^= 0x01
    value["signature"] = base64.b64encode(bytes(signature)).decode()
    lines[position] = canonical_json(value).decode()


def drop_checkpoints(lines: Lines) -> None:
    del lines[FIRST_CHECKPOINT_LINE - 1 :]


def drop_last_entries(lines: Lines) -> None:
    del lines[18 : FIRST_CHECKPOINT_LINE - 1]  # entries 17, 18, 19


def cut_mid_line(lines: Lines) -> None:
    lines[13] = lines[13][:40]  # entry 12, cut off
    del lines[14:]


def drop_latest_checkpoint(lines: Lines) -> None:
    del lines[-1]


def duplicate_entry(lines: Lines) -> None:
    lines.insert(7, lines[6])  # entry 5 twice


def garbage_line(lines: Lines) -> None:
    lines[10] = "this is not json"  # entry 9


def change_leaf_hash(lines: Lines) -> None:
    line = entry_at(lines, 11)
    put(lines, 11, {**line, "leaf_hash": "0" * 64})


def move_entry_after_checkpoints(lines: Lines) -> None:
    lines.append(lines.pop(20))  # entry 19 to the very end


def swap_checkpoints(lines: Lines) -> None:
    first, second = FIRST_CHECKPOINT_LINE, FIRST_CHECKPOINT_LINE + 1  # sizes 10 and 15
    lines[first], lines[second] = lines[second], lines[first]


def duplicate_key(lines: Lines) -> None:
    text = lines[8]  # entry 7
    lines[8] = text.replace('"federation":', '"body":"otra","federation":', 1)


def resign_everything(signer: Ed25519Signer) -> Callable[[Lines], None]:
    """An impostor rewrites an entry and re-signs every checkpoint with their own key."""

    def mutate(lines: Lines) -> None:
        edit_entry(3, rehash=True, body="impostora")(lines)
        memory = MemoryLog(LOG)
        for text in lines[1 : FIRST_CHECKPOINT_LINE - 1]:
            memory.append(json.loads(text)["entry"])
        for position in range(FIRST_CHECKPOINT_LINE - 1, len(lines)):
            old = json.loads(lines[position])
            resigned = issue_checkpoint(
                signer, LOG, old["size"], memory.tree.root(old["size"]), START
            )
            lines[position] = checkpoint_line(resigned)

    return mutate


def one_checkpoint_by(signer: Ed25519Signer) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        position = FIRST_CHECKPOINT_LINE + 1  # size 15
        old = json.loads(lines[position])
        resigned = issue_checkpoint(signer, LOG, 15, bytes.fromhex(old["root"]), START)
        lines[position] = checkpoint_line(resigned)

    return mutate


def fork(signer: Ed25519Signer, ours: str, theirs: str) -> Callable[[Lines], None]:
    """Mix two histories that share entries 0..7: entries of `ours`, checkpoints picked by size."""

    def mutate(lines: Lines) -> None:
        histories = {"A": build_log(signer), "B": forked_history(signer)}
        chosen = histories[ours].export_text().splitlines()
        checkpoints = [
            checkpoint_line(histories[name].checkpoints[position])
            for position, name in enumerate(theirs)
        ]
        lines[:] = chosen[: FIRST_CHECKPOINT_LINE - 1] + checkpoints

    return mutate


def forked_history(signer: Ed25519Signer) -> MemoryLog:
    """Same first 8 entries as the sample log, then different ones, signed by the same key."""
    memory = MemoryLog(LOG)
    for number in range(20):
        memory.append(sample_entry(number if number < 8 else number + 100))
        if len(memory) % 5 == 0:
            memory.issue_checkpoint(signer, START)
    return memory


SIGNER_SEED_OTHER = 9

MUTATIONS: list[Any] = [
    # (mutation, first bad entry, words in the message)
    pytest.param(edit_entry(7, body="otra"), 7, "does not match its leaf hash", id="change-entry"),
    pytest.param(
        edit_entry(7, rehash=True, body="otra"),
        5,
        "entries 5 to 9 do not match the checkpoint of size 10",
        id="change-entry-and-its-leaf-hash",
    ),
    pytest.param(
        edit_entry(12, time="2026-11-28T09:00:00.000000Z"),
        12,
        "does not match its leaf hash",
        id="change-entry-time",
    ),
    pytest.param(delete_entry(7), 7, "(entry 7 was removed or moved)", id="delete-entry"),
    pytest.param(
        delete_entry(7, renumbered=True),
        5,
        "do not match the checkpoint of size 10",
        id="delete-entry-and-renumber",
    ),
    pytest.param(insert_entry(8), 8, "lines 10 and 11 both hold entry 8", id="insert-entry"),
    pytest.param(
        insert_entry(8, renumbered=True),
        5,
        "do not match the checkpoint of size 10",
        id="insert-entry-and-renumber",
    ),
    pytest.param(move_line(3, 9), 3, "(entry 3 was removed or moved)", id="reorder-entry"),
    pytest.param(
        reorder_and_renumber,
        0,
        "entries 0 to 4 do not hash to the root signed in the checkpoint of size 5",
        id="reorder-entry-and-renumber",
    ),
    pytest.param(swap_lines(6, 8), 6, "holds entry 8", id="swap-two-entries"),
    pytest.param(
        swap_contents(6, 8),
        5,
        "do not match the checkpoint of size 10",
        id="swap-two-entries-keep-indexes",
    ),
    pytest.param(drop_checkpoints, 0, "ends without a checkpoint", id="truncate-checkpoints"),
    pytest.param(
        drop_last_entries,
        17,
        "signed for 20 entries but the file has only 17",
        id="truncate-entries",
    ),
    pytest.param(cut_mid_line, 12, "not valid JSON", id="truncate-mid-line"),
    pytest.param(
        drop_latest_checkpoint,
        15,
        "entries 15 to 19 are not covered by any signed checkpoint",
        id="drop-latest-checkpoint",
    ),
    pytest.param(flip_signature, 5, "signature of the checkpoint of size 10", id="forge-signature"),
    pytest.param(
        edit_checkpoint(2, root="ab" * 32), 10, "is not valid for key", id="change-checkpoint-root"
    ),
    pytest.param(
        edit_checkpoint(2, size=14), 10, "is not valid for key", id="change-checkpoint-size"
    ),
    pytest.param(
        edit_checkpoint(2, time="2026-11-29T00:00:00.000000Z"),
        10,
        "is not valid for key",
        id="change-checkpoint-time",
    ),
    pytest.param(duplicate_entry, 5, "lines 7 and 8 both hold entry 5", id="duplicate-entry"),
    pytest.param(garbage_line, 9, "not valid JSON", id="bad-json-line"),
    pytest.param(change_leaf_hash, 11, "does not match its leaf hash", id="change-leaf-hash"),
    pytest.param(
        edit_entry(4, rehash=True, federation="otra-federacion"),
        4,
        "federation 'otra-federacion' in the log of 'frente-sur'",
        id="entry-of-another-federation",
    ),
    pytest.param(
        edit_entry(6, rehash=True, share=0.5), 6, "floats are not allowed", id="float-in-entry"
    ),
    pytest.param(
        move_entry_after_checkpoints, 19, "an entry after the checkpoints", id="entry-after-end"
    ),
    pytest.param(
        swap_checkpoints, 15, "out of order: size 10 after size 15", id="reorder-checkpoints"
    ),
    pytest.param(duplicate_key, 7, "duplicate key 'body'", id="duplicate-json-key"),
]


@pytest.fixture
def tampered(export_lines: Lines) -> Callable[[Callable[[Lines], None]], Lines]:
    def apply(mutation: Callable[[Lines], None]) -> Lines:
        lines = list(export_lines)
        mutation(lines)
        assert lines != export_lines, "the mutation changed nothing"
        return lines

    return apply


def assert_fails_at(lines: Lines, index: int, words: str, **options: Any) -> LogVerificationFailed:
    with pytest.raises(LogVerificationFailed) as caught:
        verify_lines(lines, source="record.jsonl", checks=EntryCheckRegistry(), **options)
    error = caught.value
    assert error.index == index, str(error)
    assert f"entry {index}: " in str(error)
    assert words in str(error)
    assert str(error).startswith(f"record.jsonl, line {error.line}: ")
    return error


def test_the_untouched_log_verifies(export_lines: Lines, signer: Ed25519Signer) -> None:
    report = verify_lines(
        export_lines,
        source="record.jsonl",
        public_key=signer.public_key,
        checks=EntryCheckRegistry(),
    )
    assert (report.log, report.entries, report.checkpoints) == (LOG, 20, 4)
    assert report.latest is not None and report.latest.size == 20
    assert report.root == build_log(signer).tree.root()
    assert report.types == {"body.created": 7, "body.members_counted": 7, "count.result": 6}
    assert report.checked == {}
    summary = report.summary()
    assert "OK: the record of 'frente-sur' in record.jsonl verifies." in summary
    assert signer.public_key.fingerprint in summary
    assert "count.result: 6" in summary


@pytest.mark.parametrize(("mutation", "index", "words"), MUTATIONS)
def test_tampering_is_caught_at_the_first_bad_entry(
    tampered: Callable[[Callable[[Lines], None]], Lines],
    mutation: Callable[[Lines], None],
    index: int,
    words: str,
) -> None:
    assert_fails_at(tampered(mutation), index, words)


def test_there_are_at_least_fifteen_kinds_of_tampering() -> None:
    assert len(MUTATIONS) >= 15


def test_a_log_resigned_by_an_impostor_fails_against_the_published_key(
    tampered: Callable[[Callable[[Lines], None]], Lines],
    signer: Ed25519Signer,
    other_signer: Ed25519Signer,
) -> None:
    lines = tampered(resign_everything(other_signer))
    assert_fails_at(lines, 0, "not the expected", public_key=signer.public_key)
    # Without the published key it is a well-formed log of the impostor's: the
    # summary shows whose key, for the reader to compare.
    report = verify_lines(lines, checks=EntryCheckRegistry())
    assert other_signer.public_key.fingerprint in report.summary()


def test_a_checkpoint_signed_by_a_second_key_is_caught(
    tampered: Callable[[Callable[[Lines], None]], Lines], other_signer: Ed25519Signer
) -> None:
    assert_fails_at(tampered(one_checkpoint_by(other_signer)), 10, "not the expected")


def test_a_fork_whose_later_checkpoint_does_not_extend_the_earlier_is_caught(
    tampered: Callable[[Callable[[Lines], None]], Lines], signer: Ed25519Signer
) -> None:
    lines = tampered(fork(signer, ours="A", theirs="AAAB"))
    assert_fails_at(
        lines, 15, "not consistent with the checkpoint of size 15", public_key=signer.public_key
    )


def test_entries_of_a_forked_history_are_caught_and_the_fork_is_named(
    tampered: Callable[[Callable[[Lines], None]], Lines], signer: Ed25519Signer
) -> None:
    lines = tampered(fork(signer, ours="B", theirs="AABB"))
    error = assert_fails_at(lines, 5, "entries 5 to 9 do not match the checkpoint of size 10")
    assert "the checkpoint of size 15 on line 24 matches these entries" in str(error)
    assert "(a fork)" in str(error)


def test_a_fork_is_not_claimed_on_a_checkpoint_with_a_bad_signature(
    tampered: Callable[[Callable[[Lines], None]], Lines], signer: Ed25519Signer
) -> None:
    def forged_fork(lines: Lines) -> None:
        fork(signer, ours="B", theirs="AAB")(lines)
        value = json.loads(lines[FIRST_CHECKPOINT_LINE + 1])
        value["signature"] = base64.b64encode(bytes(64)).decode()
        lines[FIRST_CHECKPOINT_LINE + 1] = canonical_json(value).decode()

    error = assert_fails_at(tampered(forged_fork), 5, "do not match the checkpoint of size 10")
    assert str(error).endswith("or the log was forked")


def test_two_checkpoints_of_one_size_with_different_roots_are_caught(
    tampered: Callable[[Callable[[Lines], None]], Lines], signer: Ed25519Signer
) -> None:
    def add_rival(lines: Lines) -> None:
        rival = issue_checkpoint(signer, LOG, 20, leaf_hash(b"rival"), START)
        lines.append(checkpoint_line(rival))

    assert_fails_at(tampered(add_rival), 20, "two different roots for the same size 20")


def test_a_repeated_entry_after_a_checkpoint_names_the_later_line(signer: Ed25519Signer) -> None:
    lines = build_log(signer, entries=6, every=3).export_text().splitlines()
    lines.insert(4, lines[3])  # entry 2 again, where entry 3 belongs; entries 0..2 signed
    assert_fails_at(
        lines, 3, "this line repeats entry 2, which a valid checkpoint covers on line 4"
    )


# --- The shape of each line ---------------------------------------------------------


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(LogVerificationFailed, match="the file is empty"):
        verify_lines([])


@pytest.mark.parametrize(
    ("header", "words"),
    [
        pytest.param({"kind": "entry"}, "expected the header", id="not-a-header"),
        pytest.param(
            "{oops", "header of an asamblea-record export: the line is not valid", id="json"
        ),
        pytest.param("[]", "export: the line is not a JSON object", id="not-an-object"),
        pytest.param(
            {"kind": "header", "format": "asamblea-record", "version": 2, "log": LOG},
            "format version 2 is not supported",
            id="future-version",
        ),
        pytest.param(
            {"kind": "header", "format": "asamblea-record", "version": 1},
            'the log name in "log"',
            id="no-log",
        ),
    ],
)
def test_the_header_is_checked(export_lines: Lines, header: Any, words: str) -> None:
    lines = [header if isinstance(header, str) else json.dumps(header), *export_lines[1:]]
    with pytest.raises(LogVerificationFailed, match=words) as caught:
        verify_lines(lines)
    assert caught.value.line == 1
    assert caught.value.index is None


def line_change(position: int, text: str) -> Callable[[Lines], None]:
    def mutate(lines: Lines) -> None:
        lines[position] = text

    return mutate


def entry_line_change(position: int, **changes: Any) -> Callable[[Lines], None]:
    """Change fields of the line of entry `position` (None removes the field)."""

    def mutate(lines: Lines) -> None:
        line = entry_at(lines, position)
        for key, value in changes.items():
            if value is None:
                del line[key]
            else:
                line[key] = value
        put(lines, position, line)

    return mutate


@pytest.mark.parametrize(
    ("mutation", "index", "words"),
    [
        pytest.param(line_change(3, "[1, 2]"), 2, "not a JSON object", id="array-line"),
        pytest.param(line_change(3, '{"kind":"note"}'), 2, "unknown line kind 'note'", id="kind"),
        pytest.param(line_change(3, b"\xff".decode("latin-1")), 2, "not valid JSON", id="latin1"),
        pytest.param(entry_line_change(2, extra=1), 2, "exactly the fields", id="extra-field"),
        pytest.param(entry_line_change(2, leaf_hash=None), 2, "exactly the fields", id="no-hash"),
        pytest.param(
            entry_line_change(2, index="2"), 2, "the line's index is '2'", id="text-index"
        ),
        pytest.param(entry_line_change(2, index=True), 2, "the line's index is True", id="bool"),
        pytest.param(
            entry_line_change(2, leaf_hash="AB" * 32), 2, "64 lower-case hex", id="upper-hash"
        ),
        pytest.param(
            entry_line_change(2, entry={"type": "x"}), 2, "not a valid entry", id="bad-entry"
        ),
        pytest.param(
            line_change(FIRST_CHECKPOINT_LINE, "not json"), 5, "not valid JSON", id="bad-cp-json"
        ),
        pytest.param(
            line_change(FIRST_CHECKPOINT_LINE, '{"kind":"note"}'),
            5,
            "unknown line kind",
            id="unknown-kind-among-checkpoints",
        ),
        pytest.param(
            edit_checkpoint(1, signature="AAAA"),
            5,
            "not a valid checkpoint",
            id="malformed-checkpoint",
        ),
    ],
)
def test_malformed_lines_are_named(
    tampered: Callable[[Callable[[Lines], None]], Lines],
    mutation: Callable[[Lines], None],
    index: int,
    words: str,
) -> None:
    assert_fails_at(tampered(mutation), index, words)


def test_undecodable_bytes_are_caught(export_lines: Lines) -> None:
    lines = [line.encode() for line in export_lines]
    lines[3] = b'{"kind":"entry","index":2,\xff}'
    with pytest.raises(LogVerificationFailed, match="entry 2: the line is not valid JSON"):
        verify_lines(lines, checks=EntryCheckRegistry())


def test_a_checkpoint_of_another_log_is_caught(
    tampered: Callable[[Callable[[Lines], None]], Lines], signer: Ed25519Signer
) -> None:
    def other_log(lines: Lines) -> None:
        old = json.loads(lines[FIRST_CHECKPOINT_LINE - 1])
        forged = issue_checkpoint(signer, "otra", 5, bytes.fromhex(old["root"]), START)
        lines[FIRST_CHECKPOINT_LINE - 1] = checkpoint_line(forged)

    assert_fails_at(tampered(other_log), 0, "is for log 'otra', not 'frente-sur'")


def test_an_empty_log_with_a_checkpoint_of_size_zero_verifies_and_grows(
    signer: Ed25519Signer,
) -> None:
    memory = MemoryLog(LOG)
    memory.issue_checkpoint(signer, START)
    report = verify_lines(memory.export_text().splitlines(), checks=EntryCheckRegistry())
    assert (report.entries, report.checkpoints) == (0, 1)
    for number in range(3):
        memory.append(sample_entry(number))
    memory.issue_checkpoint(signer, START)
    report = verify_lines(memory.export_text().splitlines(), checks=EntryCheckRegistry())
    assert (report.entries, report.checkpoints) == (3, 2)


# --- Checks registered for entry types ----------------------------------------------


def check_count_total(entry: Mapping[str, Any], context: CheckContext) -> None:
    """A stand-in recount: the published total is the sum of the published votes."""
    votes = sum((Decimal(value) for value in entry["votes"].values()), Decimal(0))
    if votes != Decimal(entry["total"]):
        raise VerificationFailed(f"the votes add up to {votes}, not {entry['total']}")
    context.state.setdefault("counts", []).append(context.index)


def signed_log_with(signer: Ed25519Signer, bad: Mapping[int, Mapping[str, Any]]) -> Lines:
    """A log the operator signed honestly, whose entries at some indexes are `bad`."""
    memory = MemoryLog(LOG)
    for number in range(10):
        entry = sample_entry(number)
        memory.append({**entry, **bad.get(number, {})})
    memory.issue_checkpoint(signer, START)
    return memory.export_text().splitlines()


def test_registered_checks_run_on_their_entry_type(signer: Ed25519Signer) -> None:
    registry = EntryCheckRegistry()
    registry.register("count.result", check_count_total)
    seen: list[CheckContext] = []
    registry.register("count.result", lambda entry, context: seen.append(context))
    report = verify_lines(signed_log_with(signer, {}), checks=registry)
    assert report.checked == {"count.result": 3}
    assert [context.index for context in seen] == [2, 5, 8]
    assert [context.line for context in seen] == [4, 7, 10]
    assert seen[0].state["counts"] == [2, 5, 8]  # state is shared by all checks of a run
    assert "count.result: 3, 3 re-verified" in report.summary()
    assert registry.types() == ["count.result"]


def test_a_signed_but_wrong_count_is_caught_at_its_entry(signer: Ed25519Signer) -> None:
    registry = EntryCheckRegistry()
    registry.register("count.result", check_count_total)
    lines = signed_log_with(signer, {5: {"total": "99"}})
    with pytest.raises(LogVerificationFailed) as caught:
        verify_lines(lines, checks=registry)
    assert caught.value.index == 5
    assert "count.result does not check out: the votes add up to 17.50000, not 99" in str(
        caught.value
    )


def test_an_entry_without_what_its_check_needs_is_caught(signer: Ed25519Signer) -> None:
    registry = EntryCheckRegistry()
    registry.register("count.result", check_count_total)
    lines = signed_log_with(signer, {2: {"votes": None}})
    with pytest.raises(LogVerificationFailed, match=r"entry 2: count\.result lacks what its check"):
        verify_lines(lines, checks=registry)


def test_register_entry_check_adds_to_the_default_registry(signer: Ed25519Signer) -> None:
    register_entry_check("count.result", check_count_total)
    try:
        assert DEFAULT_CHECKS.checks_for("count.result") == [check_count_total]
        with pytest.raises(LogVerificationFailed, match=r"entry 8: count\.result does not"):
            verify_lines(signed_log_with(signer, {8: {"total": "0"}}))
    finally:
        DEFAULT_CHECKS.unregister("count.result", check_count_total)
    assert DEFAULT_CHECKS.checks_for("count.result") == []
    verify_lines(signed_log_with(signer, {8: {"total": "0"}}))


def test_the_default_checks_include_those_of_the_listed_modules() -> None:
    registry = load_entry_checks()
    assert registry is DEFAULT_CHECKS
    assert {"ballot.tracker", "election.counted", "motion.counted", "referendum.counted"} <= set(
        registry.types()
    )


def test_a_listed_module_registers_its_checks_when_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "record_check_plugin.py").write_text(
        "from asamblea.record.verify import register_entry_check\n"
        "def check(entry, context):\n"
        "    pass\n"
        "register_entry_check('plugin.event', check)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        load_entry_checks(["record_check_plugin"])
        assert "plugin.event" in DEFAULT_CHECKS.types()
    finally:
        for check in DEFAULT_CHECKS.checks_for("plugin.event"):
            DEFAULT_CHECKS.unregister("plugin.event", check)
        sys.modules.pop("record_check_plugin", None)


# --- Sources: files and URLs ---------------------------------------------------------


def test_a_file_verifies_from_its_path(export_file: Path, signer: Ed25519Signer) -> None:
    report = verify_source(str(export_file), public_key=signer.public_key)
    assert report.entries == 20
    assert report.source == str(export_file)


def test_a_missing_file_or_a_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such file"):
        verify_source(str(tmp_path / "absent.jsonl"))
    with pytest.raises(InvalidInput, match="cannot read it"):
        verify_source(str(tmp_path))


@pytest.fixture
def web_server(export_file: Path) -> Iterator[str]:
    """A real HTTP server on localhost serving the export's folder."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(export_file.parent), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_url_verifies(web_server: str, export_file: Path, signer: Ed25519Signer) -> None:
    report = verify_source(f"{web_server}/{export_file.name}", public_key=signer.public_key)
    assert (report.entries, report.checkpoints) == (20, 4)


def test_a_url_that_fails_is_reported(web_server: str) -> None:
    with pytest.raises(InvalidInput, match=r"could not download .*404"):
        verify_source(f"{web_server}/absent.jsonl")


def test_export_helpers_write_what_the_verifier_reads(signer: Ed25519Signer) -> None:
    lines = [header_line(LOG)]
    assert json.loads(lines[0]) == {
        "format": "asamblea-record",
        "kind": "header",
        "log": LOG,
        "version": 1,
    }
    memory = build_log(signer, entries=3, every=3)
    assert memory.export_text().splitlines()[0] == lines[0]
    checkpoint = replace(memory.checkpoints[0])
    assert json.loads(checkpoint_line(checkpoint))["size"] == 3
