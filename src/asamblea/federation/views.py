"""Pages of the federation: browse bodies, join, and (officers) decide on members.

Thin views: parse → access → do → render. Every rule is in `services`. A form's
one-time token is used up in the same transaction as the action it asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea import hooks
from asamblea.errors import InvalidInput, NotFound
from asamblea.federation import agenda, services
from asamblea.federation.forms import AppointOfficerForm, DecisionForm, JoinForm
from asamblea.federation.membership import SEAT_HELD, person_of
from asamblea.federation.models import Body, Delegation, Federation, Membership
from asamblea.web.l10n import collation_key, sorted_by_name
from asamblea.web.once import once_only
from asamblea.web.ratelimit import limit_posts


def _record_officer_action(*args: Any, **details: Any) -> None:
    """Tell whoever keeps the officers' trail (asamblea.hooks.officer_action)."""
    for record in hooks.officer_action:
        record(*args, **details)


def home(request: HttpRequest) -> HttpResponse:
    federations = sorted_by_name(Federation.objects.all(), lambda f: f.name)
    if len(federations) == 1:
        return federation_page(request, federations[0].slug)
    return render(request, "federation/home.html", {"federations": federations})


def _by_level_and_name(bodies: Iterable[Body]) -> list[Body]:
    """Highest level first, then by name in the reader's alphabet (see web/l10n.py)."""
    return sorted(bodies, key=lambda b: (b.level.rank, collation_key(b.name)))


def _top_bodies(federation: Federation) -> list[Body]:
    return _by_level_and_name(
        Body.objects.filter(federation=federation, kind=Body.Kind.COUNCIL)
        .annotate(up=Count("delegations_up"))
        .filter(up=0)
        .select_related("level", "sector")
    )


def federation_page(request: HttpRequest, federation_slug: str) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = _by_level_and_name(
            Body.objects.filter(federation=federation)
            .filter(Q(name__icontains=query) | Q(slug__icontains=query) | Q(code=query))
            .select_related("level", "sector")
            .order_by("level__rank", "name")[:50]
        )
    return render(
        request,
        "federation/federation.html",
        {
            "federation": federation,
            "top": _top_bodies(federation),
            "query": query,
            "found": found,
            "extra_sections": _extra_federation_sections(request, federation),
        },
    )


def _extra_federation_sections(request: HttpRequest, federation: Federation) -> list[str]:
    """HTML sections other apps add to a federation's page (its recall rules, ...)."""
    return [html for section in hooks.federation_section if (html := section(request, federation))]


