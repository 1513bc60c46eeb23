"""`asamblea check [--deploy]`: Django's system checks and ours; non-zero on any warning."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from asamblea.cli import _django


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "check", help="check the configuration (--deploy: is it safe to serve the public?)"
    )
    check.add_argument(
        "--deploy",
        action="store_true",
        help="also the production checks: HTTPS, DEBUG, ALLOWED_HOSTS, private key files",
    )
    check.set_defaults(handler=check_command)


def check_command(args: argparse.Namespace) -> int:
    _django.setup(tables=False)
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=args.deploy, fail_level="WARNING")
    except SystemCheckError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
