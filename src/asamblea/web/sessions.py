"""Sessions that a copy of the database cannot use, end with the browser, and time out.

The session table keeps only a hash of each cookie's key: a stolen backup or a
read-only look at the database shows which sessions exist but gives nobody a
cookie to log in with. A session lasts until the browser closes unless the person
ticked "keep me logged in" at login, and ends after SESSION_IDLE_MINUTES without
a request either way. A login with a second factor gives its code on a second
page (`asamblea.accounts.login`) before it is logged in.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.backends import db
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from asamblea.web.once import action_committed

logger = logging.getLogger(__name__)

LAST_SEEN = "_asamblea_last_seen"
# Writing the last-seen time on every request would write the session on every
# request; once a minute is enough for a timeout counted in minutes.
LAST_SEEN_GRANULARITY = 60


def stored_key(session_key: str) -> str:
    """What the database keeps of a cookie's session key: 40 hex digits of BLAKE2b."""
    return hashlib.blake2b(session_key.encode(), digest_size=20).hexdigest()


class SessionStore(db.SessionStore):
    """Django's database sessions, stored under the hash of the key instead of the key."""

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        # The stubs leave out SessionBase's own helper that db.SessionStore calls here.
        key = self._get_or_create_session_key()  # type: ignore[attr-defined]
        return self.model(
            session_key=stored_key(key),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=stored_key(session_key)).delete()


class IdleTimeoutMiddleware:
    """Log out a session that has made no request for SESSION_IDLE_MINUTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SESSION_IDLE_MINUTES * 60
        if limit > 0 and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > limit:
                logout(request)
            elif not isinstance(last, int) or now - last >= LAST_SEEN_GRANULARITY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session that cannot be saved after an action committed
    does not turn the action's answer into an error.

    Django answers a bare 400 when the session was deleted during the request (a
    logout elsewhere: SessionInterrupted), and a database lost between the commit and
    the session's save would answer 503 "most likely not saved": both false once the
    action is done, and for a ballot they hide the receipt. The answer is sent as it
    is, with the session unsaved (what it lost is the form's token, kept only hashed,
    which the used-token table refuses anyway)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as error:
            if not action_committed(request):
                raise
            logger.warning("the session was not saved after a committed action: %s", error)
            patch_vary_headers(response, ("Cookie",))
            return response
