"""The operator docs say what the code does."""

from __future__ import annotations

from pathlib import Path

from asamblea.cli.settings_cmd import settings_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_settings_page_lists_every_setting_as_the_code_declares_it():
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == settings_markdown()


def test_the_readme_starts_with_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["python3 run.py demo", "python3 run.py test"]
    assert "python3 run.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
