"""A logged-in person's own pages: "Mis asambleas" (their bodies and what awaits them)
and their own data (see it, correct it, choose the language, leave, delete).

Thin views: parse → access → do → render. Every rule is in `services`; what awaits
the person is gathered from every app through `asamblea.hooks.member_agenda`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from asamblea.errors import AsambleaError, NotFound
from asamblea.federation import agenda, services
from asamblea.federation.forms import ConfirmDeleteForm, LanguageForm, OwnDetailsForm
from asamblea.federation.membership import Login
from asamblea.federation.models import Membership
from asamblea.web.language import MEMBER_LANGUAGE
from asamblea.web.once import once_only


def _login(request: HttpRequest) -> Login:
    user = request.user
    assert isinstance(user, Login)  # login_required
    return user


@login_required
def my_assemblies(request: HttpRequest) -> HttpResponse:
    member = agenda.member_of(_login(request))
    return render(
        request,
        "federation/me.html",
        {
            "member": member,
            "roles": agenda.roles_of(member),
            "items": agenda.agenda(member),
        },
    )


def _own_data_page(
    request: HttpRequest,
    *,
    details_form: OwnDetailsForm | None = None,
    language_form: LanguageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    member = agenda.member_of(_login(request), with_details=True)
    person = member.person
    if details_form is None and person is not None:
        details_form = OwnDetailsForm(
            initial={"full_name": person.full_name, "phone": person.phone, "email": person.email}
        )
    if language_form is None:
        language_form = LanguageForm(initial={"language": person.language if person else ""})
    return render(
        request,
        "federation/own_data.html",
        {
            "member": member,
            "person": person,
            "all_memberships": list(
                Membership.objects.filter(person=person)
                .select_related("body__federation", "sector")
                .order_by("body__name")
            )
            if person
            else [],
            "still_member": services.STILL_A_MEMBER,
            "details_form": details_form,
            "language_form": language_form,
        },
        status=status,
    )


@login_required
def own_data(request: HttpRequest) -> HttpResponse:
    return _own_data_page(request)


@login_required
def own_details(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("own_data")
    form = OwnDetailsForm(request.POST)
    if form.is_valid():
        try:
            with once_only(request):
                services.do_correct_own_details(
                    request.user,
                    full_name=form.cleaned_data["full_name"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                )
        except AsambleaError as error:
            # Said on the same page, with what was typed kept.
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your details are corrected."))
            return redirect("own_data")
    return _own_data_page(request, details_form=form, status=400)


@login_required
def own_language(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("own_data")
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _own_data_page(request, language_form=form, status=400)
    language = form.cleaned_data["language"]
    with once_only(request):
        services.do_set_own_language(request.user, language)
    # The pages follow at once: this browser's choice (the cookie) and this session's.
    response = redirect("own_data")
    if language:
        request.session[MEMBER_LANGUAGE] = language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    else:
        request.session.pop(MEMBER_LANGUAGE, None)
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    messages.success(request, _("The language of your pages is saved."))
    return response


@login_required
def own_leave(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Leave a base assembly: a page that says what leaving means, then the leaving."""
    member = agenda.member_of(_login(request))
    membership = next((m for m in member.memberships if m.pk == membership_id), None)
    if membership is None or membership.status not in services.STILL_A_MEMBER:
        raise NotFound(_("That membership is not yours, or it has ended already."))
    if request.method == "POST":
        with once_only(request):
            services.do_leave_assembly(request.user, membership_id)
        messages.success(request, _("You have left %(body)s.") % {"body": membership.body.name})
        return redirect("own_data")
    return render(request, "federation/own_leave.html", {"membership": membership})


@login_required
def own_delete(request: HttpRequest) -> HttpResponse:
    """Delete one's account: a page that says what is erased and what stays, the
    password to confirm, then the deletion and the end of this session."""
    form = ConfirmDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once_only(request):
                services.do_delete_own_account(request.user, form.cleaned_data["password"])
        except AsambleaError as error:
            form.add_error(None, str(error))
        else:
            logout(request)
            return render(request, "federation/own_deleted.html")
    return render(
        request,
        "federation/own_delete.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
