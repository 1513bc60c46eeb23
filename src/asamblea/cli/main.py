"""The `asamblea` command: one sub-command per module of this package.

Every module in `asamblea.cli` that defines `register(subparsers)` adds its own
sub-commands, so a new command never edits this file. A sub-command's handler
takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import asamblea.cli
from asamblea.errors import exit_code_for, user_message_for


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asamblea",
        description="Federations of popular assemblies with elected and revocable delegates.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(asamblea.cli.__path__), key=lambda m: m.name):
        if module_info.name in {"main", "__main__"} or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"asamblea.cli.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every known error maps to a message and an exit code
        code = exit_code_for(error)
        if code is None:
            raise
        print(f"asamblea: {user_message_for(error)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
