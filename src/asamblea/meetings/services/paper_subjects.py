"""What a paper vote in the room votes on: an election, or a secret motion question.

The paper code (`paper.py`: printing, the table, the tellers' entries, the tally sheet,
the reconciliation, the count's reader) is one for both; what differs is behind
`Subject`: the options a paper numbers, whether it ranks them or marks one, the roll,
who has voted, and how an online ballot is cancelled unread when its voter takes a
paper (the elections app's `do_cancel_online_ballot`, deliberation's
`do_cancel_online_motion_ballot`: both through `BallotBox.cancel_online`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Mandate, Motion, MotionCast, MotionRoll
from asamblea.deliberation.services.motions import option_labels
from asamblea.deliberation.services.sealed import motion_is_sealed_kind
from asamblea.elections import ballots as papers
from asamblea.elections.models import Election, RollEntry, VoteCast
from asamblea.elections.services import (
    do_cancel_online_ballot,
    election_title,
    online_ballots_cancellable,
    standing,
)
from asamblea.errors import Conflict, InvalidInput
from asamblea.federation.membership import eligible_people
from asamblea.federation.models import Body


@dataclass(frozen=True)
class PaperOption:
    """One line of the paper, numbered 1, 2, 3 ... in this order: what an entry stores
    (`key`: a candidacy id, or a motion's choice or option label) and what is printed."""

    key: Any
    label: str


class Subject:
    """An election or a secret motion vote, as the paper code needs it."""

    kind: str  # "election" or "motion"
    vote: Any

    # How a paper is marked: "ranked" (1, 2, 3 ...), "set" (marks, as approval or
    # plurality) or "single" (one option: a yes/no/abstain question).
    marking: str = "ranked"

    @property
    def body(self) -> Body:
        raise NotImplementedError

    def title(self) -> str:
        raise NotImplementedError

    def status_label(self) -> str:
        raise NotImplementedError

    def voting(self) -> bool:
        raise NotImplementedError

    def printable(self) -> bool:
        raise NotImplementedError

    def closed(self) -> bool:
        raise NotImplementedError

    def options(self) -> list[PaperOption]:
        raise NotImplementedError

    def check(self, keys: list[Any]) -> list[Any]:
        """The paper as stored, or InvalidInput saying why it is spoilt."""
        raise NotImplementedError

    def check_tally(self, total: int, valid: int) -> None:
        """Refuse a tally sheet whose marks (`total`) cannot come from `valid` papers."""
        raise NotImplementedError

    def on_roll(self, person_id: int) -> bool:
        raise NotImplementedError

    def has_voted(self, person_id: int) -> bool:
        raise NotImplementedError

    def voted_ids(self) -> set[int]:
        raise NotImplementedError

    def mark_voted(self, person_id: int) -> None:
        raise NotImplementedError

    def cancel_online(self, person_id: int) -> None:
        raise NotImplementedError

    def cancellable(self) -> bool:
        raise NotImplementedError

    def require_takeable(self, body: Body) -> None:
        """Refuse, saying why, a vote that this meeting's room cannot take to paper."""
        raise NotImplementedError

    def no_tally(self) -> str:
        raise NotImplementedError

    def already_on_paper(self) -> str:
        raise NotImplementedError

    @property
    def tally_allowed(self) -> bool:
        return self.marking in ("set", "single")

    def require_voting(self) -> None:
        if not self.voting():
            if self.closed():
                raise Conflict(_("This vote is closed: no more papers are taken or entered."))
            raise Conflict(_("The vote has not opened yet: papers are handed out once it opens."))

    def no_such(self, number: int, count: int) -> str:
        return ngettext(
            "There is no answer %(number)d: the paper has %(count)d answer.",
            "There is no answer %(number)d: the paper numbers them 1 to %(count)d.",
            count,
        ) % {"number": number, "count": count}

    def typed_twice(self, number: int) -> str:
        return _(
            "Answer %(number)d is typed twice. A paper marking an answer twice is spoilt: type 0."
        ) % {"number": number}

    def still_member(self, person_id: int) -> bool:
        return eligible_people(self.body).filter(pk=person_id).exists()


class ElectionSubject(Subject):
    kind = "election"

    def __init__(self, election: Election) -> None:
        self.vote = election
        self.marking = "set" if election.method in papers.SET_METHODS else "ranked"

    @property
    def body(self) -> Body:
        return self.vote.constituency  # type: ignore[no-any-return]

    def title(self) -> str:
        return election_title(self.vote)

    def status_label(self) -> str:
        return str(self.vote.get_status_display())

    def voting(self) -> bool:
        return bool(self.vote.status == Election.Status.VOTING)

    def printable(self) -> bool:
        return self.vote.status in (Election.Status.READY, Election.Status.VOTING)

    def closed(self) -> bool:
        return self.vote.status in (Election.Status.CLOSED, Election.Status.CANCELLED)

    def options(self) -> list[PaperOption]:
        return [PaperOption(c.pk, c.public_name) for c in standing(self.vote)]

    def check(self, keys: list[Any]) -> list[Any]:
        election = self.vote
        try:
            stored = papers.check_ballot(
                election.method,
                election.seats,
                [papers.Candidate(o.key, o.label) for o in self.options()],
                keys,
            )
        except papers.BallotProblem as problem:
            raise InvalidInput(
                _("This paper is spoilt (%(problem)s): type 0.") % {"problem": problem}
            ) from None
        return [int(choice) for choice in stored]

    def check_tally(self, total: int, valid: int) -> None:
        election = self.vote
        plurality = election.method == Election.Method.PLURALITY
        if plurality and election.seats == 1 and total != valid:
            raise InvalidInput(
                _(
                    "Each valid paper marks one candidate: the marks (%(total)d) must add up "
                    "to the valid papers (%(valid)d)."
                )
                % {"total": total, "valid": valid}
            )
        if plurality and total > valid * election.seats:
            raise InvalidInput(
                _("%(total)d marks is more than the %(valid)d valid papers can hold: count again.")
                % {"total": total, "valid": valid}
            )

    def on_roll(self, person_id: int) -> bool:
        return RollEntry.objects.filter(election=self.vote, person_id=person_id).exists()

    def has_voted(self, person_id: int) -> bool:
        return VoteCast.objects.filter(election=self.vote, person_id=person_id).exists()

    def voted_ids(self) -> set[int]:
        return set(VoteCast.objects.filter(election=self.vote).values_list("person_id", flat=True))

    def mark_voted(self, person_id: int) -> None:
        VoteCast.objects.create(election=self.vote, person_id=person_id)

    def cancel_online(self, person_id: int) -> None:
        do_cancel_online_ballot(self.vote, person_id)

    def cancellable(self) -> bool:
        return online_ballots_cancellable(self.vote)

    def require_takeable(self, body: Body) -> None:
        election = self.vote
        if election.constituency_id != body.pk:
            raise InvalidInput(_("Only an election of this meeting's assembly is voted here."))
        if not self.printable():
            raise Conflict(
                _("Papers are printed once the candidates are known, until the vote closes.")
            )
        if election.method == Election.Method.YES_NO:
            raise InvalidInput(_("A recall vote is not voted on paper in the room."))

    def no_tally(self) -> str:
        return _(
            "A tally sheet counts marks, not preferences: a ranked election's papers "
            "are entered one by one."
        )

    def already_on_paper(self) -> str:
        return _("This election is already voted on paper.")

    def require_voting(self) -> None:
        if not self.voting():
            if self.closed():
                raise Conflict(_("This election is closed: no more papers are taken or entered."))
            raise Conflict(_("The vote has not opened yet: papers are handed out once it opens."))

    def no_such(self, number: int, count: int) -> str:
        return ngettext(
            "There is no candidate %(number)d: the paper has %(count)d candidate.",
            "There is no candidate %(number)d: the paper numbers them 1 to %(count)d.",
            count,
        ) % {"number": number, "count": count}

    def typed_twice(self, number: int) -> str:
        return _(
            "Candidate %(number)d is typed twice. A paper naming a candidate twice is "
            "spoilt: type 0."
        ) % {"number": number}


def _single_labels(motion: Motion) -> list[PaperOption]:
    if motion.kind == Motion.Kind.MANDATE:
        return [PaperOption(c.value, str(c.label)) for c in Mandate.Instruction]
    return [
        PaperOption("yes", _("Yes")),
        PaperOption("no", _("No")),
        PaperOption("abstain", _("Abstain")),
    ]


class MotionSubject(Subject):
    kind = "motion"

    def __init__(self, motion: Motion) -> None:
        self.vote = motion
        self.marking = "ranked" if motion.kind == Motion.Kind.OPTIONS else "single"

    @property
    def body(self) -> Body:
        return self.vote.body  # type: ignore[no-any-return]

    def title(self) -> str:
        return str(self.vote.title)

    def status_label(self) -> str:
        return str(self.vote.get_status_display())

    def voting(self) -> bool:
        return bool(self.vote.status == Motion.Status.VOTING)

    def printable(self) -> bool:
        return self.vote.status in (Motion.Status.TABLED, Motion.Status.VOTING)

    def closed(self) -> bool:
        return not self.printable()

    def options(self) -> list[PaperOption]:
        if self.marking == "ranked":
            return [PaperOption(label, label) for label in option_labels(self.vote)]
        return _single_labels(self.vote)

    def check(self, keys: list[Any]) -> list[Any]:
        if self.marking == "single" and len(keys) != 1:
            raise InvalidInput(_("This paper is spoilt (it marks more than one answer): type 0."))
        return list(keys)

    def check_tally(self, total: int, valid: int) -> None:
        if total != valid:
            raise InvalidInput(
                _(
                    "Each valid paper marks one answer: the marks (%(total)d) must add up to "
                    "the valid papers (%(valid)d)."
                )
                % {"total": total, "valid": valid}
            )

    def on_roll(self, person_id: int) -> bool:
        return MotionRoll.objects.filter(motion=self.vote, person_id=person_id).exists()

    def has_voted(self, person_id: int) -> bool:
        return MotionCast.objects.filter(motion=self.vote, person_id=person_id).exists()

    def voted_ids(self) -> set[int]:
        return set(MotionCast.objects.filter(motion=self.vote).values_list("person_id", flat=True))

    def mark_voted(self, person_id: int) -> None:
        MotionCast.objects.create(motion=self.vote, person_id=person_id)

    def cancel_online(self, person_id: int) -> None:
        deliberation.do_cancel_online_motion_ballot(self.vote, person_id)

    def cancellable(self) -> bool:
        return deliberation.motion_ballots_cancellable(self.vote)

    def require_takeable(self, body: Body) -> None:
        require_paper_motion(self.vote, body)

    def no_tally(self) -> str:
        return _(
            "A tally sheet counts marks, not preferences: a ranked vote's papers are "
            "entered one by one."
        )

    def already_on_paper(self) -> str:
        return _("This motion is already voted on paper.")


def subject_of(vote: Any) -> Subject:
    """The subject of a `PaperVote` (its election or its motion)."""
    if vote.election_id is not None:
        return ElectionSubject(vote.election)
    return MotionSubject(vote.motion)


def require_paper_motion(motion: Motion, body: Body) -> None:
    """Only a secret motion vote of this assembly, sealed, is voted on paper in the room."""
    if motion.body_id != body.pk:
        raise InvalidInput(_("Only a motion of this meeting's assembly is voted here."))
    if not motion_is_sealed_kind(motion):
        raise InvalidInput(
            _(
                "Only a secret vote of an assembly is voted on paper: an open vote is "
                "counted by show of hands."
            )
        )
    if motion.status not in (Motion.Status.TABLED, Motion.Status.VOTING):
        raise Conflict(_("Papers are printed for a motion tabled or being voted."))


def numbers_text(keys: Sequence[Any], options: Sequence[PaperOption]) -> str:
    """A stored paper as the tellers type it: the options' numbers ("3 1 4"), 0 if blank."""
    numbers = {o.key: n for n, o in enumerate(options, 1)}
    return " ".join(str(numbers.get(key, "?")) for key in keys) or "0"
