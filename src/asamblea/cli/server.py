"""`asamblea demo`, `asamblea serve` and `asamblea up` (migrate, demo, serve)."""

from __future__ import annotations

import argparse
from typing import Any

from asamblea.cli import _django


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="load the demo federation (idempotent)")
    demo.set_defaults(handler=demo_command)

    demo_code = subparsers.add_parser(
        "demo-code", help="print the demo officers' current second-factor code"
    )
    demo_code.set_defaults(handler=demo_code_command)

    serve = subparsers.add_parser("serve", help="serve the web app (waitress)")
    _serve_args(serve)
    serve.set_defaults(handler=serve_command)

    up = subparsers.add_parser("up", help="migrate, load the demo and serve: the main job")
    _serve_args(up)
    up.set_defaults(handler=up_command)

    migrate = subparsers.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(handler=migrate_command)

    manage = subparsers.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=manage_command)


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)


def migrate_command(args: argparse.Namespace) -> int:
    _django.setup(tables=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # The rate limits' table when CACHE_URL=db (nothing to do for other caches).
    call_command("createcachetable", verbosity=0)
    return 0


def manage_command(args: argparse.Namespace) -> int:
    _django.setup(tables=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["asamblea manage", *args.args])
    return 0


def demo_command(args: argparse.Namespace) -> int:
    # The demo is the first thing a newcomer runs: it sets up its own tables.
    migrate_command(args)
    from asamblea.federation.demo import DEMO_PASSWORD, demo_logins, demo_summary, load_demo

    loaded = load_demo()
    summary = demo_summary()
    print(
        ("Loaded" if loaded else "Already loaded, nothing changed:")
        + f" the demo federation 'peru' with {summary['bodies']} bodies, "
        f"{summary['delegations']} delegations and {summary['verified']} verified members."
    )
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in demo_logins():
        print(f"  {login.username:<45} {login.role}")
    _demo_second_factor()
    _demo_elections()
    _demo_deliberation()
    _demo_activation()
    _demo_meetings()
    return 0


def _demo_activation() -> None:
    """A member just verified, with no login yet: their activation code (once)."""
    from asamblea.accounts.demo import DEMO_NEWCOMER, load_activation_demo

    newcomer = load_activation_demo()
    if newcomer is None:
        return
    if newcomer.usable:
        print(
            f"A new member: {DEMO_NEWCOMER}, just verified in {newcomer.body_name}, has no "
            f"login yet. Make it at /accounts/activate/ with the activation code "
            f"{newcomer.code} (it works once)."
        )
    else:
        print(
            f"The demo's activation code {newcomer.code} is used (or expired). To make "
            "another: log in as dirigente-sutep-huamanga, open Members, then Activation codes."
        )


def _demo_second_factor() -> None:
    """Give the demo's administrator and officers the published second-factor key."""
    from asamblea.accounts.demo import demo_otpauth_uri, demo_secret, load_second_factor_demo

    load_second_factor_demo()
    print(
        "The admin and the officers (dirigente-...) also give a code after the password, as "
        "officers of a real federation must. Get it with: asamblea demo-code\n"
        f"  or add this key to an authenticator app (FreeOTP, Aegis): {demo_secret()}\n"
        f"  ({demo_otpauth_uri()})"
    )


def demo_code_command(args: argparse.Namespace) -> int:
    _django.setup()
    from asamblea.accounts.demo import demo_code

    print(demo_code())
    return 0


def _demo_deliberation() -> None:
    """A national motion with mandates, a referendum under way, a call to action (once)."""
    from asamblea.deliberation.demo import load_deliberation_demo

    load_deliberation_demo()
    print(
        "Deciding together: the national strike motion with the regions' mandates and a "
        "broken one at /f/peru/b/nacional/motions/ (the breach shows at "
        "/f/peru/b/region-puno/); a referendum under way at /f/peru/r/1/; a call to "
        "action with uptake and a map at /f/peru/c/1/."
    )


def _demo_meetings() -> None:
    """A finished assembly with its signed acta and one in session (once)."""
    from asamblea.meetings.demo import load_meetings_demo, meetings_demo

    load_meetings_demo()
    demo = meetings_demo()
    if demo is None:
        return
    print(
        f"Meetings in the room: an assembly in session at {demo.in_session} (log in as "
        "dirigente-distrito-050101-ayacucho to run it; members check in with its QR code); "
        f"its projector at {demo.screen}; a finished one's signed acta at {demo.finished}."
    )


def _demo_elections() -> None:
    """Hold the demo's elections at every tier (once) and say how to try a vote and a recall."""
    from asamblea.elections.demo import elections_demo_summary, load_elections_demo

    load_elections_demo()
    summary = elections_demo_summary()
    if summary is None:
        return
    print(
        f"Elections: {summary.closed} closed and counted at every tier; "
        f"{summary.national_delegates} delegates seated in the national assembly."
    )
    print(
        "The demo's elections are sealed in server mode (a key file): they are opened, "
        "voted and counted during the load, where nobody could hold a key ceremony. An "
        "election an officer makes from now on uses trustees mode (the key made on three "
        "officers' phones) when its assembly has 3 officers with a login; each demo assembly "
        "has one. To try a ceremony: log in as dirigente-sutep-huamanga, appoint "
        "miembro-sutep-huamanga-1 and miembro-sutep-huamanga-2 as officers on the "
        "assembly's members page, then open an election there (docs/elections.md)."
    )
    if summary.open_election:
        print(f"Vote now in the open election: {summary.open_election}")
        print(f"  with a login that has not voted yet: {', '.join(summary.open_logins) or '-'}")
    if summary.star_seat:
        print(f"See a recall cascade: {summary.star_name} holds {len(summary.star_seats)} seats:")
        for place in summary.star_seats:
            print(f"  {place}")
        print(
            f"  Recall the first one at {summary.star_seat}: members of its assembly open the "
            f"petition and sign ({summary.signatures} signatures needed: "
            f"{', '.join(summary.signers)}, ...); or log in as {summary.star_login} and resign, "
            "or as admin and vacate it. Every seat above falls with it and is refilled: by "
            "countback from the ballots that filled it where they leave a runner-up, else by a "
            "by-election that opens at once (the demo's regional assemblies have fewer "
            "delegates than national seats, so the national seat goes to a by-election)."
        )


def serve_command(args: argparse.Namespace) -> int:
    _django.setup()
    from waitress import serve

    from asamblea.federation.keys import check_data_key

    # A missing or wrong data key stops the server here, in one line.
    check_data_key()
    # Before the app is made: its WhiteNoise lists the static folder once, as it starts.
    collect_static()
    from asamblea.wsgi import application

    print(f"Serving Asamblea on http://{args.host}:{args.port}/ (Ctrl+C stops it)", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="asamblea")
    return 0


def collect_static() -> None:
    """Copy the static files to STATIC_ROOT with hashed names, gzip and Brotli copies
    beside them (asamblea.web.staticfiles)."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def up_command(args: argparse.Namespace) -> int:
    migrate_command(args)
    demo_command(args)
    # Elections open and close on time: the worker and its tick run beside the server.
    from asamblea.cli.worker import start_background_worker

    start_background_worker()
    return serve_command(args)
