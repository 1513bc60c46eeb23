"""Election pages: open, stand, vote on a phone, follow turnout, read the result.

Thin views: parse → access → do → render. Every rule is in `services`.
Every form works without JavaScript; the ballot page adds tap-to-rank on top.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from asamblea.ballots.box import receipt_of_resent_form
from asamblea.ballots.models import BallotKey
from asamblea.ballots.trustees import trustee_of
from asamblea.elections import services
from asamblea.elections.ballots import RANKED_METHODS, YES_NO, BallotProblem, ranking_from_ranks
from asamblea.elections.forms import CancelForm, OpenElectionForm, StandForm
from asamblea.elections.models import Ballot, Candidacy, Election, RollEntry, Seat
from asamblea.elections.scheduler import catch_up
from asamblea.elections.sentences import cancel_reason_said
from asamblea.elections.services.sealed import election_key
from asamblea.elections.services.trustees import election_trustee_key, tally_progress
from asamblea.errors import AlreadyVoted, FormAlreadySent, InvalidInput, NotFound, WrongBallotCode
from asamblea.federation import services as federation_services
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Federation, Person
from asamblea.record.models import Entry
from asamblea.web.l10n import decimal_text
from asamblea.web.once import once_only, posted_token


def _election(user: User, federation_slug: str, election_id: int) -> tuple[Federation, Election]:
    # A late or missed tick never shows a stale state: take what is due now.
    election = catch_up(services.access_election_by_slug(user, federation_slug, election_id))
    return election.federation, election


def election_list(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    elections = [(e, services.election_title(e)) for e in services.elections_of(body)[:200]]
    return render(
        request,
        "elections/list.html",
        {
            "federation": federation,
            "body": body,
            "elections": elections,
            "is_officer": federation_services.is_officer(request.user, body),
        },
    )


@login_required
def election_new(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    federation = federation_services.access_federation(federation_slug)
    body = federation_services.access_body(federation, body_slug)
    federation_services.require_officer(request.user, body)
    form = OpenElectionForm(request.POST or None, body=body)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with once_only(request):
            election = services.do_open_election(
                request.user,
                body,
                seats=data["seats"],
                method=data["method"] or None,
                parity=data["parity"],
                nominations_close_at=data["nominations_close_at"],
                voting_opens_at=data["voting_opens_at"],
                voting_closes_at=data["voting_closes_at"],
                **form.targets(),
            )
        messages.success(request, _("The election is open for nominations."))
        return redirect("election", federation_slug=federation.slug, election_id=election.pk)
    return render(
        request,
        "elections/new.html",
        {"federation": federation, "body": body, "form": form},
        status=400 if form.is_bound else 200,
    )


def _stage_sentence(stage: dict[str, Any], method: str) -> str:
    """What a stage did, in the reader's language (the published count keeps the
    counting engine's English sentence as `action`)."""
    names = ", ".join(stage.get("subject") or [])
    kind = stage.get("kind")
    if kind == "first":
        sentence = (
            _("Votes counted") if method in {"plurality", "approval"} else _("First preferences")
        )
    elif kind == "surplus" and names:
        sentence = _("Surplus of %(names)s transferred") % {"names": names}
    elif kind == "exclusion" and names:
        sentence = _("Exclusion of %(names)s") % {"names": names}
    elif kind == "final" and stage.get("elected"):
        sentence = _("No more candidates than seats left")
    else:
        return str(stage.get("action", ""))
    if stage.get("elected"):
        sentence += "; " + _("elected: %(names)s") % {"names": ", ".join(stage["elected"])}
    return sentence


def _result_table(count: dict[str, Any]) -> dict[str, Any]:
    """The stage table for the page: one row per candidate, one column per stage."""
    method = str(count.get("method", ""))
    stages = [
        {**stage, "sentence": _stage_sentence(stage, method)} for stage in count.get("stages") or []
    ]
    rows = [
        {
            "name": name,
            "cells": [decimal_text(stage["votes"].get(name)) for stage in stages],
            "elected": any(item["name"] == name for item in count.get("elected", [])),
        }
        for name in count.get("candidates", [])
    ]
    return {
        "stages": stages,
        "rows": rows,
        "non_transferable": [decimal_text(stage.get("non_transferable")) for stage in stages],
        "rounding_loss": [decimal_text(stage.get("rounding_loss")) for stage in stages],
    }


