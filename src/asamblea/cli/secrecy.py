"""`asamblea secrecy sweep`: delete the key files of sealed votes that are over."""

from __future__ import annotations

import argparse
from typing import Any

from asamblea.cli import _django


def register(subparsers: Any) -> None:
    secrecy = subparsers.add_parser("secrecy", help="the keys of sealed (secret) votes")
    sub = secrecy.add_subparsers(dest="secrecy_command", metavar="ACTION", required=True)
    sweep = sub.add_parser(
        "sweep",
        help="delete the key files of votes that are over (the tick does it too) and "
        "list the files in ASAMBLEA_BALLOT_KEY_DIR that are no vote of this installation",
    )
    sweep.add_argument(
        "--unknown",
        action="store_true",
        help="delete the files that are no vote of this installation too "
        "(not those changed in the last hour: a vote may be opening)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    sweep.set_defaults(handler=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.conf import settings
    from django.utils.translation import gettext as _

    from asamblea.ballots.sweep import sweep_key_files

    report = sweep_key_files(unknown=args.unknown, dry_run=args.dry_run)
    for context in report.deleted:
        message = (
            _("Would delete the key file of %(vote)s: the vote is over.")
            if args.dry_run
            else _("Deleted the key file of %(vote)s: the vote is over.")
        )
        print(message % {"vote": context})
    for path in report.unknown_deleted:
        message = (
            _("Would delete %(path)s: no vote of this installation.")
            if args.dry_run
            else _("Deleted %(path)s: no vote of this installation.")
        )
        print(message % {"path": path})
    for path in report.unknown:
        if path in report.unknown_deleted:
            continue
        if path in report.unknown_recent:
            message = _(
                "Kept %(path)s: no vote of this installation, but changed in the last hour."
            )
        else:
            message = _("Unknown: %(path)s is no vote of this installation (--unknown deletes it).")
        print(message % {"path": path})
    print(
        _(
            "Key files of votes that are over: %(deleted)d; of open votes, kept: %(kept)d; "
            "unknown files in %(folder)s: %(unknown)d."
        )
        % {
            "deleted": len(report.deleted),
            "kept": len(report.kept),
            "unknown": len(report.unknown),
            "folder": settings.BALLOT_KEY_DIR,
        }
    )
    return 0
