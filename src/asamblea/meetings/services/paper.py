"""Paper ballots for an election or a secret motion question, in the room.

What is voted on (an election, or a secret motion vote of the assembly, sealed) is the
paper vote's `Subject` (`paper_subjects.py`): the options the paper numbers (candidates
in the ballot's order; yes / no / abstain, or the motion's options), the roll, who has
voted, and how an online ballot is cancelled. Everything below is one code for both.

The officers print the papers (the candidates in the ballot's order, numbered, and the
box's audit number on each; how many were printed is recorded), mark on the roll each
member present who takes one (the election's `VoteCast` is written at once, so nobody
votes on paper and online; a member who voted online already has their online ballot
cancelled, unread: the vote in the room beats the vote online), and note a paper spoiled
at the table and replaced. At the count the tellers number the papers as they take them
out of the box (after mixing them), then enter each paper twice: two tellers, or one
teller twice after shuffling the papers. A paper counts once two of its entries agree;
while they differ, the paper is shown with what each entry said until someone enters it
again. For plurality and approval the tellers may instead each enter the tally sheet
(marks per candidate), which counts once two sheets agree.

At the close, the elections app (or deliberation, for a motion) reads the agreed papers
through `hooks.paper_ballots` (`read_paper_ballots`, below) and counts them with the
online ballots, with the same engine and the same publication ("mixed"). Papers are
anonymous: an entry holds the number written on the paper at the count and what it
says, never who cast it.

A member who voted online and takes a paper: their online ballot is deleted from the
sealed box by its cancel tag (`BallotBox.cancel_online`), in the same transaction; nothing
of it is read, and its tracker is neither published nor counted. A vote whose ballots
carry no cancel tag (not sealed, or opened before the tags) refuses them a paper: their
online ballot stands.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.deliberation.models import Motion
from asamblea.elections.models import Election
from asamblea.errors import Conflict, InvalidInput, NotFound
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Body
from asamblea.federation.services import require_officer
from asamblea.meetings.models import (
    Attendance,
    PaperEntry,
    PaperTally,
    PaperVote,
    PaperVoter,
    Room,
)
from asamblea.meetings.services.attendance import present_roll
from asamblea.meetings.services.paper_subjects import (
    ElectionSubject,
    MotionSubject,
    PaperOption,
    Subject,
    numbers_text,
    subject_of,
)
from asamblea.meetings.services.rooms import require_open, require_teller
from asamblea.meetings.services.votes import Outcome

MAX_PRINT = 2000  # papers in one print run: a few hundred sheets at most
AUDIT_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B
BLANK = "0"
PRINTABLE = (Election.Status.READY, Election.Status.VOTING)


def _audit_number() -> str:
    """A short code printed on every paper of one box, read aloud at the count."""
    code = "".join(secrets.choice(AUDIT_ALPHABET) for _n in range(8))
    return f"{code[:4]}-{code[4:]}"


def _lock(vote: PaperVote) -> PaperVote:
    return (
        PaperVote.objects.select_for_update(of=("self",))
        .select_related("room__meeting__body__federation", "election", "motion__body")
        .get(pk=vote.pk)
    )


def ballot_order(vote: PaperVote) -> list[PaperOption]:
    """The options as the paper numbers them (1, 2, 3 ...): an election's candidates in
    the ballot's published order; a motion's answers, or its options in their order."""
    return subject_of(vote).options()


# ---------------------------------------------------------------- before the vote


@transaction.atomic
def do_open_paper_vote(
    actor: User,
    room: Room,
    election: Election | Motion,
    entry: str = PaperVote.Entry.PAPERS,
    *,
    now: datetime | None = None,
) -> PaperVote:
    """An officer takes an election of the body, or a secret motion vote of the assembly,
    to paper in this room (`election`: the one or the other)."""
    now = now or timezone.now()
    require_officer(actor, room.meeting.body)
    require_open(room)
    if entry not in PaperVote.Entry.values:
        raise InvalidInput(_("Choose how the tellers enter the papers."))
    subject: Subject
    if isinstance(election, Motion):
        motion = Motion.objects.select_for_update().select_related("body").get(pk=election.pk)
        subject = MotionSubject(motion)
    else:
        subject = ElectionSubject(election)
    subject.require_takeable(room.meeting.body)
    if entry == PaperVote.Entry.TALLY and not subject.tally_allowed:
        raise InvalidInput(subject.no_tally())
    voted = {subject.kind: subject.vote}
    if PaperVote.objects.filter(**voted).exists():
        raise Conflict(subject.already_on_paper())
    return PaperVote.objects.create(
        room=room,
        **voted,
        entry=entry,
        audit_number=_audit_number(),
        opened_by=actor if actor.is_authenticated else None,
        opened_at=now,
    )


def _whole(value: Any, what: str) -> int:
    text = str(value).strip()
    if not text.isdecimal():
        raise InvalidInput(_("Write the %(what)s as a whole number, 0 or more.") % {"what": what})
    return int(text)


@transaction.atomic
def do_print_papers(actor: User, vote: PaperVote, count: Any) -> PaperVote:
    """An officer prints `count` more papers; the number printed is kept to reconcile."""
    vote = _lock(vote)
    require_officer(actor, vote.room.meeting.body)
    if not subject_of(vote).printable():
        raise Conflict(_("This vote is closed: no more papers are printed."))
    number = _whole(count, _("number of papers"))
    if not 1 <= number <= MAX_PRINT:
        raise InvalidInput(_("Print between 1 and %(max)d papers at a time.") % {"max": MAX_PRINT})
    vote.printed += number
    vote.save(update_fields=["printed"])
    return vote


# ---------------------------------------------------------------- at the table


@transaction.atomic
def do_mark_paper_voter(actor: User, vote: PaperVote, person_id: int) -> PaperVoter:
    """An officer at the table hands a paper to a member present and marks them on the
    roll as voted (officers see the names of the present roll; tellers count).

    A member who voted online already votes on paper instead: their online ballot is
    cancelled unread, in this transaction (their cast, `VoteCast` or `MotionCast`, stays).
    Refused when the vote's online ballots cannot be cancelled: their online ballot
    stands."""
    vote = _lock(vote)
    room = vote.room
    require_officer(actor, room.meeting.body)
    require_open(room)
    subject = subject_of(vote)
    subject.require_voting()
    present = Attendance.objects.filter(
        room=room, person_id=person_id, checked_out_at__isnull=True
    ).exists()
    if not present:
        raise InvalidInput(_("Only a member checked in to this meeting takes a paper here."))
    if not subject.on_roll(person_id):
        raise InvalidInput(
            _("This member is not on the vote's roll, drawn up when the vote opened.")
            if subject.kind == "motion"
            else _(
                "This member is not on the election's voter roll, drawn up when the vote opened."
            )
        )
    if not subject.still_member(person_id):
        raise InvalidInput(_("This person is no longer a member of the assembly: no paper."))
    if PaperVoter.objects.filter(vote=vote, person_id=person_id).exists():
        raise Conflict(_("This member has already taken a paper."))
    handed = PaperVoter.objects.filter(vote=vote).count()
    if handed + vote.spoiled >= vote.printed:
        raise Conflict(_("Every printed paper is handed out: print more first."))
    if subject.has_voted(person_id):
        # The vote in the room beats the vote online; their cast stands for both.
        subject.cancel_online(person_id)
    else:
        subject.mark_voted(person_id)
    return PaperVoter.objects.create(vote=vote, person_id=person_id)


@transaction.atomic
def do_replace_spoiled_paper(actor: User, vote: PaperVote) -> PaperVote:
    """A member spoilt their paper and hands it back: it is kept aside and a new one given."""
    vote = _lock(vote)
    require_officer(actor, vote.room.meeting.body)
    require_open(vote.room)
    subject_of(vote).require_voting()
    if PaperVoter.objects.filter(vote=vote).count() + vote.spoiled >= vote.printed:
        raise Conflict(_("Every printed paper is handed out: print more first."))
    vote.spoiled += 1
    vote.save(update_fields=["spoiled"])
    return vote


# ---------------------------------------------------------------- entering the papers


def parse_paper(text: str, subject: Subject, options: list[PaperOption]) -> list[Any]:
    """What a paper marks (its options' keys), from the numbers a teller typed ("3 1 4");
    [] for a blank or spoilt paper ("0"). Refused with a message saying what to type."""
    words = [word for word in re.split(r"[\s,;.\-]+", text.strip()) if word]
    if words == [BLANK]:
        return []
    if not words or not all(word.isdecimal() for word in words):
        raise InvalidInput(
            _(
                "Type the numbers of what the paper marks, in order, such as 3 1 4 (or 0 "
                "for a blank or spoilt paper)."
            )
            if subject.kind == "motion"
            else _(
                "Type the candidates' numbers as the paper shows them, in order, such as "
                "3 1 4 (or 0 for a blank or spoilt paper)."
            )
        )
    numbers = [int(word) for word in words]
    for number in numbers:
        if not 1 <= number <= len(options):
            raise InvalidInput(subject.no_such(number, len(options)))
    repeated = sorted({n for n, times in Counter(numbers).items() if times > 1})
    if repeated:
        raise InvalidInput(subject.typed_twice(repeated[0]))
    return subject.check([options[number - 1].key for number in numbers])


def _agreed(rankings: list[list[Any]]) -> list[Any] | None:
    """What two of a paper's entries agree on, or None."""
    for index, ranking in enumerate(rankings):
        if ranking in rankings[index + 1 :]:
            return ranking
    return None


@transaction.atomic
def do_enter_paper(
    actor: User, vote: PaperVote, number: Any, text: str, *, now: datetime | None = None
) -> Outcome:
    """A teller enters paper `number` as they read it ("3 1 4"). The paper counts once two
    entries of it agree (two tellers, or one teller twice in a different order)."""
    now = now or timezone.now()
    vote = _lock(vote)
    room = vote.room
    require_teller(actor, room)
    assert isinstance(actor, Login)  # a teller is logged in
    require_open(room)
    subject = subject_of(vote)
    subject.require_voting()
    if vote.entry != PaperVote.Entry.PAPERS:
        raise InvalidInput(_("This vote's papers are entered as a tally sheet."))
    paper = _whole(number, _("paper's number"))
    if not 1 <= paper <= vote.printed:
        raise InvalidInput(
            ngettext(
                "There is no paper %(number)d: %(printed)d paper was printed.",
                "There is no paper %(number)d: the papers are numbered 1 to %(printed)d at "
                "most (%(printed)d were printed).",
                vote.printed,
            )
            % {"number": paper, "printed": vote.printed}
        )
    ranking = parse_paper(text, subject, subject.options())
    entries = list(
        PaperEntry.objects.filter(vote=vote, number=paper).values_list("ranking", flat=True)
    )
    if _agreed(entries) is not None:
        raise Conflict(
            _("Paper %(number)d is entered twice already and both agree.") % {"number": paper}
        )
    last = PaperEntry.objects.filter(vote=vote, teller=actor).order_by("-pk").first()
    if last is not None and last.number == paper:
        raise Conflict(
            _(
                "You have just entered paper %(number)d: enter it again in your second pass, "
                "after shuffling the papers, or leave it to the other teller."
            )
            % {"number": paper}
        )
    PaperEntry.objects.create(
        vote=vote, number=paper, teller=actor, ranking=ranking, entered_at=now
    )
    if not entries:
        return Outcome.WAITING
    if ranking in entries:
        return Outcome.DECIDED
    return Outcome.DISCREPANCY


def _marks(value: Any, options: list[PaperOption], what: str) -> dict[str, int]:
    """{"<key>": marks} from the sheet's column {"<key>": "12"} (a candidacy id, or a
    motion's answer or option)."""
    given = value if isinstance(value, dict) else {}
    return {
        str(o.key): _whole(given.get(str(o.key), ""), what % {"name": o.label}) for o in options
    }


@transaction.atomic
def do_enter_tally(
    actor: User,
    vote: PaperVote,
    papers_in_box: Any,
    blank: Any,
    marks: dict[str, Any],
    *,
    now: datetime | None = None,
) -> Outcome:
    """A teller enters the tally sheet of a plurality or approval election, or of a
    single-choice question (yes / no / abstain): papers in the box, blank or spoilt ones,
    and each option's marks. Two agreeing sheets count."""
    now = now or timezone.now()
    vote = _lock(vote)
    room = vote.room
    require_teller(actor, room)
    assert isinstance(actor, Login)
    require_open(room)
    subject = subject_of(vote)
    subject.require_voting()
    if vote.entry != PaperVote.Entry.TALLY:
        raise InvalidInput(_("This vote's papers are entered one by one."))
    in_box = _whole(papers_in_box, _("number of papers in the box"))
    spoilt = _whole(blank, _("number of blank or spoilt papers"))
    counts = _marks(marks, subject.options(), _("marks for %(name)s"))
    handed = PaperVoter.objects.filter(vote=vote).count()
    if in_box > handed:
        raise InvalidInput(
            _(
                "%(box)d papers in the box, but only %(handed)d were handed out to members "
                "present: count again."
            )
            % {"box": in_box, "handed": handed}
        )
    if spoilt > in_box:
        raise InvalidInput(_("There are more blank or spoilt papers than papers in the box."))
    valid = in_box - spoilt
    most = max(counts.values(), default=0)
    if most > valid:
        raise InvalidInput(
            _("A candidate has %(marks)d marks but only %(valid)d papers are valid: count again.")
            % {"marks": most, "valid": valid}
        )
    subject.check_tally(sum(counts.values()), valid)
    if _agreed_tally(vote) is not None:
        raise Conflict(_("Two tally sheets agree already: the count is entered."))
    sheets = list(PaperTally.objects.filter(vote=vote, round=vote.tally_round))
    if any(sheet.teller_id == actor.pk for sheet in sheets):
        raise Conflict(
            _("You already entered your sheet of this round: the other teller enters theirs.")
        )
    PaperTally.objects.create(
        vote=vote,
        round=vote.tally_round,
        teller=actor,
        papers=in_box,
        blank=spoilt,
        marks=counts,
        entered_at=now,
    )
    if not sheets:
        return Outcome.WAITING
    other = sheets[0]
    if (other.papers, other.blank, other.marks) != (in_box, spoilt, counts):
        vote.tally_round += 1
        vote.save(update_fields=["tally_round"])
        return Outcome.DISCREPANCY
    return Outcome.DECIDED


def _agreed_tally(vote: PaperVote) -> PaperTally | None:
    sheets = list(PaperTally.objects.filter(vote=vote))
    rounds: dict[int, list[PaperTally]] = {}
    for sheet in sheets:
        rounds.setdefault(sheet.round, []).append(sheet)
    for rows in rounds.values():
        if len(rows) == 2 and (rows[0].papers, rows[0].blank, rows[0].marks) == (
            rows[1].papers,
            rows[1].blank,
            rows[1].marks,
        ):
            return rows[0]
    return None


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class Discrepancy:
    """A paper whose entries do not agree: its number and what each entry said."""

    number: int
    readings: list[tuple[str, str]]  # (teller's login name, the paper as they entered it)


@dataclass(frozen=True)
class PaperState:
    """Where the papers of a paper vote stand: the reconciliation and the entry."""

    vote: PaperVote
    subject: Subject
    options: list[PaperOption]  # as the paper numbers them
    handed_out: int
    entered: int  # distinct papers with at least one entry
    agreed: int
    waiting: list[int]  # papers entered once
    discrepancies: list[Discrepancy]
    invalid: int  # agreed papers that are blank or spoilt
    rankings: list[list[Any]]  # the agreed valid papers, as the count reads them
    tally: PaperTally | None  # the agreed tally sheet
    tally_discrepancies: list[list[PaperTally]]

    @property
    def unused(self) -> int:
        return max(self.vote.printed - self.handed_out - self.vote.spoiled, 0)

    @property
    def in_box(self) -> int:
        if self.vote.entry == PaperVote.Entry.TALLY:
            return self.tally.papers if self.tally is not None else 0
        return self.entered

    def facts(self) -> dict[str, Any]:
        """What the record publishes of the papers (no names, no numbers of papers)."""
        return {
            "meeting": self.vote.room.meeting_id,
            "audit_number": self.vote.audit_number,
            "entry": self.vote.entry,
            "printed": self.vote.printed,
            "handed_out": self.handed_out,
            "spoiled": self.vote.spoiled,
            "unused": self.unused,
            "in_box": self.in_box,
            "invalid": self.invalid,
            "unresolved": len(self.waiting) + len(self.discrepancies),
            "ballots": len(self.rankings),
        }


def paper_state(vote: PaperVote) -> PaperState:
    """The papers as they stand now (the vote read afresh: its counts change under it)."""
    vote = PaperVote.objects.select_related("room__meeting", "election", "motion__body").get(
        pk=vote.pk
    )
    subject = subject_of(vote)
    options = subject.options()
    handed = PaperVoter.objects.filter(vote=vote).count()
    by_paper: dict[int, list[tuple[int, list[Any]]]] = {}
    # Every entry is read on each page of the count: plain rows, only what agreement needs.
    for number, teller_id, ranking in PaperEntry.objects.filter(vote=vote).values_list(
        "number", "teller_id", "ranking"
    ):
        by_paper.setdefault(number, []).append((teller_id, ranking))
    differing: list[tuple[int, list[tuple[int, list[Any]]]]] = []
    waiting: list[int] = []
    discrepancies: list[Discrepancy] = []
    rankings: list[list[Any]] = []
    invalid = agreed = 0
    for number, entries in sorted(by_paper.items()):
        found = _agreed([ranking for _teller, ranking in entries])
        if found is not None:
            agreed += 1
            if found:
                rankings.append(list(found))
            else:
                invalid += 1
        elif len(entries) == 1:
            waiting.append(number)
        else:
            differing.append((number, entries))
    if differing:
        tellers = {
            user.pk: user.get_username()
            for user in get_user_model().objects.filter(
                pk__in={teller for _n, rows in differing for teller, _r in rows}
            )
        }
        discrepancies = [
            Discrepancy(
                number, [(tellers[t], numbers_text(ranking, options)) for t, ranking in entries]
            )
            for number, entries in differing
        ]
    tally = None
    tally_discrepancies: list[list[PaperTally]] = []
    if vote.entry == PaperVote.Entry.TALLY:
        tally = _agreed_tally(vote)
        if tally is not None:
            invalid = tally.blank
            keys = {str(o.key): o.key for o in options}
            for key, marks in tally.marks.items():
                rankings += [[keys[key]]] * int(marks)
        rounds: dict[int, list[PaperTally]] = {}
        for sheet in PaperTally.objects.filter(vote=vote).select_related("teller"):
            rounds.setdefault(sheet.round, []).append(sheet)
        tally_discrepancies = [
            rows for rows in rounds.values() if len(rows) == 2 and rows[0] is not tally
        ]
        tally_discrepancies = [
            rows
            for rows in tally_discrepancies
            if (rows[0].papers, rows[0].blank, rows[0].marks)
            != (rows[1].papers, rows[1].blank, rows[1].marks)
        ]
    return PaperState(
        vote=vote,
        subject=subject,
        options=options,
        handed_out=handed,
        entered=len(by_paper),
        agreed=agreed,
        waiting=waiting,
        discrepancies=discrepancies,
        invalid=invalid,
        rankings=rankings,
        tally=tally,
        tally_discrepancies=tally_discrepancies,
    )


def access_paper_vote(room: Room, vote_id: int) -> PaperVote:
    vote = (
        PaperVote.objects.filter(room=room, pk=vote_id)
        .select_related("room__meeting__body__federation", "election", "motion__body")
        .first()
    )
    if vote is None:
        raise NotFound(_("There is no such paper vote in this meeting."))
    return vote


def paper_votes_of(room: Room) -> list[PaperVote]:
    return list(
        PaperVote.objects.filter(room=room)
        .select_related("election__delegation__council", "election__command", "motion")
        .order_by("pk")
    )


def paper_voter_ids(vote: PaperVote) -> set[int]:
    return set(PaperVoter.objects.filter(vote=vote).values_list("person_id", flat=True))


@hooks.paper_ballots.register(name="meetings")
def read_paper_ballots(voted: Any) -> hooks.PaperBallots | None:
    """The agreed papers of an election or a motion, for its count (`hooks.paper_ballots`)."""
    if isinstance(voted, Motion):
        found = PaperVote.objects.filter(motion=voted)
    elif isinstance(voted, Election):
        found = PaperVote.objects.filter(election=voted)
    else:
        return None
    vote = found.select_related("room", "election", "motion__body").first()
    if vote is None:
        return None
    state = paper_state(vote)
    return hooks.PaperBallots(rankings=state.rankings, facts=state.facts())


def elections_for_paper(room: Room) -> list[Election]:
    """The body's elections an officer may take to paper in this room now."""
    return list(
        Election.objects.filter(constituency=room.meeting.body, status__in=PRINTABLE)
        .exclude(method=Election.Method.YES_NO)
        .exclude(paper_vote__isnull=False)
        .select_related("delegation__council", "command")
        .order_by("pk")
    )


def motions_for_paper(room: Room) -> list[Motion]:
    """The assembly's secret motion votes, sealed, that an officer may take to paper in
    this room now (tabled or being voted; an assembly's secret vote is sealed)."""
    body = room.meeting.body
    if body.kind != Body.Kind.BASE:
        return []
    return list(
        Motion.objects.filter(
            body=body, secret=True, status__in=(Motion.Status.TABLED, Motion.Status.VOTING)
        )
        .exclude(paper_vote__isnull=False)
        .order_by("pk")
    )


@dataclass(frozen=True)
class TableRow:
    """A member present, as the table sees them: whether they took a paper or voted online."""

    attendance: Attendance
    on_paper: bool
    online: bool  # voted online (and no paper yet)
    cancellable: bool  # their online ballot is cancelled if they take a paper


def table_rows(actor: User, vote: PaperVote) -> list[TableRow]:
    """The present roll at the table (names: officers only)."""
    room = vote.room
    require_officer(actor, room.meeting.body)
    on_paper = paper_voter_ids(vote)
    subject = subject_of(vote)
    cast = subject.voted_ids()
    cancellable = subject.cancellable()
    rows = []
    for a in present_roll(room):
        online = a.person_id in cast and a.person_id not in on_paper
        rows.append(TableRow(a, a.person_id in on_paper, online, online and cancellable))
    return rows


def next_paper_number(actor: User, vote: PaperVote) -> int:
    """The paper a teller most likely enters next: one after their last."""
    last = (
        PaperEntry.objects.filter(vote=vote, teller_id=actor.pk)
        .order_by("-pk")
        .values_list("number", flat=True)
        .first()
    )
    return 1 if last is None else last + 1