def election_page(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    body = election.constituency
    user = request.user
    person = services.person_of(user, federation)
    officer = federation_services.is_officer(user, body)
    eligible = person is not None and services.is_eligible(person, body)
    mine = (
        Candidacy.objects.filter(election=election, person=person).first()
        if person is not None
        else None
    )
    on_roll = (
        person is not None and RollEntry.objects.filter(election=election, person=person).exists()
    )
    count = (election.result or {}).get("count") or {}
    context = {
        "federation": federation,
        "body": body,
        "election": election,
        "title": services.election_title(election),
        "standing": services.standing(election),
        "pending": list(
            election.candidacies.filter(status=Candidacy.Status.NOMINATED).order_by("public_name")
        )
        if officer
        else [],
        "mine": mine,
        "is_officer": officer,
        "eligible": eligible,
        "on_roll": on_roll,
        "has_voted": services.has_voted(user, election),
        "turnout": services.turnout(election),
        "stand_form": StandForm(),
        "cancel_form": CancelForm(),
        "nominees": _nominees(body)
        if (officer or eligible) and election.status == Election.Status.NOMINATIONS
        else [],
        "count": count,
        "cancel_reason": cancel_reason_said(election.cancel_reason),
        "quota": decimal_text(count.get("quota")),
        "valid_votes": decimal_text(count.get("valid_votes")),
        "elected": [item["name"] for item in count.get("elected", [])],
        "table": _result_table(count)
        if (election.result or {}).get("breakdown_published")
        else None,
        "share": _share(election, body, services.election_title(election)),
        **_trustee_context(user, election, officer),
    }
    return render(request, "elections/election.html", context)


def _mixed_by(election: Election) -> str | None:
    """Trustees mode: "teller" if a teller mixes after the server, "server" if no one does.

    The key as the ballot page already read it (`election_key` keeps it on the instance),
    so the receipt costs no query of its own."""
    key = election_key(election)
    if key is None or key.mode != BallotKey.Mode.TRUSTEES:
        return None
    return "teller" if key.teller_id is not None else "server"


def _trustee_context(user: User, election: Election, officer: bool) -> dict[str, Any]:
    """Trustees mode: the progress of the decryption, and the links of a trustee."""
    key = election_trustee_key(election)
    return {
        "trustee_key": key,
        "my_trustee": trustee_of(key, user) if key is not None else None,
        "tally": tally_progress(election) if key is not None else None,
        "officer_sees_trustees": officer,
    }


def _share(election: Election, body: Body, title: str) -> dict[str, str] | None:
    """What a shared link of an election under way says: public facts only (what it
    fills, where, until when), never a candidate's or a voter's name."""
    texts = {
        Election.Status.NOMINATIONS: (
            _("Nominations are open until %(when)s: %(title)s, %(body)s."),
            election.nominations_close_at,
        ),
        Election.Status.READY: (
            _("The vote opens on %(when)s: %(title)s, %(body)s."),
            election.voting_opens_at,
        ),
        Election.Status.VOTING: (
            _("Vote until %(when)s: %(title)s, %(body)s."),
            election.voting_closes_at,
        ),
    }
    if election.status not in texts:
        return None
    text, when = texts[Election.Status(election.status)]
    return {
        "title": f"{title} · {body.name}",
        "text": text
        % {
            "when": date_format(timezone.localtime(when), "DATETIME_FORMAT"),
            "title": title,
            "body": body.name,
        },
    }


def turnout(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """The live turnout line (htmx polls it while the vote is open)."""
    _federation, election = _election(request.user, federation_slug, election_id)
    return render(
        request,
        "elections/_turnout.html",
        {"election": election, "turnout": services.turnout(election), "federation": _federation},
    )


@login_required
@require_POST
def stand(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    form = StandForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Check the name and the group you stand in."))
    with once_only(request):
        services.do_stand(
            request.user,
            election,
            public_name=form.cleaned_data["public_name"],
            group=form.cleaned_data["group"],
        )
    messages.success(request, _("You stand in this election."))
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


@login_required
@require_POST
def nominate(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    with once_only(request):
        try:
            person = services.eligible_people(election.constituency).get(
                pk=int(request.POST.get("person", "0"))
            )
        except (ValueError, Person.DoesNotExist):
            raise InvalidInput(_("Choose who to nominate from the list.")) from None
        services.do_nominate(request.user, election, person)
    messages.success(request, _("Nominated: the person can now accept on this page."))
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


def _candidacy(election: Election, candidacy_id: int) -> Candidacy:
    try:
        return election.candidacies.get(pk=candidacy_id)
    except Candidacy.DoesNotExist:
        raise NotFound(_("That candidacy is not in this election.")) from None


@login_required
@require_POST
def candidacy_action(
    request: HttpRequest, federation_slug: str, election_id: int, candidacy_id: int, action: str
) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    candidacy = _candidacy(election, candidacy_id)
    with once_only(request):
        if action == "accept":
            services.do_accept_nomination(request.user, candidacy)
            messages.success(request, _("You accepted: you stand in this election."))
        else:
            services.do_withdraw(request.user, candidacy)
            messages.success(request, _("The candidacy is withdrawn."))
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


@login_required
@require_POST
def close_nominations(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    with once_only(request):
        election = services.do_close_nominations(request.user, election)
    messages.success(
        request,
        _("Voting is open.")
        if election.status == Election.Status.VOTING
        else _("Nominations are closed; the vote opens on time."),
    )
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Give a reason: it is published with the cancellation."))
    with once_only(request):
        services.do_cancel_election(request.user, election, form.cleaned_data["reason"])
    messages.success(request, _("The election is cancelled."))
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


@login_required
@require_POST
def close_now(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """An officer closes and counts the vote once everyone on the roll has voted."""
    federation, election = _election(request.user, federation_slug, election_id)
    with once_only(request):
        services.do_close_election_when_all_voted(request.user, election)
    messages.success(request, _("Everyone on the roll has voted: the vote is closed and counted."))
    return redirect("election", federation_slug=federation.slug, election_id=election.pk)


def _choices_from_post(election: Election, request: HttpRequest) -> list[Any]:
    """The ballot as the service takes it, from the posted form (no JavaScript needed)."""
    if election.method == YES_NO:
        return [request.POST.get("choice", "")]
    if election.method in RANKED_METHODS:
        ranks = {
            int(key.removeprefix("rank-")): value
            for key, value in request.POST.dict().items()
            if key.startswith("rank-") and key.removeprefix("rank-").isdigit()
        }
        try:
            return list(ranking_from_ranks(ranks))
        except BallotProblem as problem:
            raise InvalidInput(str(problem)) from None
    return list(request.POST.getlist("choice"))


@never_cache
@login_required
def ballot(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """The ballot paper; posting it casts (or, with the ballot code, replaces) the ballot."""
    federation, election = _election(request.user, federation_slug, election_id)
    candidates = services.standing(election)
    context: dict[str, Any] = {
        "federation": federation,
        "body": election.constituency,
        "election": election,
        "title": services.election_title(election),
        "candidates": candidates,
        "ranked": election.method in RANKED_METHODS,
        "yes_no": election.method == YES_NO,
        "rank_numbers": range(1, len(candidates) + 1),
        "rows": [(c, "") for c in candidates],
        "posted_choice": "",
        **_seal_attributes(election, candidates),
    }
    if request.method != "POST":
        context["has_voted"] = services.has_voted(request.user, election)
        return render(request, "elections/ballot.html", context)
    # What was filled in, to show it again if something must be corrected.
    marked = set(request.POST.getlist("choice"))
    context["posted_choice"] = request.POST.get("choice", "")
    context["rows"] = [
        (c, request.POST.get(f"rank-{c.pk}", "") or ("x" if str(c.pk) in marked else ""))
        for c in candidates
    ]
    try:
        # The form's token is spent with the cast, or not at all if the cast is refused.
        with once_only(request):
            choices = _choices_from_post(election, request)
            receipt = services.do_cast_ballot(
                request.user,
                election,
                choices,
                ballot_code=request.POST.get("code", "").strip() or None,
                form_token=posted_token(request),
                sealed=request.POST.get("sealed", ""),
            )
    except FormAlreadySent as sent:
        # Sent again after a lost answer: the same receipt, if this form cast a ballot.
        code = request.POST.get("code", "").strip() or None
        receipt = receipt_of_resent_form(
            sent, lambda token: services.cast_from_form(request.user, election, token, code)
        )
        choices = []
    except (InvalidInput, AlreadyVoted, WrongBallotCode) as problem:
        # Same page, what they filled kept, the problem said plainly (docs/elections.md).
        context["problem"] = str(problem)
        context["has_voted"] = services.has_voted(request.user, election)
        status = 409 if isinstance(problem, AlreadyVoted) else 400
        status = 403 if isinstance(problem, WrongBallotCode) else status
        return render(request, "elections/ballot.html", context, status=status)
    names: dict[Any, str] = {c.pk: c.public_name for c in candidates}
    if context["yes_no"]:  # the choice as the ballot worded it, not the stored "yes"/"no"
        names = {"yes": _("Yes, recall"), "no": _("No, keep")}
    return render(
        request,
        "ballots/receipt.html",
        {
            "receipt": receipt,
            "vote_title": context["title"],
            "vote_url": reverse("election", args=[federation.slug, election.pk]),
            "back_label": _("Back to the election"),
            "tracker_url": reverse("election_tracker", args=[federation.slug, election.pk]),
            "chosen": [names.get(c, str(c)) for c in choices],
            "sealed": "seal" in context,
            # Sealed in the browser: the server never saw what it says, so cannot repeat it.
            "sealed_in_browser": bool(request.POST.get("sealed")) and not choices,
            "mixed_by": _mixed_by(election),
        },
    )


def _seal_attributes(election: Election, candidates: list[Candidacy]) -> dict[str, Any]:
    """What the ballot page's script needs to seal the ballot in the browser (seal.js):
    the vote's public key, its context, its codec, and the choice behind each index."""
    key = election_key(election)
    if key is None:
        return {}
    if election.method == YES_NO:
        order: list[Any] = ["yes", "no"]
    else:
        order = [str(c.pk) for c in candidates]
    return {
        "seal": {
            "key": key.public["public"],
            "context": key.context,
            "codec": json.dumps(key.codec, sort_keys=True),
            "choices": json.dumps(order),
        }
    }


def tracker(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """Look a tracker up: is this ballot in the election, and where is it on the record?"""
    federation, election = _election(request.user, federation_slug, election_id)
    value = request.GET.get("tracker", "").strip().lower()
    found = value and Ballot.objects.filter(election=election, tracker=value).exists()
    entry = None
    if value and election.status == Election.Status.CLOSED:
        entry = (
            Entry.objects.filter(federation=federation, type="ballot.tracker", tracker=value)
            .only("index", "leaf_hash")
            .first()
        )
    return render(
        request,
        "elections/tracker.html",
        {
            "federation": federation,
            "body": election.constituency,
            "election": election,
            "title": services.election_title(election),
            "value": value,
            "found": found,
            "entry": entry,
        },
    )


NOMINEES_SHOWN = 500


def _nominees(body: Body) -> list[tuple[int, str]]:
    """(person id, name) of those who may be nominated, in name order. In a council they
    are named as their seats are published, never by their registered names; in a base
    assembly by the name they gave it (its verified members see that list anyway)."""
    people = list(services.eligible_people(body))
    if body.kind == Body.Kind.COUNCIL:
        seat_names = dict(
            Seat.objects.filter(
                status=Seat.Status.HELD, delegation__council=body, holder__in=people
            ).values_list("holder_id", "public_name")
        )
        rows = [(person.pk, seat_names.get(person.pk) or "") for person in people]
    else:
        rows = [(person.pk, person.full_name) for person in people]
    # Names are encrypted at rest, so the database cannot sort them.
    rows.sort(key=lambda row: federation_services.name_order(row[1]))
    return rows[:NOMINEES_SHOWN]
