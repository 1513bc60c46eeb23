"""Each entry of the public record as one plain sentence in the reader's language.

`sentence(type, facts, context)` turns an entry's public facts into a `Sentence`
(its text, and the address of the page it is about, if any), with the writer that
the app owning the type registered with `asamblea.hooks.record_sentence` (each in
its own `sentences.py`: federation, elections, recall, deliberation). The facts
are read exactly as recorded: nothing is looked up but the names of the
assemblies their slugs name (`body_slugs`; the page loads the names in one query,
asamblea.federation.sentences.body_names), so a sentence never says more than
the entry publishes. An entry of a type no app registered, or one that lacks a
fact its sentence needs (an older form of the entry, say), has no sentence: pages
then show its facts as they are. The record itself holds no translated text; this
is only how pages read it.

This module keeps the machinery and the helpers every writer shares (`as_number`,
`as_text`, `place_of`, ...): each raises ValueError on a fact of the wrong shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.web.l10n import percent_text

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


Writer = hooks.SentenceWriter


def known_types() -> frozenset[str]:
    """The entry types that read as a sentence."""
    return frozenset(hooks.record_sentence.registered())


def sentence(entry_type: str, facts: Mapping[str, Any], context: Context) -> Sentence | None:
    """The entry as a sentence, or None when its type is unknown or a fact is missing."""
    writer = hooks.record_sentence.first(entry_type)
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


def as_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def as_names(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError("expected a list of names")
    return values


def as_text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected text")
    return value


def as_title(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a title")
    return Truncator(value).chars(TITLE_LENGTH)


def as_when(value: Any) -> str:
    """A recorded ISO time as the pages show times (local, in the reader's language)."""
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        raise ValueError("a recorded time carries its offset")
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def as_percent(value: Any) -> str:
    return percent_text(Decimal(str(value)))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def place_of(facts: Mapping[str, Any], context: Context) -> str:
    """Where a seat sits: a council, for the assembly it represents, or a command."""
    delegation = facts.get("delegation")
    if isinstance(delegation, Mapping):
        return _("%(council)s for %(source)s") % {
            "council": context.name(delegation["council"]),
            "source": context.name(delegation["source"]),
        }
    return context.name(facts["command"])


def body_url(slug: str, context: Context) -> str | None:
    return context.url("body", slug)
