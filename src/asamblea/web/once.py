"""One-time form tokens: a form sent twice (double tap, resend) is done once.

Each rendered form carries a fresh token kept in the session; posting it uses
it up. A second post with the same token is refused as a Conflict, so nothing
is written twice, whatever the client does.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.utils.translation import gettext as _

from asamblea.errors import Conflict, InvalidInput

SESSION_KEY = "once_tokens"
KEEP = 64  # open forms remembered per session


def issue_once_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*tokens[-(KEEP - 1) :], token]
    return token


def consume_once_token(request: HttpRequest) -> None:
    token = request.POST.get("once", "")
    if not token:
        raise InvalidInput(_("This form is incomplete. Reload the page and send it again."))
    tokens = request.session.get(SESSION_KEY, [])
    if token not in tokens:
        raise Conflict(_("This form was already sent: it was done once, not twice."))
    tokens.remove(token)
    request.session[SESSION_KEY] = tokens
