"""Log out everywhere: end every other session of a login, keeping this one.

Sessions are stored under a hash of their key (`asamblea.web.sessions`), so they
cannot be listed by login. Instead each login has a session generation
(`Account.session_generation`): a session keeps the number its login had when it
logged in (`note_login`), and `asamblea.accounts.middleware` logs out a session
whose number is older than its login's, with a message on the next page. Ending
the other sessions raises the number and gives the new one to this session only.

An officer's new activation code for a lost password does not need this: it makes
the old password unusable, and Django's session check (a hash of the password kept
in each session) already ends every session of that login.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from asamblea.accounts.models import Account
from asamblea.federation.membership import Login

SESSION_GENERATION = "_asamblea_session_generation"


def session_generation(user: Login) -> int:
    """The login's session generation now (0 for a login that never raised it)."""
    found = Account.objects.filter(user=user).values_list("session_generation", flat=True).first()
    return found or 0


def note_login(sender: Any, request: HttpRequest | None, user: Login, **kwargs: Any) -> None:
    """On `user_logged_in`: the new session keeps its login's generation."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_GENERATION] = session_generation(user)


@transaction.atomic
def do_end_other_sessions(user: Login, request_session: SessionBase) -> int:
    """End every session of `user` except `request_session`: they are logged out at
    their next request. Returns the login's new generation."""
    account, _created = Account.objects.select_for_update().get_or_create(user=user)
    Account.objects.filter(pk=account.pk).update(session_generation=F("session_generation") + 1)
    account.refresh_from_db(fields=["session_generation"])
    request_session[SESSION_GENERATION] = account.session_generation
    return account.session_generation
