"""`asamblea record`: the public record, checked without trusting the server.

    asamblea record verify FILE-or-URL [--public-key KEY] [--json]
    asamblea record key KEYFILE [--create]
    asamblea record export FILE [--federation SLUG]

`verify` needs no database and no Django: anyone can run it on a copy of a
federation's log. It exits 0 and prints a summary when every check passes, and
exits 6 naming the first entry that cannot be trusted when one fails.

`export` reads the database (asamblea.record.services), so its handler calls
`asamblea.cli._django.setup()` before importing anything from Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asamblea.errors import InvalidInput
from asamblea.record.checkpoint import PublicKey, load_or_create_signing_key, load_signing_key
from asamblea.record.verify import verify_source


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "record",
        help="verify a federation's public record",
        description="The public record: an append-only Merkle log of who holds power "
        "and what was decided.",
    )
    commands = parser.add_subparsers(dest="record_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=lambda args: _usage(parser))

    verify = commands.add_parser(
        "verify",
        help="check an exported log from scratch",
        description="Recompute every hash and root of an exported log, check every "
        "checkpoint's signature and that each extends the one before, and run the "
        "checks registered for entry types. Trusts nothing in the file.",
    )
    verify.add_argument("source", metavar="FILE-or-URL", help="the export (.jsonl) or its URL")
    verify.add_argument(
        "--public-key",
        metavar="KEY",
        help='the key the federation publishes: "ed25519:<base64>", or a file holding it '
        "(or a PEM public key); without it, the key named in the file is reported for you "
        "to compare",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(handler=run_verify)

    key = commands.add_parser(
        "key",
        help="print the public key of a signing key file",
        description="Print the publishable public key and fingerprint of the Ed25519 "
        "signing key in KEYFILE (PEM, readable by its owner only).",
    )
    key.add_argument("keyfile", metavar="KEYFILE", help="the signing key file")
    key.add_argument(
        "--create", action="store_true", help="create the key file (mode 0600) if it is missing"
    )
    key.set_defaults(handler=run_key)

    export = commands.add_parser(
        "export",
        help="write a federation's log and checkpoints to a file (JSON Lines)",
        description="Write the federation's entries in order, then its signed checkpoints, "
        "as JSON Lines (docs/record.md), streamed from the database up to the latest "
        "checkpoint. Check the file with 'asamblea record verify FILE'.",
    )
    export.add_argument(
        "file", metavar="FILE", help='where to write the export ("-": standard output)'
    )
    export.add_argument(
        "--federation",
        metavar="SLUG",
        help="the federation whose log to export (needed when there are several)",
    )
    export.set_defaults(handler=run_export)


def _usage(parser: Any) -> int:
    parser.print_help()
    return 2


def read_public_key(value: str) -> PublicKey:
    """A public key from its text, or from a file holding its text or PEM."""
    if value.startswith("ed25519:"):
        return PublicKey.from_text(value)
    path = Path(value)
    if not path.is_file():
        raise InvalidInput(
            f'--public-key: {value!r} is neither a key "ed25519:<base64>" nor a readable file'
        )
    try:
        return PublicKey.from_text(path.read_text(encoding="utf-8"))
    except (InvalidInput, UnicodeDecodeError) as error:
        raise InvalidInput(f"--public-key: {path}: {error}") from None


def run_verify(args: Any) -> int:
    public_key = None if args.public_key is None else read_public_key(args.public_key)
    report = verify_source(args.source, public_key=public_key)
    if args.json:
        latest = report.latest
        print(
            json.dumps(
                {
                    "ok": True,
                    "source": report.source,
                    "log": report.log,
                    "entries": report.entries,
                    "root": report.root.hex(),
                    "checkpoints": report.checkpoints,
                    "latest": None if latest is None else latest.to_json(),
                    "public_key_fingerprint": None
                    if latest is None
                    else latest.public_key.fingerprint,
                    "types": report.types,
                    "rechecked": report.checked,
                },
                ensure_ascii=False,
                indent=2,
                sort_keys=True,
            )
        )
    else:
        print(report.summary())
    return 0


def run_key(args: Any) -> int:
    signer = (
        load_or_create_signing_key(args.keyfile) if args.create else load_signing_key(args.keyfile)
    )
    print(signer.public_key.to_text())
    print(f"fingerprint {signer.public_key.fingerprint}")
    return 0


def run_export(args: Any) -> int:
    from asamblea.cli import _django

    _django.setup()
    from asamblea.federation.services import access_log_federation
    from asamblea.record.services import export_to_file

    federation, entries, checkpoints = export_to_file(
        args.file, access_log_federation(args.federation)
    )
    if args.file != "-":
        print(
            f"Wrote the record of {federation!r} to {args.file}: "
            f"{entries} entries, {checkpoints} signed checkpoints."
        )
    return 0
