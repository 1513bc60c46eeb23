"""Votes on motions, mandate votes included: opening, casting, the live count, closing and
counting (in a council, with each seat's vote against its mandate)."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    already_voted,
    lock_for_casting,
    reshuffle_due,
)
from asamblea.ballots.sealing import (
    can_cancel,
    cancel_tag,
    forget_key_on_commit,
    key_facts,
    open_and_keep,
    readings_of,
    secrecy_facts,
)
from asamblea.deliberation import rules
from asamblea.deliberation.models import (
    Mandate,
    Motion,
    MotionBallot,
    MotionCast,
    MotionRoll,
    MotionVote,
)
from asamblea.deliberation.services._common import (
    BLOCKING_AMENDMENT,
    _adopt,
    _aware,
    _default_quorum,
    _lock,
    _motion_facts,
    _set_rule,
    rule_of,
)
from asamblea.deliberation.services.membership import council_seats, member_seats, seats_in
from asamblea.deliberation.services.motions import option_labels
from asamblea.deliberation.services.sealed import (
    motion_key,
    motion_paper,
    open_motion_key,
    seal_motion_choice,
)
from asamblea.elections.models import Seat
from asamblea.elections.recount import seed_commitment
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, person_of, require_member
from asamblea.federation.models import Body, Delegation, Membership
from asamblea.federation.services import require_officer
from asamblea.record.services import Event, append_entries

YES_NO_ABSTAIN = frozenset(c.value for c in rules.Choice)


# ---------------------------------------------------------------- opening a vote


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


def _open(
    motion: Motion, actor: User | None, closes_at: datetime | None, now: datetime
) -> list[Event]:
    """Open the vote: its "motion.vote_opened" entry, and a secret vote's "secrecy.key"."""
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
    events = [Event("motion.vote_opened", facts, body=body)]
    key = open_motion_key(motion)
    if key is not None:
        events.append(Event("secrecy.key", {**_motion_facts(motion), **key_facts(key)}, body=body))
    return events


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
                ngettext(
                    "Vote on its %(n)d tabled amendment first: amendments come before the motion.",
                    "Vote on its %(n)d tabled amendments first: amendments come before the motion.",
                    pending,
                )
                % {"n": pending}
            )
    if motion.amends is not None and motion.amends.status != Motion.Status.TABLED:
        raise Conflict(_("The motion this amends is not tabled."))
    _set_rule(motion, threshold, quorum_basis, quorum_share, quorum_strict)
    if secret is not None:
        if secret and body.kind != Body.Kind.BASE:
            raise InvalidInput(
                _("Delegates vote by open roll call: their constituencies must see their votes.")
            )
        motion.secret = secret
    closes_at = _aware(closes_at, now)
    events = _open(motion, actor, closes_at, now)
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
    append_entries(body.federation, _open(vote, actor, _aware(closes_at, now), now))
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
    form_token: str = "",
) -> CastReceipt | None:
    """A member votes. Open votes may be changed until the close; a secret ballot is
    replaced only with its ballot code. Returns the receipt of a secret ballot, whose
    code is drawn from the form's one-time token `form_token` when there is one."""
    try:
        with transaction.atomic():
            return _cast_vote(
                actor, motion, choice, ranking, ballot_code, now or timezone.now(), form_token
            )
    except IntegrityError:
        raise already_voted() from None


def _cast_vote(
    actor: User,
    motion: Motion,
    choice: str | None,
    ranking: Sequence[str] | None,
    ballot_code: str | None,
    now: datetime,
    form_token: str,
) -> CastReceipt | None:
    lock_for_casting(Motion, motion.pk)
    motion = Motion.objects.select_related("body__federation").get(pk=motion.pk)
    body = motion.body
    person = require_member(actor, body)
    if motion.status != Motion.Status.VOTING:
        raise Conflict(_("The vote on this motion is not open."))
    _refuse_if_in_room(motion)
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
    content = _ballot_content(motion, choice, ranking)
    if ballot_code:
        return box.replace(person.pk, ballot_code, form_token=form_token, **content)
    if MotionCast.objects.filter(motion=motion, person=person).exists():
        raise already_voted()
    MotionCast.objects.create(motion=motion, person=person)
    key = motion_key(motion)
    tag = cancel_tag(key, person.pk) if key is not None else None
    return box.cast(person.pk, form_token=form_token, cancel_tag=tag, **content)


def motion_ballots_cancellable(motion: Motion) -> bool:
    """Whether the table in the room can cancel this secret vote's online ballots now (a
    sealed vote whose key file, with its cancel secret, is on the server)."""
    return can_cancel(motion_key(motion))


