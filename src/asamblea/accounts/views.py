"""Pages of the second factor (set up, log in with a code, recovery codes, the
federation's rule for officers), of a body's officers' trail, and "log out everywhere".
Thin: parse → access → do → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from asamblea.accounts import login as login_steps
from asamblea.accounts.forms import CodeForm, SecondFactorRuleForm
from asamblea.accounts.services import second_factor, sessions, trail
from asamblea.errors import InvalidInput, SecondFactorNeeded, TooManyRequests
from asamblea.federation import services as federation_services
from asamblea.federation.membership import Login
from asamblea.web.once import once_only
from asamblea.web.qr import qr_svg


def _login(request: HttpRequest) -> Login:
    """The logged-in user (the views below are all behind login_required)."""
    user = request.user
    assert isinstance(user, Login)
    return user


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the page asked for, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url("second_factor")


def _require_verified(request: HttpRequest) -> None:
    if not federation_services.session_verified(request.user):
        raise SecondFactorNeeded(
            _("Log out and log in again with a code from your app before changing this.")
        )


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the app, or a recovery code."""
    pending = login_steps.pending_login(request)
    if pending is None:
        messages.info(request, _("Log in again: the page waited too long for the code."))
        return redirect("login")
    user, asked = pending
    form = CodeForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_valid():
        try:
            device = second_factor.do_verify_second_factor(user, form.cleaned_data["code"])
        except (InvalidInput, TooManyRequests) as refused:
            error = refused.message
        else:
            next_url = login_steps.finish_login(request, user, device, asked)
            if isinstance(device, StaticDevice):
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You logged in with a recovery code: %(count)s is left. If you lost "
                        "your phone, set up your app again on the “Second factor” page.",
                        "You logged in with a recovery code: %(count)s are left. If you lost "
                        "your phone, set up your app again on the “Second factor” page.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "error": error},
        status=400 if error else 200,
    )


@login_required
def second_factor_page(request: HttpRequest) -> HttpResponse:
    user = _login(request)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "has_app": second_factor.has_second_factor(user),
            "verified": federation_services.session_verified(user),
            "needed": federation_services.needs_second_factor(user),
            "codes_left": second_factor.recovery_codes_left(user),
            "next": _next_url(request),
        },
    )


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan or type its secret, confirm with a first code."""
    user = _login(request)
    if second_factor.has_second_factor(user):
        # Else a stolen password alone could swap the app for the thief's.
        _require_verified(request)
    next_url = _next_url(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_valid():
        try:
            enrolled = second_factor.do_confirm_totp_enrolment(user, form.cleaned_data["code"])
        except (InvalidInput, TooManyRequests) as refused:
            error = refused.message
        else:
            otp_login(request, enrolled.device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": enrolled.recovery_codes, "next": next_url, "just_enrolled": True},
            )
    device = second_factor.do_start_totp_enrolment(user)
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "error": error,
            # Drawn by us from the device's otpauth:// address: no user text in the markup.
            "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308
            "secret": second_factor.secret_in_groups(device),
            "next": next_url,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    _require_verified(request)
    codes = second_factor.do_new_recovery_codes(_login(request))
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": resolve_url("second_factor"), "just_enrolled": False},
    )


@login_required
@require_POST
def remove_second_factor(request: HttpRequest) -> HttpResponse:
    _require_verified(request)
    second_factor.do_remove_second_factor(_login(request))
    messages.success(request, _("Your second factor is removed."))
    return redirect("second_factor")


@login_required
def officer_trail(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    """What the body's officers did and saw: for its officers and administrators only."""
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    entries = list(trail.access_officer_trail(request.user, body))
    return render(
        request,
        "accounts/officer_trail.html",
        {"federation": federation, "body": body, "entries": entries, "limit": trail.PAGE_SIZE},
    )


# ---------------------------------------------------------------- log out everywhere


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    """The button on "Your data": every other session of this login ends."""
    with once_only(request):
        sessions.do_end_other_sessions(_login(request), request.session)
    messages.success(
        request,
        _(
            "Your other sessions are ended: every other browser or device logged in as you "
            "is logged out at its next page. This one stays logged in."
        ),
    )
    return redirect("own_data")


# ---------------------------------------------------------------- the federation's rule


@login_required
@require_POST
def second_factor_rule(request: HttpRequest, federation_slug: str) -> HttpResponse:
    federation = federation_services.access_federation(federation_slug)
    second_factor.require_rule_admin(request.user, federation)  # before the form's token
    form = SecondFactorRuleForm(request.POST)
    form.is_valid()  # a lone checkbox: always valid, unticked is False
    required = bool(form.cleaned_data.get("required"))
    with once_only(request):
        changed = second_factor.do_set_second_factor_rule(request.user, federation, required)
    if not changed:
        messages.info(request, _("Nothing changed: that was already the rule."))
    elif required:
        messages.success(
            request,
            _(
                "Officers of this federation now need a second factor. Those without one are "
                "asked to set it up at their next login. The change is on the public record."
            ),
        )
    else:
        messages.success(
            request,
            _(
                "Officers of this federation no longer need a second factor. The change is on "
                "the public record."
            ),
        )
    return redirect("federation", federation_slug=federation.slug)
