"""`asamblea health`: is this installation well, for a supervisor or monitoring to call.

    asamblea health          one line: database, last tick, queue, overdue steps
    asamblea health --json   the same figures as GET /healthz

Exit status, as monitoring plugins read it: 0 all well; 1 the worker is late (no
tick finished lately, or a vote's opening or close is overdue); 2 the database
cannot be reached (or has no tables).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from asamblea.cli import _django

OK, WORKER_LATE, DATABASE_DOWN = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "health",
        help="check the database and the worker (exit 0 well, 1 worker late, 2 database down)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(handler=health_command)


def health_command(args: argparse.Namespace) -> int:
    # No check of the tables first: a database that does not answer is the answer.
    _django.setup(tables=False)
    from asamblea.web.health import check_health

    health = check_health()
    print(json.dumps(health.as_dict()) if args.json else health.summary())
    if not health.database:
        return DATABASE_DOWN
    return WORKER_LATE if health.worker_late else OK
