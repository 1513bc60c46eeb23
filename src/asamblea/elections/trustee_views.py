"""The trustees' pages of an election (trustees mode, docs/elections.md):

- the officers' page: who the trustees are, who has done which step, choosing them;
- "Ceremonia de la clave" and "Abrir la votación", the trustee's own pages, whose
  cryptography runs in the browser (ballots/trustee.js, driven by
  elections/trustee.js), with the JSON endpoints they fetch. Those answer only the
  trustee themself (403 for anyone else), check the CSRF token, and change the
  state in one transaction each (`services.trustees`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from asamblea.ballots.models import BallotKey, Trustee
from asamblea.elections.models import Election
from asamblea.elections.services import trustees as ts
from asamblea.elections.views import _election
from asamblea.errors import AsambleaError, InvalidInput
from asamblea.federation import services as federation_services
from asamblea.web.errors import status_for

# A posted step is a few kilobytes (a dealing of 9 trustees); a decryption ~200 bytes a ciphertext.
MAX_BODY = 4_000_000


def _steps(key: BallotKey) -> list[dict[str, Any]]:
    return [
        {
            "index": t.index,
            "name": t.user.get_username(),
            "device": bool(t.device_public),
            "dealt": t.dealing is not None,
            "checked": t.checked,
            "decrypted": t.factor_share is not None,
        }
        for t in Trustee.objects.filter(key=key).select_related("user").order_by("index")
    ]


def why_server_mode(election: Election) -> str:
    officers = len(ts.possible_trustees(election.constituency))
    if officers < ts.MIN_TRUSTEES:
        return _(
            "This election's key is held by the server until the count: the assembly has "
            "%(n)s officers with a login, and trustees need at least %(min)s."
        ) % {"n": officers, "min": ts.MIN_TRUSTEES}
    return _("This election's key is held by the server until the count.")


@never_cache
@login_required
def trustees_page(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """The officers' page: the trustees, their steps, and choosing them before the vote."""
    federation, election = _election(request.user, federation_slug, election_id)
    federation_services.require_officer(request.user, election.constituency)
    key = ts.election_trustee_key(election)
    if request.method == "POST":
        action = request.POST.get("action", "set")
        if action == "server":
            ts.do_use_server_key(request.user, election)
            messages.success(request, _("The server will hold this election's key."))
        elif action == "teller":
            raw = request.POST.get("teller", "").strip()
            if raw and not raw.isdigit():
                raise InvalidInput(_("Choose the teller from the list."))
            ts.do_set_teller(request.user, election, int(raw) if raw else None)
            messages.success(request, _("The teller is saved."))
        elif action == "restart":
            ts.do_restart_ceremony(request.user, election)
            messages.success(request, _("The key ceremony starts again."))
        else:
            try:
                ids = [int(v) for v in request.POST.getlist("trustee")]
                raw = request.POST.get("threshold", "").strip()
                threshold = int(raw) if raw else None
            except ValueError:
                raise InvalidInput(_("Choose the trustees and how many open the box.")) from None
            ts.do_set_trustees(request.user, election, ids, threshold)
            messages.success(request, _("The trustees are named: they can start the ceremony."))
        return redirect(
            "election_trustees", federation_slug=federation.slug, election_id=election.pk
        )
    possible = ts.possible_trustees(election.constituency)
    chosen = {t.user_id for t in Trustee.objects.filter(key=key)} if key is not None else set()
    return render(
        request,
        "elections/trustees.html",
        {
            "federation": federation,
            "body": election.constituency,
            "election": election,
            "key": key,
            "steps": _steps(key) if key is not None else [],
            "possible": [(u.pk, u.get_username(), u.pk in chosen) for u in possible],
            "default_n": min(len(possible), ts.DEFAULT_TRUSTEES),
            "can_change": election.status in ts.SETUP_STATUSES,
            "why_server": why_server_mode(election) if key is None else "",
            "progress": ts.tally_progress(election),
            "teller": key.teller.get_username() if key is not None and key.teller else "",
            "possible_tellers": [
                (u.pk, u.get_username()) for u in ts.possible_tellers(election.constituency)
            ]
            if key is not None
            else [],
        },
    )


