"""The room of a meeting: attendance, alternates, tellers, votes counted in the room, the
speakers' list and the acta.

A `Room` adds to deliberation's `Meeting` (one each) what happens in the hall; the
meeting itself (its agenda of motions, its status) stays deliberation's. Models hold
data and constraints only; every rule lives in `services/`.

Made to grow: a vote's `method` and an attendance's `how` are open lists, and every row
written by a person keeps who wrote it and when. Entries made on a device without
signal are applied later through the same services (`OfflineEntry`, kept once by the
device's UUID, signed with a `DeskKey`: docs/meetings.md, "Sin señal en la sala").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from asamblea.deliberation.models import AgendaItem, Meeting, Motion, QuorumBasis
from asamblea.elections.models import Seat
from asamblea.federation.models import Person


class Room(models.Model):
    """A meeting held in a room: its check-in token, quorum rule and what is on the floor."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="room")
    # In the meeting's QR code: whoever holds it (and is a member) may check in.
    checkin_token = models.CharField(max_length=64, unique=True)
    # Opens the projector's page without a login (a TV in the hall).
    screen_token = models.CharField(max_length=64, unique=True)
    # The body's quorum for this sitting: present members (or seats) needed to decide.
    quorum_basis = models.CharField(
        max_length=8, choices=QuorumBasis.choices, default=QuorumBasis.MEMBERS
    )
    quorum_share = models.CharField(max_length=9, default="1/2")
    quorum_strict = models.BooleanField(default=True)
    # The body's rules allow a vote to open without quorum (it is then decided as such).
    votes_without_quorum = models.BooleanField(default=False)
    speaker_seconds = models.PositiveIntegerField()
    current_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Attendance(models.Model):
    """Someone present: checked in, and (once they leave) checked out. In a council each
    seat is present on its own row, sat by its delegate or by the seat's alternate."""

    class How(models.TextChoices):
        QR = "qr", _("Scanned the meeting's code")
        OFFICER = "officer", _("Checked in by an officer")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    seat = models.ForeignKey(
        Seat, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    as_alternate = models.BooleanField(default=False)
    how = models.CharField(max_length=10, choices=How.choices)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "person"],
                condition=Q(seat__isnull=True, checked_out_at__isnull=True),
                name="attendance_person_present_once",
            ),
            models.UniqueConstraint(
                fields=["room", "seat"],
                condition=Q(seat__isnull=False, checked_out_at__isnull=True),
                name="attendance_seat_present_once",
            ),
        ]


class Alternate(models.Model):
    """A substitute named for a council seat for this meeting only: sits and votes for the
    seat while its delegate is absent."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="alternates")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The name published for them when they act for the seat (chosen, like a candidate's).
    public_name = models.CharField(max_length=200)
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    named_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "seat"], name="alternate_one_per_seat"),
        ]


class Teller(models.Model):
    """A login named to count hands in this meeting (officers of the body count too)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="tellers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="teller_unique")]


class RoomVote(models.Model):
    """A motion put to the vote in the room."""

    class Method(models.TextChoices):
        HANDS = "hands", _("Show of hands")
        ROLL_CALL = "roll-call", _("Roll call, seat by seat")

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        DECIDED = "decided", _("Decided")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="votes")
    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="room_vote")
    method = models.CharField(max_length=10, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COUNTING)
    # The count under way: a new round starts when two tellers' counts differ.
    round = models.PositiveSmallIntegerField(default=1)
    present_at_opening = models.PositiveIntegerField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]


class TellerCount(models.Model):
    """One teller's count of one round of a show of hands."""

    vote = models.ForeignKey(RoomVote, on_delete=models.CASCADE, related_name="counts")
    round = models.PositiveSmallIntegerField()
    teller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    yes = models.PositiveIntegerField()
    no = models.PositiveIntegerField()
    abstain = models.PositiveIntegerField()
    # The present roll when the count was entered (what it was checked against).
    present = models.PositiveIntegerField()
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "entered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "round", "teller"], name="teller_count_once_a_round"
            ),
        ]


class Speaker(models.Model):
    """A request for the floor, in the order the list takes it."""

    class Kind(models.TextChoices):
        SPEECH = "speech", _("Speech")
        POINT_OF_ORDER = "order", _("Point of order")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="speakers")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # A delegate's seat name (published); empty for a base member (names stay internal).
    public_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.SPEECH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["room", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(status="speaking"), name="one_speaker_at_a_time"
            ),
        ]


