"""Requests to the API that no field could accept are refused at the door, as malformed.

A NUL character (`%00`) in the path or in a query parameter's name or value: no
field of the API takes one, and PostgreSQL refuses it in any text it is given (the
lookup of a federation called "a\\x00" was a 500). Found by fuzzing the schema
(tests/api/test_fuzz.py, issue 15).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from asamblea.api.errors import error_response
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
