"""`asamblea manage apitoken issue|list|revoke`: API tokens for an operator's scripts.

Calls the token services; the secret is printed once, at issue time.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from asamblea.api import tokens
from asamblea.errors import AsambleaError


class Command(BaseCommand):
    help = "Issue, list or revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="issue a token for a user; prints its secret")
        issue.add_argument("username")
        issue.add_argument("--name", required=True, help="a label to tell the token apart")
        issue.add_argument(
            "--capability",
            action="append",
            required=True,
            choices=sorted(tokens.CAPABILITIES),
            help="a capability the token carries (repeat for several)",
        )
        issue.add_argument(
            "--days", type=int, default=90, help="days until it expires (0: never; default 90)"
        )
        listing = actions.add_parser("list", help="list a user's tokens (never their secrets)")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke a user's token by its id")
        revoke.add_argument("username")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("There is no user called “%(name)s”.") % {"name": options["username"]}
            )
        try:
            if options["action"] == "issue":
                days = options["days"] or None
                issued = tokens.do_issue_api_token(
                    user, name=options["name"], capabilities=options["capability"], days=days
                )
                expiry = issued.token.expires_at.isoformat() if issued.token.expires_at else "never"
                self.stdout.write(
                    f"Token #{issued.token.pk} issued (expires: {expiry}). Its secret, shown "
                    "only now:\n"
                )
                self.stdout.write(issued.secret)
            elif options["action"] == "list":
                for token in tokens.access_tokens(user):
                    state = "revoked" if token.revoked_at else "live"
                    self.stdout.write(
                        f"#{token.pk}\t{token.prefix}…\t{state}\t{','.join(token.capabilities)}"
                        f"\t{token.name}"
                    )
            else:
                token = tokens.do_revoke_api_token(user, options["token_id"])
                self.stdout.write(f"Token #{token.pk} revoked.")
        except AsambleaError as error:
            raise CommandError(str(error)) from None
