"""Recall petitions and their private signatures, per-federation recall settings,
and the countbacks that refilled seats.

Signatures are personal data: who signed a petition is never shown publicly, in
the API or on the record; only the number of signatures is public.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from asamblea.elections.models import Election, Seat
from asamblea.federation.models import Body, Federation, Person

SHARE = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))]


class RecallSettings(models.Model):
    """How a federation runs recalls; a federation without a row uses the defaults
    (DOMAIN.md: a quarter of the verified members sign, more than half of the valid
    votes with a turnout of at least half the electorate)."""

    class Refill(models.TextChoices):
        COUNTBACK = "countback", _("Countback from the ballots that filled the seat")
        BY_ELECTION = "by-election", _("By-election")

    federation = models.OneToOneField(
        Federation, on_delete=models.CASCADE, related_name="recall_settings"
    )
    # Share of the constituency's verified members whose signatures open a recall vote.
    threshold = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.25"), validators=SHARE
    )
    # Share of the electorate that must vote for the result to count.
    quorum = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.5"), validators=SHARE
    )
    # The recall passes when "yes" is MORE than this share of the valid votes.
    majority = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.5"), validators=SHARE
    )
    refill = models.CharField(max_length=12, choices=Refill.choices, default=Refill.COUNTBACK)
    petition_days = models.PositiveSmallIntegerField(default=30)
    vote_days = models.PositiveSmallIntegerField(default=7)
    by_election_nomination_days = models.PositiveSmallIntegerField(default=7)
    by_election_vote_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(petition_days__gte=1, vote_days__gte=1), name="recall_windows_not_empty"
            ),
        ]


class RecallPetition(models.Model):
    """A petition to recall the holder of one seat; its signature count is public."""

    class Status(models.TextChoices):
        OPEN = "open", _("Collecting signatures")
        VOTING = "voting", _("Recall vote open")
        PASSED = "passed", _("Recalled")
        FAILED = "failed", _("Not recalled")
        EXPIRED = "expired", _("Expired without enough signatures")
        MOOT = "moot", _("Seat vacated otherwise")

    ACTIVE = (Status.OPEN, Status.VOTING)

    federation = models.ForeignKey(
        Federation, on_delete=models.PROTECT, related_name="recall_petitions"
    )
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="recall_petitions")
    # The body whose members elected the seat: they sign, and they vote the recall.
    constituency = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # Frozen at the opening: the electorate then, and the signatures needed.
    electorate = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    signatures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    election = models.OneToOneField(
        Election, null=True, blank=True, on_delete=models.PROTECT, related_name="recall_petition"
    )
    # Frozen when the recall vote opens: the rules it is decided by, whatever the
    # federation changes while it runs (empty until then).
    quorum = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    majority = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    # The recall vote's outcome: yes, no, turnout, quorum, majority, passed.
    result = models.JSONField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat"],
                condition=Q(status__in=["open", "voting"]),
                name="one_active_petition_per_seat",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self) -> str:
        return f"Recall petition #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class PetitionSignature(models.Model):
    """PRIVATE: that a person signed a petition. No time kept; never published."""

    petition = models.ForeignKey(
        RecallPetition, on_delete=models.CASCADE, related_name="signature_rows"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "person"], name="petition_signature_unique"
            ),
        ]


class Countback(models.Model):
    """A vacated seat refilled from the ballots that filled it (or found nobody)."""

    vacated = models.OneToOneField(Seat, on_delete=models.PROTECT, related_name="countback")
    # The new seat; None when the countback found nobody (a by-election opened).
    filled = models.OneToOneField(
        Seat, null=True, blank=True, on_delete=models.PROTECT, related_name="filled_by_countback"
    )
    # The public facts (rule, standing candidates, rounds, lot and seed).
    result = models.JSONField()
    # The papers that elected the new holder (public, anonymous): the next countback's input.
    papers = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
