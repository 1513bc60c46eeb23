"""Deliberation's entries of the public record read as sentences: motions, votes,
meetings, referendums, resolutions and calls to action.

Registered with `asamblea.hooks.record_sentence` when the app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from asamblea import hooks
from asamblea.record.sentences import (
    Context,
    Sentence,
    as_names,
    as_number,
    as_title,
    as_when,
    capitalised,
)


def motion_name(kind: Any, number: int) -> str:
    """A motion as a sentence names it ("motion 6", "amendment 7"), in lower case."""
    if kind == "amendment":
        return _("amendment %(number)s") % {"number": number}
    if kind == "mandate":
        return _("mandate vote %(number)s") % {"number": number}
    return _("motion %(number)s") % {"number": number}


def motion_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("motion", as_number(facts["motion"]))


@hooks.record_sentence.register("motion.proposed")
def _motion_proposed(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {
        "motion": motion_name(facts["kind"], as_number(facts["motion"])),
        "body": context.name(facts["body"]),
        "title": as_title(facts["title"]),
    }
    if facts.get("amends") is not None:
        values["amends"] = motion_name("motion", as_number(facts["amends"]))
        text = _("%(motion)s to %(amends)s proposed in %(body)s: “%(title)s”")
    else:
        text = _("%(motion)s proposed in %(body)s: “%(title)s”")
    return Sentence(capitalised(text % values), motion_url(facts, context))


# A motion's steps that say only which motion, in which body, and what happened.
_MOTION_STEPS = {
    "motion.tabled": gettext_noop("%(motion)s in %(body)s was seconded and is open for debate"),
    "motion.withdrawn": gettext_noop("%(motion)s in %(body)s was withdrawn by its proposer"),
    "motion.lapsed": gettext_noop("%(motion)s in %(body)s lapsed"),
}


def _motion_step(message: str) -> hooks.SentenceWriter:
    def write(facts: Mapping[str, Any], context: Context) -> Sentence:
        text = _(message) % {
            "motion": motion_name(facts["kind"], as_number(facts["motion"])),
            "body": context.name(facts["body"]),
        }
        return Sentence(capitalised(text), motion_url(facts, context))

    return write


for _step, _message in _MOTION_STEPS.items():
    hooks.record_sentence.add(_step, _motion_step(_message))


@hooks.record_sentence.register("motion.vote_opened")
def _vote_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    body = context.name(facts["body"])
    if facts["kind"] == "mandate":
        text = _("Mandate vote of %(body)s on %(motion)s opened") % {
            "body": body,
            "motion": motion_name("motion", as_number(facts["mandate_for"])),
        }
    else:
        text = _("Vote opened in %(body)s on %(motion)s: “%(title)s”") % {
            "body": body,
            "motion": motion_name(facts["kind"], as_number(facts["motion"])),
            "title": as_title(facts["title"]),
        }
    return Sentence(text, motion_url(facts, context))


@hooks.record_sentence.register("motion.trackers")
def _motion_trackers(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(as_names(facts["trackers"]))
    text = ngettext(
        "%(count)s ballot tracker of the secret vote on %(motion)s in %(body)s recorded",
        "%(count)s ballot trackers of the secret vote on %(motion)s in %(body)s recorded",
        count,
    ) % {
        "count": count,
        "motion": motion_name("motion", as_number(facts["motion"])),
        "body": context.name(facts["body"]),
    }
    return Sentence(text, motion_url(facts, context))


_INSTRUCTIONS = {
    "yes": lambda: _("vote yes"),
    "no": lambda: _("vote no"),
    "free": lambda: _("free vote"),
}


@hooks.record_sentence.register("motion.counted")
def _motion_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    kind = facts["kind"]
    body = context.name(facts["body"])
    url = motion_url(facts, context)
    if kind == "mandate":
        values: dict[str, Any] = {
            "body": body,
            "motion": motion_name("motion", as_number(facts["mandate_for"])),
        }
        if facts.get("late"):
            text = _("Mandate vote of %(body)s on %(motion)s closed too late to bind its delegates")
            return Sentence(text % values, url)
        text = _("Mandate vote of %(body)s on %(motion)s decided: %(instruction)s") % {
            **values,
            "instruction": _INSTRUCTIONS[result["instruction"]](),
        }
        return Sentence(text, url)
    motion = motion_name(kind, as_number(facts["motion"]))
    if kind == "options":
        if result["winner"] is None or result["passed"] is not True:
            text = _("The vote in %(body)s on %(motion)s chose no option") % {
                "body": body,
                "motion": motion,
            }
        else:
            text = _("The vote in %(body)s on %(motion)s chose “%(option)s”") % {
                "body": body,
                "motion": motion,
                "option": as_title(result["winner"]),
            }
        return Sentence(text, url)
    values = {
        "body": body,
        "motion": motion,
        "yes": as_number(result["yes"]),
        "no": as_number(result["no"]),
        "abstain": as_number(result["abstain"]),
    }
    if result["passed"] is not True:
        text = _("%(body)s did not pass %(motion)s: %(yes)s yes, %(no)s no, %(abstain)s abstaining")
    elif facts.get("resolution") is not None:
        values["resolution"] = as_number(facts["resolution"])
        text = _(
            "%(body)s passed %(motion)s as resolution %(resolution)s: %(yes)s yes, %(no)s no, "
            "%(abstain)s abstaining"
        )
    else:
        text = _("%(body)s passed %(motion)s: %(yes)s yes, %(no)s no, %(abstain)s abstaining")
    return Sentence(text % values, url)


@hooks.record_sentence.register("motion.amended")
def _motion_amended(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("%(amendment)s changed the text of %(motion)s in %(body)s") % {
        "amendment": motion_name("amendment", as_number(facts["amendment"])),
        "motion": motion_name("motion", as_number(facts["motion"])),
        "body": context.name(facts["body"]),
    }
    return Sentence(capitalised(text), motion_url(facts, context))


@hooks.record_sentence.register("meeting.called")
def _meeting_called(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("%(body)s called a meeting for %(when)s: “%(title)s”") % {
        "body": context.name(facts["body"]),
        "when": as_when(facts["starts_at"]),
        "title": as_title(facts["title"]),
    }
    return Sentence(text, context.url("meeting", as_number(facts["meeting"])))


@hooks.record_sentence.register("referendum.opened")
def _referendum_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    electorate = as_number(facts["electorate"])
    text = ngettext(
        "Referendum %(referendum)s opened in %(council)s on “%(title)s”: %(count)s member may vote",
        "Referendum %(referendum)s opened in %(council)s on “%(title)s”: %(count)s members "
        "may vote",
        electorate,
    ) % {
        "referendum": as_number(facts["referendum"]),
        "council": context.name(facts["council"]),
        "title": as_title(facts["title"]),
        "count": electorate,
    }
    return Sentence(text, context.url("referendum", as_number(facts["referendum"])))


@hooks.record_sentence.register("referendum.trackers")
def _referendum_trackers(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(as_names(facts["trackers"]))
    referendum = as_number(facts["referendum"])
    text = ngettext(
        "%(count)s ballot tracker of referendum %(referendum)s recorded",
        "%(count)s ballot trackers of referendum %(referendum)s recorded",
        count,
    ) % {"count": count, "referendum": referendum}
    return Sentence(text, context.url("referendum", referendum))


@hooks.record_sentence.register("referendum.counted")
def _referendum_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    referendum = as_number(facts["referendum"])
    values = {
        "referendum": referendum,
        "council": context.name(facts["council"]),
        "yes": as_number(result["yes"]),
        "no": as_number(result["no"]),
    }
    if result["passed"] is True:
        text = _("Referendum %(referendum)s in %(council)s passed: %(yes)s yes, %(no)s no")
    else:
        text = _("Referendum %(referendum)s in %(council)s did not pass: %(yes)s yes, %(no)s no")
    return Sentence(text % values, context.url("referendum", referendum))


@hooks.record_sentence.register("resolution.adopted")
def _resolution_adopted(facts: Mapping[str, Any], context: Context) -> Sentence:
    number = as_number(facts["resolution"])
    text = _("%(body)s adopted resolution %(resolution)s by referendum %(referendum)s") % {
        "body": context.name(facts["body"]),
        "resolution": number,
        "referendum": as_number(facts["referendum"]),
    }
    return Sentence(text, context.url("resolution", facts["body"], number))


@hooks.record_sentence.register("call.issued")
def _call_issued(facts: Mapping[str, Any], context: Context) -> Sentence:
    bodies = as_number(facts["bodies"])
    text = ngettext(
        "%(council)s called %(count)s assembly to action, from %(start)s to %(end)s: “%(title)s”",
        "%(council)s called %(count)s assemblies to action, from %(start)s to %(end)s: “%(title)s”",
        bodies,
    ) % {
        "council": context.name(facts["council"]),
        "count": bodies,
        "start": as_when(facts["starts_at"]),
        "end": as_when(facts["ends_at"]),
        "title": as_title(facts["title"]),
    }
    return Sentence(text, context.url("call", as_number(facts["call"])))


@hooks.record_sentence.register("call.acknowledged")
def _call_acknowledged(facts: Mapping[str, Any], context: Context) -> Sentence:
    call = as_number(facts["call"])
    text = _("%(body)s acknowledged call to action %(call)s") % {
        "body": context.name(facts["body"]),
        "call": call,
    }
    return Sentence(text, context.url("call", call))


@hooks.record_sentence.register("call.uptake")
def _call_uptake(facts: Mapping[str, Any], context: Context) -> Sentence:
    call = as_number(facts["call"])
    status = facts["status"]
    values = {"body": context.name(facts["body"]), "call": call}
    number = facts.get("number")
    if status == "not":
        text = _("%(body)s did not join call to action %(call)s") % values
    elif number is not None:
        count = values["count"] = as_number(number)
        if status == "partly":
            text = ngettext(
                "%(body)s partly joined call to action %(call)s, with %(count)s person",
                "%(body)s partly joined call to action %(call)s, with %(count)s people",
                count,
            )
        elif status == "joined":
            text = ngettext(
                "%(body)s joined call to action %(call)s, with %(count)s person",
                "%(body)s joined call to action %(call)s, with %(count)s people",
                count,
            )
        else:
            raise ValueError("unknown uptake")
        text %= values
    elif status == "partly":
        text = _("%(body)s partly joined call to action %(call)s") % values
    elif status == "joined":
        text = _("%(body)s joined call to action %(call)s") % values
    else:
        raise ValueError("unknown uptake")
    return Sentence(text, context.url("call", call))


def _sealed_vote(facts: Mapping[str, Any], context: Context) -> tuple[str, str | None]:
    """(the sealed vote as a sentence names it, its page)."""
    if "referendum" in facts:
        number = as_number(facts["referendum"])
        return _("referendum %(number)s") % {"number": number}, context.url("referendum", number)
    return motion_name(facts.get("kind"), as_number(facts["motion"])), motion_url(facts, context)


@hooks.record_sentence.register("secrecy.key/motion", "secrecy.key/referendum")
def _secrecy_key(facts: Mapping[str, Any], context: Context) -> Sentence:
    vote, url = _sealed_vote(facts, context)
    text = _("The ballots of %(vote)s in %(body)s are sealed under this key") % {
        "vote": vote,
        "body": context.name(facts["body"]),
    }
    return Sentence(capitalised(text), url)


@hooks.record_sentence.register("secrecy.cast/motion", "secrecy.cast/referendum")
def _secrecy_cast(facts: Mapping[str, Any], context: Context) -> Sentence:
    vote, url = _sealed_vote(facts, context)
    cast = facts["cast"]
    if not isinstance(cast, list):
        raise ValueError("the cast list is a list")
    text = ngettext(
        "%(count)s sealed ballot cast in %(vote)s",
        "%(count)s sealed ballots cast in %(vote)s",
        len(cast),
    ) % {"count": as_number(len(cast)), "vote": vote}
    return Sentence(text, url)


@hooks.record_sentence.register("secrecy.opened/motion", "secrecy.opened/referendum")
def _secrecy_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    vote, url = _sealed_vote(facts, context)
    text = _("Sealed ballots of %(vote)s mixed and decrypted, with the proofs of both") % {
        "vote": vote
    }
    return Sentence(text, url)
