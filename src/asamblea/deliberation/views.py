"""Pages of deliberation: motions and their votes, mandates, meetings, referendums, calls.

Thin views: parse -> access -> do -> render. Every rule is in `services`. A form's
one-time token is used up in the same transaction as the action it asks for.
Open votes refresh themselves: with JavaScript a fragment is polled (htmx),
without it the page reloads itself (a meta refresh) and a link does the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea import hooks
from asamblea.ballots.box import receipt_of_resent_form
from asamblea.deliberation import regions_map, services
from asamblea.deliberation.forms import (
    AmendmentForm,
    CallForm,
    CommentForm,
    MandateForm,
    MeetingForm,
    MotionForm,
    OpenVoteForm,
    ReferendumForm,
    UptakeForm,
)
from asamblea.deliberation.models import (
    Motion,
    Referendum,
    Uptake,
)
from asamblea.deliberation.sections import mandate_rows, petition_url
from asamblea.elections.models import Seat
from asamblea.errors import FormAlreadySent, InvalidInput, NotFound
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Federation, Sector
from asamblea.federation.services import access_body, access_federation, is_officer
from asamblea.web.l10n import sorted_by_name
from asamblea.web.once import once_only, posted_token
from asamblea.web.sections import render_sections

REFRESH_SECONDS = 3
NOSCRIPT_REFRESH_SECONDS = 15


def _body(federation_slug: str, body_slug: str) -> tuple[Federation, Body]:
    federation = access_federation(federation_slug)
    return federation, access_body(federation, body_slug)


def _form_problem(form: Any) -> InvalidInput:
    problems = "; ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )
    return InvalidInput(problems or _("Check the form and send it again."))


def _motion_url(motion: Motion) -> str:
    return reverse("motion", args=[motion.federation.slug, motion.pk])


# ---------------------------------------------------------------- motions


def motion_list(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    return render(
        request,
        "deliberation/motion_list.html",
        {
            "federation": federation,
            "body": body,
            "motions": list(services.motions_of(body)[:100]),
            "resolutions": list(body.resolutions.order_by("-number")[:100]),
            "meetings": list(body.meetings.order_by("-starts_at")[:20]),
            "is_member": services.is_member(request.user, body),
            "is_officer": is_officer(request.user, body),
        },
    )


@login_required
def motion_new(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    if request.method == "POST":
        form = MotionForm(request.POST)
        if not form.is_valid():
            raise _form_problem(form)
        with once_only(request):
            motion = services.do_propose_motion(
                request.user,
                body,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                options=form.option_list(),
            )
        messages.success(request, _("Your motion is proposed: it needs a seconder to be tabled."))
        return redirect(_motion_url(motion))
    services.require_member(request.user, body)
    return render(
        request,
        "deliberation/motion_new.html",
        {"federation": federation, "body": body, "form": MotionForm()},
    )


def _motion_context(request: HttpRequest, motion: Motion) -> dict[str, Any]:
    body = motion.body
    user = request.user
    decided_mandates = {m.body_id: m for m in motion.mandates.select_related("body")}
    context: dict[str, Any] = {
        "federation": motion.federation,
        "body": body,
        "motion": motion,
        "options": services.option_labels(motion),
        "amendments": services.amendments_of(motion),
        "comments": list(motion.comments.all()),
        "is_member": services.is_member(user, body),
        "is_officer": is_officer(user, body),
        "has_voted": services.has_voted(user, motion),
        "my_vote": services.my_vote(user, motion),
        "live": services.live_count(motion) if motion.is_open else None,
        "refresh": REFRESH_SECONDS,
        "noscript_refresh": NOSCRIPT_REFRESH_SECONDS,
        "open_form": OpenVoteForm(
            initial={
                "threshold": motion.threshold,
                "quorum_basis": motion.quorum_basis,
                # Members of an assembly vote in secret unless the officer unticks it;
                # delegates vote by open roll call (their constituents must see it).
                "secret": body.is_base,
            }
        ),
        "referendum_form": ReferendumForm(initial={"quorum_basis": "none"}),
        "amendment_form": AmendmentForm(initial={"text": motion.text}),
        "comment_form": CommentForm(),
        "resolution": getattr(motion, "resolution", None)
        if motion.status == Motion.Status.PASSED
        else None,
        "referendum": Referendum.objects.filter(motion=motion).first(),
        "choices": _choices_for(motion),
        "now": timezone.now(),
    }
    if motion.kind == Motion.Kind.MOTION and body.kind == Body.Kind.COUNCIL:
        sources = sorted_by_name(
            body.delegations_in.select_related("source"), lambda d: d.source.name
        )
        # The bodies that gave a mandate; the others are only counted, not listed.
        context["constituencies"] = [
            (d.source, decided_mandates[d.source_id])
            for d in sources
            if d.source_id in decided_mandates
        ]
        context["without_mandate"] = len(sources) - len(context["constituencies"])
    if motion.result and "compliance" in motion.result:
        rows = motion.result["compliance"]
        names = dict(
            Body.objects.filter(
                federation=motion.federation, slug__in={r["from"] for r in rows}
            ).values_list("slug", "name")
        )
        # The record keeps "yes", "no", "free", "abstain": the page says them in words.
        mandates = {"yes": _("Vote yes"), "no": _("Vote no"), "free": _("Free vote")}
        votes = {"yes": _("yes"), "no": _("no"), "abstain": _("abstain")}
        context["compliance"] = [
            {
                **r,
                "from_name": names.get(r["from"], r["from"]),
                "mandate_said": mandates.get(str(r["mandate"]), r["mandate"]),
                "vote_said": votes.get(str(r["vote"]), r["vote"]) if r["vote"] else None,
            }
            for r in rows
        ]
    return context


def _choices_for(motion: Motion) -> list[tuple[str, str]]:
    if motion.kind == Motion.Kind.MANDATE:
        return [
            ("yes", _("Instruct: vote yes")),
            ("no", _("Instruct: vote no")),
            ("free", _("Free vote")),
        ]
    return [("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))]


def _catch_up(user: User, motion: Motion) -> Motion:
    """Close a vote whose time has come, so a late tick never shows it still open."""
    if motion.is_open and motion.closes_at is not None and motion.closes_at <= timezone.now():
        services.close_due_votes(timezone.now())
        motion = services.access_motion(user, motion.federation, motion.pk)
    return motion


def motion_page(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    motion = _catch_up(request.user, services.access_motion(request.user, federation, motion_id))
    return render(request, "deliberation/motion.html", _motion_context(request, motion))


def motion_live(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    """The open vote's running figures (the fragment the page polls)."""
    federation = access_federation(federation_slug)
    motion = _catch_up(request.user, services.access_motion(request.user, federation, motion_id))
    response = render(request, "deliberation/_motion_live.html", _motion_context(request, motion))
    if not motion.is_open and request.headers.get("HX-Request"):
        # The vote closed: reload the whole page to show the result.
        response["HX-Refresh"] = "true"
    return response


