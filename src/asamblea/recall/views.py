"""Recall pages: a delegate's seat, its petitions, signing, vacating; the federation's
recall rules (and, for its administrators, the form that changes them).

Thin views: parse → access → do → render. Every rule is in `services`. Every
form works without JavaScript (post, redirect); with htmx, signing swaps the
petition box in place.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from asamblea.elections.models import Election, Seat
from asamblea.elections.scheduler import catch_up
from asamblea.errors import InvalidInput
from asamblea.federation import services as federation_services
from asamblea.federation.membership import User, person_of
from asamblea.federation.models import Body, Federation
from asamblea.recall import services
from asamblea.recall.forms import SHARES, PetitionForm, RecallRulesForm, VacateForm
from asamblea.recall.models import Countback, RecallPetition, RecallSettings
from asamblea.web.l10n import percent_text
from asamblea.web.once import once_only


def _seat(user: User, federation_slug: str, seat_id: int) -> tuple[Federation, Seat]:
    federation = federation_services.access_federation(federation_slug)
    return federation, services.access_seat(user, federation, seat_id)


def _percent(share: Decimal) -> str:
    """0.25 → "25%"; 0.125 → "12,5%" in Spanish."""
    return percent_text(share)


def _catch_up(seat: Seat) -> None:
    """Take what is due now (a petition's deadline, a recall vote's close), so a late
    tick never shows a stale state."""
    services.do_expire_petitions(now=timezone.now())
    petition = services.active_petition(seat)
    if petition is not None and petition.election is not None:
        catch_up(petition.election)


def _petition_context(request: HttpRequest, petition: RecallPetition) -> dict[str, Any]:
    return {
        "petition": petition,
        "signed": services.has_signed(request.user, petition),
        "may_sign": petition.status == RecallPetition.Status.OPEN
        and services.can_petition(request.user, petition.seat),
    }


def seat_page(request: HttpRequest, federation_slug: str, seat_id: int) -> HttpResponse:
    federation, seat = _seat(request.user, federation_slug, seat_id)
    _catch_up(seat)
    seat = services.access_seat(request.user, federation, seat_id)
    return _render_seat(request, federation, seat, PetitionForm(), status=200)


def _render_seat(
    request: HttpRequest, federation: Federation, seat: Seat, form: PetitionForm, status: int
) -> HttpResponse:
    body = services.constituency_of(seat)
    active = services.active_petition(seat)
    past = list(
        RecallPetition.objects.filter(seat=seat)
        .exclude(status__in=RecallPetition.ACTIVE)
        .select_related("election")
    )
    replacement = Countback.objects.filter(vacated=seat).select_related("filled").first()
    by_election = (
        Election.objects.filter(kind=Election.Kind.BY_ELECTION, seat=seat).first()
        if seat.status == Seat.Status.VACATED
        else None
    )
    person = person_of(request.user, federation)
    officer = federation_services.is_officer(request.user, body)
    is_holder = person is not None and person.pk == seat.holder_id
    context = {
        "federation": federation,
        "seat": seat,
        "body": body,
        "place": services.seat_place(seat),
        "council": seat.delegation.council if seat.delegation else None,
        "active": _petition_context(request, active) if active else None,
        "past": past,
        "can_open": active is None and services.can_petition(request.user, seat),
        "form": form,
        "cause": seat.cause,
        "consequences": list(seat.consequences.all().order_by("pk")),
        "replacement": replacement.filled if replacement else None,
        "by_election": by_election,
        "may_vacate": seat.status == Seat.Status.HELD and (officer or is_holder),
        "vacate_form": VacateForm(officer=officer),
        "threshold_percent": _percent(services.recall_settings(federation).threshold),
        "share": _share(federation, body, active),
    }
    return render(request, "recall/seat.html", context, status=status)


def _share(
    federation: Federation, body: Body, petition: RecallPetition | None
) -> dict[str, str] | None:
    """What a shared link of a petition collecting signatures says: where, how many
    signatures, until when. Never the delegate's name, nor the reason (free text that
    may name people), nor who signed."""
    if petition is None or petition.status != RecallPetition.Status.OPEN:
        return None
    return {
        "title": _("Recall petition in %(body)s") % {"body": body.name},
        "text": _(
            "A recall petition in %(body)s is collecting signatures: %(signatures)d of "
            "%(threshold)d, until %(when)s."
        )
        % {
            "body": body.name,
            "signatures": petition.signatures,
            "threshold": petition.threshold,
            "when": date_format(timezone.localtime(petition.closes_at), "DATETIME_FORMAT"),
        },
        "path": reverse("recall_petition", args=[federation.slug, petition.pk]),
    }


@login_required
@require_POST
def open_petition(request: HttpRequest, federation_slug: str, seat_id: int) -> HttpResponse:
    federation, seat = _seat(request.user, federation_slug, seat_id)
    form = PetitionForm(request.POST)
    if not form.is_valid():
        return _render_seat(request, federation, seat, form, status=400)
    with once_only(request):
        petition = services.do_open_recall_petition(request.user, seat, form.cleaned_data["reason"])
    if petition.status == RecallPetition.Status.VOTING:
        messages.success(request, _("The petition reached its threshold: the recall vote is open."))
    else:
        messages.success(request, _("The petition is open and you have signed it."))
    return redirect("seat", federation_slug=federation.slug, seat_id=seat.pk)


def petition_page(request: HttpRequest, federation_slug: str, petition_id: int) -> HttpResponse:
    federation = federation_services.access_federation(federation_slug)
    petition = services.access_petition(request.user, federation, petition_id)
    return redirect("seat", federation_slug=federation.slug, seat_id=petition.seat_id)


@login_required
@require_POST
def sign(request: HttpRequest, federation_slug: str, petition_id: int) -> HttpResponse:
    federation = federation_services.access_federation(federation_slug)
    petition = services.access_petition(request.user, federation, petition_id)
    with once_only(request):
        petition = services.do_sign_petition(request.user, petition)
    petition = services.access_petition(request.user, federation, petition.pk)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "recall/_petition.html",
            {"federation": federation, **_petition_context(request, petition), "just_signed": True},
        )
    if petition.status == RecallPetition.Status.VOTING:
        messages.success(
            request, _("Your signature reached the threshold: the recall vote is open.")
        )
    else:
        messages.success(request, _("You have signed the petition."))
    return redirect("seat", federation_slug=federation.slug, seat_id=petition.seat_id)


@login_required
@require_POST
def vacate(request: HttpRequest, federation_slug: str, seat_id: int) -> HttpResponse:
    federation, seat = _seat(request.user, federation_slug, seat_id)
    officer = federation_services.is_officer(request.user, services.constituency_of(seat))
    form = VacateForm(request.POST, officer=officer)
    if not form.is_valid():
        messages.error(request, _("Choose why the seat is vacated and confirm."))
        return redirect("seat", federation_slug=federation.slug, seat_id=seat.pk)
    with once_only(request):
        report = services.do_vacate_seat(request.user, seat, form.cleaned_data["reason"])
    lost, filled, by = len(report.vacated), len(report.filled), len(report.by_elections)
    parts = [
        ngettext("%(n)d seat vacated in all", "%(n)d seats vacated in all", lost) % {"n": lost},
        ngettext("%(n)d refilled by countback", "%(n)d refilled by countback", filled)
        % {"n": filled},
        ngettext("%(n)d by-election opened", "%(n)d by-elections opened", by) % {"n": by},
    ]
    messages.success(request, _("The seat is vacated: %(parts)s.") % {"parts": ", ".join(parts)})
    return redirect("seat", federation_slug=federation.slug, seat_id=seat.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def rules_page(request: HttpRequest, federation_slug: str) -> HttpResponse:
    """The recall rules in force, in plain words; a federation administrator changes them."""
    federation = federation_services.access_federation(federation_slug)
    current = services.recall_settings(federation)
    if request.method != "POST":
        may_change = services.can_change_recall_settings(request.user, federation)
        form = RecallRulesForm.for_settings(current) if may_change else None
        return _render_rules(request, federation, current, form, status=200)
    services.require_recall_settings_admin(request.user, federation)
    form = RecallRulesForm(request.POST)
    if form.is_valid():
        try:
            with once_only(request):
                services.do_update_recall_settings(request.user, federation, **form.settings())
        except InvalidInput as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The recall rules are changed. The change is on the public record."),
            )
            return redirect("recall_rules", federation_slug=federation.slug)
    return _render_rules(request, federation, current, form, status=400)


def _render_rules(
    request: HttpRequest,
    federation: Federation,
    rules: RecallSettings,
    form: RecallRulesForm | None,
    status: int,
) -> HttpResponse:
    context = {
        "federation": federation,
        "rules": rules,
        "threshold": _percent(rules.threshold),
        "quorum": _percent(rules.quorum),
        "majority": _percent(rules.majority),
        "form": form,
        "percent_fields": SHARES,
    }
    return render(request, "recall/rules.html", context, status=status)
