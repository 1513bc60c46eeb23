"""Each entry of the public record as one plain sentence in the reader's language.

`sentence(type, facts, context)` turns an entry's public facts into a `Sentence`
(its text, and the address of the page it is about, if any). The facts are read
exactly as recorded: nothing is looked up but the names of the assemblies their
slugs name (`body_names`, one query for a whole page), so a sentence never says
more than the entry publishes. An entry of a type not listed here, or one that
lacks a fact its sentence needs (an older form of the entry, say), has no
sentence: pages then show its facts as they are. The record itself holds no
translated text; this is only how pages read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from asamblea.federation.models import Body, Federation

# The most names a sentence lists (the elected, a delegation's delegates); beyond it, a count.
MAX_NAMES = 10
TITLE_LENGTH = 90
TRACKER_SHOWN = 6
# Facts that name assemblies by slug, at the top level or inside "delegation" and "place".
_SLUG_FACTS = ("body", "council", "source", "command", "command_of", "lost_membership_of")
_SLUG_LIST_FACTS = ("sends_delegates_to",)
_NESTED_FACTS = ("delegation", "place")


@dataclass(frozen=True)
class Sentence:
    """What an entry says, in words, and the page about what it concerns (or None)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Context:
    """What sentences need besides the facts: the log's slug and the assemblies' names."""

    federation: str
    names: Mapping[str, str]

    def name(self, slug: Any) -> str:
        """The assembly's name, or its slug if the page did not load it."""
        if not isinstance(slug, str) or not slug:
            raise ValueError("an assembly is named by its slug")
        return self.names.get(slug, slug)

    def url(self, name: str, *args: Any) -> str | None:
        try:
            return reverse(name, args=[self.federation, *args])
        except NoReverseMatch:
            return None


Writer = Callable[[Mapping[str, Any], Context], Sentence]
_WRITERS: dict[str, Writer] = {}


def _writes(*types: str) -> Callable[[Writer], Writer]:
    def register(func: Writer) -> Writer:
        for kind in types:
            _WRITERS[kind] = func
        return func

    return register


def known_types() -> frozenset[str]:
    """The entry types that read as a sentence."""
    return frozenset(_WRITERS)


def sentence(entry_type: str, facts: Mapping[str, Any], context: Context) -> Sentence | None:
    """The entry as a sentence, or None when its type is unknown or a fact is missing."""
    writer = _WRITERS.get(entry_type)
    if writer is None:
        return None
    try:
        return writer(facts, context)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError):
        return None


def body_slugs(facts: Mapping[str, Any]) -> set[str]:
    """The assembly slugs an entry's facts name (what its sentence may show by name)."""
    found: set[str] = set()
    sources = [facts, *(facts.get(key) for key in _NESTED_FACTS)]
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        nested = source.get("delegation")
        if isinstance(nested, Mapping) and source is not facts:
            sources.append(nested)
        found.update(v for key in _SLUG_FACTS if isinstance(v := source.get(key), str))
        for key in _SLUG_LIST_FACTS:
            values = source.get(key)
            if isinstance(values, list):
                found.update(v for v in values if isinstance(v, str))
    return found


