"""Pages of activation codes: the officer's (show a code once, print slips, give a new
code) and the member's (activate), and the password pages around them.

Thin: parse → access → do → render. A code is only ever in the page that shows it:
never in a redirect, a message, the session or a log line.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea.accounts.forms import ActivationForm, EmailResetForm
from asamblea.accounts.services import activation
from asamblea.errors import InvalidField, TooManyRequests
from asamblea.federation import services as federation_services
from asamblea.federation.membership import Login
from asamblea.federation.models import Membership
from asamblea.web.once import once_only
from asamblea.web.qr import qr_svg
from asamblea.web.ratelimit import address_key, count_request, limit_posts, wait_in_minutes

# ---------------------------------------------------------------- the officer's side


def _code_context(request: HttpRequest, issued: activation.Issued) -> dict[str, Any]:
    link = request.build_absolute_uri(reverse("activate")) + "?" + urlencode({"code": issued.code})
    return {
        "issued": issued,
        "name": issued.membership.person.full_name,
        "link": link,
        # Drawn by us from our own address and a code of our alphabet: no user text.
        "qr": mark_safe(qr_svg(link)),  # noqa: S308
    }


def code_shown_on_verify(request: HttpRequest, membership: Membership) -> SafeString | None:
    """The code of a member just verified, for the officer to hand over (hook
    `membership_verified`); None when the member has a login already."""
    issued = activation.issue_on_verify(request.user, membership)
    if issued is None:
        return None
    return mark_safe(  # noqa: S308 - rendered by the template engine, which escapes
        render_to_string("accounts/_code.html", _code_context(request, issued), request=request)
    )


@login_required
def activation_codes(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    """The body's verified members, with whether they have a login: print slips for those
    without, give a new code to one who lost their password."""
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    candidates = activation.access_activation_candidates(request.user, body)
    return render(
        request,
        "accounts/activation_codes.html",
        {
            "federation": federation,
            "body": body,
            "without_login": [c for c in candidates if not c.has_login],
            "with_login": [c for c in candidates if c.has_login],
        },
    )


@login_required
@require_POST
def activation_slips(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    """New codes for the members ticked (verified, no login yet), on slips to print."""
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    chosen = [int(pk) for pk in request.POST.getlist("membership") if pk.isdigit()]
    if not chosen:
        messages.warning(request, _("Tick at least one member to print a slip for."))
        return redirect("activation_codes", federation_slug=federation.slug, body_slug=body.slug)
    with once_only(request):
        issued = activation.do_issue_activation_codes(request.user, body, chosen)
    return render(
        request,
        "accounts/slips.html",
        {
            "federation": federation,
            "body": body,
            "slips": [_code_context(request, i) for i in issued],
        },
    )


@login_required
@require_POST
def new_activation_code(
    request: HttpRequest, federation_slug: str, body_slug: str, membership_id: int
) -> HttpResponse:
    """A new code for one member (a lost slip, a lost password), shown once."""
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    with once_only(request):
        issued = activation.do_issue_activation_code(request.user, body, membership_id)
    return render(
        request,
        "accounts/code_issued.html",
        {"federation": federation, "body": body, **_code_context(request, issued)},
    )


# ---------------------------------------------------------------- the member's side


def _throttle(request: HttpRequest, code: str) -> None:
    """Count this try per client address and per code; TooManyRequests past either."""
    waits = [
        count_request(
            request, group="activate", rate=settings.RATE_ACTIVATE, key=address_key(request)
        ),
        count_request(
            request,
            group="activate-code",
            rate=settings.RATE_ACTIVATE_CODE,
            key="code:" + (activation.code_digest(code) or "malformed"),
        ),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests(
            _("Too many tries in a short time: nothing was checked this time.")
            + " "
            + wait_in_minutes(wait),
            retry_after=wait,
        )


def activate(request: HttpRequest) -> HttpResponse:
    """With a code from an officer: choose a login name and a password, and be logged in."""
    status = 200
    if request.method == "POST":
        form = ActivationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _throttle(request, data["code"])
                with once_only(request):
                    login = activation.do_activate(
                        data["code"], data["username"], data["password1"]
                    )
            except InvalidField as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, refused.message
                )
                status = 400
            except TooManyRequests as refused:
                form.add_error(None, refused.message)
                status = 429
            else:
                auth_login(request, login, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _(
                        "Your login is ready and you are logged in as “%(username)s”. Next "
                        "time, log in with this login name and your password."
                    )
                    % {"username": login.get_username()},
                )
                return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
        else:
            status = 400
    else:
        form = ActivationForm(initial={"code": request.GET.get("code", "")[:40]})
    return render(request, "accounts/activate.html", {"form": form}, status=status)


@receiver(user_logged_in, dispatch_uid="asamblea.accounts.replaced_notice")
def tell_of_replaced_password(
    sender: Any, request: HttpRequest | None, user: Login, **kwargs: Any
) -> None:
    """At the first login after an officer gave a new code: say so (it may not have been
    the member who asked)."""
    notice = activation.take_replaced_notice(user)
    if notice is None or request is None:
        return
    when, body = notice
    messages.warning(
        request,
        _(
            "On %(date)s an officer of %(body)s gave you a new activation code: your old "
            "password stopped working and every open session of yours was ended. If you did "
            "not ask for it, tell the officers of your assembly."
        )
        % {
            "date": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT"),
            "body": body or _("your assembly"),
        },
    )


# Django's reset by e-mail, limited per address: each post may send an e-mail.
_reset_view = auth_views.PasswordResetView.as_view(
    form_class=EmailResetForm,
    template_name="accounts/password_reset.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
)


@limit_posts("password_reset", "RATE_ACTIVATE")
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a link by e-mail; the same answer whether or not the address is known."""
    response = _reset_view(request)
    assert isinstance(response, HttpResponse)
    return response
