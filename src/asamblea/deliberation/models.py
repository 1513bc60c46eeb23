"""Motions, amendments, votes, resolutions, mandates, meetings, referendums and calls to action.

Models hold data and constraints only; every rule lives in `services.py` and
the pure `rules.py`.

Secret votes follow the elections app: `MotionCast` / `ReferendumRoll.voted_body`
record THAT a person voted, `MotionBallot` / `ReferendumBallot` WHAT was voted;
nothing links the two (no foreign key, no timestamp, random UUID keys), the
ballots are rewritten in tracker order to erase physical order, and a ballot
is found again only through the hash of a code the voter alone holds.
Open votes (`MotionVote`) are roll calls: in councils each delegate's vote is
public, as a mandate needs.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from asamblea.ballots import codes
from asamblea.ballots.models import SecretBallot
from asamblea.elections.models import Seat
from asamblea.federation.models import Body, Federation, Person, Sector


class Threshold(models.TextChoices):
    SIMPLE = "simple", _("Simple majority of votes cast")
    ABSOLUTE = "absolute", _("Absolute majority of seats")
    TWO_THIRDS = "two-thirds", _("Two thirds of votes cast")


class QuorumBasis(models.TextChoices):
    NONE = "none", _("No quorum")
    SEATS = "seats", _("Seats")
    MEMBERS = "members", _("Members")


class Motion(models.Model):
    """A proposal put to a body. Amendments and mandate votes are motions too."""

    class Kind(models.TextChoices):
        MOTION = "motion", _("Motion")
        OPTIONS = "options", _("Choice among options")
        AMENDMENT = "amendment", _("Amendment")
        MANDATE = "mandate", _("Mandate for our delegates")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, waiting for a seconder")
        TABLED = "tabled", _("Tabled for debate")
        VOTING = "voting", _("Vote open")
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Not passed")
        REFERENDUM = "referendum", _("Sent to the members")
        LAPSED = "lapsed", _("Lapsed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="motions")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="motions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOTION)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    title = models.CharField(max_length=200)
    # The text as it stands now (amendments that pass replace it); `original_text` as proposed.
    text = models.TextField()
    original_text = models.TextField()
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    # A mandate vote: the council motion the constituency instructs its delegates on.
    mandate_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="mandate_votes"
    )
    proposer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seconder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Published names: a delegate's seat name; empty for a base member (names stay private).
    proposer_name = models.CharField(max_length=200, blank=True)
    seconder_name = models.CharField(max_length=200, blank=True)
    threshold = models.CharField(max_length=10, choices=Threshold.choices, default=Threshold.SIMPLE)
    quorum_basis = models.CharField(
        max_length=8, choices=QuorumBasis.choices, default=QuorumBasis.NONE
    )
    # A fraction "n/d"; with `quorum_strict` "more than" it, otherwise "at least" it.
    quorum_share = models.CharField(max_length=9, default="1/2")
    quorum_strict = models.BooleanField(default=True)
    secret = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Frozen when the vote opens: all seats (vacant included) and, in a base, the roll.
    electorate_seats = models.PositiveIntegerField(default=0)
    # Seed of the lot between level options; only its commitment is published before the count.
    seed = models.BigIntegerField(default=0)
    # The count as published (see services.do_close_vote).
    result = models.JSONField(null=True, blank=True)
    # Secret votes: casts counted when the ballots were last rewritten in tracker order.
    shuffled_casts = models.PositiveIntegerField(default=0)
    shuffled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["body", "status"]),
            models.Index(fields=["status", "closes_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="amendment", amends__isnull=False)
                | (~Q(kind="amendment") & Q(amends__isnull=True)),
                name="motion_amendment_amends_one",
            ),
            models.CheckConstraint(
                condition=Q(kind="mandate", mandate_for__isnull=False)
                | (~Q(kind="mandate") & Q(mandate_for__isnull=True)),
                name="motion_mandate_for_one",
            ),
        ]

    def __str__(self) -> str:
        return f"Motion #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.VOTING

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.PASSED, self.Status.REJECTED)


class MotionOption(models.Model):
    """One option of a choice decided by ranked vote."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "position"], name="option_position_unique"),
            models.UniqueConstraint(fields=["motion", "label"], name="option_label_unique"),
        ]


class Comment(models.Model):
    """A contribution to the debate on a motion."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # A delegate's seat name; empty for a base member.
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class MotionRoll(models.Model):
    """A verified member of a base assembly on the roll frozen when the vote opened."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "person"], name="motion_roll_unique"),
        ]


class MotionVote(models.Model):
    """An open vote: a delegate's roll-call vote for one seat, or a member's open vote."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    # Councils and commands: the seat voting (a person holding two seats votes for each).
    seat = models.ForeignKey(
        Seat, null=True, blank=True, on_delete=models.PROTECT, related_name="motion_votes"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # "yes" / "no" / "abstain" (a mandate vote: "yes" / "no" / "free"); "" for a ranking.
    choice = models.CharField(max_length=8, blank=True)
    # Option labels in order of preference (ranked votes only).
    ranking = models.JSONField(null=True, blank=True)
    voted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "seat"], condition=Q(seat__isnull=False), name="vote_seat_unique"
            ),
            models.UniqueConstraint(
                fields=["motion", "person"],
                condition=Q(seat__isnull=True),
                name="vote_person_unique",
            ),
        ]


class MotionCast(models.Model):
    """THAT a member voted in a secret vote. No time, no link to the ballot."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="casts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "person"], name="motion_cast_unique"),
        ]


