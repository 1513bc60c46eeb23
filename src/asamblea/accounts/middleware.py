"""Log out a session that "log out everywhere" ended (see `services.sessions`)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from asamblea.accounts.services.sessions import SESSION_GENERATION, session_generation
from asamblea.federation.membership import Login


class SessionGenerationMiddleware:
    """Log out a session older than its login's last "log out everywhere".

    One query per logged-in request (the login's generation); none for visitors.
    After MessageMiddleware, so the person is told why on the page they land on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and isinstance(user, Login):
            kept = request.session.get(SESSION_GENERATION, 0)
            if not isinstance(kept, int) or kept < session_generation(user):
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were logged out: this login was logged out everywhere from "
                        "another device. Log in again if it was you."
                    ),
                )
        return self.get_response(request)
