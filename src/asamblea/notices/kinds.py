"""The kinds of notice: what each is called on the preferences page, and its sentence.

A notice stores its kind and public parameters; `sentence(notice)` writes it in the
active language (the reader's page, or the member's language for an e-mail), so a
member who changes language reads every old notice in the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ELECTION_OPENED = "election_opened"
RECALL_PETITION = "recall_petition"
PETITION_THRESHOLD = "petition_threshold"
SEAT_FELL = "seat_fell"
CALL_TO_ACTION = "call_to_action"
MEMBERSHIP_DECIDED = "membership_decided"


def _election_opened(p: Mapping[str, Any]) -> str:
    if p.get("election_kind") == "by-election":
        return _("A by-election opened in %(body)s to fill a seat: you may stand or vote.") % p
    return _("An election opened in %(body)s: see who stands and when you vote.") % p


def _recall_petition(p: Mapping[str, Any]) -> str:
    return (
        _(
            "Your delegate for %(place)s faces a recall petition: read the reason and "
            "decide whether to sign."
        )
        % p
    )


def _petition_threshold(p: Mapping[str, Any]) -> str:
    return (
        _(
            "The recall petition against your delegate for %(place)s reached its "
            "threshold: the recall vote is open."
        )
        % p
    )


def _seat_fell(p: Mapping[str, Any]) -> str:
    if p.get("reason") == "cascade":
        return _("Your seat %(place)s fell: you lost the seat below it, which it rests on.") % p
    if p.get("reason") == "recalled":
        return _("Your seat %(place)s fell: the members recalled you.") % p
    return _("Your seat %(place)s is no longer yours.") % p


def _call_to_action(p: Mapping[str, Any]) -> str:
    return _("%(council)s issued a call to action that reaches your body: “%(title)s”.") % p


def _membership_decided(p: Mapping[str, Any]) -> str:
    action = p.get("action")
    if action == "verify":
        return _("Your membership of %(body)s is verified: you are a member.") % p
    if action == "reject":
        return (
            _("Your application to %(body)s was not accepted: its officers can tell you why.") % p
        )
    if action == "suspend":
        return _("Your membership of %(body)s is suspended.") % p
    return _("Your membership of %(body)s has ended.") % p


@dataclass(frozen=True)
class Kind:
    key: str
    # What the preferences page calls it.
    label: Promise
    write: Callable[[Mapping[str, Any]], str]


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            ELECTION_OPENED,
            gettext_lazy("An election opens in your assembly or council"),
            _election_opened,
        ),
        Kind(
            RECALL_PETITION, gettext_lazy("Your delegate faces a recall petition"), _recall_petition
        ),
        Kind(
            PETITION_THRESHOLD,
            gettext_lazy("A recall petition reached its threshold"),
            _petition_threshold,
        ),
        Kind(SEAT_FELL, gettext_lazy("A seat you hold fell"), _seat_fell),
        Kind(CALL_TO_ACTION, gettext_lazy("A call to action reaches your body"), _call_to_action),
        Kind(
            MEMBERSHIP_DECIDED,
            gettext_lazy("Your application or membership was decided"),
            _membership_decided,
        ),
    )
}


def sentence(kind: str, params: Mapping[str, Any]) -> str:
    """The notice as one sentence in the active language."""
    known = KINDS.get(kind)
    if known is None:
        return _("Something changed that concerns you.")
    try:
        return known.write(params)
    except (KeyError, TypeError, ValueError):
        # A notice written before its sentence changed: still say something.
        return _("Something changed that concerns you.")
