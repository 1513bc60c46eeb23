"""Every API error as `{"error": {"code", "message"}}`, in one place.

Domain errors (asamblea.errors) keep the HTTP status the web pages give them
(`asamblea.web.errors.status_for`); ninja's own errors (a malformed request, no
credentials, a throttle) get the same shape. Messages are in the request's
language: the services raise them through gettext after LocaleMiddleware has
chosen it (Accept-Language, or the language cookie).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from asamblea.errors import AsambleaError, DataKeyError, TooManyRequests
from asamblea.web.errors import (
    RETRY_AFTER_SECONDS,
    ErrorDetail,
    ErrorOut,
    database_unreachable,
    status_for,
    unavailable_message,
)

__all__ = ["ErrorDetail", "ErrorOut", "error_body", "error_response", "install_error_handlers"]

logger = logging.getLogger(__name__)

CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": CODES.get(status, "error"), "message": message, **extra}}


def error_response(status: int, message: str, **extra: Any) -> JsonResponse:
    # UTF-8 as is (like the API's renderer): messages stay readable in a terminal.
    return JsonResponse(
        error_body(status, message, **extra),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def domain_error_response(request: HttpRequest, exc: AsambleaError) -> HttpResponse:
    status = status_for(exc)
    message = unavailable_message(exc) if isinstance(exc, DataKeyError) else str(exc)
    response = error_response(status, message)
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Name the field and the problem, never echo the value back (it may be personal).
    fields = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
            "problem": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    message = _("The request does not have the expected shape: %(fields)s.") % {
        "fields": "; ".join(f"{f['field']}: {f['problem']}" for f in fields)
    }
    return error_response(400, message, fields=fields)


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _("Log in first, or send an API token in the header “Authorization: Bearer <token>”.")
    response = error_response(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="asamblea"'
    return response


def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    message = _("Too many requests: wait a moment and try again.")
    return error_response(429, message)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, str(exc))


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, _("There is nothing at this address."))


def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: say so, not 500.
    return error_response(413, _("The request is too large; nothing was changed."))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    if database_unreachable(exc):
        response = error_response(
            503, _("The database cannot be reached right now; try again in a minute.")
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    message = _("Something went wrong on our side; nothing was changed. Try again later.")
    return error_response(500, message)


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default error shapes with ours (the most specific class wins)."""
    # ninja types a handler as taking the exception or its class, and calls it only with
    # the exception raised: each handler here takes that exception.
    api.add_exception_handler(AsambleaError, domain_error_response)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, _validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, _authentication_error)  # type: ignore[arg-type]
    api.add_exception_handler(Throttled, _throttled)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _not_found)  # type: ignore[arg-type]
    api.add_exception_handler(RequestDataTooBig, _too_large)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, _unexpected)  # type: ignore[arg-type]


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any /api/ address that matches no endpoint: a JSON 404, not an HTML page."""
    return _not_found(request, Http404())
