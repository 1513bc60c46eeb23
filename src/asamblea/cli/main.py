"""The `asamblea` command: one sub-command per module of this package.

Every module in `asamblea.cli` that defines `register(subparsers)` adds its own
sub-commands, so a new command never edits this file. A sub-command's handler
takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import asamblea.cli
from asamblea.errors import exit_code_for, user_message_for


def _command_modules(argv: Sequence[str] | None) -> list[str]:
    """The modules to load: only the one named like the sub-command when there is
    one (so `asamblea count` does not pay for every other command's imports, nor
    for pkgutil), else all of them."""
    here = os.path.dirname(asamblea.cli.__file__)
    first = next((arg for arg in (argv or ()) if not arg.startswith("-")), None)
    own = first and not first.startswith("_") and first not in {"main", "__main__"}
    if own and os.path.isfile(os.path.join(here, f"{first}.py")):
        return [str(first)]
    import pkgutil

    return sorted(
        m.name
        for m in pkgutil.iter_modules([here])
        if m.name not in {"main", "__main__"} and not m.name.startswith("_")
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asamblea",
        description="Federations of popular assemblies with elected and revocable delegates.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules(argv):
        module = importlib.import_module(f"asamblea.cli.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`asamblea ... | head`): stop quietly, as Unix tools do.
        sys.stderr.close()
        return 141
    except Exception as error:  # every known error maps to a message and an exit code
        code = exit_code_for(error)
        if code is None:
            raise
        print(f"asamblea: {user_message_for(error)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
