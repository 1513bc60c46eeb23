"""Checks `asamblea record verify` runs on the meetings' entries.

Pure module (no Django import). Importing it registers the checks:

- "meeting.acta": the published hash is the SHA-256 of the published public acta's
  canonical JSON, the acta is this meeting's, and two officers signed it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from asamblea import hooks
from asamblea.errors import VerificationFailed
from asamblea.record.canonical import canonical_json
from asamblea.record.verify import CheckContext

SIGNATURES_NEEDED = 2


def check_acta(entry: Mapping[str, Any], context: CheckContext) -> None:
    acta = entry["acta"]
    mine = hashlib.sha256(canonical_json(acta)).hexdigest()
    if mine != entry["hash"]:
        raise VerificationFailed(f"the acta hashes to {mine}, published {entry['hash']}")
    if acta.get("meeting") != entry["meeting"] or acta.get("body") != entry["body"]:
        raise VerificationFailed("the acta published is another meeting's")
    if len(set(entry["signed_by"])) < SIGNATURES_NEEDED:
        raise VerificationFailed(
            f"an acta needs {SIGNATURES_NEEDED} officers' signatures, it has "
            f"{len(set(entry['signed_by']))}"
        )


hooks.verify_check.add("meeting.acta", check_acta)
