"""The elections app's entries of the public record read as sentences: elections, ballot
trackers, counts, seats filled and ended, delegations elected.

Registered with `asamblea.hooks.record_sentence` when the app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.ballots.recount import VOTE_FIELDS
from asamblea.record.sentences import (
    MAX_NAMES,
    TITLE_LENGTH,
    TRACKER_SHOWN,
    Context,
    Sentence,
    as_names,
    as_number,
    as_text,
    place_of,
)


def seat_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("seat", as_number(facts["seat"]))


def election_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("election", as_number(facts["election"]))


@hooks.record_sentence.register("election.opened")
def _election_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    kind = facts["kind"]
    seats = as_number(facts["seats"])
    values = {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
        "count": seats,
    }
    if kind == "delegation":
        values["council"] = context.name(facts["delegation"]["council"])
        text = ngettext(
            "Election %(election)s opened: %(body)s elects %(count)s delegate to %(council)s",
            "Election %(election)s opened: %(body)s elects %(count)s delegates to %(council)s",
            seats,
        )
    elif kind == "command":
        values["command"] = context.name(facts["command"])
        text = ngettext(
            "Election %(election)s opened: %(body)s elects %(count)s member of %(command)s",
            "Election %(election)s opened: %(body)s elects %(count)s members of %(command)s",
            seats,
        )
    elif kind == "recall":
        text = _("Recall vote %(election)s opened in %(body)s")
    elif kind == "by-election":
        text = _("By-election %(election)s opened in %(body)s to fill a vacant seat")
    else:
        text = _("Election %(election)s opened in %(body)s")
    return Sentence(text % values, election_url(facts, context))


@hooks.record_sentence.register("election.nominations_closed")
def _nominations_closed(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(as_names(facts["candidates"]))
    text = ngettext(
        "Nominations closed in election %(election)s of %(body)s: %(count)s candidate",
        "Nominations closed in election %(election)s of %(body)s: %(count)s candidates",
        count,
    ) % {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
        "count": count,
    }
    return Sentence(text, election_url(facts, context))


# Reasons the code records in English (the record holds no translated text).
_CANCEL_REASONS = {
    "nobody stood": lambda: _("nobody stood"),
    "the seat was vacated before the recall vote closed": lambda: _(
        "the seat was vacated before the recall vote closed"
    ),
}


def cancel_reason_said(reason: str) -> str:
    """A cancellation's reason in the reader's language: the code's own reasons are
    translated; an officer's is shown as they wrote it."""
    said = _CANCEL_REASONS.get(reason)
    return said() if said else reason


@hooks.record_sentence.register("election.cancelled")
def _election_cancelled(facts: Mapping[str, Any], context: Context) -> Sentence:
    reason = facts["reason"]
    if not isinstance(reason, str):
        raise ValueError("a reason is text")
    values = {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
        "reason": cancel_reason_said(reason)
        if reason in _CANCEL_REASONS
        else Truncator(reason).chars(TITLE_LENGTH),
    }
    if values["reason"]:
        text = _("Election %(election)s of %(body)s was cancelled: %(reason)s") % values
    else:
        text = _("Election %(election)s of %(body)s was cancelled") % values
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("election.voting_opened")
def _voting_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    roll = as_number(facts["roll"])
    text = ngettext(
        "Voting opened in election %(election)s of %(body)s, with %(count)s member on the roll",
        "Voting opened in election %(election)s of %(body)s, with %(count)s members on the roll",
        roll,
    ) % {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
        "count": roll,
    }
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("election.closed")
def _election_closed(facts: Mapping[str, Any], context: Context) -> Sentence:
    roll = as_number(facts["roll"])
    text = ngettext(
        "Election %(election)s of %(body)s closed: %(casts)s of %(count)s member voted",
        "Election %(election)s of %(body)s closed: %(casts)s of %(count)s members voted",
        roll,
    ) % {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
        "casts": as_number(facts["casts"]),
        "count": roll,
    }
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("ballot.tracker")
def _ballot_tracker(facts: Mapping[str, Any], context: Context) -> Sentence:
    tracker = facts["tracker"]
    if not isinstance(tracker, str) or not tracker:
        raise ValueError("a tracker is text")
    text = _("Ballot tracker %(tracker)s… recorded in election %(election)s") % {
        "tracker": tracker[:TRACKER_SHOWN],
        "election": as_number(facts["election"]),
    }
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("election.counted")
def _election_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    values: dict[str, Any] = {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
    }
    if "elected" not in result and "yes" in result:
        text = _("Votes counted in recall vote %(election)s: %(yes)s yes, %(no)s no") % {
            **values,
            "yes": as_number(result["yes"]),
            "no": as_number(result["no"]),
        }
        return Sentence(text, election_url(facts, context))
    elected = as_names([item["name"] for item in result["elected"]])
    if not elected:
        text = _("Votes counted in election %(election)s of %(body)s: nobody was elected")
    elif len(elected) <= MAX_NAMES:
        values["names"] = ", ".join(elected)
        text = _("Votes counted in election %(election)s of %(body)s: elected %(names)s")
    else:
        values["count"] = len(elected)
        text = _("Votes counted in election %(election)s of %(body)s: %(count)s elected")
    return Sentence(text % values, election_url(facts, context))