def body_page(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    body = services.access_body(federation, body_slug)
    parents = sorted_by_name(
        Delegation.objects.filter(source=body).select_related("council"), lambda d: d.council.name
    )
    children = sorted_by_name(
        Delegation.objects.filter(council=body).select_related("source__level", "source__sector"),
        lambda d: d.source.name,
    )
    command = Body.objects.filter(command_of=body).first()
    user = request.user
    # A council's page lists first the bodies that already count; those with nobody
    # verified yet (no seat now, one at the first election) fold into one line.
    waiting = [d for d in children if d.seats == 0 and d.source.verified_members == 0]
    # The reader's own membership here, if any: the page speaks to them.
    my_status = (
        Membership.objects.filter(person__user=user, body=body)
        .values_list("status", flat=True)
        .first()
        if user.is_authenticated and body.is_base
        else None
    )
    now = agenda.body_now(body)
    context = {
        "federation": federation,
        "body": body,
        "path": _path_up(body),
        # What is happening here, at the top: what fits one phone screen, the rest folded.
        "now": now[:NOW_SHOWN],
        "now_more": now[NOW_SHOWN:],
        "parents": parents,
        "children": [d for d in children if d not in waiting],
        "waiting": waiting,
        "command": command,
        "seats_in": sum(d.next_seats for d in children),
        "waiting_seats": sum(d.next_seats for d in waiting),
        "is_officer": services.is_officer(user, body),
        "is_member": my_status == Membership.Status.VERIFIED,
        "my_status": my_status,
        "extra_sections": _extra_sections(request, body),
        "fold_at": agenda.FOLD_AT,
        # A command's members are the holders of its offices (the elections app's seats,
        # read through the relation's name), not verified members of its own.
        "command_members": body.command_seats.filter(status=SEAT_HELD).count()
        if body.kind == Body.Kind.COMMAND
        else None,
    }
    return render(request, "federation/body.html", context)


# The items of "now" shown open at the top of a body's page: with the breadcrumbs and the
# name, they fill one screen of a 360 x 640 phone.
NOW_SHOWN = 3


def _path_up(body: Body, limit: int = 12) -> list[Body]:
    """The bodies above `body`, highest first: base → province → region → national read
    from the top. A command hangs under its body; where a body sends delegates to several
    councils, the path follows the one of its own sector (else the first by name)."""
    path: list[Body] = []
    current = body
    while len(path) < limit:
        if current.command_of_id is not None:
            above = Body.objects.select_related("sector").get(pk=current.command_of_id)
        else:
            councils = sorted_by_name(
                Body.objects.filter(delegations_in__source=current).select_related("sector"),
                lambda b: b.name,
            )
            same = [c for c in councils if c.sector_id == current.sector_id]
            if not councils:
                break
            above = (same or councils)[0]
        if above in path or above == body:
            break
        path.append(above)
        current = above
    return path[::-1]


def _extra_sections(request: HttpRequest, body: Body) -> list[str]:
    """HTML sections other apps add to a body's page (delegates, record, ...)."""
    return [html for section in hooks.body_section if (html := section(request, body))]


# A public form anyone can send: limited per address (RATE_JOIN) against floods of
# made-up applications; a refused post writes nothing.
@limit_posts("join", "RATE_JOIN")
def join(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    body = services.access_body(federation, body_slug)
    if not body.is_base:
        raise InvalidInput(
            _("%(body)s is not a base assembly: people join base assemblies.") % {"body": body.name}
        )
    person = person_of(request.user, federation)
    known = person is not None
    standing = (
        Membership.objects.filter(
            person=person,
            body=body,
            status__in=[
                Membership.Status.VERIFIED,
                Membership.Status.APPLIED,
                Membership.Status.SUSPENDED,
            ],
        )
        .values_list("status", flat=True)
        .first()
        if person is not None
        else None
    )
    if standing is not None:
        # Already in (or waiting, or suspended): the page says so instead of a form
        # whose sending could only be refused.
        return render(
            request,
            "federation/join.html",
            {"federation": federation, "body": body, "my_status": standing},
        )
    if request.method == "POST":
        form = JoinForm(request.POST, body=body, as_known_person=known)
        if form.is_valid():
            with once_only(request):
                services.do_apply_for_membership(
                    body,
                    full_name=form.cleaned_data.get("full_name", ""),
                    sector=form.cleaned_data["sector"],
                    phone=form.cleaned_data.get("phone", ""),
                    email=form.cleaned_data.get("email", ""),
                    user=request.user,
                )
            return render(
                request, "federation/join_done.html", {"federation": federation, "body": body}
            )
    else:
        form = JoinForm(body=body, as_known_person=known)
    return render(
        request,
        "federation/join.html",
        {"federation": federation, "body": body, "form": form, "known": known},
    )


@login_required
def members(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    body = services.access_body(federation, body_slug)
    memberships = list(services.access_member_list(request.user, body))
    is_officer = services.is_officer(request.user, body)
    if is_officer:
        # Officers see contact details: their look is on the body's trail.
        _record_officer_action(request.user, body, "members.viewed")
    return render(
        request,
        "federation/members.html",
        {
            "federation": federation,
            "body": body,
            "is_officer": is_officer,
            "pending": [m for m in memberships if m.status == Membership.Status.APPLIED],
            "others": [m for m in memberships if m.status != Membership.Status.APPLIED],
            "officers": body.officers.select_related("user").order_by("user__username")
            if is_officer
            else [],
            "appoint_form": AppointOfficerForm(),
        },
    )


@login_required
@require_POST
def decide(
    request: HttpRequest, federation_slug: str, body_slug: str, membership_id: int
) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    body = services.access_body(federation, body_slug)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose what to do with this application."))
    with once_only(request):
        membership = services.do_decide_membership(
            request.user,
            body,
            membership_id,
            form.cleaned_data["action"],
            form.cleaned_data["reason"],
        )
        _record_officer_action(
            request.user,
            body,
            "membership.decided",
            decision=form.cleaned_data["action"],
            membership_number=membership.pk,
        )
        # What other apps show the officer once with a verification (an activation code).
        shown = [
            html
            for hook in hooks.membership_verified
            if form.cleaned_data["action"] == "verify" and (html := hook(request, membership))
        ]
    if request.headers.get("HX-Request"):
        return render(
            request,
            "federation/_member_row.html",
            {
                "m": membership,
                "body": body,
                "federation": federation,
                "is_officer": True,
                "just_decided": True,
                "shown": shown,
            },
        )
    if shown:
        # Not a redirect: what is shown once must not wait in a cookie or the session.
        return render(
            request,
            "federation/decided.html",
            {"membership": membership, "body": body, "federation": federation, "shown": shown},
        )
    messages.success(
        request,
        _("Done: the membership is now “%(status)s”.")
        % {"status": membership.get_status_display()},
    )
    return redirect("members", federation_slug=federation.slug, body_slug=body.slug)


@login_required
@require_POST
def appoint_officer(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = services.access_federation(federation_slug)
    body = services.access_body(federation, body_slug)
    form = AppointOfficerForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Give the user name of the new officer."))
    # Permission first: the lookup below would tell anyone whether a login name exists.
    services.require_officer(request.user, body)
    user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
    if user is None:
        raise NotFound(
            _("There is no user called “%(name)s”.") % {"name": form.cleaned_data["username"]}
        )
    with once_only(request):
        services.do_appoint_officer(request.user, body, user)
        _record_officer_action(request.user, body, "officer.appointed", officer=user)
    messages.success(
        request,
        _("%(name)s is now an officer of %(body)s.")
        % {"name": user.get_username(), "body": body.name},
    )
    return redirect("members", federation_slug=federation.slug, body_slug=body.slug)
