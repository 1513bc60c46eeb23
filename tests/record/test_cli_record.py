"""`asamblea record verify` and `asamblea record key`, as a user runs them; no Django."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asamblea.cli.main import main
from asamblea.record.checkpoint import Ed25519Signer, save_signing_key

PURE_MODULES = [
    "asamblea.record",
    "asamblea.record.canonical",
    "asamblea.record.merkle",
    "asamblea.record.checkpoint",
    "asamblea.record.export",
    "asamblea.record.verify",
    "asamblea.cli.record",
]


def test_the_record_library_its_command_and_its_checks_never_import_django() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}: importlib.import_module(name)\n"
        "from asamblea.record.verify import load_entry_checks\n"
        "load_entry_checks()\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_verify_prints_a_summary_and_exits_0(
    export_file: Path, signer: Ed25519Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["record", "verify", str(export_file), "--public-key", signer.public_key.to_text()])
    out = capsys.readouterr().out
    assert code == 0
    assert "OK: the record of 'frente-sur'" in out
    assert "20 entries, 4 signed checkpoints" in out
    assert signer.public_key.fingerprint in out


def test_verify_names_the_first_bad_entry_and_exits_6(
    export_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = export_file.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = lines[9].replace("asamblea-", "asamblea-X")  # entry 8
    export_file.write_text("".join(lines), encoding="utf-8")
    code = main(["record", "verify", str(export_file)])
    captured = capsys.readouterr()
    assert code == 6
    assert captured.out == ""
    assert captured.err.startswith(f"asamblea: {export_file}, line 10: entry 8: ")
    assert "does not match its leaf hash" in captured.err


def test_a_deeply_nested_line_is_a_bad_entry_not_a_traceback(
    export_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = export_file.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = "[" * 100_000 + "]" * 100_000 + "\n"
    export_file.write_text("".join(lines), encoding="utf-8")
    code = main(["record", "verify", str(export_file)])
    captured = capsys.readouterr()
    assert code == 6
    assert "line 10" in captured.err
    assert "Traceback" not in captured.err


def test_verify_against_another_key_exits_6(
    export_file: Path, other_signer: Ed25519Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    key = other_signer.public_key.to_text()
    assert main(["record", "verify", str(export_file), "--public-key", key]) == 6
    assert "entry 0: " in capsys.readouterr().err


def test_the_public_key_can_come_from_a_file(
    tmp_path: Path,
    export_file: Path,
    signer: Ed25519Signer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text_key = tmp_path / "key.txt"
    text_key.write_text(signer.public_key.to_text() + "\n", encoding="utf-8")
    pem_key = tmp_path / "key.pem"
    pem_key.write_text(signer.public_key.to_pem(), encoding="utf-8")
    assert main(["record", "verify", str(export_file), "--public-key", str(text_key)]) == 0
    assert main(["record", "verify", str(export_file), "--public-key", str(pem_key)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("nonsense", "neither a key", id="not-a-key-nor-a-file"),
        pytest.param("ed25519:???", "not valid base64", id="bad-key-text"),
    ],
)
def test_a_bad_public_key_is_a_usage_error(
    export_file: Path, key: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "verify", str(export_file), "--public-key", key]) == 2
    assert message in capsys.readouterr().err


def test_a_key_file_with_junk_is_a_usage_error(
    tmp_path: Path, export_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "key.txt"
    junk.write_bytes(b"\xff\xfe")
    assert main(["record", "verify", str(export_file), "--public-key", str(junk)]) == 2
    assert f"--public-key: {junk}: " in capsys.readouterr().err


def test_verify_json_output(
    export_file: Path, signer: Ed25519Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "verify", str(export_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert result["entries"] == 20
    assert result["latest"]["size"] == 20
    assert result["public_key_fingerprint"] == signer.public_key.fingerprint
    assert result["types"]["count.result"] == 6


def test_a_missing_file_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "verify", str(tmp_path / "absent.jsonl")]) == 4
    assert "no such file" in capsys.readouterr().err


def test_record_alone_shows_its_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record"]) == 2
    assert "verify" in capsys.readouterr().out


def test_key_prints_the_public_key_of_a_key_file(
    tmp_path: Path, signer: Ed25519Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "record.pem"
    save_signing_key(signer, path)
    assert main(["record", "key", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        signer.public_key.to_text(),
        f"fingerprint {signer.public_key.fingerprint}",
    ]


def test_key_create_makes_a_private_key_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys" / "record.pem"
    assert main(["record", "key", str(path)]) == 4
    assert main(["record", "key", str(path), "--create"]) == 0
    first = capsys.readouterr().out
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert main(["record", "key", str(path), "--create"]) == 0
    assert capsys.readouterr().out == first


def test_the_installed_command_runs(export_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asamblea.cli", "record", "verify", str(export_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK: the record of 'frente-sur'" in result.stdout
