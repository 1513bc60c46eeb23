"""Imports run one way (pyproject.toml's import-linter contracts, docs/architecture.md):
the suite fails when a lower layer imports a higher one, as `lint-imports` does."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_linter_contract_is_kept(capsys) -> None:
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out
