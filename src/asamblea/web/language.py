"""Which language a page is in.

Pages speak the language a person chose with the switcher (a cookie), or, for a
logged-in member, the language saved on their own-data page; until they choose, a
federation's pages speak the federation's language (the federation app says so through
`asamblea.hooks.page_language`) (Spanish for the Peru template) and other pages the
site's `LANGUAGE_CODE`. The browser's Accept-Language header is not consulted for
pages: an assembly's pages read the same on every phone in the hall, whatever language
the phone was sold in, and the switcher at the top of every page changes it in one
tap.

The JSON API is for programs, which say what they want: it follows Accept-Language
(then the site's language), as Django's own middleware does.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from asamblea import hooks

# The session key holding the language a logged-in member chose on their own-data
# page (put there at login and when they choose; the federation app does both).
MEMBER_LANGUAGE = "_asamblea_language"


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def _page_language(path: str) -> str | None:
    """The language the page's own content asks for (asamblea.hooks.page_language)."""
    for language_of in hooks.page_language:
        if (language := _supported(language_of(path))) is not None:
            return language
    return None


def _member_language(request: HttpRequest) -> str | None:
    """The language a logged-in member chose, kept in their session (MEMBER_LANGUAGE)."""
    session = getattr(request, "session", None)
    return session.get(MEMBER_LANGUAGE) if session is not None else None


class PageLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with the choice of language described above."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            super().process_request(request)
            return
        language = (
            _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
            or _supported(_member_language(request))
            or _page_language(request.path_info)
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
