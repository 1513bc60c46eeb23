"""Notices to members, their choices of how to hear them, and the deliveries outside the app.

A notice holds its kind and parameters, never its text: the sentence is written in
the reader's language when it is shown or sent (asamblea.notices.kinds). Parameters
hold public facts only (a body's name, a seat's place, a call's title), never anyone's
personal data, so a notice may be shown, mailed or kept without exposing anybody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """Something a member should hear about, shown in the app (the in-app channel)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=40)
    # Public facts only, for the sentence (see the module docstring).
    params = models.JSONField(default=dict)
    # A path on this site (the election, the petition, the call, the body).
    link = models.CharField(max_length=300, blank=True)
    # What caused it ("entry:<federation>:<index>", "membership:<id>:<action>"): a task
    # that runs twice makes no second notice.
    source = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source"], name="notice_once_per_source"),
        ]
        indexes = [
            # The header's unread count and the notices page.
            models.Index(fields=["recipient", "read_at"], name="notice_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notice_recent"),
        ]

    def __str__(self) -> str:
        return f"Notice #{self.pk} ({self.kind})"


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("In a daily digest")


class NoticeChoice(models.Model):
    """A member opted in to hear a kind of notice through a channel (none: only in the app)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_choices"
    )
    channel = models.CharField(max_length=20)
    kind = models.CharField(max_length=40)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "kind"], name="notice_choice_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "channel"], name="notice_choice_kind")]

    def __str__(self) -> str:
        return f"NoticeChoice #{self.pk} ({self.channel}, {self.kind}, {self.mode})"


class Delivery(models.Model):
    """One notice to be carried by one channel outside the app; the worker sends it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        # Gave up: too many failed attempts, or no address to send to.
        FAILED = "failed", _("Not sent")
        # The member opted out before it went.
        CANCELLED = "cancelled", _("Cancelled")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20)
    # In the daily digest rather than on its own.
    digest = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before: now for an immediate one, the digest hour for a digest, later after a failure.
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel"], name="delivery_unique"),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"Delivery #{self.pk} ({self.channel}, {self.state})"
