"""Federations, their bodies and delegations, people, memberships and roles.

Models hold data and constraints only; every rule lives in `services.py`.
Personal data (a person's name and contact details) sits in `Person` alone, so
that what may never be published is in one place; it and the reasons given for
decisions on a membership are EncryptedTextFields, unreadable in a copy of the
database without the data key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from asamblea.federation.fields import EncryptedTextField

APPORTIONMENT_METHODS = [
    ("dhondt", "D'Hondt"),
    ("sainte-lague", "Sainte-Laguë"),
    ("largest-remainder", _("Largest remainder (Hare)")),
    ("huntington-hill", "Huntington-Hill"),
]


class Federation(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="es")
    # Whether officers must log in with a second factor (administrators always must).
    officers_need_second_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """A tier of the federation (community, district, province, region, national, ...)."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="levels")
    key = models.SlugField()
    name = models.CharField(max_length=100)
    # Lower ranks sit higher: 0 is the top (national) tier.
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "key"], name="level_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    """A sector of the movement (territorial, workers, peasants, students, ...)."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="sectors")
    key = models.SlugField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "key"], name="sector_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Body(models.Model):
    """An assembly: a base assembly (people), a council (delegates) or a command."""

    class Kind(models.TextChoices):
        BASE = "base", _("Base assembly")
        COUNCIL = "council", _("Council")
        COMMAND = "command", _("Command")

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="bodies")
    slug = models.SlugField(max_length=120)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="bodies")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="bodies")
    # An external code (e.g. Peru's UBIGEO) kept for imports and maps.
    code = models.CharField(max_length=40, blank=True)
    # A command is the executive committee of the body it belongs to.
    command_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="command"
    )
    # How the seats of the delegations into this council are apportioned.
    seat_method = models.CharField(
        max_length=20, choices=APPORTIONMENT_METHODS, default="dhondt", blank=True
    )
    seat_total = models.PositiveIntegerField(null=True, blank=True)
    seat_min = models.PositiveIntegerField(default=0)
    seat_max = models.PositiveIntegerField(null=True, blank=True)
    # Distinct verified members at or under this body; kept by the services in the
    # same transaction as the membership change, so pages never count on the fly.
    verified_members = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "slug"], name="body_slug_unique"),
            models.CheckConstraint(
                condition=Q(seat_max__isnull=True) | Q(seat_max__gte=models.F("seat_min")),
                name="body_seat_max_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_base(self) -> bool:
        return self.kind == self.Kind.BASE


class Delegation(models.Model):
    """Body `source` sends delegates to council `council`."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="delegations")
    source = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="delegations_up")
    council = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="delegations_in")
    # Fixed seat count; None means the council apportions this delegation's seats.
    fixed_seats = models.PositiveIntegerField(null=True, blank=True)
    # Seats of the current term: what the last election filled (changed only by an election).
    seats = models.PositiveIntegerField(default=0)
    # Seats the apportionment gives now: take effect at the next election.
    next_seats = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["council_id", "source__name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "council"], name="delegation_unique"),
            models.CheckConstraint(
                condition=~Q(source=models.F("council")), name="delegation_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.council}"

    @property
    def is_apportioned(self) -> bool:
        return self.fixed_seats is None

    @property
    def changes_at_next_election(self) -> bool:
        return self.next_seats != self.seats


class Person(models.Model):
    """A human being. PERSONAL DATA: never on a public page, in the API or a log line."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="people")
    full_name = EncryptedTextField(max_length=200)
    # Normalised contact details, optional, as given to the assembly applied to. Never
    # used to find a person (see services._applicant), so no keyed hash of them is kept.
    phone = EncryptedTextField(max_length=32, blank=True)
    email = EncryptedTextField(max_length=254, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    # The language the person chose for the pages (a code of settings.LANGUAGES);
    # blank: the federation's language.
    language = models.CharField(max_length=10, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        # Deliberately not the name: str() ends up in logs and error reports.
        return f"Person #{self.pk}"


class Membership(models.Model):
    """A person in a base assembly: applied → verified → (suspended | left)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    # Written to the person about them (why rejected, suspended, removed): personal.
    reason = EncryptedTextField(max_length=500, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["applied_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "body"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["body", "status"])]

    def __str__(self) -> str:
        return f"Membership #{self.pk} ({self.status})"


class Officer(models.Model):
    """A user who may register and verify members, open elections... in one body."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_roles"
    )
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="officers")
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "body"], name="officer_unique")]


class FederationAdmin(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_roles"
    )
    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="admins")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "federation"], name="federation_admin_unique"),
        ]
