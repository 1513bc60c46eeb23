"""Deliberation: every state change (`do_*`, one transaction each) and the reads that check
permission (`access_*`).

Who is a member of a body (may propose, second, amend, comment and vote):
in a base assembly its verified members; in a council the delegates, i.e.
the holders of HELD seats in delegations into it; in a command the holders of
its offices. Officers (and federation admins) open and close votes, meetings,
referendums and calls; they vote only if they are members too.

A motion: proposed by a member -> tabled when another member seconds it ->
amendments (motions that replace its text) proposed, seconded and voted
before it -> an officer opens the vote (threshold, quorum, secret or not) ->
members vote -> an officer (or the clock) closes it -> counted under
`rules.decide`; passed, it becomes a numbered resolution. Every public fact
goes to the record in the same transaction (see docs/deliberation.md for the
entries).

Votes in councils and commands are open roll calls, one vote per seat: a seat
whose holder is recalled (or resigns) before the close loses its vote, and
whoever fills it by countback may vote in its place; the published roll call
lists the struck votes. In base assemblies the body chooses an open vote
(each member's vote visible to the body's members, only the totals public) or
a secret ballot (casts apart from ballots, as in the elections app).
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    already_voted,
    lock_for_casting,
    min_voters_for_breakdown,
    reshuffle_due,
)
from asamblea.deliberation import rules
from asamblea.deliberation.models import (
    AgendaItem,
    CallToAction,
    Comment,
    Mandate,
    Meeting,
    Motion,
    MotionBallot,
    MotionCast,
    MotionOption,
    MotionRoll,
    MotionVote,
    QuorumBasis,
    Referendum,
    ReferendumBallot,
    ReferendumRoll,
    Resolution,
    Threshold,
    Uptake,
)
from asamblea.elections.models import Seat
from asamblea.elections.recount import seed_commitment
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, person_of, public_row, require_member
from asamblea.federation.membership import is_member as is_member  # the pages ask `services`
from asamblea.federation.models import Body, Delegation, Federation, Membership, Person, Sector
from asamblea.federation.services import Graph, require_officer
from asamblea.record.services import Event, append_entries

TITLE_MAX = 200
TEXT_MAX = 20_000
COMMENT_MAX = 4_000
OPTIONS_MAX = 12
NOTE_MAX = 500
# Trackers are published in entries of this many, so a million-member referendum
# makes a hundred entries rather than one of 64 MB.
TRACKERS_PER_ENTRY = 10_000
UNDECIDED = (Motion.Status.PROPOSED, Motion.Status.TABLED, Motion.Status.VOTING)
BLOCKING_AMENDMENT = (Motion.Status.TABLED, Motion.Status.VOTING)
YES_NO_ABSTAIN = frozenset(c.value for c in rules.Choice)


# ---------------------------------------------------------------- who is who
# (membership and eligibility: federation/membership.py)


def seats_in(body: Body) -> QuerySet[Seat]:
    """The held seats that make their holders members of a council or command."""
    if body.kind == Body.Kind.COUNCIL:
        return Seat.objects.filter(delegation__council=body, status=Seat.Status.HELD)
    if body.kind == Body.Kind.COMMAND:
        return Seat.objects.filter(command=body, status=Seat.Status.HELD)
    return Seat.objects.none()


def member_seats(person: Person, body: Body) -> list[Seat]:
    return list(
        seats_in(body).filter(holder=person).select_related("delegation__source").order_by("pk")
    )


def public_name(person: Person, body: Body) -> str:
    """The name published for a member's part in `body`: a delegate's seat name, else ""."""
    if body.kind == Body.Kind.BASE:
        return ""
    seat = seats_in(body).filter(holder=person).order_by("pk").first()
    return seat.public_name if seat is not None else ""


def rule_of(item: Motion | Referendum) -> rules.Rule:
    return rules.Rule(
        rules.Threshold(item.threshold),
        rules.Quorum(
            rules.QuorumBasis(item.quorum_basis), Fraction(item.quorum_share), item.quorum_strict
        ),
    )


def council_seats(body: Body) -> int:
    """All seats of a council (or command) in the current term, vacant ones included."""
    if body.kind == Body.Kind.COUNCIL:
        total = sum(Delegation.objects.filter(council=body).values_list("seats", flat=True))
    elif body.kind == Body.Kind.COMMAND:
        total = body.seat_total or 0
    else:
        return 0
    # Never fewer seats than are held (a term whose seats were not yet recorded).
    return max(total, seats_in(body).count())


# ---------------------------------------------------------------- reads


def access_motion(user: User, federation: Federation, motion_id: int) -> Motion:
    """A motion's public facts: anyone may read them, logged in or not."""
    return public_row(
        Motion.objects.select_related(
            "body__federation", "body__level", "amends", "mandate_for__body", "federation"
        ),
        _("There is no motion number %(id)s.") % {"id": motion_id},
        federation=federation,
        pk=motion_id,
    )


def motions_of(body: Body) -> QuerySet[Motion]:
    return (
        Motion.objects.filter(body=body, amends__isnull=True)
        .exclude(kind=Motion.Kind.MANDATE)
        .order_by("-created_at")
    )


def access_resolution(user: User, body: Body, number: int) -> Resolution:
    """A resolution as adopted: public."""
    return public_row(
        Resolution.objects.select_related("motion", "body__federation"),
        _("%(body)s has no resolution number %(n)s.") % {"body": body.name, "n": number},
        body=body,
        number=number,
    )


def access_meeting(user: User, federation: Federation, meeting_id: int) -> Meeting:
    """A meeting and its agenda: public."""
    missing = _("There is no meeting number %(id)s.") % {"id": meeting_id}
    meetings = Meeting.objects.select_related("body__federation")
    return public_row(meetings, missing, federation=federation, pk=meeting_id)


def access_referendum(user: User, federation: Federation, referendum_id: int) -> Referendum:
    """A referendum's public facts (its live turnout included): public."""
    missing = _("There is no referendum number %(id)s.") % {"id": referendum_id}
    referendums = Referendum.objects.select_related("motion", "council__federation")
    return public_row(referendums, missing, federation=federation, pk=referendum_id)


def access_call(user: User, federation: Federation, call_id: int) -> CallToAction:
    """A call to action and its uptake: public."""
    missing = _("There is no call number %(id)s.") % {"id": call_id}
    calls = CallToAction.objects.select_related("resolution", "council__federation")
    return public_row(calls, missing, federation=federation, pk=call_id)


def amendments_of(motion: Motion) -> list[Motion]:
    return list(motion.amendments.order_by("created_at", "pk"))


def option_labels(motion: Motion) -> list[str]:
    return list(motion.options.order_by("position").values_list("label", flat=True))


# ---------------------------------------------------------------- the record


def _motion_facts(motion: Motion) -> dict[str, Any]:
    return {"motion": motion.pk, "body": motion.body.slug, "kind": motion.kind}


def _lock(motion: Motion) -> Motion:
    return Motion.objects.select_for_update().select_related("body__federation").get(pk=motion.pk)


# ---------------------------------------------------------------- proposing


