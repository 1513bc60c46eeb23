"""Ballot papers without the database: reading a filled-in paper and checking it.

No database here (only Django's gettext for the messages), so the rules are
tested in microseconds.

A ballot is a list of choices:
- ranked methods (stv-scottish, stv-meek, irv): candidacy ids in order of preference;
- approval: the candidacy ids approved (order ignored, stored sorted);
- plurality: up to `seats` candidacy ids (order ignored, stored sorted);
- yes-no (recall votes): ["yes"] or ["no"].

The ballot code and the tracker are the ballot box's (`asamblea.ballots.codes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

RANKED_METHODS = frozenset({"stv-scottish", "stv-meek", "irv"})
SET_METHODS = frozenset({"approval", "plurality"})
YES_NO = "yes-no"
YES_NO_CHOICES = ("yes", "no")


class BallotProblem(ValueError):
    """A ballot paper that cannot be accepted; the message says what to change."""


@dataclass(frozen=True)
class Candidate:
    """A candidacy as the ballot checker sees it: its id and whether it stands."""

    id: int
    name: str


def ranking_from_ranks(ranks: Mapping[int, str]) -> list[int]:
    """Candidacy ids in order, from the rank written against each candidate ("" = unranked).

    Ranks must be whole numbers 1, 2, 3, ... with no number used twice and none skipped.
    """
    given: dict[int, int] = {}
    for candidate, raw in ranks.items():
        text = str(raw).strip()
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            raise BallotProblem(_("“%(text)s” is not a rank: write 1, 2, 3, ...") % {"text": text})
        given[candidate] = int(text)
    used = sorted(given.values())
    duplicates = sorted({rank for rank in used if used.count(rank) > 1})
    if duplicates:
        raise BallotProblem(
            _("Each rank can be given to one candidate only; used more than once: %(ranks)s.")
            % {"ranks": ", ".join(str(rank) for rank in duplicates)}
        )
    missing = [rank for rank in range(1, len(used) + 1) if rank not in given.values()]
    if missing:
        raise BallotProblem(
            _("Ranks must follow on without gaps (1, 2, 3, ...); missing: %(ranks)s.")
            % {"ranks": ", ".join(str(rank) for rank in missing)}
        )
    return [candidate for candidate, _rank in sorted(given.items(), key=lambda item: item[1])]


def check_ballot(
    method: str, seats: int, candidates: Iterable[Candidate], choices: Sequence[object]
) -> list[int] | list[str]:
    """The ballot as stored, or BallotProblem saying why it cannot be accepted."""
    if not isinstance(choices, list | tuple):
        raise BallotProblem(_("A ballot is a list of choices."))
    if method == YES_NO:
        if len(choices) != 1 or choices[0] not in YES_NO_CHOICES:
            raise BallotProblem(_("Choose yes or no."))
        return [str(choices[0])]
    standing = {candidate.id for candidate in candidates}
    picked: list[int] = []
    for choice in choices:
        if isinstance(choice, bool) or not isinstance(choice, int | str):
            raise BallotProblem(_("Choose candidates from the list on the ballot."))
        text = str(choice).strip()
        if not text.isdigit() or int(text) not in standing:
            raise BallotProblem(
                _("One of your choices is not a candidate in this election; reload the ballot.")
            )
        if int(text) in picked:
            raise BallotProblem(_("A candidate can appear only once on a ballot."))
        picked.append(int(text))
    if not picked:
        raise BallotProblem(_("Mark at least one candidate."))
    if method in RANKED_METHODS:
        return picked
    if method == "plurality" and len(picked) > seats:
        raise BallotProblem(
            ngettext(
                "Mark at most %(seats)d candidate: this election fills %(seats)d seat.",
                "Mark at most %(seats)d candidates: this election fills %(seats)d seats.",
                seats,
            )
            % {"seats": seats}
        )
    if method not in SET_METHODS:
        raise BallotProblem(_("Unknown voting method “%(method)s”.") % {"method": method})
    return sorted(picked)
