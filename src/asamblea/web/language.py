"""Which language a page is in.

Pages speak the language a person chose with the switcher (a cookie); until they
choose, a federation's pages speak the federation's language (Spanish for the
Peru template) and other pages the site's `LANGUAGE_CODE`. The browser's
Accept-Language header is not consulted for pages: an assembly's pages read the
same on every phone in the hall, whatever language the phone was sold in, and the
switcher at the top of every page changes it in one tap.

The JSON API is for programs, which say what they want: it follows
Accept-Language (then the site's language), as Django's own middleware does.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

_FEDERATION_PATH = re.compile(r"^/f/(?P<slug>[-a-zA-Z0-9_]+)/")


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def _federation_language(path: str) -> str | None:
    match = _FEDERATION_PATH.match(path)
    if match is None:
        return None
    from django.db import DatabaseError

    from asamblea.federation.models import Federation

    try:
        language = (
            Federation.objects.filter(slug=match["slug"])
            .values_list("language", flat=True)
            .first()
        )
    except DatabaseError:
        # The database is down: the error page still speaks the site's language.
        return None
    return _supported(language)


class PageLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with the choice of language described above."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            super().process_request(request)
            return
        language = (
            _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
            or _federation_language(request.path_info)
            or _supported(settings.LANGUAGE_CODE)
            or settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith("/api/"):
            return super().process_response(request, response)
        # A page varies with the language cookie, not with Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