def do_cancel_online_motion_ballot(motion: Motion, person_id: int) -> None:
    """Delete, unread, the online ballot of a member who votes on paper in the room instead
    (the meetings app's table calls this in its transaction; their `MotionCast` stays).
    Conflict when the vote is not open or the ballot cannot be cancelled."""
    with transaction.atomic():
        row = lock_for_casting(Motion, motion.pk, ("status",))
        if row is None or row[0] != Motion.Status.VOTING:
            raise Conflict(_("The vote on this motion is not open."))
        BallotBox(MotionBallot, motion).cancel_online(motion_key(motion), person_id)


def _ballot_content(motion: Motion, choice: str, ranking: list[str] | None) -> dict[str, Any]:
    """A secret ballot's columns: in a sealed vote the checked choice sealed here, alone
    (no plaintext reaches the database); in a vote opened before sealing, the choice."""
    key = motion_key(motion)
    if key is None:
        return {"choice": choice, "ranking": ranking}
    return {"choice": "", "ranking": None, "sealed": seal_motion_choice(key, choice, ranking)}


def motion_cast_from_form(
    user: User, motion: Motion, form_token: str, ballot_code: str | None = None
) -> CastReceipt | None:
    """The receipt of the secret ballot the user cast (or, with `ballot_code`, replaced)
    on the motion from the form `form_token` (sent again after its answer was lost), or
    None if that form did neither."""
    person = person_of(user, motion.federation)
    if person is None:
        return None
    return BallotBox(MotionBallot, motion).cast_from_form(person.pk, form_token, ballot_code)


def _refuse_if_in_room(motion: Motion) -> None:
    """A vote taken in a meeting's room is decided there (see hooks.motion_in_room)."""
    for check in hooks.motion_in_room:
        message = check(motion)
        if message:
            raise Conflict(message)


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
                "from": seat.delegation.source if seat.delegation is not None else None,
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
        "from": seat.delegation.source.slug if seat.delegation is not None else None,
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
            assert seat is not None  # councils and commands vote by seat
            entry = {**_seat_entry(seat), "vote": vote.ranking if vote.ranking else vote.choice}
            if seat.status == Seat.Status.HELD:
                roll_call.append(entry)
                counted.append(entry["vote"])
            else:
                struck.append({**entry, "reason": "seat vacated before the close"})
        return counted, roll_call, struck, []
    rows: Iterable[tuple[str, list[str] | None]]
    key = motion_key(motion) if motion.secret else None
    if key is not None:
        # The papers read when the box was opened at the close, in the mix's order.
        ranked = motion.kind == Motion.Kind.OPTIONS
        papers = [motion_paper(key, ranked, reading) for reading in readings_of(key)]
        found = [paper for paper in papers if paper is not None]
        return found, [], [], aggregate(found)
    if motion.secret:
        rows = MotionBallot.objects.filter(motion=motion).values_list("choice", "ranking")
    else:
        rows = MotionVote.objects.filter(motion=motion).values_list("choice", "ranking")
    counted = [ranking if ranking else choice for choice, ranking in rows]
    return counted, [], [], aggregate(counted)


def motion_paper_ballots(motion: Motion) -> hooks.PaperBallots | None:
    """The papers of a secret motion vote taken to paper in a room (the meetings app's)."""
    return hooks.read_paper_ballots(motion)


def paper_choices(motion: Motion, paper: hooks.PaperBallots) -> list[str | list[str]]:
    """The papers as the count reads a ballot: a choice ("yes"), or a ranking of options."""
    if motion.kind == Motion.Kind.OPTIONS:
        return [[str(label) for label in ranking] for ranking in paper.rankings]
    return [str(ranking[0]) for ranking in paper.rankings]


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


def _mandates_and_compliance(
    motion: Motion, roll_call: list[dict[str, Any]], now: datetime
) -> tuple[dict[str, str], list[dict[str, Any]], list[Event]]:
    """The constituencies' mandates on a council motion and each seat's vote against them."""
    events: list[Event] = []
    # Mandate votes still open when the council decides are closed now: too late to bind.
    for mandate_vote in Motion.objects.filter(mandate_for=motion, status=Motion.Status.VOTING):
        events += _close(_lock(mandate_vote), now, late=True)
    mandates = {
        m.body.slug: m.instruction
        for m in Mandate.objects.filter(motion=motion, late=False).select_related("body")
    }
    voted = {entry["seat"]: entry["vote"] for entry in roll_call}
    # Every seat held now, voting or not (an absent delegate under a mandate is a breach).
    seats = list(seats_in(motion.body).select_related("delegation__source").order_by("pk"))
    compliance = []
    for seat in seats:
        source = seat.delegation.source.slug if seat.delegation is not None else None
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


