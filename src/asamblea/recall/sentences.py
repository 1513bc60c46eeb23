"""The recall app's entries of the public record read as sentences: recall rules,
petitions, recall results, seats vacated and refilled.

Registered with `asamblea.hooks.record_sentence` when the app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.elections.sentences import election_url, seat_url
from asamblea.record.sentences import (
    Context,
    Sentence,
    as_number,
    as_percent,
    as_text,
    as_when,
    place_of,
)

_VACATED_REASONS = {
    "recalled": lambda: _("recalled"),
    "resigned": lambda: _("resigned"),
    "deceased": lambda: _("deceased"),
    "expelled": lambda: _("expelled"),
    "cascade": lambda: _("lost the seat it rested on"),
    "term-ended": lambda: _("term ended"),
}


@hooks.record_sentence.register("seat.vacated")
def _seat_vacated(facts: Mapping[str, Any], context: Context) -> Sentence:
    reason = facts["reason"]
    said = _VACATED_REASONS.get(reason)
    text = _("%(name)s left the seat in %(place)s (%(reason)s)") % {
        "name": as_text(facts["delegate"]),
        "place": place_of(facts, context),
        "reason": said() if said else str(reason),
    }
    return Sentence(text, seat_url(facts, context))


@hooks.record_sentence.register("seat.refill")
def _seat_refill(facts: Mapping[str, Any], context: Context) -> Sentence:
    # Entries written before the refill named its place say "the vacant seat" (no bare ids).
    if "delegation" in facts or "command" in facts:
        place = {"place": place_of(facts, context)}
        if facts.get("by") == "by-election":
            text = _("A by-election will fill the vacant seat in %(place)s") % place
            return Sentence(text, election_url(facts, context))
        text = _("The seat in %(place)s will be filled again") % place
        return Sentence(text, seat_url(facts, context))
    if facts.get("by") == "by-election":
        return Sentence(_("A by-election will fill the vacant seat"), election_url(facts, context))
    return Sentence(_("The vacant seat will be filled again"), seat_url(facts, context))


@hooks.record_sentence.register("recall.settings")
def _recall_settings(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "The recall rules changed: a petition needs the signatures of %(threshold)s of the "
        "members; the vote, a turnout of %(quorum)s and more than %(majority)s yes"
    ) % {
        "threshold": as_percent(facts["threshold"]),
        "quorum": as_percent(facts["quorum"]),
        "majority": as_percent(facts["majority"]),
    }
    return Sentence(text, context.url("recall_rules"))


@hooks.record_sentence.register("recall.petition_opened")
def _petition_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    threshold = as_number(facts["threshold"])
    text = ngettext(
        "A petition to recall %(name)s from %(place)s opened: %(count)s signature needed",
        "A petition to recall %(name)s from %(place)s opened: %(count)s signatures needed",
        threshold,
    ) % {
        "name": as_text(facts["delegate"]),
        "place": place_of(facts["place"], context),
        "count": threshold,
    }
    return Sentence(text, context.url("recall_petition", as_number(facts["petition"])))


@hooks.record_sentence.register("recall.threshold_reached")
def _threshold_reached(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "Recall petition %(petition)s reached %(signatures)s signatures: recall vote "
        "%(election)s is open until %(closes)s"
    ) % {
        "petition": as_number(facts["petition"]),
        "signatures": as_number(facts["signatures"]),
        "election": as_number(facts["election"]),
        "closes": as_when(facts["voting_closes_at"]),
    }
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("recall.petition_expired")
def _petition_expired(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "Recall petition %(petition)s expired with %(signatures)s of the %(threshold)s "
        "signatures needed"
    ) % {
        "petition": as_number(facts["petition"]),
        "signatures": as_number(facts["signatures"]),
        "threshold": as_number(facts["threshold"]),
    }
    return Sentence(text, context.url("recall_petition", as_number(facts["petition"])))


@hooks.record_sentence.register("recall.petition_moot")
def _petition_moot(facts: Mapping[str, Any], context: Context) -> Sentence:
    petition = as_number(facts["petition"])
    text = _("Recall petition %(petition)s ended: the seat was vacated another way") % {
        "petition": petition
    }
    return Sentence(text, context.url("recall_petition", petition))


@hooks.record_sentence.register("recall.result")
def _recall_result(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {
        "name": as_text(facts["delegate"]),
        "yes": as_number(facts["yes"]),
        "no": as_number(facts["no"]),
        "voted": as_number(facts["voted"]),
        "electorate": as_number(facts["electorate"]),
    }
    if facts.get("moot"):
        text = _("The recall vote on %(name)s had no effect: the seat was already vacated")
    elif facts["passed"] is True:
        text = _("%(name)s was recalled: %(yes)s yes, %(no)s no; %(voted)s of %(electorate)s voted")
    else:
        text = _(
            "%(name)s was not recalled: %(yes)s yes, %(no)s no; %(voted)s of %(electorate)s voted"
        )
    return Sentence(text % values, election_url(facts, context))
