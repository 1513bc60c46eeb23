"""The recall's pure core (cascade, countback, rules, record checks) never imports Django."""

from __future__ import annotations

import subprocess
import sys


def test_the_pure_recall_modules_import_no_django() -> None:
    code = (
        "import sys\n"
        "import asamblea.recall.cascade, asamblea.recall.countback\n"
        "import asamblea.recall.rules, asamblea.recall.recount\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