class Acta(models.Model):
    """The minutes of a closed meeting: the internal copy (with names) and the public one,
    whose hash goes on the record once two officers have signed."""

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="acta")
    internal = models.JSONField()
    public = models.JSONField()
    # SHA-256 of the public version's canonical JSON (what the record publishes).
    public_hash = models.CharField(max_length=64)
    generated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)


class ActaSignature(models.Model):
    """An officer's confirmation of the acta, with the name they sign it under."""

    acta = models.ForeignKey(Acta, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    public_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["acta", "user"], name="acta_signed_once_each"),
        ]


class PaperVote(models.Model):
    """An election, or a secret motion question, voted on paper in the room (and online,
    counted together): the papers printed for it, the members who voted on paper, the
    spoiled papers replaced at the table, and how the tellers enter the box (each paper
    twice, or a tally sheet for plurality, approval and a single-choice question)."""

    class Entry(models.TextChoices):
        PAPERS = "papers", _("Each paper entered twice")
        TALLY = "tally", _("The tally sheet")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="paper_votes")
    # What is voted: an election, or a secret motion vote (exactly one).
    election = models.OneToOneField(
        "elections.Election",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paper_vote",
    )
    motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="paper_vote"
    )
    entry = models.CharField(max_length=8, choices=Entry.choices, default=Entry.PAPERS)
    # Printed on every paper of this election: a paper without it is not this box's.
    audit_number = models.CharField(max_length=16, unique=True)
    printed = models.PositiveIntegerField(default=0)
    spoiled = models.PositiveIntegerField(default=0)
    # The round of the tally sheet under way (a new one when two tellers' sheets differ).
    tally_round = models.PositiveSmallIntegerField(default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(election__isnull=False, motion__isnull=True)
                | Q(election__isnull=True, motion__isnull=False),
                name="paper_vote_election_xor_motion",
            ),
        ]


class PaperVoter(models.Model):
    """THAT a member present took a paper (the roll is marked). No time, no paper number:
    nothing leads from here to a paper (the election's VoteCast is written with it)."""

    vote = models.ForeignKey(PaperVote, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "person"], name="paper_voter_once"),
        ]


class PaperEntry(models.Model):
    """One teller's reading of one paper: the number written on it at the count and what
    it marks, in order (an election's candidacy ids; a motion's choices, "yes" or an
    option's label; [] for a blank or spoilt paper). A paper counts once two entries of
    it agree."""

    vote = models.ForeignKey(PaperVote, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveIntegerField()
    teller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ranking = models.JSONField()
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["number", "entered_at", "pk"]
        indexes = [models.Index(fields=["vote", "number"])]


class PaperTally(models.Model):
    """One teller's tally sheet (plurality, approval): the papers in the box, the blank
    or spoilt ones among them, and the marks for each candidacy."""

    vote = models.ForeignKey(PaperVote, on_delete=models.CASCADE, related_name="tallies")
    round = models.PositiveSmallIntegerField()
    teller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    papers = models.PositiveIntegerField()
    blank = models.PositiveIntegerField()
    # {"<candidacy id>": marks}; a motion's {"<choice>": marks}
    marks = models.JSONField()
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "entered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "round", "teller"], name="paper_tally_once_a_round"
            ),
        ]


class DeskKey(models.Model):
    """The key a room's desk page hands to an officer's (or teller's) session, to sign
    the entries its device makes while the hall has no signal (HMAC-SHA256). One per
    login, meeting and session: it says which device an entry came from."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="desk_keys")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Public name of the key (sent with each entry); the secret never leaves the page.
    key_id = models.CharField(max_length=32, unique=True)
    secret = models.CharField(max_length=64)
    # SHA-256 of the session's key: the same session gets the same key back.
    session_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user", "session_hash"], name="desk_key_once_a_session"
            ),
        ]


class OfflineEntry(models.Model):
    """An entry made on a device without signal and sent later: kept once (by the UUID
    the device gave it) with the first answer the server gave, which a replay returns."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        CHECK_OUT = "check_out", _("Check-out")
        HAND_COUNT = "hand_count", _("Show-of-hands count")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")
        CONFLICT = "conflict", _("In conflict")

    uuid = models.UUIDField(unique=True)
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="offline_entries")
    key = models.ForeignKey(DeskKey, on_delete=models.PROTECT, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField()
    entered_at = models.DateTimeField()  # on the device's clock
    received_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices)
    message = models.TextField(blank=True)  # the answer, in the sender's language
    # A count in conflict: the vote it is for and the count already in place.
    vote = models.ForeignKey(
        RoomVote, null=True, blank=True, on_delete=models.CASCADE, related_name="offline_entries"
    )
    against = models.ForeignKey(
        TellerCount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, blank=True)  # kept / taken / recount

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["vote", "status"])]
