"""The abstract secret ballot, and the key that seals the ballots of one secret vote.

A ballot row holds WHAT was voted and its tracker, nothing else: no voter, no
time, no ordered key. THAT a person voted is kept elsewhere (a cast or a roll
entry) with nothing that links the two. In a sealed vote (one with a
`BallotKey`) what was voted is only the sealed ballot: ciphertexts that the
vote's key opens after the ballots are mixed (see `asamblea.ballots.sealing`).
"""

from __future__ import annotations

from typing import Any, ClassVar

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
    # The public document of the opened box (mixes, decryption), once counted.
    opened = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "vote_id"], name="ballot_key_unique_vote"),
        ]

    def __str__(self) -> str:
        return self.context
