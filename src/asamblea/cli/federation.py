"""`asamblea federation import|export|template` and `asamblea seats recompute`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from asamblea.cli import _django
from asamblea.errors import InvalidFile, NotFound
from asamblea.textfiles import decode


def register(subparsers: Any) -> None:
    fed = subparsers.add_parser("federation", help="set up, export and template federations")
    sub = fed.add_subparsers(dest="federation_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="create a federation (or add to one) from a file")
    imp.add_argument("file", help="a .json or .csv federation file (see docs/federation-file.md)")
    imp.add_argument("--format", choices=["json", "csv"], help="default: from the file name")
    imp.add_argument("--slug", help="federation slug (CSV files only)")
    imp.add_argument("--name", help="federation name (CSV files only)")
    imp.set_defaults(handler=import_command)

    exp = sub.add_parser("export", help="write a federation's structure as a file")
    exp.add_argument("slug", help="the federation's slug")
    exp.add_argument("--format", choices=["json", "csv"], default="json")
    exp.add_argument("--output", "-o", help="file to write (default: standard output)")
    exp.set_defaults(handler=export_command)

    tpl = sub.add_parser("template", help="print a ready-made federation file")
    tpl.add_argument("name", choices=["peru"])
    tpl.add_argument(
        "--districts",
        default="",
        help="district assemblies for these department or province codes "
        "(comma-separated, e.g. 05,0801) or 'all'",
    )
    tpl.set_defaults(handler=template_command)

    seats = subparsers.add_parser("seats", help="recount members and re-apportion seats")
    seats_sub = seats.add_subparsers(dest="seats_command", metavar="ACTION", required=True)
    rec = seats_sub.add_parser("recompute", help="recount verified members and re-apportion")
    rec.add_argument("slug", nargs="?", help="federation slug (default: every federation)")
    rec.set_defaults(handler=recompute_command)


def import_command(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = decode(path.read_bytes())  # UTF-8, else Windows-1252 (Excel on Windows)
    except FileNotFoundError:
        raise InvalidFile("no such file", path=str(path)) from None
    from asamblea.federation.spec import parse_file

    spec = parse_file(text, path=str(path), fmt=args.format, slug=args.slug, name=args.name)
    _django.setup()
    from asamblea.federation.importing import do_import_federation

    federation = do_import_federation(spec, path=str(path))
    print(
        f"Imported {len(spec.bodies)} bodies and {len(spec.delegations)} delegations "
        f"into federation '{federation.slug}'."
    )
    return 0


def export_command(args: argparse.Namespace) -> int:
    _django.setup()
    from asamblea.federation.importing import export_federation
    from asamblea.federation.models import Federation

    federation = Federation.objects.filter(slug=args.slug).first()
    if federation is None:
        raise NotFound(f"there is no federation '{args.slug}'")
    spec = export_federation(federation)
    if args.format == "json":
        text = json.dumps(spec.to_json(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = spec_to_csv(spec)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def spec_to_csv(spec: Any) -> str:
    from asamblea.federation.spec import CSV_COLUMNS

    parents: dict[str, list[Any]] = {}
    for d in spec.delegations:
        parents.setdefault(d.source, []).append(d)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in spec.bodies:
        ups = parents.get(b.slug, [])
        fixed = {d.fixed_seats for d in ups}
        if len(fixed) > 1:
            raise InvalidFile(
                f"body {b.slug} has delegations with different fixed seats; "
                "CSV cannot say that: export as JSON"
            )
        writer.writerow(
            [
                b.slug,
                b.name,
                b.kind,
                b.level,
                b.sector,
                "|".join([b.command_of] if b.command_of else [d.council for d in ups]),
                next(iter(fixed)) or "" if fixed else "",
                b.code,
                b.seat_method if b.seat_total else "",
                b.seat_total or "",
                b.seat_min or "",
                b.seat_max or "",
            ]
        )
    return out.getvalue()


def template_command(args: argparse.Namespace) -> int:
    from asamblea.federation.peru import peru_spec

    districts: Any = args.districts
    if districts != "all":
        districts = {code.strip() for code in districts.split(",") if code.strip()}
    spec = peru_spec(districts)
    sys.stdout.write(json.dumps(spec.to_json(), ensure_ascii=False, indent=1) + "\n")
    return 0


def recompute_command(args: argparse.Namespace) -> int:
    _django.setup()
    from asamblea.federation.models import Federation
    from asamblea.federation.services import do_recompute_seats

    federations = Federation.objects.all()
    if args.slug:
        federations = federations.filter(slug=args.slug)
        if not federations.exists():
            raise NotFound(f"there is no federation '{args.slug}'")
    for federation in federations:
        changed = do_recompute_seats(federation)
        print(f"{federation.slug}: {changed} delegation(s) get new seats at their next election.")
    return 0
