"""axe-core's WCAG 2.1 A and AA rules, run on a page in real Chromium.

axe-core is vendored (tests/support/axe/, its README says which version and how it
was fetched): no npm at test time. It is given to the page through the DevTools
protocol (Playwright's evaluate), which the pages' Content-Security-Policy does not
govern, so the pages are checked with their real policy in force.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# WCAG 2.0 and 2.1, levels A and AA: the rules axe tags so (not its "best practices").
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, (
        f"{AXE} is not axe-core {AXE_VERSION} as vendored (tests/support/axe/README.md)"
    )
    return source.decode("utf-8")


def violations(page: Any) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now, one line per element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    assert page.evaluate("window.axe.version") == AXE_VERSION
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    found = page.evaluate(f"window.axe.run(document, {options}).then(r => r.violations)")
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            lines.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']}"
                f" at {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1]}"
            )
    return lines
