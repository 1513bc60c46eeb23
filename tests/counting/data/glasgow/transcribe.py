"""Transcribe Glasgow's "Candidate Votes Per Stage" reports into official_stages.json.

How official_stages.json was made (kept so anyone can redo and check it):

    pdftotext -layout REPORT.pdf REPORT.txt          # poppler-utils
    python transcribe.py OUT.json BALLOTS.blt=REPORT.txt ...

Candidate rows are matched to the BLT candidates in order (the reports list them in
ballot paper order, as the BLT does); a row's figures are on its line, or, in the
2017 layout where the party name wraps, on the line just before it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

NUMBER = r"-?[\d,]+(?:\.\d+)?"
NOISE = ("Report Name", "Glasgow City Council", "Candidate Votes Per Stage", "This report")


def candidates_of(blt: Path) -> list[str]:
    lines = [line.strip() for line in blt.read_text("utf-8").splitlines() if line.strip()]
    count = int(lines[0].split()[0])
    end = lines.index("0")
    return [re.findall(r'"([^"]*)"', line)[0] for line in lines[end + 1 : end + 1 + count]]


def figures(line: str) -> list[str]:
    return [n.replace(",", "") for n in re.findall(NUMBER, line[80:])]


def transcribe(blt: Path, report: Path) -> dict[str, object]:
    names = candidates_of(blt)
    text = report.read_text("utf-8")
    head = {
        key: re.search(label + r"\s+(" + NUMBER + ")", text).group(1).replace(",", "")  # type: ignore[union-attr]
        for key, label in [
            ("valid_votes", "Total Number of Valid Votes"),
            ("seats", "Positions to be Filled"),
            ("quota", "Quota"),
        ]
    }
    blocks = re.split(r"(?m)^\s*Stage (\d+)\s*$", text)
    stages = []
    for number, body in zip(blocks[1::2], blocks[2::2], strict=True):
        lines = [ln for ln in body.splitlines() if ln.strip() and not ln.strip().startswith(NOISE)]
        stage: dict[str, object] = {"stage": int(number), "kind": "first"}
        action = re.match(r"\s*(Surplus|Exclusion) of (.*?)(\s{2,}|$)", lines[0])
        if action:
            stage["kind"] = action.group(1).lower()
            subject = [n for n in names if action.group(2).strip().endswith(n.split()[-1])]
            stage["subject"] = subject[-1]
        votes: dict[str, str] = {}
        elected: list[str] = []
        pending: list[str] = []
        pending_elected = False
        for line in lines[1:] if action else lines:
            stripped = line.strip()
            if stripped.startswith("Non-transferable votes due to rounding"):
                stage["rounding"] = figures(line)[-1]
            elif stripped.startswith("Non-transferable votes"):
                stage["non_transferable"] = figures(line)[-1]
            elif stripped.startswith(("Candidate Name", "Total")):
                continue
            elif len(votes) < len(names) and line.startswith(names[len(votes)][:3]):
                name = names[len(votes)]
                found = figures(line) or pending
                votes[name] = found[-1]
                if line.rstrip().endswith("Elected") or (not figures(line) and pending_elected):
                    elected.append(name)
                pending, pending_elected = [], False
            elif figures(line):
                pending, pending_elected = figures(line), line.rstrip().endswith("Elected")
        assert len(votes) == len(names), (report, number)
        stage["votes"] = votes
        stage["elected"] = elected
        stages.append(stage)
    return {"source": report.name.replace(".txt", ".pdf"), **head, "stages": stages}


def main(argv: list[str]) -> None:
    out, pairs = argv[0], argv[1:]
    data = {}
    for pair in pairs:
        blt, report = (Path(p) for p in pair.split("="))
        data[blt.name] = transcribe(blt, report)
    Path(out).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
