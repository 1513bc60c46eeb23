"""Pages of the public record: the signing key, a federation's log, a body's entries,
one entry with its inclusion proof, finding an entry by its hash or ballot tracker,
and the export download. Public, and free of personal data (entries hold none).

Thin: parse → access → render. The body section (recent entries on a body's
page) is registered with asamblea.hooks.body_section when the app is ready.

They live in the federation app, not in record: they look up federations and
assemblies, and the record sits below the federation (it imports no app; see
docs/architecture.md). The templates stay in record/templates/record/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, gettext_lazy

from asamblea import hooks
from asamblea.errors import InvalidInput
from asamblea.federation.models import Body, Federation
from asamblea.federation.sentences import body_names
from asamblea.federation.services import access_body, access_federation
from asamblea.record import sentences, services
from asamblea.record.canonical import REQUIRED_ENTRY_FIELDS
from asamblea.record.models import Entry

PAGE_SIZE = 25
BODY_SECTION_SIZE = 5

# The heading of an entry's own page (lists show its sentence, see sentences.py);
# other types show their code.
TYPE_LABELS = {
    "federation.created": gettext_lazy("Federation created"),
    "body.created": gettext_lazy("Assembly created"),
    "body.verified_members": gettext_lazy("Verified members counted"),
    "delegation.seats": gettext_lazy("Seats apportioned"),
    "election.opened": gettext_lazy("Election opened"),
    "election.voting_opened": gettext_lazy("Voting opened"),
    "election.closed": gettext_lazy("Election closed"),
    "election.counted": gettext_lazy("Votes counted"),
    "ballot.tracker": gettext_lazy("Ballot tracker"),
    "seat.filled": gettext_lazy("Seat filled"),
    "seat.ended": gettext_lazy("Seat vacated"),
    "recall.result": gettext_lazy("Recall result"),
    "motion.tabled": gettext_lazy("Motion tabled"),
    "motion.vote_opened": gettext_lazy("Vote on a motion opened"),
    "motion.counted": gettext_lazy("Motion decided"),
    "motion.withdrawn": gettext_lazy("Motion withdrawn"),
    "motion.lapsed": gettext_lazy("Motion lapsed"),
    "call.acknowledged": gettext_lazy("Call to action acknowledged"),
    "election.nominations_closed": gettext_lazy("Nominations closed"),
    "election.cancelled": gettext_lazy("Election cancelled"),
    "delegation.filled": gettext_lazy("Delegation elected"),
    "seat.vacated": gettext_lazy("Seat vacated"),
    "seat.refill": gettext_lazy("Seat to be filled again"),
    "recall.settings": gettext_lazy("Recall rules changed"),
    "recall.petition_opened": gettext_lazy("Recall petition opened"),
    "recall.threshold_reached": gettext_lazy("Recall petition reached its threshold"),
    "recall.petition_expired": gettext_lazy("Recall petition expired"),
    "recall.petition_moot": gettext_lazy("Recall petition ended"),
    "motion.proposed": gettext_lazy("Motion proposed"),
    "motion.trackers": gettext_lazy("Ballot trackers of a vote"),
    "motion.amended": gettext_lazy("Motion amended"),
    "meeting.called": gettext_lazy("Meeting called"),
    "referendum.opened": gettext_lazy("Referendum opened"),
    "referendum.trackers": gettext_lazy("Ballot trackers of a referendum"),
    "referendum.counted": gettext_lazy("Referendum counted"),
    "resolution.adopted": gettext_lazy("Resolution adopted"),
    "call.issued": gettext_lazy("Call to action issued"),
    "call.uptake": gettext_lazy("Uptake of a call to action reported"),
}


@dataclass(frozen=True)
class EntryView:
    """An entry as a page shows it: its sentence (None if it has none, see sentences.py),
    its label, its time and its public facts as recorded."""

    entry: Entry
    sentence: sentences.Sentence | None
    label: str
    time: str
    facts: list[tuple[str, str]]


def entry_views(federation: Federation, entries: list[Entry]) -> list[EntryView]:
    """The entries of one federation as a page shows them; one query at most for the
    names of the assemblies they mention (entries' own bodies are already loaded)."""
    objects = [services.entry_object(entry) for entry in entries]
    slugs = set().union(*(sentences.body_slugs(data) for data in objects))
    known = {e.body.slug: e.body.name for e in entries if e.body is not None}
    context = sentences.Context(federation.slug, body_names(federation, slugs, known=known))
    return [_entry_view(e, data, context) for e, data in zip(entries, objects, strict=True)]


# The facts an entry's page lists, in the reader's language; a fact not named here
# (a count's stages, a roll call, a Merkle tree) is read in "Exactly as recorded".
FACT_LABELS = {
    "amendment": gettext_lazy("Amendment"),
    "amends": gettext_lazy("Amends"),
    "body": gettext_lazy("Assembly"),
    "bodies": gettext_lazy("Assemblies"),
    "call": gettext_lazy("Call to action"),
    "casts": gettext_lazy("Votes cast"),
    "closes_at": gettext_lazy("Closes"),
    "command": gettext_lazy("Command"),
    "command_of": gettext_lazy("Command of"),
    "council": gettext_lazy("Council"),
    "delegation": gettext_lazy("Delegation"),
    "election": gettext_lazy("Election"),
    "electorate": gettext_lazy("Voter roll"),
    "ends_at": gettext_lazy("Ends"),
    "filled_by": gettext_lazy("Filled by"),
    "kind": gettext_lazy("Kind"),
    "late": gettext_lazy("Too late"),
    "level": gettext_lazy("Level"),
    "mandate_for": gettext_lazy("Mandate on"),
    "meeting": gettext_lazy("Meeting"),
    "members": gettext_lazy("Members"),
    "method": gettext_lazy("Method"),
    "min_voters": gettext_lazy("Fewest voters for a breakdown"),
    "motion": gettext_lazy("Motion"),
    "name": gettext_lazy("Name"),
    "next_seats": gettext_lazy("Seats from the next election"),
    "nominations_close_at": gettext_lazy("Nominations close"),
    "note": gettext_lazy("Note"),
    "number": gettext_lazy("Number"),
    "parity": gettext_lazy("Parity rule"),
    "previous": gettext_lazy("Before"),
    "previous_next_seats": gettext_lazy("Seats before"),
    "proposer": gettext_lazy("Proposed by"),
    "ratifies": gettext_lazy("Ratifies a resolution"),
    "referendum": gettext_lazy("Referendum"),
    "resolution": gettext_lazy("Resolution"),
    "roll": gettext_lazy("Voter roll"),
    "roll_call": gettext_lazy("Roll call"),
    "seat": gettext_lazy("Seat"),
    "seats": gettext_lazy("Seats"),
    "seats_now": gettext_lazy("Seats now"),
    "seconder": gettext_lazy("Seconded by"),
    "secret": gettext_lazy("Secret ballot"),
    "sector": gettext_lazy("Sector"),
    "source": gettext_lazy("Sending assembly"),
    "seed": gettext_lazy("Seed of the lot"),
    "seed_commitment": gettext_lazy("Commitment to the seed of the lot"),
    "starts_at": gettext_lazy("Starts"),
    "status": gettext_lazy("Status"),
    "text": gettext_lazy("Text"),
    "title": gettext_lazy("Title"),
    "tracker": gettext_lazy("Ballot tracker"),
    "verified_members": gettext_lazy("Verified members"),
    "voting_closes_at": gettext_lazy("Voting closes"),
    "voting_opens_at": gettext_lazy("Voting opens"),
}
_BODY_FACTS = {"body", "council", "source", "command", "command_of"}
_CODE_FACTS = {"tracker", "seed_commitment"}  # shown as recorded, not translated
# Words the code records (the record holds no translated text), as a page says them.
_FACT_VALUES = {
    "amendment": gettext_lazy("Amendment"),
    "approval": gettext_lazy("Approval"),
    "base": gettext_lazy("Base assembly"),
    "by-election": gettext_lazy("By-election"),
    "command": gettext_lazy("Command"),
    "council": gettext_lazy("Council"),
    "countback": gettext_lazy("Countback"),
    "delegation": gettext_lazy("Delegates to a council"),
    "dhondt": gettext_lazy("D'Hondt"),
    "election": gettext_lazy("Election"),
    "huntington-hill": gettext_lazy("Huntington-Hill"),
    "irv": gettext_lazy("Instant runoff"),
    "joined": gettext_lazy("Joined"),
    "largest-remainder": gettext_lazy("Largest remainder (Hare)"),
    "mandate": gettext_lazy("Mandate for our delegates"),
    "motion": gettext_lazy("Motion"),
    "not": gettext_lazy("Did not join"),
    "partly": gettext_lazy("Partly joined"),
    "plurality": gettext_lazy("Plurality"),
    "recall": gettext_lazy("Recall vote"),
    "sainte-lague": gettext_lazy("Sainte-Laguë"),
    "stv-meek": gettext_lazy("Single transferable vote (Meek)"),
    "stv-scottish": gettext_lazy("Single transferable vote (Scottish rules)"),
    "yes-no": gettext_lazy("Yes or no"),
}


def _fact(key: str, value: Any, context: sentences.Context) -> str | None:
    """One fact as a page shows it, or None when it is not shown (see FACT_LABELS).
    A fact the code does not know (an entry type newer than this site) shows as recorded."""
    if (
        value is None
        or isinstance(value, list)
        or (key not in FACT_LABELS and isinstance(value, dict))
    ):
        return None
    if key not in FACT_LABELS:
        return str(value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int):
        return number_format(value)
    if isinstance(value, dict):
        return sentences.place_of({key: value}, context) if key == "delegation" else None
    text = str(value)
    if key in _BODY_FACTS:
        return context.name(text)
    if key.endswith("_at"):
        moment = parse_datetime(text)
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else text
    if key in _CODE_FACTS or key not in {"kind", "method", "status", "filled_by"}:
        return text
    said = _FACT_VALUES.get(text)
    return str(said) if said else text


def _entry_view(entry: Entry, data: dict[str, Any], context: sentences.Context) -> EntryView:
    facts = []
    for key, value in sorted(data.items()):
        if key in REQUIRED_ENTRY_FIELDS:
            continue
        shown = _fact(key, value, context)
        if shown is not None:
            facts.append((str(FACT_LABELS.get(key, key)), shown))
    return EntryView(
        entry=entry,
        sentence=sentences.sentence(entry.type, data, context),
        label=str(TYPE_LABELS.get(entry.type, entry.type)),
        time=str(data.get("time", "")),
        facts=facts,
    )


def _before(request: HttpRequest) -> int | None:
    text = request.GET.get("before", "").strip()
    return int(text) if text.isdigit() else None


def _older(entries: list[Entry]) -> int | None:
    """Where the link to older entries starts, if a full page suggests there are more."""
    if len(entries) == PAGE_SIZE and entries[-1].index > 0:
        return entries[-1].index
    return None


def key_page(request: HttpRequest) -> HttpResponse:
    """The installation's public key, to check the record's signatures with."""
    return render(request, "record/key.html", {"key": services.public_key()})


def log_page(request: HttpRequest, federation_slug: str) -> HttpResponse:
    """A federation's record: the latest signed checkpoint and the newest entries."""
    federation = access_federation(federation_slug)
    entries = services.recent_entries(federation, before=_before(request), limit=PAGE_SIZE)
    return render(
        request,
        "record/log.html",
        {
            "federation": federation,
            "checkpoint": services.latest_checkpoint(federation),
            "entries": entry_views(federation, entries),
            "older": _older(entries),
            "key": services.public_key(),
            "export_url": request.build_absolute_uri(
                reverse("record_export", args=[federation.slug])
            ),
        },
    )


def body_log_page(request: HttpRequest, federation_slug: str, body_slug: str) -> HttpResponse:
    """The entries about one body, newest first."""
    federation = access_federation(federation_slug)
    body = access_body(federation, body_slug)
    entries = services.recent_entries(
        federation, body=body, before=_before(request), limit=PAGE_SIZE
    )
    return render(
        request,
        "record/body_log.html",
        {
            "federation": federation,
            "body": body,
            "checkpoint": services.latest_checkpoint(federation),
            "entries": entry_views(federation, entries),
            "older": _older(entries),
        },
    )


def entry_page(request: HttpRequest, federation_slug: str, index: int) -> HttpResponse:
    """One entry: its facts, its canonical JSON and leaf hash, and its inclusion proof."""
    federation = access_federation(federation_slug)
    entry = services.access_entry(federation, index)
    checkpoint = services.latest_checkpoint(federation)
    proof = None
    if checkpoint is not None and entry.index < checkpoint.size:
        proof = services.inclusion_proof(federation, entry.index, checkpoint.size)
    return render(
        request,
        "record/entry.html",
        {
            "federation": federation,
            "view": entry_views(federation, [entry])[0],
            "entry": entry,
            "checkpoint": checkpoint,
            "proof": proof,
            "path": [node.hex() for node in proof.path] if proof else [],
        },
    )


def find_page(request: HttpRequest, federation_slug: str) -> HttpResponse:
    """Find an entry by its leaf hash, or the entry that publishes a ballot tracker."""
    federation = access_federation(federation_slug)
    text = request.GET.get("hash", "")
    context: dict[str, Any] = {"federation": federation, "value": text.strip(), "found": None}
    if text.strip():
        try:
            found = services.find_entries(text, federation)
        except InvalidInput as problem:
            context["problem"] = str(problem)
            return render(request, "record/find.html", context, status=400)
        if len(found) == 1:
            return redirect("record_entry", federation.slug, found[0].index)
        context["found"] = entry_views(federation, found)
    return render(request, "record/find.html", context)


def export_download(request: HttpRequest, federation_slug: str) -> StreamingHttpResponse:
    """The federation's whole record as JSON Lines, streamed (asamblea record verify URL)."""
    federation = access_federation(federation_slug)
    response = StreamingHttpResponse(
        services.export_chunks(federation), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="record-{federation.slug}.jsonl"'
    # A snapshot at the latest checkpoint: caches may keep it only briefly.
    response["Cache-Control"] = "public, max-age=60"
    return response


@hooks.body_section.register(order=90)
def record_section(request: Any, body: Body) -> str | None:
    """The newest entries about this body on its page, and where to see and check the rest."""
    entries = services.recent_entries(body.federation, body=body, limit=BODY_SECTION_SIZE)
    return render_to_string(
        "record/_body_section.html",
        {
            "federation": body.federation,
            "body": body,
            "entries": entry_views(body.federation, entries),
        },
        request=request,
    )
