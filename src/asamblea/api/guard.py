"""Requests to the API that no field could accept are refused at the door, as malformed;
and what Django or ninja refuse on their own is said in the API's error shape too.

A NUL character (`%00`) in the path or in a query parameter's name or value: no
field of the API takes one, and PostgreSQL refuses it in any text it is given (the
lookup of a federation called "a\\x00" was a 500). Found by fuzzing the schema
(tests/api/test_fuzz.py, issue 15).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from asamblea.api.errors import CODES, error_response
from asamblea.api.ratelimit import PREFIX
from asamblea.web.guard import has_nul


class ApiInputGuardMiddleware:
    """Answer 400 in the API's error shape to an API request with a NUL character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX) and has_nul(request):
            return error_response(
                400,
                _(
                    "The request holds a NUL character (%00), which no field accepts; "
                    "nothing was done."
                ),
            )
        return self.get_response(request)


# Headers of a refusal that the reshaped answer keeps (which methods, when to retry, how
# to authenticate).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _refusal_message(request: HttpRequest, response: HttpResponse) -> str:
    if response.status_code == 405:
        return _("This address does not take %(method)s requests; it takes: %(allowed)s.") % {
            "method": request.method,
            "allowed": response.get("Allow", ""),
        }
    messages = {
        400: _("The request is malformed; nothing was done."),
        403: _("This request is not allowed; nothing was done."),
        404: _("There is nothing at this address."),
        413: _("The request is too large; nothing was changed."),
    }
    return messages.get(response.status_code, _("The request was refused; nothing was done."))


class ApiErrorShapeMiddleware:
    """An error answer under /api/ that is not JSON (ninja's bare 405 for a method a
    path does not take, Django's 400 for a request with too many fields) is answered in
    the API's error shape, with the code of its status, keeping Allow and Retry-After.

    Found by fuzzing the served API (tests/api/test_fuzz_served.py, issue 11)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if (
            not request.path_info.startswith(PREFIX)
            or status < 400
            or status not in CODES
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        shaped = error_response(status, _refusal_message(request, response))
        for header in KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
