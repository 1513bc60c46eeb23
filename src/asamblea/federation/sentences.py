"""The federation's entries of the public record read as sentences (federations, assemblies,
their verified members and seats), and the assemblies' names the sentences show.

Registered with `asamblea.hooks.record_sentence` when the app is ready; the
machinery (Sentence, Context, the helpers) is asamblea.record.sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.federation.models import Body, Federation
from asamblea.record.sentences import (
    Context,
    Sentence,
    as_names,
    as_number,
    as_text,
    body_url,
)


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


@hooks.record_sentence.register("federation.created")
def _federation_created(facts: Mapping[str, Any], context: Context) -> Sentence:
    return Sentence(
        _("%(name)s began its public record") % {"name": as_text(facts["name"])},
        context.url("federation"),
    )


@hooks.record_sentence.register("body.created")
def _body_created(facts: Mapping[str, Any], context: Context) -> Sentence:
    values = {"name": as_text(facts["name"])}
    if facts.get("command_of"):
        text = _("%(name)s was created, the command of %(council)s") % {
            **values,
            "council": context.name(facts["command_of"]),
        }
    elif councils := as_names(facts.get("sends_delegates_to", [])):
        text = _("%(name)s was created; it sends delegates to %(councils)s") % {
            **values,
            "councils": ", ".join(context.name(slug) for slug in councils),
        }
    else:
        text = _("%(name)s was created") % values
    return Sentence(text, body_url(facts["body"], context))


@hooks.record_sentence.register("body.verified_members")
def _verified_members(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = as_number(facts["verified_members"])
    text = ngettext(
        "%(body)s now has %(count)s verified member (%(previous)s before)",
        "%(body)s now has %(count)s verified members (%(previous)s before)",
        count,
    ) % {
        "body": context.name(facts["body"]),
        "count": count,
        "previous": as_number(facts["previous"]),
    }
    return Sentence(text, body_url(facts["body"], context))


@hooks.record_sentence.register("delegation.seats")
def _delegation_seats(facts: Mapping[str, Any], context: Context) -> Sentence:
    count = as_number(facts["next_seats"])
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
        "previous": as_number(facts["previous_next_seats"]),
    }
    return Sentence(text, body_url(facts["council"], context))
