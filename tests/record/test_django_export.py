"""Exports from the database (command, web download, over HTTP) verify with the pure
verifier and `asamblea record verify`; a changed stored row is caught (SQLite, where
no trigger stops it)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from asamblea.cli.main import main
from asamblea.errors import InvalidInput
from asamblea.federation.demo import load_demo
from asamblea.federation.models import Federation
from asamblea.record import services
from asamblea.record.models import Checkpoint, Entry
from asamblea.record.services import Event, append_entries
from asamblea.record.verify import LogVerificationFailed, verify_lines, verify_source
from support.factories import add_member, make_federation


@pytest.fixture
def federation(db: None) -> Federation:
    federation = make_federation()
    add_member(federation, "base-1", "Ana Quispe")
    add_member(federation, "base-3", "Luz Condori")
    return federation


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_export_is_every_entry_in_order_then_every_checkpoint(
    federation: Federation,
) -> None:
    lines = list(services.export_lines(federation))
    header, *rest = (json.loads(line) for line in lines)
    assert header == {"format": "asamblea-record", "kind": "header", "log": "test", "version": 1}
    entries = [line for line in rest if line["kind"] == "entry"]
    checkpoints = [line for line in rest if line["kind"] == "checkpoint"]
    assert rest == entries + checkpoints
    stored = list(Entry.objects.filter(federation=federation).order_by("index"))
    assert [e["index"] for e in entries] == [e.index for e in stored]
    assert [e["leaf_hash"] for e in entries] == [e.leaf_hash for e in stored]
    assert [c["size"] for c in checkpoints] == list(
        Checkpoint.objects.filter(federation=federation)
        .order_by("size")
        .values_list("size", flat=True)
    )
    report = verify_lines(lines, public_key=services.public_key())
    assert report.entries == len(stored) and report.checkpoints == len(checkpoints)


def test_the_export_streams_in_batches_with_the_same_bytes(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = list(services.export_lines(federation))
    monkeypatch.setattr(services, "BATCH", 3)
    assert list(services.export_lines(federation)) == whole
    chunks = list(services.export_chunks(federation, chunk_size=256))
    assert len(chunks) > 3
    assert b"".join(chunks).decode() == "".join(line + "\n" for line in whole)


def test_the_command_writes_an_export_that_the_command_verifies(
    federation: Federation, tmp_path: Path
) -> None:
    target = tmp_path / "record.jsonl"
    code, out, _err = run("record", "export", str(target), "--federation", "test")
    assert code == 0 and "Wrote the record of 'test'" in out
    assert target.read_text().splitlines() == list(services.export_lines(federation))
    assert not list(tmp_path.glob("*.partial"))
    code, out, _err = run(
        "record", "verify", str(target), "--public-key", services.public_key().to_text()
    )
    assert code == 0 and out.startswith("OK: the record of 'test'")


def test_the_command_needs_a_federation_when_there_are_several(
    federation: Federation, tmp_path: Path
) -> None:
    make_federation("other")
    code, _out, err = run("record", "export", str(tmp_path / "x.jsonl"))
    assert code == 2 and "--federation" in err and "other, test" in err
    code, _out, err = run("record", "export", str(tmp_path / "x.jsonl"), "--federation", "nope")
    assert code == 4 and "nope" in err
    code, _out, err = run(
        "record", "export", str(tmp_path / "no" / "x.jsonl"), "--federation", "test"
    )
    assert code == 2 and "la carpeta no existe" in err  # the site's language, Spanish
    assert not (tmp_path / "x.jsonl").exists()


def test_the_web_download_is_the_same_export_and_verifies(federation: Federation) -> None:
    response = Client().get("/record/test/export.jsonl")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/jsonl")
    assert 'filename="record-test.jsonl"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.decode().splitlines() == list(services.export_lines(federation))
    verify_lines(body.splitlines(keepends=True), public_key=services.public_key())


def test_the_export_is_a_snapshot_at_the_latest_checkpoint(federation: Federation) -> None:
    lines = services.export_lines(federation)
    first = [next(lines), next(lines)]  # the header and entry 0: the snapshot is taken
    with transaction.atomic():
        append_entries(federation, [Event("test.event", {"n": 1})])
    rest = list(lines)
    report = verify_lines(first + rest)
    assert report.entries == services.published_size(federation) - 1


def test_an_export_from_the_site_verifies_from_its_url(
    live_server: Any, transactional_db: None
) -> None:
    federation = make_federation("live")
    add_member(federation, "base-2", "Rosa Mamani")
    url = f"{live_server.url}/record/live/export.jsonl"
    report = verify_source(url, public_key=services.public_key())
    assert report.log == "live" and report.entries == services.published_size(federation)
    code, out, _err = run("record", "verify", url)
    assert code == 0 and url in out


def test_the_demo_federation_record_verifies(db: None, tmp_path: Path) -> None:
    # The demo's bodies, delegations and seats, with fewer members to keep the test short.
    assert load_demo(members_per_body=(1, 3))
    target = tmp_path / "peru.jsonl"
    assert run("record", "export", str(target), "--federation", "peru")[0] == 0
    code, out, _err = run("record", "verify", str(target), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["ok"] and result["log"] == "peru"
    assert result["types"]["body.created"] > 250
    assert result["entries"] == Entry.objects.filter(federation__slug="peru").count()
    assert result["public_key_fingerprint"] == services.public_key().fingerprint


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="on PostgreSQL the trigger refuses the change"
)
@pytest.mark.parametrize(
    ("sql", "named"),
    [
        pytest.param(
            'UPDATE record_entry SET payload = replace(payload, \'"type":"\', \'"type":"x\') '
            'WHERE federation_id = %(log)s AND "index" = 4',
            "entry 4: the entry does not match its leaf hash",
            id="entry-edited",
        ),
        pytest.param(
            'DELETE FROM record_entry WHERE federation_id = %(log)s AND "index" = 6',
            "entry 6: expected here, but this line holds entry 7",
            id="entry-deleted",
        ),
        pytest.param(
            "UPDATE record_checkpoint SET root_hash = "
            "CASE WHEN substr(root_hash, 1, 1) = '0' THEN '1' ELSE '0' END || substr(root_hash, 2) "
            "WHERE federation_id = %(log)s AND size = "
            "(SELECT min(size) FROM record_checkpoint WHERE federation_id = %(log)s)",
            "entry 0: entries from here on are not covered by a valid signature",
            id="checkpoint-edited",
        ),
    ],
)
def test_on_sqlite_a_changed_row_is_caught_by_the_verifier(
    federation: Federation, sql: str, named: str
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"log": federation.pk})
        assert cursor.rowcount == 1
    with pytest.raises(LogVerificationFailed, match=named):
        verify_lines(list(services.export_lines(federation)), public_key=services.public_key())


def test_export_to_a_folder_is_refused(federation: Federation, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="folder"):
        services.export_to_file(str(tmp_path), federation)
