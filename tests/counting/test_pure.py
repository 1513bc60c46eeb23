"""The counting engine is pure: importing all of it (and the count command) loads no Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import asamblea.counting

PROBE = """
import importlib, pkgutil, sys
import asamblea.counting
for module in pkgutil.iter_modules(asamblea.counting.__path__):
    importlib.import_module("asamblea.counting." + module.name)
import asamblea.cli.count
loaded = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print(",".join(loaded))
"""


def test_counting_modules_import_no_django() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_probe_sees_every_counting_module() -> None:
    names = {module.name for module in pkgutil.iter_modules(asamblea.counting.__path__)}
    assert {"blt", "csvballots", "stv_scottish", "report", "methods", "profile", "result"} <= names
