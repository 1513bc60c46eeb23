"""`asamblea secrecy`: the keys of sealed votes.

`asamblea secrecy sweep` deletes the key files of sealed votes that are over.

`asamblea secrecy mix URL`: a teller's second mix of a sealed vote, on their own computer.

The teller of a vote whose key is held by trustees runs it after the close (see
docs/elections.md, "The teller's mix"): it fetches the mix document from URL (the
API's `.../elections/<id>/mix`) with the teller's API token, checks the server's mix
(mix 0) against the cast list itself, mixes mix 0's output with randomness made here
(`secrecy.shuffle` under `mix_context(context, 1)`), sends the output and its proof,
and prints what it did. The permutation and the randomness live only in this
process's memory: nothing of them is written anywhere. Needs no database and no
Django: only the address and the token.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from asamblea.cli import _django
from asamblea.errors import AsambleaError, InvalidInput, VerificationFailed

TOKEN_VARIABLE = "ASAMBLEA_API_TOKEN"  # noqa: S105 - the name of a variable
TIMEOUT_SECONDS = 600


class ServerRefused(AsambleaError):
    """The server answered with an error: its message is shown as it is."""


def register(subparsers: Any) -> None:
    secrecy = subparsers.add_parser(
        "secrecy", help="sealed (secret) votes: their key files and the teller's second mix"
    )
    sub = secrecy.add_subparsers(dest="secrecy_command", metavar="ACTION", required=True)
    mix = sub.add_parser(
        "mix",
        help="check the server's mix of a closed vote, mix its output again and send it "
        "(the vote's teller, on their own computer)",
    )
    mix.add_argument(
        "url",
        metavar="URL",
        help="the vote's mix address, e.g. https://example.org/api/v1/federations/"
        "<federation>/elections/<number>/mix",
    )
    mix.add_argument(
        "--token",
        help=f"your API token with the capability secrecy.mix (default: ${TOKEN_VARIABLE})",
    )
    mix.set_defaults(handler=mix_command)
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


def _request(url: str, token: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the teller's own https/http address
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read().decode("utf-8"))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = error.reason
        raise ServerRefused(f"the server refused ({error.code}): {message}") from None
    except urllib.error.URLError as error:
        raise ServerRefused(f"cannot reach {url}: {error.reason}") from None


def mix_command(args: argparse.Namespace) -> int:
    from asamblea.secrecy.bulletin import ballots_from_json, mix_context, mix_to_json
    from asamblea.secrecy.group import Point
    from asamblea.secrecy.shuffle import shuffle
    from asamblea.secrecy.verify import verify_mix

    token = args.token or os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise InvalidInput(f"give your API token: --token or ${TOKEN_VARIABLE}")
    url = args.url
    document = _request(url, token)
    try:
        context = str(document["context"])
        public = Point.from_hex(str(document["public_key"]))
        index = int(document["index"])
        cast = ballots_from_json(document["cast"])
        mixes = document["mixes"]
        inputs = ballots_from_json(document["input"])
    except (KeyError, TypeError, ValueError) as error:
        raise VerificationFailed(f"the mix document is malformed ({error})") from None
    print(f"Vote {context}: {len(cast)} sealed ballots cast.")
    if index != 1 or not isinstance(mixes, list) or len(mixes) != 1:
        raise VerificationFailed("the document does not ask for mix 1 after the server's mix 0")
    started = time.monotonic()
    checked, problems = verify_mix(mix_context(context, 0), public, cast, mixes[0])
    if problems:
        raise VerificationFailed("the server's mix does not verify: " + "; ".join(problems))
    if checked != inputs:
        raise VerificationFailed("the ballots to mix are not the server's mix's output")
    print(
        f"Checked the server's mix (mix 0): a re-encrypted permutation of the cast list "
        f"({time.monotonic() - started:.1f} s)."
    )
    if document.get("mixed"):
        print("The second mix of this vote is already in: nothing sent.")
        return 0
    started = time.monotonic()
    outputs, proof = shuffle(mix_context(context, 1), public, inputs)
    mix = mix_to_json(outputs, proof)
    del outputs, proof  # nothing of the permutation or its randomness is kept
    print(
        f"Mixed the {len(inputs)} ballots again (mix 1) with randomness made here, "
        f"kept nowhere ({time.monotonic() - started:.1f} s)."
    )
    answer = _request(url, token, mix)
    print(
        f"Sent: the server verified mix 1 and took it ({answer.get('ballots')} ballots); "
        f"the vote is now {answer.get('state')!r}: its trustees can decrypt."
    )
    sys.stdout.flush()
    return 0


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
