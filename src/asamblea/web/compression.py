"""Pages compressed on their way out, except those that hold a secret (BREACH).

BREACH reads a secret out of compressed pages when an attacker who watches the sizes
of the encrypted answers can make the victim's browser fetch the same page many times
with text of the attacker's choosing in it. Here:

- the session cookie is SameSite=Lax and pages may not be framed, so another site's
  requests (images, scripts, frames, fetch) come without the login: only a top-level
  navigation carries it, which the person sees, one page at a time;
- the CSRF token is masked afresh in every answer (Django), so it never repeats;
- Django's GZipMiddleware pads every answer with random bytes (Heal the BREACH), so
  each guess takes many answers to measure;
- and answers that hold a secret still valid after the answer - a second-factor key,
  recovery or activation codes, the room's check-in and projector tokens, the desk's
  signing key, members' contact details, a person's own data, a password-reset link -
  and every answer to a form's post (a ballot's code and tracker, a code shown once)
  are sent uncompressed.

Static files are compressed beforehand by WhiteNoise (asamblea.web.staticfiles), which
answers before this middleware is reached. docs/performance.md has the reasoning.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# Pages (their URL names) that show a secret of the person or of the body.
UNCOMPRESSED_PAGES = frozenset(
    {
        "second_factor_enrol",
        "second_factor_recovery_codes",
        "activation_codes",
        "activation_slips",
        "new_activation_code",
        "members",
        "decide",
        "own_data",
        "own_details",
        "officer_trail",
        "password_reset_confirm",
        "meeting_room",
        "meeting_desk",
        "meeting_room_live",
        "meeting_roll_print",
        "meeting_screen",
        "meeting_screen_live",
        "meeting_checkin",
        "meeting_paper_open",
        "meeting_paper",
    }
)


class PageGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.method not in {"GET", "HEAD"}:
            return response
        match = request.resolver_match
        if match is not None and match.url_name in UNCOMPRESSED_PAGES:
            return response
        return super().process_response(request, response)