def _page(
    request: HttpRequest, federation_slug: str, election_id: int, template: str
) -> HttpResponse:
    federation, election = _election(request.user, federation_slug, election_id)
    key, trustee = ts.trustee_view(request.user, election)
    return render(
        request,
        template,
        {
            "federation": federation,
            "body": election.constituency,
            "election": election,
            "key": key,
            "trustee": trustee,
            "progress": ts.tally_progress(election),
            "text": _script_text(),
        },
    )


@never_cache
@login_required
def ceremony(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """Ceremonia de la clave: the trustee's device key, dealing and check."""
    return _page(request, federation_slug, election_id, "elections/ceremony.html")


@never_cache
@login_required
def decrypt(request: HttpRequest, federation_slug: str, election_id: int) -> HttpResponse:
    """Abrir la votación: the trustee's decryption after the close."""
    return _page(request, federation_slug, election_id, "elections/decrypt.html")


def _script_text() -> dict[str, str]:
    """What elections/trustee.js says, in the reader's language."""
    return {
        "waiting_devices": _("Waiting for the other trustees to register their phones."),
        "dealing": _("Your phone is making its part of the key…"),
        "waiting_dealings": _("Waiting for the other trustees' phones to make their part."),
        "check_ready": _("Every trustee has dealt. Choose a passphrase to keep your share."),
        "passphrase_short": _("The passphrase must have at least 8 characters."),
        "passphrase_differ": _("The two passphrases are not the same."),
        "complained": _(
            "A trustee's part did not check on your phone. The officers have been told: "
            "they will restart the ceremony."
        ),
        "done": _("Your part of the ceremony is done."),
        "ready": _("The key is ready: the vote can open."),
        "lost_device": _(
            "This browser does not have your phone's key for this ceremony. Use the phone "
            "you started on, or ask an officer to restart the ceremony."
        ),
        "no_share": _("This browser does not keep your share: type your recovery code instead."),
        "wrong_passphrase": _("Wrong passphrase, or no share kept in this browser."),
        "wrong_code": _("The recovery code has a mistake. Check it and type it again."),
        "not_yours": _("This share is not yours for this vote."),
        "decrypting": _("Your phone is opening its part of the box…"),
        "decrypted": _("Thank you: your part is in."),
        "failed": _("Something went wrong. Reload the page and try again."),
    }


def _json_errors(view: Callable[..., Any]) -> Callable[..., JsonResponse]:
    def wrapped(request: HttpRequest, federation_slug: str, election_id: int) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Log in first.")}, status=403)
        try:
            return JsonResponse(view(request, federation_slug, election_id))
        except AsambleaError as error:
            return JsonResponse({"error": str(error)}, status=status_for(error))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _posted(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BODY:
        raise InvalidInput(_("What your phone sent is too large."))
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        raise InvalidInput(_("What your phone sent could not be read. Reload the page.")) from None


@never_cache
@require_GET
@_json_errors
def ceremony_state(request: HttpRequest, federation_slug: str, election_id: int) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    return ts.ceremony_state(request.user, election)


@require_POST
@_json_errors
def ceremony_device(request: HttpRequest, federation_slug: str, election_id: int) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    posted = _posted(request)
    ts.do_trustee_device(
        request.user, election, posted.get("public") if isinstance(posted, dict) else None
    )
    return ts.ceremony_state(request.user, election)


@require_POST
@_json_errors
def ceremony_deal(request: HttpRequest, federation_slug: str, election_id: int) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    ts.do_trustee_deal(request.user, election, _posted(request))
    return ts.ceremony_state(request.user, election)


@require_POST
@_json_errors
def ceremony_check(request: HttpRequest, federation_slug: str, election_id: int) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    ts.do_trustee_check(request.user, election, _posted(request))
    return ts.ceremony_state(request.user, election)


@never_cache
@require_GET
@_json_errors
def decrypt_ciphertexts(
    request: HttpRequest, federation_slug: str, election_id: int
) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    state = ts.ceremony_state(request.user, election)
    return {
        "context": state["context"],
        "index": state["index"],
        "verification_key": state["verification_key"],
        "ciphertexts": ts.ciphertexts_for(request.user, election),
        "progress": ts.tally_progress(election),
    }


@require_POST
@_json_errors
def decrypt_share(request: HttpRequest, federation_slug: str, election_id: int) -> dict[str, Any]:
    _federation, election = _election(request.user, federation_slug, election_id)
    election = ts.do_trustee_decrypt(request.user, election, _posted(request))
    return {"status": election.status, "progress": ts.tally_progress(election)}
