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

The server never keeps a token itself, only its hash (in the session while the form
is open, in `UsedFormToken` once used): the token lives in the page the person
holds. A secret ballot's code is derived from it (`asamblea.ballots.codes`), so that
re-sending the same form after a lost answer shows the same receipt, while nothing
the server stores leads from the voter to their ballot. Never log or store a token.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from asamblea.errors import FormAlreadySent, InvalidInput
from asamblea.web.models import UsedFormToken

SESSION_KEY = "once_tokens"
KEEP = 64  # open forms remembered per session
PRUNE_EVERY = timedelta(minutes=10)
_next_prune = 0.0  # time.monotonic() when this process next drops old used tokens


# Set on the request once its guarded action has committed (see `action_committed`).
COMMITTED = "_asamblea_once_committed"


def token_digest(token: str) -> str:
    """What the server keeps of a form token: 64 hex digits of SHA-256."""
    return hashlib.sha256(f"asamblea-form-token:{token}".encode()).hexdigest()


def issue_once_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*tokens[-(KEEP - 1) :], token_digest(token)]
    return token


def posted_token(request: HttpRequest) -> str:
    """The one-time token of the posted form ("" if none)."""
    return str(request.POST.get("once", ""))


def action_committed(request: HttpRequest) -> bool:
    """Whether this request's once-guarded action was committed: its answer is then the
    only account the person gets of it, and must not be replaced by an error later on."""
    return bool(getattr(request, COMMITTED, False))


@contextmanager
def once_only(request: HttpRequest) -> Iterator[None]:
    """One transaction for the guarded block and the posted form's token: the token is
    spent if the block is done, and kept (the form may be sent again) if it raises."""
    with transaction.atomic():
        consume_once_token(request)
        yield


def consume_once_token(request: HttpRequest) -> None:
    """Use up the posted form's token, or raise FormAlreadySent if it was used already."""
    token = posted_token(request)
    if not token:
        raise InvalidInput(_("This form is incomplete. Reload the page and send it again."))
    digest = token_digest(token)
    open_forms = request.session.get(SESSION_KEY, [])
    # A plain token: a form shown before tokens were kept hashed.
    if digest not in open_forms and token not in open_forms:
        raise _already_sent(token, digest)
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(token=digest)
    except IntegrityError:
        raise _already_sent(token, digest) from None
    # Forget it in the session only once the action is committed: a refused action
    # rolls the used token back, and the same form may then be corrected and resent.
    transaction.on_commit(lambda: _forget(request, token, digest))
    _prune()


def note_outcome(token: str, outcome: str) -> None:
    """Keep, in the guarded action's transaction, that the form `token` did `outcome`
    (for example, replaced the ballot with a given tracker), for `outcome_noted`.

    Kept as one more used-token row whose key is a keyed hash of the token and the
    outcome: without the token (which the server never keeps) no one can tell which
    form, or which outcome, it stands for. Pruned with the used tokens."""
    UsedFormToken.objects.create(token=_outcome_digest(token, outcome))


def outcome_noted(token: str, outcome: str) -> bool:
    """Whether the form `token` did `outcome` (see `note_outcome`)."""
    return UsedFormToken.objects.filter(token=_outcome_digest(token, outcome)).exists()


def _outcome_digest(token: str, outcome: str) -> str:
    # A different key and shape than token_digest: never equal to a used token's row.
    return salted_hmac(
        "asamblea.web.once.outcome", f"{token}:{outcome}", algorithm="sha256"
    ).hexdigest()


def _already_sent(token: str, digest: str) -> FormAlreadySent:
    used_at = UsedFormToken.objects.filter(token=digest).values_list("used_at", flat=True).first()
    return FormAlreadySent(
        _("This form was already sent: it was done once, not twice."),
        token=token,
        used_at=used_at,
    )


def _forget(request: HttpRequest, token: str, digest: str) -> None:
    setattr(request, COMMITTED, True)
    tokens = request.session.get(SESSION_KEY, [])
    kept = [t for t in tokens if t not in (token, digest)]
    if kept != tokens:
        request.session[SESSION_KEY] = kept


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
