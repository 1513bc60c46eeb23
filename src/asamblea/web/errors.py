"""Domain errors → HTTP responses, in one place.

A user never sees a stack trace: a refused action shows what was wrong and
what to do, in their language, with the status code that fits. For htmx
requests the answer is a fragment swapped into the page's message area.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from ninja import Schema

from asamblea.errors import (
    AsambleaError,
    Conflict,
    DataKeyError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)

logger = logging.getLogger(__name__)

STATUS = [
    (InvalidInput, 400),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooManyRequests, 429),
    (DataKeyError, 503),
]


class ErrorDetail(Schema):
    code: str
    message: str
    # Which request fields were wrong (only for a malformed request).
    fields: list[dict[str, str]] | None = None


class ErrorOut(Schema):
    """The one shape of every API error, `{"error": {"code", "message"}}`: here, below
    the apps, so that any app's API routes (asamblea.hooks.api_router) can declare it."""

    error: ErrorDetail


def unavailable_message(error: DataKeyError) -> str:
    """Logs the operator's problem for the operator (the message names key ids and files,
    never a person) and says to the visitor only that it is not their fault."""
    logger.error("%s", error)
    return _("This site cannot read its members' data right now. Its operators must fix it.")


def status_for(error: AsambleaError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def render_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    titles = {
        400: _("That could not be done"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Nothing was changed"),
        429: _("Too many requests"),
        503: _("Not available"),
    }
    template = "errors/fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
    response = render(
        request,
        template,
        {
            "title": titles.get(status, titles[400]),
            "message": message,
            "back_url": back_url(request),
        },
        status=status,
    )
    if request.headers.get("HX-Request"):
        # htmx does not swap error responses by default; point it at the message area.
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response


def back_url(request: HttpRequest) -> str:
    """Where "Go back" leads without JavaScript: the page the person came from, if it is
    on this site (a form posted from it shows afresh), else the home page."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("home")


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataKeyError):
            return render_error(request, unavailable_message(exception), 503)
        if isinstance(exception, AsambleaError):
            response = render_error(request, str(exception), status_for(exception))
            if isinstance(exception, TooManyRequests):
                response["Retry-After"] = str(exception.retry_after)
            return response
        return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render_error(
        request,
        _(
            "This form has expired or did not come from this site, so nothing was saved. "
            "Go back, reload the page and send it again."
        ),
        403,
    )


# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


# PostgreSQL's "read-only transaction": a standby after a failover, or a database put
# read-only by its operator (a full disk): it refuses writes until it is writable again.
READ_ONLY_SQLSTATE = "25006"


def database_unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database could not be reached (down, restarting, cut off)
    or cannot write for now (read-only, full), as opposed to a fault in our code."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "sqlstate", None) == READ_ONLY_SQLSTATE


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: our page in the reader's language, never a stack trace.

    A database that cannot be reached answers 503 with Retry-After. Every change is
    one transaction, so a request that failed before it committed changed nothing; the
    page says so without promising it, since a failure at the very commit cannot tell."""
    error = sys.exc_info()[1]
    if database_unreachable(error):
        status = 503
        title = _("Asamblea cannot reach its database")
        message = _(
            "This is usually over within a minute. What you sent was most likely not "
            "saved: every change is made whole or not at all."
        )
        advice = _(
            "Try again in a minute. If you were voting, reload this page to send the same "
            "ballot again: it is never cast twice, and if it was cast you are shown its code."
        )
    else:
        status = 500
        title = _("Something went wrong on our side")
        message = _(
            "The fault was logged for the people who run this site. What you sent was most "
            "likely not saved: every change is made whole or not at all."
        )
        advice = _("Go back and try again; if it happens again, tell an officer.")
    html = render_to_string(
        "errors/server.html", {"title": title, "message": message, "advice": advice}
    )
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