def body_names(
    federation: Federation, slugs: Iterable[str], known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """{slug: name} for the federation's assemblies among `slugs`, in one query at most
    (none if `known` already names them all)."""
    names = dict(known or {})
    missing = set(slugs) - set(names)
    if missing:
        names.update(
            Body.objects.filter(federation=federation, slug__in=missing).values_list("slug", "name")
        )
    return names


# ---------------------------------------------------------------- helpers


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def _names(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError("expected a list of names")
    return values


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected text")
    return value


def _title(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a title")
    return Truncator(value).chars(TITLE_LENGTH)


def _when(value: Any) -> str:
    """A recorded ISO time as the pages show times (local, in the reader's language)."""
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        raise ValueError("a recorded time carries its offset")
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def _percent(value: Any) -> str:
    return f"{(Decimal(str(value)) * 100).normalize():f}%"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place(facts: Mapping[str, Any], context: Context) -> str:
    """Where a seat sits: a council, for the assembly it represents, or a command."""
    delegation = facts.get("delegation")
    if isinstance(delegation, Mapping):
        return _("%(council)s for %(source)s") % {
            "council": context.name(delegation["council"]),
            "source": context.name(delegation["source"]),
        }
    return context.name(facts["command"])


def _seat_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("seat", _number(facts["seat"]))


def _election_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("election", _number(facts["election"]))


def _body_url(slug: str, context: Context) -> str | None:
    return context.url("body", slug)


def _motion(kind: Any, number: int) -> str:
    """A motion as a sentence names it ("motion 6", "amendment 7"), in lower case."""
    if kind == "amendment":
        return _("amendment %(number)s") % {"number": number}
    if kind == "mandate":
        return _("mandate vote %(number)s") % {"number": number}
    return _("motion %(number)s") % {"number": number}


def _motion_url(facts: Mapping[str, Any], context: Context) -> str | None:
    return context.url("motion", _number(facts["motion"]))


# ---------------------------------------------------------------- the federation


@_writes("federation.created")
def _federation_created(facts: Mapping[str, Any], context: Context) -> Sentence:
    return Sentence(
        _("%(name)s began its public record") % {"name": _text(facts["name"])},
        context.url("federation"),
    )


@_writes("body.created")
def _body_created(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {"name": _text(facts["name"])}
    if facts.get("command_of"):
        text = _("%(name)s was created, the command of %(council)s") % {
            **values,
            "council": context.name(facts["command_of"]),
        }
    elif councils := _names(facts.get("sends_delegates_to", [])):
        text = _("%(name)s was created; it sends delegates to %(councils)s") % {
            **values,
            "councils": ", ".join(context.name(slug) for slug in councils),
        }
    else:
        text = _("%(name)s was created") % values
    return Sentence(text, _body_url(facts["body"], context))


@_writes("body.verified_members")
def _verified_members(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = _number(facts["verified_members"])
    text = ngettext(
        "%(body)s now has %(count)s verified member (%(previous)s before)",
        "%(body)s now has %(count)s verified members (%(previous)s before)",
        count,
    ) % {
        "body": context.name(facts["body"]),
        "count": count,
        "previous": _number(facts["previous"]),
    }
    return Sentence(text, _body_url(facts["body"], context))


@_writes("delegation.seats")
def _delegation_seats(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = _number(facts["next_seats"])
    text = ngettext(
        "%(source)s will send %(count)s delegate to %(council)s from its next election "
        "(%(previous)s before)",
        "%(source)s will send %(count)s delegates to %(council)s from its next election "
        "(%(previous)s before)",
        count,
    ) % {
        "source": context.name(facts["source"]),
        "council": context.name(facts["council"]),
        "count": count,
        "previous": _number(facts["previous_next_seats"]),
    }
    return Sentence(text, _body_url(facts["council"], context))


# ---------------------------------------------------------------- elections


@_writes("election.opened")
def _election_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    kind = facts["kind"]
    seats = _number(facts["seats"])
    values = {
        "election": _number(facts["election"]),
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
    return Sentence(text % values, _election_url(facts, context))


@_writes("election.nominations_closed")
def _nominations_closed(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(_names(facts["candidates"]))
    text = ngettext(
        "Nominations closed in election %(election)s of %(body)s: %(count)s candidate",
        "Nominations closed in election %(election)s of %(body)s: %(count)s candidates",
        count,
    ) % {
        "election": _number(facts["election"]),
        "body": context.name(facts["body"]),
        "count": count,
    }
    return Sentence(text, _election_url(facts, context))


# Reasons the code records in English (the record holds no translated text).
_CANCEL_REASONS = {
    "nobody stood": lambda: _("nobody stood"),
    "the seat was vacated before the recall vote closed": lambda: _(
        "the seat was vacated before the recall vote closed"
    ),
}


@_writes("election.cancelled")
def _election_cancelled(facts: Mapping[str, Any], context: Context) -> Sentence:
    reason = facts["reason"]
    if not isinstance(reason, str):
        raise ValueError("a reason is text")
    said = _CANCEL_REASONS.get(reason)
    values = {
        "election": _number(facts["election"]),
        "body": context.name(facts["body"]),
        "reason": said() if said else Truncator(reason).chars(TITLE_LENGTH),
    }
    if values["reason"]:
        text = _("Election %(election)s of %(body)s was cancelled: %(reason)s") % values
    else:
        text = _("Election %(election)s of %(body)s was cancelled") % values
    return Sentence(text, _election_url(facts, context))


@_writes("election.voting_opened")
def _voting_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    roll = _number(facts["roll"])
    text = ngettext(
        "Voting opened in election %(election)s of %(body)s, with %(count)s member on the roll",
        "Voting opened in election %(election)s of %(body)s, with %(count)s members on the roll",
        roll,
    ) % {"election": _number(facts["election"]), "body": context.name(facts["body"]), "count": roll}
    return Sentence(text, _election_url(facts, context))


@_writes("election.closed")
def _election_closed(facts: Mapping[str, Any], context: Context) -> Sentence:
    roll = _number(facts["roll"])
    text = ngettext(
        "Election %(election)s of %(body)s closed: %(casts)s of %(count)s member voted",
        "Election %(election)s of %(body)s closed: %(casts)s of %(count)s members voted",
        roll,
    ) % {
        "election": _number(facts["election"]),
        "body": context.name(facts["body"]),
        "casts": _number(facts["casts"]),
        "count": roll,
    }
    return Sentence(text, _election_url(facts, context))


@_writes("ballot.tracker")
def _ballot_tracker(facts: Mapping[str, Any], context: Context) -> Sentence:
    tracker = facts["tracker"]
    if not isinstance(tracker, str) or not tracker:
        raise ValueError("a tracker is text")
    text = _("Ballot tracker %(tracker)s… recorded in election %(election)s") % {
        "tracker": tracker[:TRACKER_SHOWN],
        "election": _number(facts["election"]),
    }
    return Sentence(text, _election_url(facts, context))


@_writes("election.counted")
def _election_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    values: dict[str, Any] = {
        "election": _number(facts["election"]),
        "body": context.name(facts["body"]),
    }
    if "elected" not in result and "yes" in result:
        text = _("Votes counted in recall vote %(election)s: %(yes)s yes, %(no)s no") % {
            **values,
            "yes": _number(result["yes"]),
            "no": _number(result["no"]),
        }
        return Sentence(text, _election_url(facts, context))
    elected = _names([item["name"] for item in result["elected"]])
    if not elected:
        text = _("Votes counted in election %(election)s of %(body)s: nobody was elected")
    elif len(elected) <= MAX_NAMES:
        values["names"] = ", ".join(elected)
        text = _("Votes counted in election %(election)s of %(body)s: elected %(names)s")
    else:
        values["count"] = len(elected)
        text = _("Votes counted in election %(election)s of %(body)s: %(count)s elected")
    return Sentence(text % values, _election_url(facts, context))


# ---------------------------------------------------------------- seats


@_writes("seat.filled")
def _seat_filled(facts: Mapping[str, Any], context: Context) -> Sentence:
    values: dict[str, Any] = {"name": _text(facts["name"]), "place": _place(facts, context)}
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
        values["election"] = _number(election)
    return Sentence(text % values, _seat_url(facts, context))


@_writes("seat.ended")
def _seat_ended(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("The term of %(name)s in %(place)s ended: a new election filled the seat") % {
        "name": _text(facts["name"]),
        "place": _place(facts, context),
    }
    return Sentence(text, _seat_url(facts, context))


_VACATED_REASONS = {
    "recalled": lambda: _("recalled"),
    "resigned": lambda: _("resigned"),
    "deceased": lambda: _("deceased"),
    "expelled": lambda: _("expelled"),
    "cascade": lambda: _("lost the seat it rested on"),
    "term-ended": lambda: _("term ended"),
}


@_writes("seat.vacated")
def _seat_vacated(facts: Mapping[str, Any], context: Context) -> Sentence:
    reason = facts["reason"]
    said = _VACATED_REASONS.get(reason)
    text = _("%(name)s left the seat in %(place)s (%(reason)s)") % {
        "name": _text(facts["delegate"]),
        "place": _place(facts, context),
        "reason": said() if said else str(reason),
    }
    return Sentence(text, _seat_url(facts, context))


@_writes("seat.refill")
def _seat_refill(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {"seat": _number(facts["seat"])}
    if facts.get("by") == "by-election":
        values["election"] = _number(facts["election"])
        text = _("Seat %(seat)s will be filled by by-election %(election)s")
        return Sentence(text % values, _election_url(facts, context))
    return Sentence(_("Seat %(seat)s will be filled again") % values, _seat_url(facts, context))


@_writes("delegation.filled")
def _delegation_filled(facts: Mapping[str, Any], context: Context) -> Sentence:
    delegates = _names(facts["delegates"])
    values: dict[str, Any] = {
        "source": context.name(facts["source"]),
        "council": context.name(facts["council"]),
        "count": len(delegates),
        "election": _number(facts["election"]),
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
    return Sentence(text % values, _election_url(facts, context))


# ---------------------------------------------------------------- recall


@_writes("recall.settings")
def _recall_settings(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "The recall rules changed: a petition needs the signatures of %(threshold)s of the "
        "members; the vote, a turnout of %(quorum)s and more than %(majority)s yes"
    ) % {
        "threshold": _percent(facts["threshold"]),
        "quorum": _percent(facts["quorum"]),
        "majority": _percent(facts["majority"]),
    }
    return Sentence(text, context.url("recall_rules"))


@_writes("recall.petition_opened")
def _petition_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    threshold = _number(facts["threshold"])
    text = ngettext(
        "A petition to recall %(name)s from %(place)s opened: %(count)s signature needed",
        "A petition to recall %(name)s from %(place)s opened: %(count)s signatures needed",
        threshold,
    ) % {
        "name": _text(facts["delegate"]),
        "place": _place(facts["place"], context),
        "count": threshold,
    }
    return Sentence(text, context.url("recall_petition", _number(facts["petition"])))


@_writes("recall.threshold_reached")
def _threshold_reached(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "Recall petition %(petition)s reached %(signatures)s signatures: recall vote "
        "%(election)s is open until %(closes)s"
    ) % {
        "petition": _number(facts["petition"]),
        "signatures": _number(facts["signatures"]),
        "election": _number(facts["election"]),
        "closes": _when(facts["voting_closes_at"]),
    }
    return Sentence(text, _election_url(facts, context))


@_writes("recall.petition_expired")
def _petition_expired(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "Recall petition %(petition)s expired with %(signatures)s of the %(threshold)s "
        "signatures needed"
    ) % {
        "petition": _number(facts["petition"]),
        "signatures": _number(facts["signatures"]),
        "threshold": _number(facts["threshold"]),
    }
    return Sentence(text, context.url("recall_petition", _number(facts["petition"])))


@_writes("recall.petition_moot")
def _petition_moot(facts: Mapping[str, Any], context: Context) -> Sentence:
    petition = _number(facts["petition"])
    text = _("Recall petition %(petition)s ended: the seat was vacated another way") % {
        "petition": petition
    }
    return Sentence(text, context.url("recall_petition", petition))


@_writes("recall.result")
def _recall_result(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {
        "name": _text(facts["delegate"]),
        "yes": _number(facts["yes"]),
        "no": _number(facts["no"]),
        "voted": _number(facts["voted"]),
        "electorate": _number(facts["electorate"]),
    }
    if facts.get("moot"):
        text = _("The recall vote on %(name)s had no effect: the seat was already vacated")
    elif facts["passed"] is True:
        text = _("%(name)s was recalled: %(yes)s yes, %(no)s no; %(voted)s of %(electorate)s voted")
    else:
        text = _(
            "%(name)s was not recalled: %(yes)s yes, %(no)s no; %(voted)s of %(electorate)s voted"
        )
    return Sentence(text % values, _election_url(facts, context))


# ---------------------------------------------------------------- motions and meetings


@_writes("motion.proposed")
def _motion_proposed(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {
        "motion": _motion(facts["kind"], _number(facts["motion"])),
        "body": context.name(facts["body"]),
        "title": _title(facts["title"]),
    }
    if facts.get("amends") is not None:
        values["amends"] = _motion("motion", _number(facts["amends"]))
        text = _("%(motion)s to %(amends)s proposed in %(body)s: “%(title)s”")
    else:
        text = _("%(motion)s proposed in %(body)s: “%(title)s”")
    return Sentence(_capital(text % values), _motion_url(facts, context))


# A motion's steps that say only which motion, in which body, and what happened.
_MOTION_STEPS = {
    "motion.tabled": gettext_noop("%(motion)s in %(body)s was seconded and is open for debate"),
    "motion.withdrawn": gettext_noop("%(motion)s in %(body)s was withdrawn by its proposer"),
    "motion.lapsed": gettext_noop("%(motion)s in %(body)s lapsed"),
}


def _motion_step(message: str) -> Writer:
    def write(facts: Mapping[str, Any], context: Context) -> Sentence:
        text = _(message) % {
            "motion": _motion(facts["kind"], _number(facts["motion"])),
            "body": context.name(facts["body"]),
        }
        return Sentence(_capital(text), _motion_url(facts, context))

    return write


for _step, _message in _MOTION_STEPS.items():
    _writes(_step)(_motion_step(_message))


@_writes("motion.vote_opened")
def _vote_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    body = context.name(facts["body"])
    if facts["kind"] == "mandate":
        text = _("Mandate vote of %(body)s on %(motion)s opened") % {
            "body": body,
            "motion": _motion("motion", _number(facts["mandate_for"])),
        }
    else:
        text = _("Vote opened in %(body)s on %(motion)s: “%(title)s”") % {
            "body": body,
            "motion": _motion(facts["kind"], _number(facts["motion"])),
            "title": _title(facts["title"]),
        }
    return Sentence(text, _motion_url(facts, context))


@_writes("motion.trackers")
def _motion_trackers(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(_names(facts["trackers"]))
    text = ngettext(
        "%(count)s ballot tracker of the secret vote on %(motion)s in %(body)s recorded",
        "%(count)s ballot trackers of the secret vote on %(motion)s in %(body)s recorded",
        count,
    ) % {
        "count": count,
        "motion": _motion("motion", _number(facts["motion"])),
        "body": context.name(facts["body"]),
    }
    return Sentence(text, _motion_url(facts, context))


_INSTRUCTIONS = {
    "yes": lambda: _("vote yes"),
    "no": lambda: _("vote no"),
    "free": lambda: _("free vote"),
}


@_writes("motion.counted")
def _motion_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    kind = facts["kind"]
    body = context.name(facts["body"])
    url = _motion_url(facts, context)
    if kind == "mandate":
        values = {"body": body, "motion": _motion("motion", _number(facts["mandate_for"]))}
        if facts.get("late"):
            text = _("Mandate vote of %(body)s on %(motion)s closed too late to bind its delegates")
            return Sentence(text % values, url)
        text = _("Mandate vote of %(body)s on %(motion)s decided: %(instruction)s") % {
            **values,
            "instruction": _INSTRUCTIONS[result["instruction"]](),
        }
        return Sentence(text, url)
    motion = _motion(kind, _number(facts["motion"]))
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
                "option": _title(result["winner"]),
            }
        return Sentence(text, url)
    values = {
        "body": body,
        "motion": motion,
        "yes": _number(result["yes"]),
        "no": _number(result["no"]),
        "abstain": _number(result["abstain"]),
    }
    if result["passed"] is not True:
        text = _("%(body)s did not pass %(motion)s: %(yes)s yes, %(no)s no, %(abstain)s abstaining")
    elif facts.get("resolution") is not None:
        values["resolution"] = _number(facts["resolution"])
        text = _(
            "%(body)s passed %(motion)s as resolution %(resolution)s: %(yes)s yes, %(no)s no, "
            "%(abstain)s abstaining"
        )
    else:
        text = _("%(body)s passed %(motion)s: %(yes)s yes, %(no)s no, %(abstain)s abstaining")
    return Sentence(text % values, url)


@_writes("motion.amended")
def _motion_amended(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("%(amendment)s changed the text of %(motion)s in %(body)s") % {
        "amendment": _motion("amendment", _number(facts["amendment"])),
        "motion": _motion("motion", _number(facts["motion"])),
        "body": context.name(facts["body"]),
    }
    return Sentence(_capital(text), _motion_url(facts, context))


@_writes("meeting.called")
def _meeting_called(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _("%(body)s called a meeting for %(when)s: “%(title)s”") % {
        "body": context.name(facts["body"]),
        "when": _when(facts["starts_at"]),
        "title": _title(facts["title"]),
    }
    return Sentence(text, context.url("meeting", _number(facts["meeting"])))


# ---------------------------------------------------------------- referendums and calls


@_writes("referendum.opened")
def _referendum_opened(facts: Mapping[str, Any], context: Context) -> Sentence:
    electorate = _number(facts["electorate"])
    text = ngettext(
        "Referendum %(referendum)s opened in %(council)s on “%(title)s”: %(count)s member may vote",
        "Referendum %(referendum)s opened in %(council)s on “%(title)s”: %(count)s members "
        "may vote",
        electorate,
    ) % {
        "referendum": _number(facts["referendum"]),
        "council": context.name(facts["council"]),
        "title": _title(facts["title"]),
        "count": electorate,
    }
    return Sentence(text, context.url("referendum", _number(facts["referendum"])))


@_writes("referendum.trackers")
def _referendum_trackers(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = len(_names(facts["trackers"]))
    referendum = _number(facts["referendum"])
    text = ngettext(
        "%(count)s ballot tracker of referendum %(referendum)s recorded",
        "%(count)s ballot trackers of referendum %(referendum)s recorded",
        count,
    ) % {"count": count, "referendum": referendum}
    return Sentence(text, context.url("referendum", referendum))


@_writes("referendum.counted")
def _referendum_counted(facts: Mapping[str, Any], context: Context) -> Sentence:
    result = facts["result"]
    referendum = _number(facts["referendum"])
    values = {
        "referendum": referendum,
        "council": context.name(facts["council"]),
        "yes": _number(result["yes"]),
        "no": _number(result["no"]),
    }
    if result["passed"] is True:
        text = _("Referendum %(referendum)s in %(council)s passed: %(yes)s yes, %(no)s no")
    else:
        text = _("Referendum %(referendum)s in %(council)s did not pass: %(yes)s yes, %(no)s no")
    return Sentence(text % values, context.url("referendum", referendum))


@_writes("resolution.adopted")
def _resolution_adopted(facts: Mapping[str, Any], context: Context) -> Sentence:
    number = _number(facts["resolution"])
    text = _("%(body)s adopted resolution %(resolution)s by referendum %(referendum)s") % {
        "body": context.name(facts["body"]),
        "resolution": number,
        "referendum": _number(facts["referendum"]),
    }
    return Sentence(text, context.url("resolution", facts["body"], number))


@_writes("call.issued")
def _call_issued(facts: Mapping[str, Any], context: Context) -> Sentence:
    bodies = _number(facts["bodies"])
    text = ngettext(
        "%(council)s called %(count)s assembly to action, from %(start)s to %(end)s: “%(title)s”",
        "%(council)s called %(count)s assemblies to action, from %(start)s to %(end)s: “%(title)s”",
        bodies,
    ) % {
        "council": context.name(facts["council"]),
        "count": bodies,
        "start": _when(facts["starts_at"]),
        "end": _when(facts["ends_at"]),
        "title": _title(facts["title"]),
    }
    return Sentence(text, context.url("call", _number(facts["call"])))


@_writes("call.acknowledged")
def _call_acknowledged(facts: Mapping[str, Any], context: Context) -> Sentence:
    call = _number(facts["call"])
    text = _("%(body)s acknowledged call to action %(call)s") % {
        "body": context.name(facts["body"]),
        "call": call,
    }
    return Sentence(text, context.url("call", call))


@_writes("call.uptake")
def _call_uptake(facts: Mapping[str, Any], context: Context) -> Sentence:
    call = _number(facts["call"])
    status = facts["status"]
    values = {"body": context.name(facts["body"]), "call": call}
    number = facts.get("number")
    if status == "not":
        text = _("%(body)s did not join call to action %(call)s") % values
    elif number is not None:
        values["count"] = _number(number)
        if status == "partly":
            text = ngettext(
                "%(body)s partly joined call to action %(call)s, with %(count)s person",
                "%(body)s partly joined call to action %(call)s, with %(count)s people",
                values["count"],
            )
        elif status == "joined":
            text = ngettext(
                "%(body)s joined call to action %(call)s, with %(count)s person",
                "%(body)s joined call to action %(call)s, with %(count)s people",
                values["count"],
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
