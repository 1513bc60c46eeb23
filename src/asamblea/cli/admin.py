"""`asamblea admin add|list|remove`: a federation's administrators, from the machine's shell.

How an operator makes the first administrator of a federation just imported. Only
the operator runs this (it needs the database's settings), so it acts as no user.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from asamblea.cli import _django
from asamblea.errors import InvalidInput


def register(subparsers: Any) -> None:
    admin = subparsers.add_parser("admin", help="add, list and remove federation administrators")
    sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    add = sub.add_parser(
        "add", help="make a login an administrator of a federation (creating the login if new)"
    )
    add.add_argument("slug", help="the federation's slug")
    add.add_argument("username", help="the login name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a new login's password from the first line of standard input "
        "(default: ask twice on the terminal)",
    )
    add.set_defaults(handler=add_command)

    listing = sub.add_parser("list", help="the login names of a federation's administrators")
    listing.add_argument("slug", help="the federation's slug")
    listing.set_defaults(handler=list_command)

    remove = sub.add_parser("remove", help="take the administrator role away (the user stays)")
    remove.add_argument("slug", help="the federation's slug")
    remove.add_argument("username", help="the login name")
    remove.set_defaults(handler=remove_command)


def _new_password(username: str, from_stdin: bool) -> str:
    """The password for a login about to be created: stdin's first line, else asked twice."""
    from django.utils.translation import gettext as _

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput(
            _(
                "There is no user called “%(username)s” and no terminal to ask for its "
                "password: give it on standard input with --password-stdin."
            )
            % {"username": username}
        )
    try:
        first = getpass.getpass(
            _("Password for the new user “%(username)s”: ") % {"username": username}
        )
        second = getpass.getpass(_("The same password again: "))
    except EOFError:
        raise InvalidInput(_("No password was given: nothing was created.")) from None
    if first != second:
        raise InvalidInput(_("The two passwords differ: nothing was created."))
    return first


def add_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.utils.translation import gettext as _

    from asamblea.federation.services import (
        access_federation,
        do_add_federation_admin,
        find_login,
    )

    federation = access_federation(args.slug)
    password = None
    if find_login(args.username) is None:
        password = _new_password(args.username, args.password_stdin)
    result = do_add_federation_admin(federation, args.username, password)
    names = {"username": result.admin.user.get_username(), "federation": federation.slug}
    if result.login_created:
        print(_("Created the user “%(username)s”, administrator of “%(federation)s”.") % names)
    elif result.role_created:
        print(_("“%(username)s” is now an administrator of “%(federation)s”.") % names)
    else:
        print(_("“%(username)s” is already an administrator of “%(federation)s”.") % names)
    if args.password_stdin and not result.login_created:
        print(_("The user already existed: its password was not changed."))
    return 0


def list_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.utils.translation import gettext as _

    from asamblea.federation.services import access_federation, access_federation_admins

    federation = access_federation(args.slug)
    usernames = access_federation_admins(federation)
    if not usernames:
        print(
            _("“%(federation)s” has no administrators.") % {"federation": federation.slug},
            file=sys.stderr,
        )
    for username in usernames:
        print(username)
    return 0


def remove_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.utils.translation import gettext as _

    from asamblea.federation.services import access_federation, do_remove_federation_admin

    federation = access_federation(args.slug)
    names = {"username": args.username, "federation": federation.slug}
    if do_remove_federation_admin(federation, args.username):
        print(
            _("“%(username)s” is no longer an administrator of “%(federation)s” (the user stays).")
            % names
        )
    else:
        print(
            _("“%(username)s” is not an administrator of “%(federation)s”: nothing changed.")
            % names
        )
    return 0
