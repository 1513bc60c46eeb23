"""Pages whose address no field could accept are refused at the door, as malformed.

A NUL character (`%00`) in the path or in a query parameter's name or value: no page
takes one, and PostgreSQL refuses it in any text it is given, so a search or a
lookup with one would end in a database error (a 500) instead of a plain refusal.
The API has the same guard in its own error shape (asamblea.api.guard); forms are
guarded by Django's own validator against NUL in every CharField.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from asamblea.web.errors import render_error

NUL = "\x00"


def has_nul(request: HttpRequest) -> bool:
    """Whether the request's path or query holds a NUL character anywhere."""
    if NUL in request.path_info:
        return True
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    )


class PageInputGuardMiddleware:
    """Answer 400 with the error page to a page request with a NUL character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return render_error(
                request,
                _(
                    "The address holds a NUL character (%00), which no page accepts; "
                    "check the link. Nothing was done."
                ),
                400,
            )
        return self.get_response(request)
