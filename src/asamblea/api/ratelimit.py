"""The API's rate limit: RATE_API requests per API token, else per client address.

A middleware rather than ninja's throttles, so that every request under /api/
counts (public reads, the schema, addresses that match nothing), not only the
operations that authenticate. A token counts only if it is live: a made-up
bearer secret counts against the address it comes from.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from asamblea.api import tokens
from asamblea.api.errors import domain_error_response
from asamblea.errors import TooManyRequests
from asamblea.web.ratelimit import address_key, count_request

PREFIX = "/api/"


def api_client_key(request: HttpRequest) -> str:
    """Who a request counts against: its live API token, else its address."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        token = tokens.access_token_by_secret(secret.strip())
        if token is not None:
            return f"token:{token.pk}"
    return address_key(request)


class ApiRateLimitMiddleware:
    """Answer 429 in the API's error shape, with Retry-After, past RATE_API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX) and settings.RATE_API:
            wait = count_request(
                request, group="api", rate=settings.RATE_API, key=api_client_key(request)
            )
            if wait is not None:
                message = ngettext(
                    "Too many requests: this one was not done. Try again in %(count)s second.",
                    "Too many requests: this one was not done. Try again in %(count)s seconds.",
                    wait,
                ) % {"count": wait}
                return domain_error_response(request, TooManyRequests(message, retry_after=wait))
        return self.get_response(request)
