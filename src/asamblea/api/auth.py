"""Who is calling: a browser session (with Django's CSRF check) or an API token.

Write actions declare the capability they need with `write_auth(capability)`:
a session may use every capability of its user (the person is at the keyboard
and the CSRF check proves the request came from our pages); a bearer token
only those it was issued with. Either way the services decide what the user
may do. Reads are public and need no auth.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from asamblea.api import tokens
from asamblea.errors import PermissionDenied
from asamblea.federation.membership import Login


class AuthenticatedRequest(HttpRequest):
    """The request of an endpoint with auth: ninja sets `auth` to the login that
    `authenticate` returned (a session's or a token's), and calls the view only then."""

    auth: Login


class BearerToken(HttpBearer):
    """`Authorization: Bearer asb_...`: an API token, limited to one capability here."""

    def __init__(self, capability: str | None = None) -> None:
        self.capability = capability
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Login | None:
        api_token = tokens.access_token_by_secret(token.strip())
        if api_token is None:
            return None
        if self.capability is not None:
            tokens.require_capability(api_token, self.capability)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSession(APIKeyCookie):
    """The logged-in Django session; state-changing requests must pass the CSRF check."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # csrf=True tells ninja's docs page to send the CSRF header; we check it below,
        # after authentication, so an anonymous call is told to log in, not about CSRF.
        super().__init__(csrf=False)
        self.csrf = True

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Login | None:
        if not request.user.is_authenticated:
            return None
        if request.method not in {"GET", "HEAD", "OPTIONS"} and check_csrf(request):
            raise PermissionDenied(
                _(
                    "The CSRF check failed: send the X-CSRFToken header with the value "
                    "of the csrftoken cookie, or use an API token."
                )
            )
        return request.user


def write_auth(capability: str) -> list[Any]:
    """The auth of a write action that needs `capability`."""
    if capability not in tokens.CAPABILITIES:
        raise KeyError(capability)
    return [BearerToken(capability), BrowserSession()]


# Managing one's own tokens needs the browser session: a token cannot mint tokens.
session_only: list[Any] = [BrowserSession()]