@hooks.record_sentence.register("seat.filled")
def _seat_filled(facts: Mapping[str, Any], context: Context) -> Sentence:
    values: dict[str, Any] = {"name": as_text(facts["name"]), "place": place_of(facts, context)}
    election = facts.get("election")
    how = facts.get("filled_by")
    if election is None:
        text = _("%(name)s took a seat in %(place)s")
    elif how == "countback":
        text = _("%(name)s took a seat in %(place)s by countback of election %(election)s")
    elif how == "by-election":
        text = _("%(name)s took a seat in %(place)s, elected in by-election %(election)s")
    else:
        text = _("%(name)s took a seat in %(place)s, elected in election %(election)s")
    if election is not None:
        values["election"] = as_number(election)
    return Sentence(text % values, seat_url(facts, context))


@hooks.record_sentence.register("seat.ended")
def _seat_ended(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("The term of %(name)s in %(place)s ended: a new election filled the seat") % {
        "name": as_text(facts["name"]),
        "place": place_of(facts, context),
    }
    return Sentence(text, seat_url(facts, context))


@hooks.record_sentence.register("delegation.filled")
def _delegation_filled(facts: Mapping[str, Any], context: Context) -> Sentence:
    delegates = as_names(facts["delegates"])
    values: dict[str, Any] = {
        "source": context.name(facts["source"]),
        "council": context.name(facts["council"]),
        "count": len(delegates),
        "election": as_number(facts["election"]),
    }
    if not delegates:
        text = _("%(source)s has no delegate in %(council)s after election %(election)s")
    elif len(delegates) <= MAX_NAMES:
        values["names"] = ", ".join(delegates)
        text = ngettext(
            "%(source)s has %(count)s delegate in %(council)s after election %(election)s: "
            "%(names)s",
            "%(source)s has %(count)s delegates in %(council)s after election %(election)s: "
            "%(names)s",
            len(delegates),
        )
    else:
        text = _("%(source)s has %(count)s delegates in %(council)s after election %(election)s")
    return Sentence(text % values, election_url(facts, context))


def _other_vote(entry_type: str, facts: Mapping[str, Any], context: Context) -> Sentence | None:
    """The sentence of a "secrecy.*" entry about another kind of secret vote (a motion, a
    referendum): written by its app, registered as "<entry type>/<kind>"."""
    for kind in VOTE_FIELDS:
        if kind != "election" and kind in facts:
            writer = hooks.record_sentence.first(f"{entry_type}/{kind}")
            if writer is not None:
                return writer(facts, context)
    return None


@hooks.record_sentence.register("secrecy.key")
def _secrecy_key(facts: Mapping[str, Any], context: Context) -> Sentence:
    other = _other_vote("secrecy.key", facts, context)
    if other is not None:
        return other
    text = _("The ballots of election %(election)s in %(body)s are sealed under this key") % {
        "election": as_number(facts["election"]),
        "body": context.name(facts["body"]),
    }
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("secrecy.cast")
def _secrecy_cast(facts: Mapping[str, Any], context: Context) -> Sentence:
    other = _other_vote("secrecy.cast", facts, context)
    if other is not None:
        return other
    cast = facts["cast"]
    if not isinstance(cast, list):
        raise ValueError("the cast list is a list")
    text = ngettext(
        "%(count)s sealed ballot cast in election %(election)s",
        "%(count)s sealed ballots cast in election %(election)s",
        len(cast),
    ) % {"count": as_number(len(cast)), "election": as_number(facts["election"])}
    return Sentence(text, election_url(facts, context))


@hooks.record_sentence.register("secrecy.opened")
def _secrecy_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    other = _other_vote("secrecy.opened", facts, context)
    if other is not None:
        return other
    values = {"election": as_number(facts["election"])}
    if facts.get("decryption") is None and "withheld" in facts:
        text = _(
            "Sealed ballots of election %(election)s mixed, with the proof; "
            "their decryption is not published (too few voters)"
        )
    else:
        text = _(
            "Sealed ballots of election %(election)s mixed and decrypted, with the proofs of both"
        )
    return Sentence(text % values, election_url(facts, context))
