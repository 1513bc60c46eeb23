"""Checks `asamblea record verify` runs on the meetings' entries.

Pure module (no Django import). Importing it registers the checks:

- "meeting.acta": the published hash is the SHA-256 of the published public acta's
  canonical JSON, the acta is this meeting's, and two officers signed it.
- "election.counted" of an election, and "motion.counted" of a secret motion vote,
  voted on paper in a room (its "paper" facts; the elections and deliberation apps'
  own checks add the paper ballots to the trackers): the papers
  reconcile. Printed = handed out + spoilt at the table + unused; papers entered one
  by one: the papers in the box are the ballots counted, the blank or spoilt ones and
  the unresolved ones; with a tally sheet, no more papers in the box than handed out.
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


def check_paper(entry: Mapping[str, Any], context: CheckContext) -> None:
    paper = entry.get("paper")
    if paper is None:
        return
    figures = ("printed", "handed_out", "spoiled", "unused", "in_box", "invalid", "unresolved")
    if not all(isinstance(paper.get(k), int) and paper[k] >= 0 for k in (*figures, "ballots")):
        raise VerificationFailed("the paper ballots' figures are not all whole numbers")
    if paper["handed_out"] + paper["spoiled"] + paper["unused"] != paper["printed"]:
        raise VerificationFailed(
            f"{paper['printed']} papers printed, but {paper['handed_out']} handed out, "
            f"{paper['spoiled']} spoilt and {paper['unused']} unused"
        )
    if paper["entry"] == "papers":
        accounted = paper["ballots"] + paper["invalid"] + paper["unresolved"]
        if accounted != paper["in_box"]:
            raise VerificationFailed(
                f"{paper['in_box']} paper ballots in the box, but {paper['ballots']} counted, "
                f"{paper['invalid']} blank or spoilt and {paper['unresolved']} unresolved"
            )
    elif paper["in_box"] > paper["handed_out"]:
        raise VerificationFailed(
            f"the tally sheet has {paper['in_box']} papers, {paper['handed_out']} handed out"
        )


hooks.verify_check.add("meeting.acta", check_acta)
hooks.verify_check.add("election.counted", check_paper)
hooks.verify_check.add("motion.counted", check_paper)