def _clean_text(value: str, what: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(_("Write the %(what)s.") % {"what": what})
    if len(text) > limit:
        raise InvalidInput(
            _("Keep the %(what)s under %(n)d characters.") % {"what": what, "n": limit}
        )
    return text


@transaction.atomic
def do_propose_motion(
    actor: User,
    body: Body,
    *,
    title: str,
    text: str,
    kind: str = Motion.Kind.MOTION,
    options: Sequence[str] = (),
) -> Motion:
    """A member proposes a motion (or a choice among options) in their body."""
    person = require_member(actor, body)
    if kind not in (Motion.Kind.MOTION, Motion.Kind.OPTIONS):
        raise InvalidInput(_("A motion is either a yes/no motion or a choice among options."))
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    text = _clean_text(text, _("text of the motion"), TEXT_MAX)
    labels = [" ".join(o.split()) for o in options if o.strip()]
    if kind == Motion.Kind.OPTIONS:
        if len(labels) < 2:
            raise InvalidInput(_("Give at least two options to choose between."))
        if len(labels) > OPTIONS_MAX:
            raise InvalidInput(_("Give at most %(n)d options.") % {"n": OPTIONS_MAX})
        if len(set(labels)) != len(labels):
            raise InvalidInput(_("Two options read the same: make each one different."))
        if any(len(label) > TITLE_MAX for label in labels):
            raise InvalidInput(_("Keep each option under %(n)d characters.") % {"n": TITLE_MAX})
    elif labels:
        raise InvalidInput(_("Only a choice among options has options."))
    motion = Motion.objects.create(
        federation=body.federation,
        body=body,
        kind=kind,
        title=title,
        text=text,
        original_text=text,
        proposer=person,
        proposer_name=public_name(person, body),
        quorum_basis=_default_quorum(body),
    )
    MotionOption.objects.bulk_create(
        [MotionOption(motion=motion, position=n, label=label) for n, label in enumerate(labels)]
    )
    append_entries(
        body.federation,
        [
            Event(
                "motion.proposed",
                {
                    **_motion_facts(motion),
                    "title": title,
                    "text": text,
                    "options": labels,
                    "proposer": motion.proposer_name or None,
                },
                body=body,
            )
        ],
    )
    return motion


def _default_quorum(body: Body) -> str:
    # Councils decide with more than half of their seats present; an assembly
    # sets its own quorum when it opens a vote.
    return QuorumBasis.SEATS if body.kind != Body.Kind.BASE else QuorumBasis.NONE


@transaction.atomic
def do_propose_amendment(actor: User, motion: Motion, *, text: str, title: str = "") -> Motion:
    """A member proposes to replace the text of a motion not yet put to the vote."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.kind != Motion.Kind.MOTION:
        raise InvalidInput(_("Only a motion's text can be amended."))
    if motion.status not in (Motion.Status.PROPOSED, Motion.Status.TABLED):
        raise Conflict(_("This motion is no longer open to amendments."))
    text = _clean_text(text, _("amended text"), TEXT_MAX)
    if text == motion.text:
        raise InvalidInput(_("The amended text is the same as the motion's text."))
    amendment = Motion.objects.create(
        federation=body.federation,
        body=body,
        kind=Motion.Kind.AMENDMENT,
        amends=motion,
        # Without a title of its own it carries its motion's; pages say it is an amendment.
        title=" ".join((title or motion.title).split())[:TITLE_MAX],
        text=text,
        original_text=text,
        proposer=person,
        proposer_name=public_name(person, body),
        quorum_basis=_default_quorum(body),
    )
    append_entries(
        body.federation,
        [
            Event(
                "motion.proposed",
                {
                    **_motion_facts(amendment),
                    "amends": motion.pk,
                    "title": amendment.title,
                    "text": text,
                    "options": [],
                    "proposer": amendment.proposer_name or None,
                },
                body=body,
            )
        ],
    )
    return amendment


@transaction.atomic
def do_second_motion(actor: User, motion: Motion) -> Motion:
    """Another member seconds a proposed motion (or amendment): it is tabled for debate."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.status != Motion.Status.PROPOSED:
        raise Conflict(_("This motion is not waiting for a seconder."))
    if motion.proposer_id == person.pk:
        raise InvalidInput(_("A motion needs a seconder other than its proposer."))
    if motion.amends_id is not None and motion.amends.status not in (
        Motion.Status.PROPOSED,
        Motion.Status.TABLED,
    ):
        raise Conflict(_("The motion this amends is no longer open to amendments."))
    motion.status = Motion.Status.TABLED
    motion.seconder = person
    motion.seconder_name = public_name(person, body)
    motion.save(update_fields=["status", "seconder", "seconder_name"])
    facts: dict[str, Any] = {**_motion_facts(motion), "seconder": motion.seconder_name or None}
    if motion.kind == Motion.Kind.MOTION and body.kind == Body.Kind.COUNCIL:
        # The constituent bodies may now instruct their delegates (a mandate).
        facts["constituencies"] = sorted(
            Delegation.objects.filter(council=body).values_list("source__slug", flat=True)
        )
    append_entries(body.federation, [Event("motion.tabled", facts, body=body)])
    return motion


@transaction.atomic
def do_withdraw_motion(actor: User, motion: Motion) -> Motion:
    """The proposer withdraws their motion before the vote opens."""
    motion = _lock(motion)
    person = person_of(actor, motion.federation)
    if person is None or person.pk != motion.proposer_id:
        raise PermissionDenied(_("Only the member who proposed it can withdraw a motion."))
    if motion.status not in (Motion.Status.PROPOSED, Motion.Status.TABLED):
        raise Conflict(_("Once the vote is open a motion can no longer be withdrawn."))
    motion.status = Motion.Status.WITHDRAWN
    motion.save(update_fields=["status"])
    append_entries(
        motion.federation, [Event("motion.withdrawn", _motion_facts(motion), body=motion.body)]
    )
    return motion


@transaction.atomic
def do_comment(actor: User, motion: Motion, text: str) -> Comment:
    """A member adds to the debate on a motion that is not yet decided."""
    motion = _lock(motion)
    body = motion.body
    person = require_member(actor, body)
    if motion.status not in UNDECIDED:
        raise Conflict(_("The debate on this motion is closed."))
    text = _clean_text(text, _("comment"), COMMENT_MAX)
    return Comment.objects.create(
        motion=motion, author=person, author_name=public_name(person, body), text=text
    )


# ---------------------------------------------------------------- opening a vote


def _aware(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise InvalidInput(_("Give the closing time as a date and time with its time zone."))
    if value <= now:
        raise InvalidInput(_("The closing time must be in the future."))
    return value


def _parse_share(share: str) -> str:
    try:
        value = Fraction(share.strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(
            _("Write the quorum as a fraction such as 1/2 or 2/3, not “%(s)s”.") % {"s": share}
        ) from None
    if not 0 < value <= 1:
        raise InvalidInput(_("A quorum is a share between 0 and 1, such as 1/2."))
    return f"{value.numerator}/{value.denominator}"


def _set_rule(
    item: Motion | Referendum,
    threshold: str | None,
    quorum_basis: str | None,
    quorum_share: str | None,
    quorum_strict: bool | None,
) -> None:
    if threshold is not None:
        if threshold not in Threshold.values:
            raise InvalidInput(_("Choose simple, absolute or two-thirds majority."))
        item.threshold = threshold
    if quorum_basis is not None:
        if quorum_basis not in QuorumBasis.values:
            raise InvalidInput(_("Choose a quorum of seats, of members, or none."))
        item.quorum_basis = quorum_basis
    if quorum_share is not None:
        item.quorum_share = _parse_share(quorum_share)
    if quorum_strict is not None:
        item.quorum_strict = quorum_strict
    try:
        rule_of(item)
    except InvalidInput as error:
        raise InvalidInput(str(error)) from None


def _freeze_roll(motion: Motion) -> int:
    people = (
        Membership.objects.filter(body=motion.body, status=Membership.Status.VERIFIED)
        .values_list("person_id", flat=True)
        .distinct()
    )
    MotionRoll.objects.bulk_create(
        [MotionRoll(motion=motion, person_id=p) for p in people], batch_size=2000
    )
    return MotionRoll.objects.filter(motion=motion).count()


def _open(motion: Motion, actor: User | None, closes_at: datetime | None, now: datetime) -> Event:
    body = motion.body
    motion.status = Motion.Status.VOTING
    motion.opened_at = now
    motion.closes_at = closes_at
    motion.opened_by = actor if actor is not None and actor.is_authenticated else None
    if body.kind == Body.Kind.BASE:
        motion.electorate_seats = _freeze_roll(motion)
    else:
        motion.secret = False  # councils and commands vote by open roll call
        motion.electorate_seats = council_seats(body)
    if motion.kind == Motion.Kind.OPTIONS:
        motion.seed = secrets.randbits(62)
    motion.save()
    facts: dict[str, Any] = {
        **_motion_facts(motion),
        "title": motion.title,
        "text": motion.text,
        "rule": rule_of(motion).to_json(),
        "secret": motion.secret,
        "roll_call": body.kind != Body.Kind.BASE,
        "seats": motion.electorate_seats,
        "closes_at": None if closes_at is None else closes_at.isoformat(),
    }
    if motion.kind == Motion.Kind.OPTIONS:
        facts["options"] = option_labels(motion)
        facts["seed_commitment"] = seed_commitment(motion.seed)
    if motion.mandate_for_id is not None:
        facts["mandate_for"] = motion.mandate_for_id
    return Event("motion.vote_opened", facts, body=body)


@transaction.atomic
def do_open_vote(
    actor: User,
    motion: Motion,
    *,
    threshold: str | None = None,
    quorum_basis: str | None = None,
    quorum_share: str | None = None,
    quorum_strict: bool | None = None,
    secret: bool | None = None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> Motion:
    """An officer puts a tabled motion to the vote, its tabled amendments decided first."""
    now = now or timezone.now()
    motion = _lock(motion)
    body = motion.body
    require_officer(actor, body)
    if motion.status != Motion.Status.TABLED:
        if motion.status == Motion.Status.PROPOSED:
            raise Conflict(_("This motion has no seconder yet: it cannot be put to the vote."))
        raise Conflict(_("This motion is not waiting for a vote."))
    if motion.kind == Motion.Kind.MOTION:
        pending = motion.amendments.filter(status__in=BLOCKING_AMENDMENT).count()
        if pending:
            raise Conflict(
                _("Vote on its %(n)d tabled amendment(s) first: amendments come before the motion.")
                % {"n": pending}
            )
    if motion.amends_id is not None and motion.amends.status != Motion.Status.TABLED:
        raise Conflict(_("The motion this amends is not tabled."))
    _set_rule(motion, threshold, quorum_basis, quorum_share, quorum_strict)
    if secret is not None:
        if secret and body.kind != Body.Kind.BASE:
            raise InvalidInput(
                _("Delegates vote by open roll call: their constituencies must see their votes.")
            )
        motion.secret = secret
    closes_at = _aware(closes_at, now)
    events = [_open(motion, actor, closes_at, now)]
    if motion.kind == Motion.Kind.MOTION:
        # Amendments nobody seconded lapse when the motion goes to the vote.
        lapsed = list(motion.amendments.filter(status=Motion.Status.PROPOSED))
        for amendment in lapsed:
            amendment.status = Motion.Status.LAPSED
            amendment.save(update_fields=["status"])
            events.append(Event("motion.lapsed", _motion_facts(amendment), body=body))
    append_entries(body.federation, events)
    return motion


@transaction.atomic
def do_open_mandate_vote(
    actor: User,
    council_motion: Motion,
    body: Body,
    *,
    secret: bool = False,
    quorum_basis: str | None = None,
    quorum_share: str | None = None,
    quorum_strict: bool | None = None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> Motion:
    """An officer of a constituent body opens its vote on a mandate for its delegates."""
    now = now or timezone.now()
    council_motion = _lock(council_motion)
    require_officer(actor, body)
    council = council_motion.body
    if council.kind != Body.Kind.COUNCIL or council_motion.kind != Motion.Kind.MOTION:
        raise InvalidInput(_("Mandates are given on motions in councils."))
    if not Delegation.objects.filter(source=body, council=council).exists():
        raise PermissionDenied(
            _("%(body)s sends no delegates to %(council)s.")
            % {"body": body.name, "council": council.name}
        )
    if council_motion.status not in (Motion.Status.TABLED, Motion.Status.VOTING):
        raise Conflict(_("That motion is not before the council: there is nothing to mandate."))
    if (
        Motion.objects.filter(mandate_for=council_motion, body=body)
        .exclude(status__in=(Motion.Status.WITHDRAWN, Motion.Status.LAPSED))
        .exists()
    ):
        raise Conflict(
            _("%(body)s already votes (or voted) a mandate on it.") % {"body": body.name}
        )
    vote = Motion.objects.create(
        federation=body.federation,
        body=body,
        kind=Motion.Kind.MANDATE,
        mandate_for=council_motion,
        status=Motion.Status.TABLED,
        # Pages say it is a mandate vote; the title is the council motion's.
        title=council_motion.title,
        text=council_motion.text,
        original_text=council_motion.text,
        quorum_basis=_default_quorum(body),
    )
    _set_rule(vote, None, quorum_basis, quorum_share, quorum_strict)
    if secret and body.kind != Body.Kind.BASE:
        raise InvalidInput(
            _("Delegates vote by open roll call: their constituencies must see their votes.")
        )
    vote.secret = secret
    event = _open(vote, actor, _aware(closes_at, now), now)
    append_entries(body.federation, [event])
    return vote


# ---------------------------------------------------------------- casting


def _clean_choice(
    motion: Motion, choice: str | None, ranking: Sequence[str] | None
) -> tuple[str, list[str] | None]:
    if motion.kind == Motion.Kind.OPTIONS:
        labels = option_labels(motion)
        picked = [str(r) for r in ranking or []]
        if not picked:
            raise InvalidInput(_("Rank at least one option."))
        if len(set(picked)) != len(picked):
            raise InvalidInput(_("An option can appear only once in your ranking."))
        if any(label not in labels for label in picked):
            raise InvalidInput(
                _("One of your choices is not an option of this vote; reload the page.")
            )
        return "", picked
    allowed = (
        [c.value for c in rules.MandateChoice]
        if motion.kind == Motion.Kind.MANDATE
        else [c.value for c in rules.Choice]
    )
    if choice not in allowed:
        raise InvalidInput(_("Choose one of: %(c)s.") % {"c": ", ".join(allowed)})
    return choice, None


def do_cast_vote(
    actor: User,
    motion: Motion,
    choice: str | None = None,
    *,
    ranking: Sequence[str] | None = None,
    ballot_code: str | None = None,
    now: datetime | None = None,
) -> CastReceipt | None:
    """A member votes. Open votes may be changed until the close; a secret ballot is
    replaced only with its ballot code. Returns the receipt of a secret ballot."""
    try:
        with transaction.atomic():
            return _cast_vote(actor, motion, choice, ranking, ballot_code, now or timezone.now())
    except IntegrityError:
        raise already_voted() from None


def _cast_vote(
    actor: User,
    motion: Motion,
    choice: str | None,
    ranking: Sequence[str] | None,
    ballot_code: str | None,
    now: datetime,
) -> CastReceipt | None:
    lock_for_casting(Motion, motion.pk)
    motion = Motion.objects.select_related("body__federation").get(pk=motion.pk)
    body = motion.body
    person = require_member(actor, body)
    if motion.status != Motion.Status.VOTING:
        raise Conflict(_("The vote on this motion is not open."))
    if motion.closes_at is not None and now >= motion.closes_at:
        raise Conflict(_("The vote has closed: no more votes are taken."))
    choice, ranking = _clean_choice(motion, choice, ranking)
    if body.kind != Body.Kind.BASE:
        for seat in member_seats(person, body):
            MotionVote.objects.update_or_create(
                motion=motion,
                seat=seat,
                defaults={"person": person, "choice": choice, "ranking": ranking},
            )
        return None
    if not MotionRoll.objects.filter(motion=motion, person=person).exists():
        raise PermissionDenied(
            _("You are not on the roll of this vote, drawn up when the vote opened.")
        )
    if not motion.secret:
        MotionVote.objects.update_or_create(
            motion=motion,
            seat=None,
            person=person,
            defaults={"choice": choice, "ranking": ranking},
        )
        return None
    box = BallotBox(MotionBallot, motion)
    if ballot_code:
        return box.replace(person.pk, ballot_code, choice=choice, ranking=ranking)
    if MotionCast.objects.filter(motion=motion, person=person).exists():
        raise already_voted()
    MotionCast.objects.create(motion=motion, person=person)
    return box.cast(person.pk, choice=choice, ranking=ranking)


def has_voted(user: User, motion: Motion) -> bool:
    person = person_of(user, motion.federation)
    if person is None:
        return False
    if motion.secret:
        return MotionCast.objects.filter(motion=motion, person=person).exists()
    return MotionVote.objects.filter(motion=motion, person=person).exists()


def my_vote(user: User, motion: Motion) -> MotionVote | None:
    """The user's own open vote (never a secret ballot: the server cannot find that)."""
    person = person_of(user, motion.federation)
    if person is None or motion.secret:
        return None
    return MotionVote.objects.filter(motion=motion, person=person).first()


@dataclass(frozen=True)
class LiveCount:
    """What the open-vote page shows while the vote is open."""

    voted: int
    members: int
    tally: rules.Tally | None  # open votes only: the running tally
    roll_call: list[dict[str, Any]]  # councils: each seat's vote so far


def live_count(motion: Motion) -> LiveCount:
    body = motion.body
    if body.kind != Body.Kind.BASE:
        seats = list(
            seats_in(body)
            .select_related("delegation__source")
            .order_by("delegation__source__name", "public_name")
        )
        votes = {v.seat_id: v for v in MotionVote.objects.filter(motion=motion, seat__in=seats)}
        roll = [
            {
                "seat": seat,
                "from": seat.delegation.source if seat.delegation_id else None,
                "vote": votes[seat.pk].choice if seat.pk in votes else None,
                "ranking": votes[seat.pk].ranking if seat.pk in votes else None,
            }
            for seat in seats
        ]
        tally = (
            rules.Tally.of(v.choice for v in votes.values() if v.choice in YES_NO_ABSTAIN)
            if motion.kind != Motion.Kind.MANDATE
            else None
        )
        return LiveCount(len(votes), len(seats), tally, roll)
    members = MotionRoll.objects.filter(motion=motion).count()
    if motion.secret:
        return LiveCount(MotionCast.objects.filter(motion=motion).count(), members, None, [])
    choices = list(MotionVote.objects.filter(motion=motion).values_list("choice", flat=True))
    tally = rules.Tally.of(c for c in choices if c in YES_NO_ABSTAIN)
    return LiveCount(len(choices), members, tally, [])


# ---------------------------------------------------------------- closing and counting


@transaction.atomic
def do_reshuffle_motion(motion: Motion, *, now: datetime | None = None) -> bool:
    """The tick's step for an open secret vote: rewrite its ballots if casts arrived, so
    their order and transaction ids stop following the voting order."""
    now = now or timezone.now()
    motion = _lock(motion)
    if motion.status != Motion.Status.VOTING or not motion.secret:
        return False
    casts = MotionCast.objects.filter(motion=motion).count()
    if not reshuffle_due(
        casts=casts, shuffled_casts=motion.shuffled_casts, shuffled_at=motion.shuffled_at, now=now
    ):
        return False
    BallotBox(MotionBallot, motion).reshuffle(casts=casts, now=now)
    motion.save(update_fields=["shuffled_at", "shuffled_casts"])
    return True


def _seat_entry(seat: Seat) -> dict[str, Any]:
    return {
        "seat": seat.pk,
        "delegate": seat.public_name,
        "from": seat.delegation.source.slug if seat.delegation_id else None,
    }


def _choices_of(
    motion: Motion,
) -> tuple[list[str | list[str]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(the counted choices, roll call, struck roll-call votes, aggregated ballots)."""
    body = motion.body
    if body.kind != Body.Kind.BASE:
        votes = list(
            MotionVote.objects.filter(motion=motion)
            .select_related("seat__delegation__source")
            .order_by("seat__delegation__source__slug", "seat__public_name", "seat_id")
        )
        roll_call, struck, counted = [], [], []
        for vote in votes:
            seat = vote.seat
            entry = {**_seat_entry(seat), "vote": vote.ranking if vote.ranking else vote.choice}
            if seat.status == Seat.Status.HELD:
                roll_call.append(entry)
                counted.append(entry["vote"])
            else:
                struck.append({**entry, "reason": "seat vacated before the close"})
        return counted, roll_call, struck, []
    if motion.secret:
        rows = MotionBallot.objects.filter(motion=motion).values_list("choice", "ranking")
    else:
        rows = MotionVote.objects.filter(motion=motion).values_list("choice", "ranking")
    counted = [ranking if ranking else choice for choice, ranking in rows]
    return counted, [], [], aggregate(counted)


def aggregate(choices: Iterable[str | list[str]]) -> list[dict[str, Any]]:
    """The anonymous ballot list: each distinct choice (or ranking) once with its count."""
    counter = Counter(tuple(c) if isinstance(c, list) else c for c in choices)
    out = [
        {
            "ranking" if isinstance(key, tuple) else "choice": list(key)
            if isinstance(key, tuple)
            else key,
            "count": n,
        }
        for key, n in counter.items()
    ]
    return sorted(out, key=lambda item: (str(item.get("choice", "")), item.get("ranking", [])))


def _decide(motion: Motion, counted: list[str | list[str]], members: int) -> dict[str, Any]:
    electorate = rules.Electorate(max(motion.electorate_seats, members), members)
    rule = rule_of(motion)
    if motion.kind == Motion.Kind.OPTIONS:
        rankings = Counter(tuple(c) for c in counted if isinstance(c, list))
        counted_options = rules.count_options(option_labels(motion), rankings, motion.seed)
        quorum = rule.quorum.required(electorate)
        present = sum(rankings.values())
        passed = present >= quorum and counted_options["winner"] is not None
        return {
            **counted_options,
            "passed": passed,
            "reason": "passed" if passed else ("no-quorum" if present < quorum else "no-votes"),
            "present": present,
            "quorum_required": quorum,
            "seats": electorate.seats,
            "members": electorate.members,
        }
    if motion.kind == Motion.Kind.MANDATE:
        decision = rules.decide_mandate(Counter(str(c) for c in counted), electorate, rule.quorum)
        return {**decision.to_json(), "passed": True, "seats": electorate.seats, "members": members}
    return rules.decide(rules.Tally.of(str(c) for c in counted), electorate, rule).to_json()


def _next_resolution_number(body: Body) -> int:
    Body.objects.select_for_update().filter(pk=body.pk).first()
    last = Resolution.objects.filter(body=body).aggregate(m=Max("number"))["m"]
    return (last or 0) + 1


def _adopt(motion: Motion, now: datetime) -> Resolution:
    # The text as adopted; for a ranked choice the page adds the option chosen (kept in
    # the motion's result, so it reads in each reader's language).
    text = motion.text
    return Resolution.objects.create(
        motion=motion,
        body=motion.body,
        number=_next_resolution_number(motion.body),
        title=motion.title,
        text=text,
        adopted_at=now,
    )


def _mandates_and_compliance(
    motion: Motion, roll_call: list[dict[str, Any]], now: datetime
) -> tuple[dict[str, str], list[dict[str, Any]], list[Event]]:
    """The constituencies' mandates on a council motion and each seat's vote against them."""
    events: list[Event] = []
    # Mandate votes still open when the council decides are closed now: too late to bind.
    for vote in Motion.objects.filter(mandate_for=motion, status=Motion.Status.VOTING):
        events += _close(_lock(vote), now, late=True)
    mandates = {
        m.body.slug: m.instruction
        for m in Mandate.objects.filter(motion=motion, late=False).select_related("body")
    }
    voted = {entry["seat"]: entry["vote"] for entry in roll_call}
    # Every seat held now, voting or not (an absent delegate under a mandate is a breach).
    seats = list(seats_in(motion.body).select_related("delegation__source").order_by("pk"))
    compliance = []
    for seat in seats:
        source = seat.delegation.source.slug if seat.delegation_id else None
        instruction = mandates.get(source or "")
        if instruction is None:
            continue
        vote = voted.get(seat.pk)
        compliance.append(
            {
                **_seat_entry(seat),
                "mandate": instruction,
                "vote": vote,
                "compliance": rules.compliance(instruction, vote).value,
            }
        )
    return mandates, compliance, events


def _close(motion: Motion, now: datetime, *, late: bool = False) -> list[Event]:
    """Count and decide a motion whose vote is open; returns the record events in order.

    `late`: a mandate vote closed because its council decided first (it binds nobody).
    """
    body = motion.body
    before: list[Event] = []
    after: list[Event] = []
    if motion.secret:
        box = BallotBox(MotionBallot, motion)
        box.reshuffle(casts=MotionCast.objects.filter(motion=motion).count(), now=now)
        trackers = box.trackers()
        before.append(
            Event(
                "motion.trackers",
                {"motion": motion.pk, "body": body.slug, "trackers": trackers},
                body=body,
            )
        )
    counted, roll_call, struck, ballots = _choices_of(motion)
    if body.kind == Body.Kind.BASE:
        members = MotionRoll.objects.filter(motion=motion).count()
    else:
        members = seats_in(body).count()
    result = _decide(motion, counted, members)
    published: dict[str, Any] = {
        **_motion_facts(motion),
        "title": motion.title,
        "text": motion.text,
        "rule": rule_of(motion).to_json(),
        "secret": motion.secret,
        "roll_call": body.kind != Body.Kind.BASE,
        "seats": max(motion.electorate_seats, members),
        "members": members,
        "votes": roll_call,
        "struck": struck,
        "ballots": ballots,
        "result": result,
    }
    if motion.kind == Motion.Kind.OPTIONS:
        published["options"] = option_labels(motion)
        published["seed"] = motion.seed
    if motion.kind == Motion.Kind.MANDATE:
        published["mandate_for"] = motion.mandate_for_id
        published["late"] = late
    if motion.kind == Motion.Kind.MOTION and body.kind == Body.Kind.COUNCIL:
        mandates, compliance, mandate_events = _mandates_and_compliance(motion, roll_call, now)
        before += mandate_events
        published["mandates"] = mandates
        published["compliance"] = compliance
    passed = bool(result["passed"])
    motion.result = {
        **result,
        **({"compliance": published["compliance"]} if "compliance" in published else {}),
    }
    motion.closed_at = now
    motion.status = Motion.Status.PASSED if passed else Motion.Status.REJECTED
    motion.save()
    if motion.kind == Motion.Kind.MANDATE:
        Mandate.objects.create(
            motion_id=motion.mandate_for_id,
            body=body,
            vote=motion,
            instruction=result["instruction"],
            decided_at=now,
            late=late,
        )
    elif motion.kind == Motion.Kind.AMENDMENT and passed:
        parent = Motion.objects.select_for_update().get(pk=motion.amends_id)
        parent.text = motion.text
        parent.save(update_fields=["text"])
        after.append(
            Event(
                "motion.amended",
                {
                    "motion": parent.pk,
                    "body": body.slug,
                    "amendment": motion.pk,
                    "text": parent.text,
                },
                body=body,
            )
        )
    elif passed:
        resolution = _adopt(motion, now)
        published["resolution"] = resolution.number
    return [*before, Event("motion.counted", published, body=body), *after]


@transaction.atomic
def do_close_vote(actor: User | None, motion: Motion, *, now: datetime | None = None) -> Motion:
    """An officer (or, with actor None, the clock at `closes_at`) closes the vote and counts."""
    now = now or timezone.now()
    motion = _lock(motion)
    if actor is not None:
        require_officer(actor, motion.body)
    elif motion.closes_at is None or motion.closes_at > now:
        raise Conflict(_("This vote has no closing time that has passed."))
    if motion.status != Motion.Status.VOTING:
        raise Conflict(_("The vote on this motion is not open."))
    append_entries(motion.federation, _close(motion, now))
    return motion


def close_due_votes(now: datetime) -> int:
    """Close every motion vote whose closing time has passed (the tick)."""
    done = 0
    for motion in Motion.objects.filter(status=Motion.Status.VOTING, closes_at__lte=now).order_by(
        "pk"
    ):
        try:
            do_close_vote(None, motion, now=now)
        except Conflict:
            continue
        done += 1
    return done


# ---------------------------------------------------------------- mandates: reads


@dataclass(frozen=True)
class MandateRow:
    """One of a constituency's delegates on one council motion, against its mandate."""

    motion: Motion
    seat_id: int
    delegate: str
    mandate: str
    vote: str | None
    compliance: str
    seat: Seat | None

    @property
    def breach(self) -> bool:
        return self.compliance in {c.value for c in rules.BREACHES}

    @property
    def mandate_label(self) -> str:
        return _vote_word(self.mandate)

    @property
    def vote_label(self) -> str:
        return _vote_word(self.vote) if self.vote else _("did not vote")


def mandate_record(body: Body) -> list[MandateRow]:
    """How this body's delegates voted on the council motions it gave mandates on."""
    decided = (
        Motion.objects.filter(mandates__body=body, mandates__late=False, result__isnull=False)
        .exclude(status__in=UNDECIDED)
        .select_related("body")
        .order_by("-closed_at")
        .distinct()
    )
    rows: list[MandateRow] = []
    for motion in decided:
        entries = [c for c in (motion.result or {}).get("compliance", []) if c["from"] == body.slug]
        seats = {s.pk: s for s in Seat.objects.filter(pk__in=[c["seat"] for c in entries])}
        rows += [
            MandateRow(
                motion,
                c["seat"],
                c["delegate"],
                c["mandate"],
                c["vote"],
                c["compliance"],
                seats.get(c["seat"]),
            )
            for c in entries
        ]
    return rows


def motions_awaiting_mandate(body: Body) -> list[tuple[Motion, Motion | None]]:
    """Council motions before a council this body sends delegates to, with this body's
    mandate vote on each (None: not opened yet)."""
    councils = Delegation.objects.filter(source=body).values_list("council_id", flat=True)
    motions = list(
        Motion.objects.filter(
            body_id__in=councils,
            kind=Motion.Kind.MOTION,
            status__in=(Motion.Status.TABLED, Motion.Status.VOTING),
        )
        .select_related("body")
        .order_by("-created_at")
    )
    votes = {
        m.mandate_for_id: m
        for m in Motion.objects.filter(mandate_for__in=motions, body=body).exclude(
            status__in=(Motion.Status.WITHDRAWN, Motion.Status.LAPSED)
        )
    }
    return [(m, votes.get(m.pk)) for m in motions]


@transaction.atomic
def do_recall_for_breach(actor: User, motion: Motion, seat: Seat) -> Any:
    """Open a recall petition against a delegate who broke their constituency's mandate
    on `motion`, with the breach as its reason (the recall app checks who may)."""
    from asamblea.recall.services import do_open_recall_petition

    entry = next(
        (c for c in (motion.result or {}).get("compliance", []) if c["seat"] == seat.pk), None
    )
    if entry is None or entry["compliance"] not in {c.value for c in rules.BREACHES}:
        raise InvalidInput(_("That delegate kept their mandate on this motion."))
    if entry["vote"] is None:
        reason = _(
            "Did not vote on motion %(n)s “%(t)s” in %(c)s, although our mandate was to vote %(m)s."
        )
    else:
        reason = _(
            "Voted %(v)s on motion %(n)s “%(t)s” in %(c)s, against our mandate to vote %(m)s."
        )
    reason = reason % {
        "v": _vote_word(entry["vote"]),
        "n": motion.pk,
        "t": motion.title,
        "c": motion.body.name,
        "m": _vote_word(entry["mandate"]),
    }
    return do_open_recall_petition(actor, seat, reason[:480])


def _vote_word(choice: str | None) -> str:
    words = {"yes": _("yes"), "no": _("no"), "abstain": _("abstain"), "free": _("free vote")}
    return words.get(choice or "", choice or "")


# ---------------------------------------------------------------- meetings


@transaction.atomic
def do_create_meeting(
    actor: User, body: Body, *, title: str, starts_at: datetime, motions: Sequence[Motion] = ()
) -> Meeting:
    """An officer calls a meeting with an agenda of motions of the body."""
    require_officer(actor, body)
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    if timezone.is_naive(starts_at):
        raise InvalidInput(_("Give the start as a date and time with its time zone."))
    meeting = Meeting.objects.create(
        federation=body.federation, body=body, title=title, starts_at=starts_at, created_by=actor
    )
    for motion in motions:
        _add_item(meeting, motion)
    append_entries(
        body.federation,
        [
            Event(
                "meeting.called",
                {
                    "meeting": meeting.pk,
                    "body": body.slug,
                    "title": title,
                    "starts_at": starts_at.isoformat(),
                    "agenda": [m.pk for m in motions],
                },
                body=body,
            )
        ],
    )
    return meeting


def _add_item(meeting: Meeting, motion: Motion) -> AgendaItem:
    if motion.body_id != meeting.body_id:
        raise InvalidInput(
            _("Only motions of %(body)s go on its agenda.") % {"body": meeting.body.name}
        )
    if AgendaItem.objects.filter(meeting=meeting, motion=motion).exists():
        raise Conflict(_("That motion is already on the agenda."))
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"]
    return AgendaItem.objects.create(meeting=meeting, motion=motion, position=(last or 0) + 1)


@transaction.atomic
def do_add_agenda_item(actor: User, meeting: Meeting, motion: Motion) -> AgendaItem:
    require_officer(actor, meeting.body)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("This meeting is closed."))
    return _add_item(meeting, motion)


@transaction.atomic
def do_set_meeting_status(actor: User, meeting: Meeting, status: str) -> Meeting:
    """An officer opens the session or closes it."""
    require_officer(actor, meeting.body)
    allowed = {
        Meeting.Status.OPEN: {Meeting.Status.PLANNED},
        Meeting.Status.CLOSED: {Meeting.Status.PLANNED, Meeting.Status.OPEN},
    }
    if status not in allowed or meeting.status not in allowed[status]:
        raise Conflict(
            _("The meeting cannot go from “%(a)s” to that.") % {"a": meeting.get_status_display()}
        )
    meeting.status = status
    meeting.save(update_fields=["status"])
    return meeting


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.select_related("motion").order_by("position"))


# ---------------------------------------------------------------- referendums


def _scope(council: Body) -> tuple[dict[str, list[str]], list[Body]]:
    """The council's tree within scope as {council slug: [child slugs]}, and its bases."""
    graph = Graph(council.federation)
    below = graph.descendants(council.pk) | {council.pk}
    bodies = {
        b.pk: b
        for b in Body.objects.filter(pk__in=below)
        .exclude(kind=Body.Kind.COMMAND)
        .only("pk", "slug", "kind")
    }
    tree: dict[str, list[str]] = {}
    for body_id, body in bodies.items():
        children = sorted(bodies[c].slug for c in graph.down.get(body_id, ()) if c in bodies)
        if children:
            tree[body.slug] = children
    bases = sorted((b for b in bodies.values() if b.kind == Body.Kind.BASE), key=lambda b: b.slug)
    return tree, bases


def _freeze_referendum_roll(referendum: Referendum, base_ids: list[int]) -> int:
    """Every verified member of a base in scope, once, with the assembly they joined first."""
    if not base_ids:
        return 0
    roll = ReferendumRoll._meta.db_table
    membership = Membership._meta.db_table
    marks = ", ".join(["%s"] * len(base_ids))
    insert = "INSERT INTO {roll} (referendum_id, person_id, home_body_id, voted_body_id) "
    if connection.vendor == "postgresql":
        # One sorted pass: each person's first membership (DISTINCT ON), 4x faster
        # than grouping for the minimum and joining back at a million members.
        select = (
            "SELECT %s, person_id, body_id, NULL FROM (SELECT DISTINCT ON (person_id) "
            "person_id, body_id FROM {membership} WHERE status = %s AND body_id IN ({marks}) "
            "ORDER BY person_id, id) AS first_joined"
        )
    else:
        select = (
            "SELECT %s, m.person_id, m.body_id, NULL FROM {membership} m WHERE m.id IN ("
            "SELECT MIN(m2.id) FROM {membership} m2 WHERE m2.status = %s "
            "AND m2.body_id IN ({marks}) GROUP BY m2.person_id)"
        )
    # Only table names and placeholders are formatted in; the values are parameters.
    sql = (insert + select).format(roll=roll, membership=membership, marks=marks)
    with connection.cursor() as cursor:
        cursor.execute(sql, [referendum.pk, Membership.Status.VERIFIED, *base_ids])
        return int(cursor.rowcount)


@transaction.atomic
def do_open_referendum(
    actor: User,
    motion: Motion,
    *,
    closes_at: datetime,
    threshold: str | None = None,
    quorum_basis: str | None = None,
    quorum_share: str | None = None,
    quorum_strict: bool | None = None,
    now: datetime | None = None,
) -> Referendum:
    """An officer of a council sends a tabled (or passed) motion to every member below."""
    now = now or timezone.now()
    motion = _lock(motion)
    council = motion.body
    require_officer(actor, council)
    if council.kind != Body.Kind.COUNCIL or motion.kind != Motion.Kind.MOTION:
        raise InvalidInput(_("A council sends its own motions to a referendum."))
    if motion.status not in (Motion.Status.TABLED, Motion.Status.PASSED):
        raise Conflict(_("Only a tabled or a passed motion can go to the members."))
    if Referendum.objects.filter(motion=motion).exists():
        raise Conflict(_("This motion has already gone to the members."))
    if motion.amendments.filter(status__in=BLOCKING_AMENDMENT).exists():
        raise Conflict(_("Vote on its tabled amendments first: amendments come before the motion."))
    closes = _aware(closes_at, now)
    assert closes is not None
    tree, bases = _scope(council)
    referendum = Referendum(
        federation=council.federation,
        motion=motion,
        council=council,
        ratifies=motion.status == Motion.Status.PASSED,
        min_voters=min_voters_for_breakdown(),
        opened_by=actor,
        opened_at=now,
        closes_at=closes,
        scope={"tree": tree, "bases": [b.slug for b in bases]},
    )
    _set_rule(referendum, threshold, quorum_basis, quorum_share, quorum_strict)
    referendum.save()
    referendum.electorate = _freeze_referendum_roll(referendum, [b.pk for b in bases])
    referendum.save(update_fields=["electorate"])
    if motion.status == Motion.Status.TABLED:
        motion.status = Motion.Status.REFERENDUM
        motion.save(update_fields=["status"])
    append_entries(
        council.federation,
        [
            Event(
                "referendum.opened",
                {
                    "referendum": referendum.pk,
                    "motion": motion.pk,
                    "council": council.slug,
                    "title": motion.title,
                    "text": motion.text,
                    "ratifies": referendum.ratifies,
                    "rule": rule_of(referendum).to_json(),
                    "min_voters": referendum.min_voters,
                    "electorate": referendum.electorate,
                    "tree": tree,
                    "closes_at": closes.isoformat(),
                },
                body=council,
            )
        ],
    )
    return referendum


def referendum_bodies_of(user: User, referendum: Referendum) -> list[Body]:
    """The assemblies in scope through which this user may vote (verified there now)."""
    person = person_of(user, referendum.federation)
    if person is None:
        return []
    memberships = Membership.objects.filter(
        person=person,
        status=Membership.Status.VERIFIED,
        body__federation=referendum.federation,
        body__slug__in=referendum.scope.get("bases", []),
    )
    return [m.body for m in memberships.select_related("body").order_by("id")]


def do_cast_referendum_ballot(
    actor: User,
    referendum: Referendum,
    choice: str,
    *,
    body: Body | None = None,
    ballot_code: str | None = None,
    now: datetime | None = None,
) -> CastReceipt:
    """A member votes once, through one of their assemblies (counted there); the ballot
    code replaces the ballot before the close."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _cast_referendum(actor, referendum, choice, body, ballot_code, now)
    except IntegrityError:
        raise already_voted() from None


def _cast_referendum(
    actor: User,
    referendum: Referendum,
    choice: str,
    body: Body | None,
    ballot_code: str | None,
    now: datetime,
) -> CastReceipt:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    lock_for_casting(Referendum, referendum.pk)
    referendum = Referendum.objects.get(pk=referendum.pk)
    if referendum.status != Referendum.Status.VOTING or now >= referendum.closes_at:
        raise Conflict(_("This referendum is closed: no more ballots are taken."))
    if choice not in {c.value for c in rules.Choice}:
        raise InvalidInput(_("Choose yes, no or abstain."))
    person = person_of(actor, referendum.federation)
    entry = (
        ReferendumRoll.objects.filter(referendum=referendum, person=person).first()
        if person is not None
        else None
    )
    if person is None or entry is None:
        raise PermissionDenied(
            _(
                "You are not on the roll of this referendum: it holds the verified members of the "
                "assemblies under %(council)s when it opened."
            )
            % {"council": referendum.council.name}
        )
    box = BallotBox(ReferendumBallot, referendum)
    if ballot_code:
        return box.replace(person.pk, ballot_code, choice=choice)
    mine = referendum_bodies_of(actor, referendum)
    if not mine:
        raise PermissionDenied(
            _("You are no longer a verified member of an assembly in this referendum.")
        )
    where = body if body is not None else mine[0]
    if where.pk not in {b.pk for b in mine}:
        raise PermissionDenied(
            _("You can vote only through an assembly you are a verified member of.")
        )
    # The update is the one-person-one-vote guard: only a roll entry not yet voted changes.
    if not ReferendumRoll.objects.filter(pk=entry.pk, voted_body__isnull=True).update(
        voted_body=where
    ):
        raise already_voted()
    return box.cast(person.pk, body_id=where.pk, choice=choice)


def has_voted_in_referendum(user: User, referendum: Referendum) -> bool:
    person = person_of(user, referendum.federation)
    return (
        person is not None
        and ReferendumRoll.objects.filter(
            referendum=referendum, person=person, voted_body__isnull=False
        ).exists()
    )


def referendum_turnout(referendum: Referendum) -> dict[int, rules.Turnout]:
    """Per base (id): the people counted there (where they voted, else where they joined
    first) and how many of them voted. One grouped query."""
    rows = (
        ReferendumRoll.objects.filter(referendum=referendum)
        .annotate(counted_in=Coalesce("voted_body_id", "home_body_id"))
        .values("counted_in")
        .annotate(people=Count("id"), voted=Count("voted_body_id"))
        .order_by()
    )
    return {r["counted_in"]: rules.Turnout(r["people"], r["voted"]) for r in rows}


LIVE_TURNOUT_SECONDS = 5
# Below this many people the turnout is counted afresh for every request (it is cheap).
LIVE_CACHE_FROM = 20_000


def live_turnout_rows(referendum: Referendum) -> dict[str, dict[str, Any]]:
    """Per body (slug): people counted there and how many voted, for the live page.

    Never choices. In a large referendum kept a few seconds in the cache, so a
    country of phones polling it costs one count every few seconds, not one a poll.
    """
    key = f"asamblea-referendum-live-{referendum.pk}-{referendum.opened_at.timestamp()}"
    large = referendum.electorate >= LIVE_CACHE_FROM
    rows: dict[str, dict[str, Any]] | None = cache.get(key) if large else None
    if rows is not None:
        return rows
    slugs = dict(
        Body.objects.filter(
            slug__in=referendum.scope.get("bases", []), federation=referendum.federation
        ).values_list("pk", "slug")
    )
    turnout = {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}
    rows = {
        base: {"electorate": t.electorate, "voted": t.voted, "tally": None}
        for base, t in turnout.items()
    }
    tree = rules.ScopeTree(referendum.council.slug, referendum.scope.get("tree", {}))
    for council, bases in tree.bases_under().items():
        inside = [turnout[b] for b in bases if b in turnout]
        rows[str(council)] = {
            "electorate": sum(t.electorate for t in inside),
            "voted": sum(t.voted for t in inside),
            "tally": None,
        }
    if large:
        cache.set(key, rows, LIVE_TURNOUT_SECONDS)
    return rows


def _referendum_casts(referendum: Referendum) -> int:
    return ReferendumRoll.objects.filter(referendum=referendum, voted_body__isnull=False).count()


@transaction.atomic
def do_reshuffle_referendum(referendum: Referendum, *, now: datetime | None = None) -> bool:
    """The tick's step for an open referendum: rewrite the ballots if casts arrived."""
    now = now or timezone.now()
    referendum = Referendum.objects.select_for_update().get(pk=referendum.pk)
    if referendum.status != Referendum.Status.VOTING:
        return False
    casts = _referendum_casts(referendum)
    if not reshuffle_due(
        casts=casts,
        shuffled_casts=referendum.shuffled_casts,
        shuffled_at=referendum.shuffled_at,
        now=now,
    ):
        return False
    BallotBox(ReferendumBallot, referendum).reshuffle(casts=casts, now=now)
    referendum.save(update_fields=["shuffled_at", "shuffled_casts"])
    return True


def count_referendum(referendum: Referendum) -> tuple[rules.Breakdown, dict[str, rules.Turnout]]:
    """The per-member count and per-body breakdown from the stored roll and ballots."""
    slugs = dict(
        Body.objects.filter(
            slug__in=referendum.scope.get("bases", []), federation=referendum.federation
        ).values_list("pk", "slug")
    )
    turnout = {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}
    ballots: dict[str, rules.Tally] = defaultdict(rules.Tally)
    for body_id, choice, n in (
        ReferendumBallot.objects.filter(referendum=referendum)
        .values_list("body_id", "choice")
        .annotate(n=Count("tracker"))
        .order_by()
    ):
        ballots[slugs[body_id]] = ballots[slugs[body_id]] + rules.Tally(**{choice: n})
    council = referendum.council.slug
    tree = rules.ScopeTree(council, referendum.scope.get("tree", {}))
    result = rules.breakdown(turnout, ballots, tree, referendum.min_voters)
    return result, turnout


@transaction.atomic
def do_close_referendum(
    actor: User | None, referendum: Referendum, *, now: datetime | None = None
) -> Referendum:
    """Close (an officer of the council, or the clock), count per member, publish per body."""
    now = now or timezone.now()
    referendum = (
        Referendum.objects.select_for_update()
        .select_related("council", "motion")
        .get(pk=referendum.pk)
    )
    if actor is not None:
        require_officer(actor, referendum.council)
    elif referendum.closes_at > now:
        raise Conflict(_("This referendum closes at %(t)s.") % {"t": referendum.closes_at})
    if referendum.status != Referendum.Status.VOTING:
        raise Conflict(_("This referendum is already closed."))
    box = BallotBox(ReferendumBallot, referendum)
    box.reshuffle(casts=_referendum_casts(referendum), now=now)
    counted, turnout = count_referendum(referendum)
    decision = rules.decide(
        counted.total, rules.Electorate.of_assembly(referendum.electorate), rule_of(referendum)
    )
    council = referendum.council
    referendum.status = Referendum.Status.CLOSED
    referendum.closed_at = now
    referendum.result = {
        **decision.to_json(),
        "electorate": referendum.electorate,
        "voted": counted.voted,
        "units": {u: t.to_json() for u, t in sorted(counted.units.items())},
        "rows": {str(b): row.to_json() for b, row in counted.rows.items()},
    }
    referendum.save()
    events: list[Event] = []
    trackers = box.ballots().order_by("tracker").values_list("tracker", flat=True)
    chunk: list[str] = []
    part = 0
    for tracker in trackers.iterator(chunk_size=TRACKERS_PER_ENTRY):
        chunk.append(tracker)
        if len(chunk) == TRACKERS_PER_ENTRY:
            events.append(_trackers_event(referendum, part, chunk))
            chunk, part = [], part + 1
    if chunk or part == 0:
        events.append(_trackers_event(referendum, part, chunk))
    events.append(
        Event(
            "referendum.counted",
            {
                "referendum": referendum.pk,
                "council": council.slug,
                "motion": referendum.motion_id,
                "rule": rule_of(referendum).to_json(),
                "electorate": referendum.electorate,
                "min_voters": referendum.min_voters,
                "turnout": {b: [t.electorate, t.voted] for b, t in sorted(turnout.items())},
                "units": {u: t.to_json() for u, t in sorted(counted.units.items())},
                "rows": {
                    str(b): row.to_json()
                    for b, row in sorted(counted.rows.items(), key=lambda item: str(item[0]))
                },
                "result": decision.to_json(),
            },
            body=council,
        )
    )
    motion = Motion.objects.select_for_update().get(pk=referendum.motion_id)
    if referendum.ratifies:
        Resolution.objects.filter(motion=motion).update(ratified=decision.passed)
    elif motion.status == Motion.Status.REFERENDUM:
        motion.status = Motion.Status.PASSED if decision.passed else Motion.Status.REJECTED
        motion.closed_at = now
        motion.result = {**decision.to_json(), "referendum": referendum.pk}
        motion.save(update_fields=["status", "closed_at", "result"])
        if decision.passed:
            resolution = _adopt(motion, now)
            events.append(
                Event(
                    "resolution.adopted",
                    {
                        "motion": motion.pk,
                        "body": council.slug,
                        "resolution": resolution.number,
                        "referendum": referendum.pk,
                    },
                    body=council,
                )
            )
    append_entries(referendum.federation, events)
    return referendum


def _trackers_event(referendum: Referendum, part: int, trackers: list[str]) -> Event:
    return Event(
        "referendum.trackers",
        {"referendum": referendum.pk, "part": part, "trackers": list(trackers)},
        body=referendum.council,
    )


def close_due_referendums(now: datetime) -> int:
    done = 0
    for referendum in Referendum.objects.filter(
        status=Referendum.Status.VOTING, closes_at__lte=now
    ).order_by("pk"):
        try:
            do_close_referendum(None, referendum, now=now)
        except Conflict:
            continue
        done += 1
    return done


# ---------------------------------------------------------------- calls to action


def bodies_in_scope(
    council: Body, regions: Iterable[Body] = (), sectors: Iterable[Sector] = ()
) -> list[Body]:
    """Bodies a call reaches: under the council (commands aside), under one of the chosen
    regions if any, and of one of the chosen sectors if any."""
    graph = Graph(council.federation)
    below = graph.descendants(council.pk)
    region_ids = [r.pk for r in regions]
    if region_ids:
        chosen: set[int] = set()
        for region in region_ids:
            chosen |= {region} | graph.descendants(region)
        below &= chosen
    query = Body.objects.filter(pk__in=below).exclude(kind=Body.Kind.COMMAND)
    sector_ids = [s.pk for s in sectors]
    if sector_ids:
        query = query.filter(sector_id__in=sector_ids)
    return list(query.select_related("level", "sector").order_by("level__rank", "name"))


@transaction.atomic
def do_issue_call(
    actor: User,
    resolution: Resolution,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    regions: Sequence[Body] = (),
    sectors: Sequence[Sector] = (),
    now: datetime | None = None,
) -> CallToAction:
    """An officer of a council issues one of its resolutions as a call to action."""
    now = now or timezone.now()
    council = resolution.body
    require_officer(actor, council)
    if council.kind != Body.Kind.COUNCIL:
        raise InvalidInput(_("Calls to action go from a council to the bodies under it."))
    if resolution.ratified is False:
        raise Conflict(_("The members did not ratify this resolution."))
    title = " ".join(_clean_text(title, _("title"), TITLE_MAX).split())
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput(_("Give the start and end as dates and times with their time zone."))
    if ends_at <= starts_at:
        raise InvalidInput(_("The call must end after it starts."))
    graph = Graph(council.federation)
    below = graph.descendants(council.pk)
    for region in regions:
        if region.pk not in below:
            raise InvalidInput(
                _("%(body)s is not under %(council)s.")
                % {"body": region.name, "council": council.name}
            )
    for sector in sectors:
        if sector.federation_id != council.federation_id:
            raise InvalidInput(_("That sector does not belong to this federation."))
    scope = bodies_in_scope(council, regions, sectors)
    if not scope:
        raise InvalidInput(_("No body is in that scope: choose other regions or sectors."))
    call = CallToAction.objects.create(
        federation=council.federation,
        resolution=resolution,
        council=council,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        issued_by=actor,
        issued_at=now,
    )
    call.regions.set(regions)
    call.sectors.set(sectors)
    Uptake.objects.bulk_create([Uptake(call=call, body=b) for b in scope], batch_size=2000)
    append_entries(
        council.federation,
        [
            Event(
                "call.issued",
                {
                    "call": call.pk,
                    "council": council.slug,
                    "resolution": resolution.number,
                    "title": title,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "regions": sorted(r.slug for r in regions),
                    "sectors": sorted(s.key for s in sectors),
                    "bodies": len(scope),
                },
                body=council,
            )
        ],
    )
    return call


def _uptake_for(call: CallToAction, body: Body) -> Uptake:
    try:
        return Uptake.objects.select_for_update().get(call=call, body=body)
    except Uptake.DoesNotExist:
        raise PermissionDenied(
            _("This call does not reach %(body)s.") % {"body": body.name}
        ) from None


@transaction.atomic
def do_acknowledge_call(
    actor: User, call: CallToAction, body: Body, *, now: datetime | None = None
) -> Uptake:
    """An officer of a body in scope says the body has received the call."""
    now = now or timezone.now()
    require_officer(actor, body)
    uptake = _uptake_for(call, body)
    if uptake.acknowledged_at is not None:
        raise Conflict(_("%(body)s has already acknowledged this call.") % {"body": body.name})
    uptake.acknowledged_at = now
    uptake.save(update_fields=["acknowledged_at"])
    append_entries(
        call.federation,
        [Event("call.acknowledged", {"call": call.pk, "body": body.slug}, body=body)],
    )
    return uptake


@transaction.atomic
def do_report_uptake(
    actor: User,
    call: CallToAction,
    body: Body,
    *,
    status: str,
    number: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Uptake:
    """An officer of a body in scope reports how the body took up the call (again to correct)."""
    now = now or timezone.now()
    require_officer(actor, body)
    uptake = _uptake_for(call, body)
    if status not in (Uptake.Status.JOINED, Uptake.Status.PARTLY, Uptake.Status.NOT):
        raise InvalidInput(_("Say whether the body joined, partly joined or did not join."))
    if now < call.starts_at:
        raise Conflict(_("The call has not started yet: report its uptake once it starts."))
    if number is not None and number < 0:
        raise InvalidInput(_("The number of people cannot be negative."))
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX})
    if uptake.acknowledged_at is None:
        uptake.acknowledged_at = now
    uptake.status = status
    uptake.number = number
    uptake.note = note
    uptake.reported_at = now
    uptake.save()
    append_entries(
        call.federation,
        [
            Event(
                "call.uptake",
                {
                    "call": call.pk,
                    "body": body.slug,
                    "status": status,
                    "number": number,
                    "note": note,
                },
                body=body,
            )
        ],
    )
    return uptake


def calls_for(body: Body) -> QuerySet[Uptake]:
    """The calls that reach this body, newest first."""
    return (
        Uptake.objects.filter(body=body)
        .select_related("call__council")
        .order_by("-call__issued_at")
    )


@dataclass(frozen=True)
class RegionUptake:
    """A call's uptake under one region: bodies reached, reports and people."""

    region: Body
    bodies: int
    acknowledged: int
    joined: int
    partly: int
    not_joined: int
    people: int

    @property
    def reported(self) -> int:
        return self.joined + self.partly + self.not_joined

    @property
    def share_joined(self) -> float:
        """Joined counts 1, partly 1/2, over the bodies that reported (0 when none did)."""
        if not self.reported:
            return 0.0
        return (self.joined + self.partly / 2) / self.reported


def uptake_by_region(call: CallToAction) -> list[RegionUptake]:
    """The uptake summed under each body one tier below the issuing council."""
    graph = Graph(call.federation)
    uptakes = {u.body_id: u for u in call.uptakes.all()}
    out = []
    regions = Body.objects.filter(pk__in=graph.down.get(call.council_id, ())).exclude(
        kind=Body.Kind.COMMAND
    )
    for region in regions.order_by("name"):
        ids = ({region.pk} | graph.descendants(region.pk)) & set(uptakes)
        rows = [uptakes[i] for i in ids]
        if not rows:
            continue
        by = Counter(u.status for u in rows)
        out.append(
            RegionUptake(
                region=region,
                bodies=len(rows),
                acknowledged=sum(1 for u in rows if u.acknowledged_at is not None),
                joined=by[Uptake.Status.JOINED],
                partly=by[Uptake.Status.PARTLY],
                not_joined=by[Uptake.Status.NOT],
                people=sum(u.number or 0 for u in rows),
            )
        )
    return out
