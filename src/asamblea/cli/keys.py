"""`asamblea keys new|rotate|check`: the data key that encrypts members' personal data."""

from __future__ import annotations

import argparse
from typing import Any

from asamblea.cli import _django


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser(
        "keys", help="the data key that encrypts names, phones and e-mails in the database"
    )
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="print a fresh data key (for DATA_KEY)")
    new.set_defaults(handler=new_command)
    rotate = sub.add_parser(
        "rotate",
        help="re-encrypt all personal data under a new data key and retire the old one "
        "(stop the server and the worker first)",
    )
    rotate.set_defaults(handler=rotate_command)
    check = sub.add_parser("check", help="check that the data key opens the database")
    check.set_defaults(handler=check_command)


def new_command(args: argparse.Namespace) -> int:
    from asamblea.federation.crypto import new_key

    print(new_key())
    return 0


def rotate_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.utils.translation import gettext as _

    from asamblea.federation.keys import check_data_key, do_rotate_data_key

    check_data_key()
    done = do_rotate_data_key()
    print(
        _("Re-encrypted %(values)d values under the data key %(new)s.")
        % {"values": done.values, "new": done.new_key_id}
    )
    retired = ", ".join(done.retired_key_ids)
    if done.retire_by_hand:
        print(
            _("Nothing is under %(old)s any more: remove it from DATA_KEY, leaving the first key.")
            % {"old": retired}
        )
    else:
        print(_("Retired %(old)s: the key file holds the new key alone.") % {"old": retired})
    return 0


def check_command(args: argparse.Namespace) -> int:
    _django.setup()
    from django.utils.translation import gettext as _

    from asamblea.federation.crypto import keyring
    from asamblea.federation.keys import check_data_key

    check_data_key()
    print(_("The data key %(id)s opens the database.") % {"id": keyring().current_id})
    return 0
