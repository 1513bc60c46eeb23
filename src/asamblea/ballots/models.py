"""The abstract secret ballot, and the key that seals the ballots of one secret vote.

A ballot row holds WHAT was voted and its tracker, nothing else: no voter, no
time, no ordered key. THAT a person voted is kept elsewhere (a cast or a roll
entry) with nothing that links the two. In a sealed vote (one with a
`BallotKey`) what was voted is only the sealed ballot: ciphertexts that the
vote's key opens after the ballots are mixed (see `asamblea.ballots.sealing`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecretBallot(models.Model):
    """WHAT was voted in one secret vote, found only through its tracker.

    A concrete ballot adds the foreign key to its vote, named by `VOTE_FIELD`,
    and the columns of what was voted; `TRACKER_SCHEME` (from `codes`) makes its
    trackers.
    """

    VOTE_FIELD: ClassVar[str]
    TRACKER_SCHEME: ClassVar[str]

    # SHA-256 of (scheme, vote, person, ballot code): the voter's only handle on the ballot.
    tracker: models.CharField[str, str] = models.CharField(max_length=64, unique=True)
    # The sealed ballot (`secrecy.bulletin.cast_to_json`: ciphertexts and their proof),
    # null in a vote that is not sealed (those opened before sealing existed).
    sealed: models.JSONField[Any, Any] = models.JSONField(null=True, blank=True)
    # SHA-256 of the ciphertexts' first components: the same ciphertext is never cast twice.
    seal_hash: models.CharField[str | None, str | None] = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )

    class Meta:
        abstract = True


class BallotKey(models.Model):
    """The key of one sealed secret vote (found like trackers, by scheme and vote id).

    Only the public side is here: in server mode the secret share is a file in
    BALLOT_KEY_DIR (deleted when the count is published), in trustees mode it is
    on the trustees' devices. Nothing in the database opens a sealed ballot.
    """

    class Mode(models.TextChoices):
        SERVER = "server", _("Key held by the server until the count")
        TRUSTEES = "trustees", _("Key shared among trustees")

    class State(models.TextChoices):
        # Trustees mode: the trustees' devices are making the key; the vote cannot open.
        CEREMONY = "ceremony", _("Key ceremony under way")
        # The public key is made: the vote can open (server mode starts here).
        READY = "ready", _("Key ready")
        # The vote is closed and the server has mixed: waiting for the teller's mix (mix 1).
        MIXING = "mixing", _("Waiting for the second mix")
        # The vote is closed and mixed: waiting for the trustees' decryption shares.
        TALLYING = "tallying", _("Waiting for the trustees")
        # The box is opened and counted.
        COUNTED = "counted", _("Counted")

    scheme = models.CharField(max_length=40)
    vote_id = models.PositiveBigIntegerField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    # "<federation slug>/<scheme>/<vote id>": every proof of this vote is bound to it.
    context = models.CharField(max_length=200, unique=True)
    # BallotCodec.describe(): how a ranking becomes group elements.
    codec = models.JSONField()
    # What each index of the codec stands for (candidate names, or "yes"/"no").
    choices = models.JSONField()
    threshold = models.PositiveSmallIntegerField()
    # bulletin.key_to_json: the public key, the verification keys and the dealings.
    public = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.READY)
    # Trustees mode: the mixes made at the close ({"mixes": [...]}), kept for the trustees
    # to decrypt the last one's output; null before the close and in server mode.
    mixed = models.JSONField(null=True, blank=True)
    # Trustees mode: the teller named to make the second mix (mix 1) after the server's,
    # on their own computer (`asamblea secrecy mix`); null: one mix, the server's.
    teller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tellerships",
    )
    # The public document of the opened box (mixes, decryption), once counted.
    opened = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "vote_id"], name="ballot_key_unique_vote"),
        ]

    def __str__(self) -> str:
        return self.context


class Trustee(models.Model):
    """One of the n trustees of a vote's key in trustees mode (index 1..n), and where they
    are in the ceremony and the decryption. Only public values are kept: their device's
    public key, their dealing (commitments and the shares sealed to the other trustees'
    devices, which the server only relays) and their proven decryption factors."""

    class Check(models.TextChoices):
        PENDING = "", _("Not checked yet")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLAINT = "complaint", _("Complained")

    key = models.ForeignKey(BallotKey, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()
    # The officer's (or named teller's) login: only they may act as this trustee.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trusteeships"
    )
    # ristretto255 point (hex) of the key pair made on the trustee's device.
    device_public = models.CharField(max_length=64, blank=True)
    # {"dealer": bulletin.dealer_to_json, "envelopes": {"1": ..., "n": ...}}
    dealing = models.JSONField(null=True, blank=True)
    checked = models.CharField(max_length=10, choices=Check.choices, blank=True, default="")
    complaints = models.JSONField(default=list, blank=True)
    # bulletin.factor_share_to_json over the last mix's output, verified before stored.
    factor_share = models.JSONField(null=True, blank=True)
    device_at = models.DateTimeField(null=True, blank=True)
    dealt_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    decrypted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "index"]
        constraints = [
            models.UniqueConstraint(fields=["key", "index"], name="trustee_unique_index"),
            models.UniqueConstraint(fields=["key", "user"], name="trustee_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.key.context} #{self.index}"