class MotionBallot(SecretBallot):
    """WHAT was voted in a secret vote. Random key, no time, no voter."""

    VOTE_FIELD = "motion"
    TRACKER_SCHEME = codes.MOTION

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=8, blank=True)
    ranking = models.JSONField(null=True, blank=True)
    # HMAC of (vote, person) under the secret of the vote's key file (`sealing.cancel_tag`):
    # lets the table cancel the online ballot of a member who votes on paper in the room.
    cancel_tag: models.CharField[str | None, str | None] = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )


class Resolution(models.Model):
    """A passed motion: numbered in its body, with a permanent page."""

    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="resolution")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="resolutions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    adopted_at = models.DateTimeField()
    # A referendum's verdict on a resolution sent to the members (None: not sent).
    ratified = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["body_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="resolution_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Resolution {self.number}"


class Mandate(models.Model):
    """A constituency's instruction to its delegates on a council motion."""

    class Instruction(models.TextChoices):
        YES = "yes", _("Vote yes")
        NO = "no", _("Vote no")
        FREE = "free", _("Free vote")

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="mandates")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="mandates")
    vote = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="mandate")
    instruction = models.CharField(max_length=4, choices=Instruction.choices)
    decided_at = models.DateTimeField()
    # Decided after the council's vote had closed: shown, but nothing to compare.
    late = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "body"], name="mandate_unique"),
        ]


class Meeting(models.Model):
    """An assembly's sitting, with an agenda of motions worked through in order."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("In session")
        CLOSED = "closed", _("Closed")

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="meetings")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="agenda_items")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "motion"], name="agenda_motion_unique"),
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_unique"),
        ]


class Referendum(models.Model):
    """A council's motion put to every verified member of every base assembly under it."""

    class Status(models.TextChoices):
        VOTING = "voting", _("Voting open")
        CLOSED = "closed", _("Closed and counted")

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="referendums")
    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="referendum")
    council = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="referendums")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.VOTING)
    # True: ratifying a resolution the council passed; False: deciding a tabled motion.
    ratifies = models.BooleanField(default=False)
    threshold = models.CharField(max_length=10, choices=Threshold.choices, default=Threshold.SIMPLE)
    quorum_basis = models.CharField(
        max_length=8, choices=QuorumBasis.choices, default=QuorumBasis.NONE
    )
    quorum_share = models.CharField(max_length=9, default="1/2")
    quorum_strict = models.BooleanField(default=True)
    min_voters = models.PositiveIntegerField()
    # Distinct people on the roll (frozen at the opening).
    electorate = models.PositiveIntegerField(default=0)
    # The scope as published at the opening: {"tree": {council: [children]}, "bases": [...]}.
    scope = models.JSONField(default=dict)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    shuffled_casts = models.PositiveIntegerField(default=0)
    shuffled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["status", "closes_at"])]


class ReferendumRoll(models.Model):
    """A person on a referendum's roll, counted once however many assemblies they are in.

    `home_body`: the assembly they joined first (where they count until they vote);
    `voted_body`: the assembly they voted through, set when they vote (THAT they voted).
    """

    # A million-member roll is written in one statement: every index and per-row foreign
    # key check costs seconds there. The unique key covers lookups by referendum; the
    # bodies come from memberships (they exist), and deleting a body still meets PROTECT.
    referendum = models.ForeignKey(
        Referendum, on_delete=models.CASCADE, related_name="roll", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    home_body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    voted_body = models.ForeignKey(
        Body,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referendum", "person"], name="referendum_roll_unique"),
        ]


class ReferendumBallot(SecretBallot):
    """WHAT was voted, and the assembly it is counted in. No time, no voter, no ordered id:
    the key is the tracker (random, published), the voter's only handle on it."""

    VOTE_FIELD = "referendum"
    TRACKER_SCHEME = codes.REFERENDUM

    # The ballots are rewritten in tracker order at every tick and at the close, a
    # million at a time: keyed by the tracker they are appended in key order, and only
    # the referendum's index is kept besides (the count scans one referendum's rows).
    tracker = models.CharField(max_length=64, primary_key=True)
    referendum = models.ForeignKey(
        Referendum, on_delete=models.CASCADE, related_name="ballots", db_constraint=False
    )
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    choice = models.CharField(max_length=8)


class CallToAction(models.Model):
    """A resolution issued as a call (a strike, a march) with a time window and a scope."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="calls")
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="calls")
    council = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="calls_issued")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Empty: the whole tree under the council. Otherwise only under these bodies...
    regions = models.ManyToManyField(Body, blank=True, related_name="+")
    # ...and only bodies of these sectors (empty: every sector).
    sectors = models.ManyToManyField(Sector, blank=True, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="call_window_not_empty"
            ),
        ]


class Uptake(models.Model):
    """A body in a call's scope: whether it acknowledged the call and how it took it up."""

    class Status(models.TextChoices):
        PENDING = "", _("Not reported yet")
        JOINED = "joined", _("Joined")
        PARTLY = "partly", _("Partly joined")
        NOT = "not", _("Did not join")

    call = models.ForeignKey(CallToAction, on_delete=models.CASCADE, related_name="uptakes")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="uptakes")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, blank=True, default="")
    # How many took part (people on strike, at the march), as the body reports it.
    number = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "body"], name="uptake_unique"),
        ]