@dataclass(frozen=True)
class RoomCount:
    """A vote taken in the room (the meetings app) and how (published as the entry's
    "room" facts): a show of hands gives the tally its two tellers agreed on; a roll call
    (tally None) is counted from the seats' votes entered by name, as in the app."""

    tally: rules.Tally | None
    how: dict[str, Any]

    def choices(self) -> list[str | list[str]]:
        t = self.tally or rules.Tally()
        return [*["yes"] * t.yes, *["no"] * t.no, *["abstain"] * t.abstain]


def _close(
    motion: Motion, now: datetime, *, late: bool = False, room: RoomCount | None = None
) -> list[Event]:
    """Count and decide a motion whose vote is open; returns the record events in order.

    `late`: a mandate vote closed because its council decided first (it binds nobody).
    `room`: a show of hands counted in the room replaces the votes cast in the app.
    """
    body = motion.body
    before: list[Event] = []
    after: list[Event] = []
    if motion.secret and room is None:
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
        key = motion_key(motion)
        if key is not None:
            cast_list = box.cast_list()
            open_and_keep(key, cast_list)
            cast, opened = secrecy_facts(key, cast_list)
            head = {"motion": motion.pk, "body": body.slug}
            before.append(Event("secrecy.cast", {**head, **cast}, body=body))
            before.append(Event("secrecy.opened", {**head, **opened}, body=body))
    if motion.secret:
        key = motion_key(motion)
        if key is not None:
            # Opened or not (a show of hands in the room counts instead), the key goes.
            forget_key_on_commit(key)
    paper = motion_paper_ballots(motion) if motion.secret and room is None else None
    if room is None or room.tally is None:
        counted, roll_call, struck, ballots = _choices_of(motion)
        if paper is not None:
            # Mixed: the papers entered in the room counted with the online ballots.
            counted = [*counted, *paper_choices(motion, paper)]
            ballots = aggregate(counted)
    else:
        counted, roll_call, struck = room.choices(), [], []
        ballots = aggregate(counted)
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
    if room is not None:
        published["room"] = room.how
    if paper is not None:
        # The papers' figures (reconciled by the verifier) and what they said, apart: the
        # verifier matches the rest to the sealed box's proven decryption.
        published["paper"] = {**paper.facts, "read": aggregate(paper_choices(motion, paper))}
    if motion.kind == Motion.Kind.OPTIONS:
        published["options"] = option_labels(motion)
        published["seed"] = motion.seed
    if motion.kind == Motion.Kind.MANDATE:
        published["mandate_for"] = motion.mandate_for_id
        published["late"] = late
    if motion.kind == Motion.Kind.MOTION and body.kind == Body.Kind.COUNCIL:
        # A show of hands has no seat's vote to hold against a mandate.
        if room is not None and room.tally is not None:
            raise Conflict(_("A council votes by roll call: each seat's vote is published."))
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
        assert motion.mandate_for_id is not None  # a mandate vote is on a council motion
        Mandate.objects.create(
            motion_id=motion.mandate_for_id,
            body=body,
            vote=motion,
            instruction=result["instruction"],
            decided_at=now,
            late=late,
        )
    elif motion.kind == Motion.Kind.AMENDMENT and passed:
        assert motion.amends_id is not None  # an amendment amends a motion
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
def do_close_vote(
    actor: User | None,
    motion: Motion,
    *,
    now: datetime | None = None,
    room_facts: dict[str, Any] | None = None,
) -> Motion:
    """An officer (or, with actor None, the clock at `closes_at`) closes the vote and counts.
    `room_facts`: the roll call was taken in a meeting's room (published with the count)."""
    now = now or timezone.now()
    motion = _lock(motion)
    if actor is not None:
        require_officer(actor, motion.body)
    elif motion.closes_at is None or motion.closes_at > now:
        raise Conflict(_("This vote has no closing time that has passed."))
    if motion.status != Motion.Status.VOTING:
        raise Conflict(_("The vote on this motion is not open."))
    if room_facts is None:
        _refuse_if_in_room(motion)
    room = None if room_facts is None else RoomCount(None, room_facts)
    append_entries(motion.federation, _close(motion, now, room=room))
    return motion


def close_counted_in_room(motion: Motion, count: RoomCount, now: datetime) -> list[Event]:
    """Decide an open motion by the show of hands counted in the room (the caller, the
    meetings app, holds the transaction and appends the events): the same count, rule,
    resolution and "motion.counted" entry as a vote cast in the app."""
    motion = _lock(motion)
    if motion.status != Motion.Status.VOTING:
        raise Conflict(_("The vote on this motion is not open."))
    return _close(motion, now, room=count)


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
