"""The officers' trail. The second factor's devices are django-otp's own models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from asamblea.federation.models import Body

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
