"""Logging in with a second factor: the password, then a code.

After a right password, a login with an authenticator is not logged in yet: the
session remembers who is half-way (for PENDING_SECONDS) and the code page finishes
the login with Django's `login` and django-otp's, which marks the session verified.
A login that needs a second factor and has none is logged in and sent to set one
up; until it has, the officer permission checks refuse it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.forms import BooleanField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django_otp import login as otp_login
from django_otp.models import Device

from asamblea.accounts.services.second_factor import has_second_factor
from asamblea.federation.membership import Login
from asamblea.federation.services import needs_second_factor

PENDING = "_asamblea_second_factor_pending"
PENDING_SECONDS = 300


def ask_for_code(request: HttpRequest, user: Login, *, remember: bool, next_url: str) -> None:
    """Remember that `user` gave the right password; the code page finishes the login."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "remember": remember,
        "next": next_url,
        "since": int(time.time()),
    }


def pending_login(request: HttpRequest) -> tuple[Login, dict[str, Any]] | None:
    """The half-logged-in user and what their login asked for, if recent enough."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, pending


def set_expiry(request: HttpRequest, *, remember: bool) -> None:
    """Unticked "keep me logged in": the session ends with the browser."""
    request.session.set_expiry(settings.SESSION_COOKIE_AGE if remember else 0)


def finish_login(request: HttpRequest, user: Login, device: Device, pending: dict[str, Any]) -> str:
    """Log `user` in, verified by `device`; the address to go to next."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=pending["backend"])
    otp_login(request, device)
    set_expiry(request, remember=bool(pending.get("remember")))
    return str(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))


class LoginForm(AuthenticationForm):
    remember = BooleanField(required=False, label=gettext_lazy("Keep me logged in"))


class AsambleaLoginView(LoginView):
    """Django's login, with "keep me logged in": unticked, the session ends with the browser."""

    form_class = LoginForm

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        remember = bool(form.cleaned_data.get("remember"))
        if has_second_factor(user):
            # Not logged in yet: the code page finishes the login.
            ask_for_code(self.request, user, remember=remember, next_url=self.get_success_url())
            return redirect("login_code")
        response = super().form_valid(form)
        set_expiry(self.request, remember=remember)
        if needs_second_factor(user):
            messages.warning(
                self.request,
                gettext(
                    "Your role needs a second factor. Set it up now: until then you cannot "
                    "see members' contact details or act as an officer."
                ),
            )
            return redirect(
                f"{reverse('second_factor_enrol')}?{urlencode({'next': self.get_success_url()})}"
            )
        return response
