"""Elections, candidacies, the secret ballot, and the seats that elections fill.

Secret ballot: `VoteCast` records THAT a person voted; `Ballot` records WHAT was
voted. Nothing links the two: no foreign key, no timestamp, no ordered id
(ballots have random UUID keys), and the only handle on a ballot is the hash of
a tracker secret that the voter alone holds.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from asamblea.ballots import codes
from asamblea.ballots.models import SecretBallot
from asamblea.federation.models import Body, Delegation, Federation, Person


class Election(models.Model):
    class Kind(models.TextChoices):
        DELEGATION = "delegation", _("Delegates to a council")
        COMMAND = "command", _("Command")
        BY_ELECTION = "by-election", _("By-election")
        RECALL = "recall", _("Recall vote")

    class Status(models.TextChoices):
        NOMINATIONS = "nominations", _("Nominations open")
        # Nominations closed, the vote not yet open.
        READY = "ready", _("Nominations closed")
        VOTING = "voting", _("Voting open")
        # Trustees mode: voting closed and the ballots mixed, waiting for the trustees.
        TALLYING = "tallying", _("Waiting for the trustees")
        CLOSED = "closed", _("Closed and counted")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        STV = "stv-scottish", _("Single transferable vote")
        STV_MEEK = "stv-meek", _("Single transferable vote (Meek)")
        IRV = "irv", _("Instant runoff")
        APPROVAL = "approval", _("Approval")
        PLURALITY = "plurality", _("Plurality")
        YES_NO = "yes-no", _("Yes or no")

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="elections")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The body whose members vote and stand.
    constituency = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="elections")
    # What is filled: a delegation's seats, or a command's offices (command body).
    delegation = models.ForeignKey(
        Delegation, null=True, blank=True, on_delete=models.PROTECT, related_name="elections"
    )
    command = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="command_elections"
    )
    seats = models.PositiveIntegerField()
    method = models.CharField(max_length=14, choices=Method.choices)
    parity = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOMINATIONS)
    nominations_close_at = models.DateTimeField()
    voting_opens_at = models.DateTimeField()
    voting_closes_at = models.DateTimeField()
    # Set when the voter roll is frozen (at the opening of the vote).
    roll_frozen_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Seed of the lot draws, fixed when the election is opened and published with the result.
    seed = models.BigIntegerField()
    # The count as published (CountResult as JSON), once closed.
    result = models.JSONField(null=True, blank=True)
    # For a recall vote: the seat whose holder may be recalled; for a by-election: the
    # vacant seat it fills.
    seat = models.ForeignKey(
        "Seat", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Why an officer (or the rules: no candidate stood) cancelled it.
    cancel_reason = models.CharField(max_length=500, blank=True)
    # Casts counted when the ballots were last rewritten in tracker order (see services).
    shuffled_casts = models.PositiveIntegerField(default=0)
    shuffled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="election_window_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["status", "voting_closes_at"])]


class Candidacy(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        ACCEPTED = "accepted", _("Standing")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidacies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="candidacies")
    # The name published on the ballot and the record: candidates agree to publish it.
    public_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOMINATED)
    # Group for the parity rule (e.g. "women", "men"), empty when the rule is off.
    group = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="candidacy_unique"),
        ]


class RollEntry(models.Model):
    """A person on the frozen voter roll of an election."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="roll_entry_unique"),
        ]


class VoteCast(models.Model):
    """THAT a person voted (turnout). No time, no link to the ballot."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="casts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="vote_cast_unique"),
        ]


class Ballot(SecretBallot):
    """WHAT was voted. Random key, no time, no voter; found only through its tracker."""

    VOTE_FIELD = "election"
    TRACKER_SCHEME = codes.ELECTION

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="ballots")
    # Preferences as a list of Candidacy ids in order (or ["yes"] / ["no"] in a recall).
    ranking = models.JSONField()
    # HMAC of (vote, person) under the secret of the vote's key file (`sealing.cancel_tag`):
    # lets the table cancel the online ballot of a member who votes on paper in the room.
    # Without the key file (outside the database, deleted at publication) it names nobody.
    cancel_tag: models.CharField[str | None, str | None] = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )


class Seat(models.Model):
    """A seat held by a person: in a delegation (to a council) or an office of a command."""

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        VACATED = "vacated", _("Vacated")

    class Reason(models.TextChoices):
        RECALLED = "recalled", _("Recalled")
        RESIGNED = "resigned", _("Resigned")
        DECEASED = "deceased", _("Deceased")
        EXPELLED = "expelled", _("Expelled")
        CASCADE = "cascade", _("Lost the seat below")
        TERM_ENDED = "term-ended", _("Replaced at a new election")

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="seats")
    delegation = models.ForeignKey(
        Delegation, null=True, blank=True, on_delete=models.PROTECT, related_name="seat_holders"
    )
    command = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="command_seats"
    )
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="seats")
    # The holder's name as published (the candidacy's public name), never Person.full_name.
    public_name = models.CharField(max_length=200, blank=True)
    # The election (or by-election) whose count gave this seat; countback reuses its ballots.
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="filled_seats")
    # How it was filled: "election", "countback" or "by-election".
    filled_by = models.CharField(max_length=12, default="election")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.HELD)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    # For a seat lost in a cascade: the seat whose loss caused it.
    cause = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="consequences"
    )
    filled_at = models.DateTimeField()
    vacated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(delegation__isnull=False, command__isnull=True)
                    | Q(delegation__isnull=True, command__isnull=False)
                ),
                name="seat_in_delegation_xor_command",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "status"]),
            models.Index(fields=["delegation", "status"]),
        ]