def _motion_action(request: HttpRequest, federation_slug: str, motion_id: int) -> Motion:
    return services.access_motion(request.user, access_federation(federation_slug), motion_id)


@login_required
@require_POST
def motion_second(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    with once_only(request):
        services.do_second_motion(request.user, motion)
    messages.success(request, _("Seconded: the motion is tabled for debate."))
    return redirect(_motion_url(motion))


@login_required
@require_POST
def motion_withdraw(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    with once_only(request):
        services.do_withdraw_motion(request.user, motion)
    messages.success(request, _("The motion is withdrawn."))
    return redirect(_motion_url(motion))


@login_required
@require_POST
def motion_amend(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    with once_only(request):
        amendment = services.do_propose_amendment(
            request.user, motion, text=form.cleaned_data["text"]
        )
    messages.success(request, _("Your amendment is proposed: it needs a seconder."))
    return redirect(_motion_url(amendment))


@login_required
@require_POST
def motion_comment(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    with once_only(request):
        services.do_comment(request.user, motion, form.cleaned_data["text"])
    return redirect(_motion_url(motion) + "#debate")


@login_required
@require_POST
def motion_open(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    form = OpenVoteForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    with once_only(request):
        services.do_open_vote(
            request.user,
            motion,
            secret=form.cleaned_data["secret"],
            closes_at=form.cleaned_data["closes_at"],
            **form.rule_kwargs(),
        )
    messages.success(request, _("The vote is open."))
    return redirect(_motion_url(motion))


@login_required
@require_POST
def motion_vote(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    ranking = None
    if motion.kind == Motion.Kind.OPTIONS:
        ranking = _ranking_from_post(request, services.option_labels(motion))
    try:
        with once_only(request):
            receipt = services.do_cast_vote(
                request.user,
                motion,
                request.POST.get("choice"),
                ranking=ranking,
                ballot_code=request.POST.get("ballot_code", "").strip() or None,
                form_token=posted_token(request),
            )
    except FormAlreadySent as sent:
        # Sent again after a lost answer: a secret ballot's same receipt, if it cast one.
        code = request.POST.get("ballot_code", "").strip() or None
        receipt = receipt_of_resent_form(
            sent,
            lambda token: services.motion_cast_from_form(request.user, motion, token, code),
        )
    if receipt is not None:
        return _receipt(request, receipt, motion.title, _motion_url(motion))
    messages.success(request, _("Your vote is recorded. You can change it until the vote closes."))
    return redirect(_motion_url(motion))


def _ranking_from_post(request: HttpRequest, labels: list[str]) -> list[str]:
    """Options in order from the rank typed against each (rank-<n> fields)."""
    from asamblea.elections.ballots import BallotProblem, ranking_from_ranks

    ranks = {n: request.POST.get(f"rank-{n}", "") for n in range(len(labels))}
    try:
        order = ranking_from_ranks(ranks)
    except BallotProblem as problem:
        raise InvalidInput(str(problem)) from None
    return [labels[n] for n in order]


@login_required
@require_POST
def motion_close(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    with once_only(request):
        motion = services.do_close_vote(request.user, motion)
    messages.success(request, _("The vote is closed and counted."))
    return redirect(_motion_url(motion))


@login_required
@require_POST
def motion_mandate(
    request: HttpRequest, federation_slug: str, motion_id: int, body_slug: str
) -> HttpResponse:
    """An officer of a constituent body opens its mandate vote on a council motion."""
    motion = _motion_action(request, federation_slug, motion_id)
    body = access_body(motion.federation, body_slug)
    form = MandateForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    with once_only(request):
        vote = services.do_open_mandate_vote(
            request.user, motion, body, secret=form.cleaned_data["secret"]
        )
    messages.success(
        request, _("The mandate vote is open to the members of %(b)s.") % {"b": body.name}
    )
    return redirect(_motion_url(vote))


@login_required
@require_POST
def motion_referendum(request: HttpRequest, federation_slug: str, motion_id: int) -> HttpResponse:
    motion = _motion_action(request, federation_slug, motion_id)
    form = ReferendumForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    with once_only(request):
        referendum = services.do_open_referendum(
            request.user, motion, closes_at=form.cleaned_data["closes_at"], **form.rule_kwargs()
        )
    messages.success(request, _("The motion is sent to every member below."))
    return redirect("referendum", motion.federation.slug, referendum.pk)


# ---------------------------------------------------------------- mandates and recall


def mandates_page(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    """The constituency page: motions awaiting its mandate, and its delegates' votes
    against the mandates it gave (a breach offers a recall petition in one step)."""
    _federation, body = _body(federation_slug, body_slug)
    return render(
        request,
        "deliberation/mandates.html",
        _mandates_context(request, body),
    )


def _mandates_context(request: HttpRequest, body: Body) -> dict[str, Any]:
    return {
        "federation": body.federation,
        "body": body,
        "awaiting": services.motions_awaiting_mandate(body),
        "rows": mandate_rows(request, body),
        "is_officer": is_officer(request.user, body),
        # An assembly's mandate vote is secret unless the officer unticks it.
        "mandate_form": MandateForm(initial={"secret": True}),
    }


@login_required
@require_POST
def recall_for_breach(
    request: HttpRequest, federation_slug: str, body_slug: str, motion_id: int, seat_id: int
) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    motion = services.access_motion(request.user, federation, motion_id)
    try:
        seat = Seat.objects.get(federation=federation, pk=seat_id, delegation__source=body)
    except Seat.DoesNotExist:
        raise NotFound(_("%(body)s has no such delegate.") % {"body": body.name}) from None
    with once_only(request):
        petition = services.do_recall_for_breach(request.user, motion, seat)
    messages.success(
        request,
        _(
            "A recall petition against %(name)s is open, with your signature. "
            "Ask the others to sign."
        )
        % {"name": seat.public_name},
    )
    url = petition_url(federation, petition)
    return redirect(url or reverse("mandates", args=[federation.slug, body.slug]))


# ---------------------------------------------------------------- resolutions and meetings


def resolution_page(
    request: HttpRequest, federation_slug: str, body_slug: str, number: int
) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    resolution = services.access_resolution(request.user, body, number)
    can_issue = body.kind == Body.Kind.COUNCIL and is_officer(request.user, body)
    context: dict[str, Any] = {
        "federation": federation,
        "body": body,
        "resolution": resolution,
        "motion": resolution.motion,
        "calls": list(resolution.calls.order_by("-issued_at")),
        "can_issue": can_issue,
    }
    if can_issue:
        context["call_form"] = _call_form(body)
    return render(request, "deliberation/resolution.html", context)


def _call_form(council: Body, data: Any = None) -> CallForm:
    regions = sorted_by_name(
        Body.objects.filter(delegations_up__council=council).exclude(kind=Body.Kind.COMMAND),
        lambda b: b.name,
    )
    sectors = sorted_by_name(
        Sector.objects.filter(federation=council.federation), lambda s: str(s.name)
    )
    return CallForm(data, regions=regions, sectors=sectors)


@login_required
def meeting_new(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    motions = list(services.motions_of(body).filter(status__in=services.UNDECIDED))
    if request.method == "POST":
        form = MeetingForm(request.POST, motions=motions)
        if not form.is_valid():
            raise _form_problem(form)
        chosen = [m for m in motions if str(m.pk) in form.cleaned_data["motions"]]
        with once_only(request):
            meeting = services.do_create_meeting(
                request.user,
                body,
                title=form.cleaned_data["title"],
                starts_at=form.cleaned_data["starts_at"],
                motions=chosen,
            )
        return redirect("meeting", federation.slug, meeting.pk)
    services.require_officer(request.user, body)
    return render(
        request,
        "deliberation/meeting_new.html",
        {"federation": federation, "body": body, "form": MeetingForm(motions=motions)},
    )


def _meeting_context(request: HttpRequest, federation_slug: str, meeting_id: int) -> dict[str, Any]:
    federation = access_federation(federation_slug)
    meeting = services.access_meeting(request.user, federation, meeting_id)
    items = services.agenda(meeting)
    rows = []
    for item in items:
        motion = _catch_up(request.user, item.motion)
        rows.append(
            {
                "item": item,
                "motion": motion,
                "live": services.live_count(motion) if motion.is_open else None,
            }
        )
    return {
        "federation": federation,
        "body": meeting.body,
        "meeting": meeting,
        "rows": rows,
        "is_officer": is_officer(request.user, meeting.body),
        "refresh": REFRESH_SECONDS,
        "noscript_refresh": NOSCRIPT_REFRESH_SECONDS,
        "sections": render_sections(hooks.meeting_section, request, meeting),
        "addable": list(
            services.motions_of(meeting.body)
            .filter(status__in=services.UNDECIDED)
            .exclude(agenda_items__meeting=meeting)
        ),
    }


def meeting_page(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    return render(
        request, "deliberation/meeting.html", _meeting_context(request, federation_slug, meeting_id)
    )


def meeting_live(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    return render(
        request, "deliberation/_agenda.html", _meeting_context(request, federation_slug, meeting_id)
    )


@login_required
@require_POST
def meeting_action(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    meeting = services.access_meeting(request.user, federation, meeting_id)
    with once_only(request):
        if "motion" in request.POST:
            motion_id = request.POST["motion"].strip()
            if not motion_id.isdecimal():
                # A forged form: say what is wrong, never log or echo what was sent.
                raise InvalidInput(_("Choose a motion from the list."))
            motion = services.access_motion(request.user, federation, int(motion_id))
            services.do_add_agenda_item(request.user, meeting, motion)
        else:
            services.do_set_meeting_status(request.user, meeting, request.POST.get("status", ""))
    return redirect("meeting", federation.slug, meeting.pk)


# ---------------------------------------------------------------- referendums


def _referendum_context(request: HttpRequest, referendum: Referendum) -> dict[str, Any]:
    under = request.GET.get("under") or referendum.council.slug
    tree = referendum.scope.get("tree", {})
    if under not in tree and under != referendum.council.slug:
        under = referendum.council.slug
    child_slugs = tree.get(under, [])
    names = dict(
        Body.objects.filter(
            federation=referendum.federation, slug__in=[*child_slugs, under]
        ).values_list("slug", "name")
    )
    closed = referendum.status == Referendum.Status.CLOSED
    # While the vote is open: turnout only, never choices.
    result_rows = referendum.result["rows"] if closed else services.live_turnout_rows(referendum)  # type: ignore[index]  # a closed referendum has its result
    rows = []
    empty = 0
    for slug in child_slugs:
        row = result_rows.get(slug) or {"electorate": 0, "voted": 0, "tally": None}
        if not row["electorate"]:
            empty += 1  # no member under it: counted, not listed
            continue
        rows.append(
            {"slug": slug, "name": names.get(slug, slug), "row": row, "has_children": slug in tree}
        )
    top = result_rows.get(under) or {"electorate": 0, "voted": 0, "tally": None}
    return {
        "federation": referendum.federation,
        "referendum": referendum,
        "motion": referendum.motion,
        "council": referendum.council,
        "closed": closed,
        "under": under,
        "under_name": names.get(under, under),
        "top": top,
        "rows": rows,
        "empty": empty,
        "bodies": services.referendum_bodies_of(request.user, referendum) if not closed else [],
        "has_voted": services.has_voted_in_referendum(request.user, referendum),
        "is_officer": is_officer(request.user, referendum.council),
        "refresh": REFRESH_SECONDS * 2,
        "noscript_refresh": NOSCRIPT_REFRESH_SECONDS,
        "result": referendum.result if closed else None,
    }


def _referendum(user: User, federation_slug: str, referendum_id: int) -> Referendum:
    federation = access_federation(federation_slug)
    referendum = services.access_referendum(user, federation, referendum_id)
    if referendum.status == Referendum.Status.VOTING and referendum.closes_at <= timezone.now():
        services.close_due_referendums(timezone.now())
        referendum = services.access_referendum(user, federation, referendum_id)
    return referendum


def referendum_page(request: HttpRequest, federation_slug: str, referendum_id: int) -> HttpResponse:
    referendum = _referendum(request.user, federation_slug, referendum_id)
    context = _referendum_context(request, referendum)
    if referendum.status == Referendum.Status.VOTING:
        # A shared link says what is asked, by whom, until when: public facts only.
        context["share"] = {
            "title": _("Referendum: %(title)s") % {"title": referendum.motion.title},
            "text": _("Referendum of %(council)s: “%(title)s”. Vote until %(when)s.")
            % {
                "council": referendum.council.name,
                "title": referendum.motion.title,
                "when": _when(referendum.closes_at),
            },
        }
    return render(request, "deliberation/referendum.html", context)


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def referendum_live(request: HttpRequest, federation_slug: str, referendum_id: int) -> HttpResponse:
    referendum = _referendum(request.user, federation_slug, referendum_id)
    response = render(
        request, "deliberation/_referendum_table.html", _referendum_context(request, referendum)
    )
    if referendum.status == Referendum.Status.CLOSED and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def referendum_vote(request: HttpRequest, federation_slug: str, referendum_id: int) -> HttpResponse:
    referendum = _referendum(request.user, federation_slug, referendum_id)
    body = None
    if request.POST.get("body"):
        body = access_body(referendum.federation, request.POST["body"])
    try:
        with once_only(request):
            receipt = services.do_cast_referendum_ballot(
                request.user,
                referendum,
                request.POST.get("choice", ""),
                body=body,
                ballot_code=request.POST.get("ballot_code", "").strip() or None,
                form_token=posted_token(request),
            )
    except FormAlreadySent as sent:
        # Sent again after a lost answer: the same receipt, if this form cast a ballot.
        code = request.POST.get("ballot_code", "").strip() or None
        receipt = receipt_of_resent_form(
            sent,
            lambda token: services.referendum_cast_from_form(request.user, referendum, token, code),
        )
    return _receipt(
        request,
        receipt,
        referendum.motion.title,
        reverse("referendum", args=[referendum.federation.slug, referendum.pk]),
    )


def _receipt(
    request: HttpRequest, receipt: services.CastReceipt, title: str, url: str
) -> HttpResponse:
    """The receipt of a secret ballot: the ballot code, once, and the tracker."""
    return render(
        request,
        "ballots/receipt.html",
        {"receipt": receipt, "vote_title": title, "vote_url": url, "back_label": _("Back")},
    )


@login_required
@require_POST
def referendum_close(
    request: HttpRequest, federation_slug: str, referendum_id: int
) -> HttpResponse:
    referendum = _referendum(request.user, federation_slug, referendum_id)
    with once_only(request):
        services.do_close_referendum(request.user, referendum)
    return redirect("referendum", referendum.federation.slug, referendum.pk)


# ---------------------------------------------------------------- calls to action


@login_required
@require_POST
def call_issue(
    request: HttpRequest, federation_slug: str, body_slug: str, number: int
) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    resolution = services.access_resolution(request.user, body, number)
    form = _call_form(body, request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    regions = list(
        Body.objects.filter(federation=federation, slug__in=form.cleaned_data["regions"])
    )
    sectors = list(
        Sector.objects.filter(federation=federation, key__in=form.cleaned_data["sectors"])
    )
    with once_only(request):
        call = services.do_issue_call(
            request.user,
            resolution,
            title=form.cleaned_data["title"],
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            regions=regions,
            sectors=sectors,
        )
    return redirect("call", federation.slug, call.pk)


STATUS_COLORS = {
    "joined": "#1a7f37",
    "partly": "#d4a72c",
    "not": "#cf222e",
}


def _mix(share: float) -> str:
    """A colour from red (nobody joined) through amber to green (all joined)."""
    low, mid, high = (207, 34, 46), (212, 167, 44), (26, 127, 55)
    if share < 0.5:
        a, b, t = low, mid, share / 0.5
    else:
        a, b, t = mid, high, (share - 0.5) / 0.5
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def call_map(call: Any, by_region: list[services.RegionUptake]) -> str:
    """The SVG map of the uptake per region, when the regions carry Peru's codes."""
    shapes = regions_map.peru_map()
    fills = {}
    for item in by_region:
        code = item.region.code
        if code not in shapes.regions:
            continue
        if item.reported:
            color = _mix(item.share_joined)
            label = f"{round(item.share_joined * 100)}%"
        else:
            color, label = "#c8c8c8", ""
        title = _(
            "%(region)s: %(joined)d joined, %(partly)d partly, %(not)d not, of %(n)d bodies; "
            "%(people)d people"
        ) % {
            "region": item.region.name,
            "joined": item.joined,
            "partly": item.partly,
            "not": item.not_joined,
            "n": item.bodies,
            "people": item.people,
        }
        fills[code] = regions_map.RegionFill(
            color, title, reverse("body", args=[call.federation.slug, item.region.slug]), label
        )
    if not fills:
        return ""
    return regions_map.render_svg(shapes, fills, title=_("Uptake of the call by region"))


def call_page(request: HttpRequest, federation_slug: str, call_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    call = services.access_call(request.user, federation, call_id)
    uptakes = list(
        call.uptakes.select_related("body__level", "body__sector").order_by(
            "body__level__rank", "body__name"
        )
    )
    by_region = services.uptake_by_region(call)
    reported = [u for u in uptakes if u.status]
    return render(
        request,
        "deliberation/call.html",
        {
            "federation": federation,
            "call": call,
            "uptakes": uptakes,
            "by_region": by_region,
            "map": call_map(call, by_region),
            "acknowledged": sum(1 for u in uptakes if u.acknowledged_at),
            "reported": len(reported),
            "joined": sum(1 for u in reported if u.status == Uptake.Status.JOINED),
            "people": sum(u.number or 0 for u in reported),
            "regions": list(call.regions.all()),
            "sectors": list(call.sectors.all()),
            # A shared link says what is called, by whom, when: public facts only.
            "share": {
                "title": call.title,
                "text": _(
                    "Call to action from %(council)s: “%(title)s”, from %(start)s to %(end)s."
                )
                % {
                    "council": call.council.name,
                    "title": call.title,
                    "start": _when(call.starts_at),
                    "end": _when(call.ends_at),
                },
            },
        },
    )


def body_calls(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    return render(
        request,
        "deliberation/body_calls.html",
        {
            "federation": federation,
            "body": body,
            "uptakes": list(services.calls_for(body)),
            "is_officer": is_officer(request.user, body),
            "form": UptakeForm(),
        },
    )


@login_required
@require_POST
def call_report(
    request: HttpRequest, federation_slug: str, body_slug: str, call_id: int
) -> HttpResponse:
    federation, body = _body(federation_slug, body_slug)
    call = services.access_call(request.user, federation, call_id)
    with once_only(request):
        if request.POST.get("acknowledge"):
            services.do_acknowledge_call(request.user, call, body)
            messages.success(
                request,
                _("Acknowledged: the council sees that %(b)s has the call.") % {"b": body.name},
            )
        else:
            form = UptakeForm(request.POST)
            if not form.is_valid():
                raise _form_problem(form)
            services.do_report_uptake(
                request.user,
                call,
                body,
                status=form.cleaned_data["status"],
                number=form.cleaned_data["number"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Reported. Thank you."))
    return redirect("body_calls", federation.slug, body.slug)
