"""One-time form tokens: a form sent twice (double tap, resend, replay) is done once.

Each rendered form carries a fresh token kept in the session. Posting it uses it
up: the token is written to `UsedFormToken` (primary key: the database refuses a
second insert, even from two requests in flight at once, which a session alone
cannot see since both load it before either saves it) and then dropped from the
session. A second post with the same token is refused as a Conflict, so nothing
is written twice, whatever the client does.

Guard an action with `once_only`, which spends the token in the action's transaction::

    with once_only(request):
        services.do_something(...)

If the action is refused, the token is not used up and the person can correct
the form and send it again; if it is done, the token is spent with it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.errors import Conflict, InvalidInput
from asamblea.web.models import UsedFormToken

SESSION_KEY = "once_tokens"
KEEP = 64  # open forms remembered per session
PRUNE_EVERY = timedelta(minutes=10)
_next_prune = 0.0  # time.monotonic() when this process next drops old used tokens


def issue_once_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*tokens[-(KEEP - 1) :], token]
    return token


@contextmanager
def once_only(request: HttpRequest) -> Iterator[None]:
    """One transaction for the guarded block and the posted form's token: the token is
    spent if the block is done, and kept (the form may be sent again) if it raises."""
    with transaction.atomic():
        consume_once_token(request)
        yield


def consume_once_token(request: HttpRequest) -> None:
    """Use up the posted form's token, or raise Conflict if it was used already."""
    token = request.POST.get("once", "")
    if not token:
        raise InvalidInput(_("This form is incomplete. Reload the page and send it again."))
    already_sent = Conflict(_("This form was already sent: it was done once, not twice."))
    if token not in request.session.get(SESSION_KEY, []):
        raise already_sent
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(token=token)
    except IntegrityError:
        raise already_sent from None
    # Forget it in the session only once the action is committed: a refused action
    # rolls the used token back, and the same form may then be corrected and resent.
    transaction.on_commit(lambda: _forget(request, token))
    _prune()


def _forget(request: HttpRequest, token: str) -> None:
    tokens = request.session.get(SESSION_KEY, [])
    if token in tokens:
        tokens.remove(token)
        request.session[SESSION_KEY] = tokens


def _prune() -> None:
    """Drop used tokens older than any session that could still hold them.

    Housekeeping: what is dropped could no longer be posted, however late it is
    dropped, so each process does it at most every PRUNE_EVERY, not on every form sent."""
    global _next_prune
    if time.monotonic() < _next_prune:
        return
    _next_prune = time.monotonic() + PRUNE_EVERY.total_seconds()
    oldest = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UsedFormToken.objects.filter(used_at__lt=oldest).delete()
