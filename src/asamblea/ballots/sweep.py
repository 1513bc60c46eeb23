"""The sweep of stray key files in BALLOT_KEY_DIR.

A close deletes its vote's key file once its transaction commits
(`sealing.forget_key_on_commit`). A process killed between the commit and the
deletion leaves the file behind, and with it the power to open a vote already
counted. The sweep finds such files and deletes them: at every tick
(`sweep_tick`), and on demand with `asamblea secrecy sweep`.

A file is known when it is the key path of a `BallotKey` of this installation, in either
mode (files are named by a hash of the vote's context, so the sweep hashes every key's
context; a trustees-mode vote's file holds only the secret of its cancel tags,
`sealing.write_cancel_secret`, and goes the same way). A known file goes when its vote
is over, as the app that owns the vote says (`hooks.ballot_votes_over`: closed and
counted, in the app or in the room, lapsed, withdrawn or cancelled; a status committed
with the close); for a scheme no app answers for, when its box was opened at a committed
close. A known file of a vote still open is kept. Any other file is unknown: another
installation's key sharing the folder, a key being written for a vote opening right now,
or a left over temporary file. The sweep reports unknown files and deletes them only
when asked (`unknown=True`), and even then not those changed in the last UNKNOWN_MIN_AGE
(a vote may be opening: its file is written before its row).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings

from asamblea import hooks
from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import key_path

logger = logging.getLogger(__name__)

# An unknown file younger than this may be the key of a vote opening right now.
UNKNOWN_MIN_AGE = timedelta(hours=1)


@dataclass
class SweepReport:
    """What one sweep found: contexts of the keys deleted and kept, unknown files."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)
    unknown_deleted: list[Path] = field(default_factory=list)
    # Unknown files left because they are too new to be sure (with unknown=True).
    unknown_recent: list[Path] = field(default_factory=list)


def _over(keys: list[BallotKey]) -> set[int]:
    """The pks of the keys whose vote is over: as the app that owns the scheme says
    (its status, committed with the close); for a scheme no app answers for, a box
    opened at a committed close."""
    by_scheme: dict[str, list[BallotKey]] = defaultdict(list)
    for key in keys:
        by_scheme[key.scheme].append(key)
    over: set[int] = set()
    for scheme, of_scheme in by_scheme.items():
        votes_over = hooks.ballot_votes_over.first(scheme)
        if votes_over is None:
            over |= {key.pk for key in of_scheme if key.opened is not None}
            continue
        done = votes_over([key.vote_id for key in of_scheme])
        over |= {key.pk for key in of_scheme if key.vote_id in done}
    return over


def sweep_key_files(*, unknown: bool = False, dry_run: bool = False) -> SweepReport:
    """Delete the key files of votes that are over; report (and with `unknown`, delete)
    the files that are no key of this installation. `dry_run`: delete nothing."""
    report = SweepReport()
    folder = Path(settings.BALLOT_KEY_DIR)
    if not folder.is_dir():
        return report
    files = {path.name: path for path in folder.iterdir() if path.is_file()}
    if not files:
        return report
    keys_by_file: dict[str, BallotKey] = {}
    # Every mode: a trustees-mode vote's file holds its cancel secret (no share).
    for row in BallotKey.objects.only("pk", "scheme", "vote_id", "context", "opened"):
        name = key_path(row.context).name
        if name in files:
            keys_by_file[name] = row
    over = _over(list(keys_by_file.values()))
    for name, path in sorted(files.items()):
        key = keys_by_file.get(name)
        if key is None:
            report.unknown.append(path)
            continue
        if key.pk not in over:
            report.kept.append(key.context)
            continue
        if not dry_run:
            path.unlink(missing_ok=True)
        report.deleted.append(key.context)
    if unknown:
        cutoff = time.time() - UNKNOWN_MIN_AGE.total_seconds()
        for path in report.unknown:
            try:
                recent = path.stat().st_mtime > cutoff
            except FileNotFoundError:
                continue
            if recent:
                report.unknown_recent.append(path)
                continue
            if not dry_run:
                path.unlink(missing_ok=True)
            report.unknown_deleted.append(path)
    return report


_reported_unknown: frozenset[str] = frozenset()


@hooks.tick.register(name="ballot-keys", order=95)
def sweep_tick(now: datetime) -> int:
    """At every tick: delete the key files of votes that are over (never an unknown
    file; those are logged once, when the set of them changes). Returns files deleted."""
    global _reported_unknown
    report = sweep_key_files()
    for context in report.deleted:
        logger.warning("deleted the stray key file of %s, a vote that is over", context)
    names = frozenset(path.name for path in report.unknown)
    if names and names != _reported_unknown:
        logger.warning(
            "%d file(s) in the ballot key folder match no vote of this installation "
            "(see `asamblea secrecy sweep`): %s",
            len(names),
            ", ".join(sorted(names)),
        )
    _reported_unknown = names
    return len(report.deleted)
