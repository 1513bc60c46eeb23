"""Code outside the counting engine uses only its public names (no `_private` ones)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINE = "asamblea.counting"


def _private(dotted: str) -> bool:
    """A dotted name inside the engine with a private part (`_x`, not `__x__`)."""
    if dotted != ENGINE and not dotted.startswith(ENGINE + "."):
        return False
    parts = dotted.split(".")[2:]
    return any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts)


def private_uses(source: str, module: str, is_package: bool = False) -> list[str]:
    """The private engine names `source` (the module `module`) imports or reaches."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    bound: dict[str, str] = {}  # local name -> the dotted name it stands for
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _private(alias.name):
                    found.append(alias.name)
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    bound[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if _private(base):
                found.append(base)
            for alias in node.names:
                dotted = f"{base}.{alias.name}"
                if _private(dotted) and not _private(base):
                    found.append(dotted)
                bound[alias.asname or alias.name] = dotted
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts: list[str] = []
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                parts.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in bound:
                dotted = ".".join([bound[inner.id], *reversed(parts)])
                if _private(dotted) and not any(dotted.startswith(f + ".") for f in found):
                    found.append(dotted)
    return sorted(set(found))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from asamblea.counting._ballots import build_profile", ["asamblea.counting._ballots"]),
        ("from asamblea.counting import _ballots", ["asamblea.counting._ballots"]),
        ("from asamblea.counting.meek import _seats", ["asamblea.counting.meek._seats"]),
        ("import asamblea.counting._ballots as b", ["asamblea.counting._ballots"]),
        (
            "from asamblea.counting import stv_scottish\nclass S(stv_scottish._Count): pass",
            ["asamblea.counting.stv_scottish._Count"],
        ),
        (
            "import asamblea.counting.meek\nx = asamblea.counting.meek._MeekCount",
            ["asamblea.counting.meek._MeekCount"],
        ),
        (
            "from ..counting import meek as m\nm._MeekCount(1)",
            ["asamblea.counting.meek._MeekCount"],
        ),
        ("from ..counting._ballots import build_profile", ["asamblea.counting._ballots"]),
        ("from asamblea.counting import meek\nmeek.count_meek, meek.__name__", []),
        ("from asamblea.counting.ballots import build_profile", []),
        ("from asamblea.recall import _private\nimport os\nos._exit", []),
    ],
)
def test_the_scan_sees_private_engine_names(source: str, expected: list[str]) -> None:
    assert private_uses(source, "asamblea.recall.countback") == expected


def test_no_code_outside_the_engine_uses_its_private_names() -> None:
    engine = ROOT / "src" / "asamblea" / "counting"
    files = [
        path
        for top in ("src", "benchmarks")
        for path in sorted((ROOT / top).rglob("*.py"))
        if engine not in path.parents and ".venv" not in path.parts
    ]
    assert any(p.name == "countback.py" for p in files)
    offenders = {}
    for path in files:
        relative = path.relative_to(ROOT / "src") if path.is_relative_to(ROOT / "src") else None
        module = ".".join(relative.with_suffix("").parts) if relative else path.stem
        is_package = path.name == "__init__.py"
        if is_package:
            module = module.rpartition(".")[0]
        uses = private_uses(path.read_text(encoding="utf-8"), module, is_package)
        if uses:
            offenders[str(path.relative_to(ROOT))] = uses
    assert offenders == {}
