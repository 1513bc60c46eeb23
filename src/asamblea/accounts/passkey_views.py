"""Passkey pages: add one (logged in), log in with one. The browser's side is in
static/asamblea/passkeys.js (WebAuthn needs JavaScript; without it, the password)."""

from __future__ import annotations

import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea.accounts import login as login_steps
from asamblea.accounts.services import passkeys
from asamblea.accounts.services.second_factor import has_second_factor
from asamblea.errors import AsambleaError, InvalidInput
from asamblea.federation.membership import Login
from asamblea.web.ratelimit import address_key, count_request

CHALLENGE = "_asamblea_passkey_challenge"


def _rp_id(request: HttpRequest) -> str:
    """The relying party: the site's host name, without the port."""
    return (
        request.get_host().rsplit(":", 1)[0]
        if "]" not in request.get_host()
        else request.get_host()
    )


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _remember(request: HttpRequest, challenge: bytes) -> None:
    request.session[CHALLENGE] = urlsafe_b64encode(challenge).decode("ascii")


def _take_challenge(request: HttpRequest) -> bytes:
    kept = request.session.pop(CHALLENGE, "")
    if not kept:
        raise InvalidInput(_("The page waited too long. Try again."))
    return urlsafe_b64decode(kept)


def _answer(request: HttpRequest) -> dict[str, Any]:
    try:
        answer = json.loads(request.body or b"{}")
    except ValueError:
        raise passkeys.refused() from None
    if not isinstance(answer, dict):
        raise passkeys.refused()
    return answer


def _login(request: HttpRequest) -> Login:
    user = request.user
    assert isinstance(user, Login)
    return user


@login_required
def passkey_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/passkeys.html", {"passkeys": passkeys.access_passkeys(_login(request))}
    )


@login_required
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    options, challenge = passkeys.registration_options(_login(request), _rp_id(request))
    _remember(request, challenge)
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def add_passkey(request: HttpRequest) -> HttpResponse:
    try:
        passkeys.do_add_passkey(
            _login(request),
            _answer(request),
            challenge=_take_challenge(request),
            rp_id=_rp_id(request),
            origin=_origin(request),
        )
    except AsambleaError as refused:
        return JsonResponse({"error": refused.message}, status=400)
    messages.success(request, _("Your passkey is added: next time, log in with it."))
    return JsonResponse({"next": resolve_url("passkeys")})


@login_required
@require_POST
def remove_passkey(request: HttpRequest, passkey_id: int) -> HttpResponse:
    passkeys.do_remove_passkey(_login(request), passkey_id)
    messages.success(request, _("The passkey is removed."))
    return redirect("passkeys")


@require_POST
def passkey_login_options(request: HttpRequest) -> HttpResponse:
    options, challenge = passkeys.authentication_options(_rp_id(request))
    _remember(request, challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
def passkey_login(request: HttpRequest) -> HttpResponse:
    # Counted with the activation tries: both let a stranger knock at a login.
    wait = count_request(
        request, group="passkey", rate=settings.RATE_ACTIVATE, key=address_key(request)
    )
    if wait is not None:
        return JsonResponse(
            {"error": _("Too many tries in a short time: nothing was checked this time.")},
            status=429,
        )
    try:
        user = passkeys.do_log_in_with_passkey(
            _answer(request),
            challenge=_take_challenge(request),
            rp_id=_rp_id(request),
            origin=_origin(request),
        )
    except AsambleaError as refused:
        return JsonResponse({"error": refused.message}, status=400)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    user.backend = "django.contrib.auth.backends.ModelBackend"
    if has_second_factor(user):
        login_steps.ask_for_code(request, user, remember=False, next_url=next_url)
        return JsonResponse({"next": resolve_url("login_code")})
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    login_steps.set_expiry(request, remember=False)
    return JsonResponse({"next": next_url})
