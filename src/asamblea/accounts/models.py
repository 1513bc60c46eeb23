"""The officers' trail, activation codes and what a login keeps beside Django's user.

The second factor's devices are django-otp's own models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from asamblea.federation.models import Body, Person

DECISIONS = {
    "verify": _("verified"),
    "reject": _("rejected"),
    "suspend": _("suspended"),
    "remove": _("removed"),
}


class OfficerAction(models.Model):
    """One thing an officer (or administrator) did or saw in a body.

    Names the officer by login, the membership by number, never a member's name or
    contact details: the trail says who looked, not what they saw. Shown to the
    body's officers and the federation's administrators, never on the public record."""

    class Kind(models.TextChoices):
        VIEWED_MEMBERS = "members.viewed", _("Opened the members page, with contact details")
        EXPORTED_MEMBERS = "members.exported", _("Exported the members")
        DECIDED = "membership.decided", _("Decided on a membership")
        APPOINTED_OFFICER = "officer.appointed", _("Appointed an officer")
        REMOVED_OFFICER = "officer.removed", _("Removed an officer")
        ISSUED_CODE = "activation.issued", _("Gave a member an activation code")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The login name when it happened: the trail outlives a deleted or renamed login.
    actor_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The decision taken (verify, reject, suspend, remove), for DECIDED.
    decision = models.CharField(max_length=10, blank=True)
    # A number, not a relation: the membership may be erased, its trail stays.
    membership_number = models.PositiveBigIntegerField(null=True, blank=True)
    # The officer appointed or removed.
    officer_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["body", "-at"], name="officer_action_body_at")]

    @property
    def decision_label(self) -> str:
        return str(DECISIONS.get(self.decision, self.decision))

    def __str__(self) -> str:
        return f"OfficerAction #{self.pk} ({self.kind})"


class ActivationCode(models.Model):
    """A one-time code an officer hands a member to make (or remake) their login.

    Only a keyed hash of the code is kept (HMAC under SECRET_KEY, which is not in the
    database), so the code can be looked up but a copy of the database shows none.
    One outstanding code per person: a new one replaces it; a used one is deleted."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    # The assembly whose officer gave it (the member is told which, when it replaced a login).
    body = models.ForeignKey(Body, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"ActivationCode #{self.pk}"


class Account(models.Model):
    """What Asamblea keeps about a login beside Django's user: never a plain e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    # A keyed hash (HMAC under SECRET_KEY) of the member's e-mail, so that a password
    # reset can find the login without the address being readable in the database.
    email_digest = models.CharField(max_length=64, blank=True, db_index=True)
    # When an officer gave this login a new activation code (its password stopped
    # working), in which body: told to the member at their next login, then cleared.
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_in = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised by "log out everywhere": a session keeps the number its login had when it
    # logged in, and one whose number is older is logged out at its next request.
    session_generation = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Account #{self.pk}"


class Passkey(models.Model):
    """A passkey (WebAuthn credential) a member added to log in without a password.

    Holds the authenticator's public key only: a copy of the database can log nobody in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    # The credential's id, base64url, as browsers send it back.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Passkey #{self.pk}"
