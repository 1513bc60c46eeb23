"""The abstract secret ballot: each kind of secret vote keeps its ballots in its own table.

A ballot row holds WHAT was voted and its tracker, nothing else: no voter, no
time, no ordered key. THAT a person voted is kept elsewhere (a cast or a roll
entry) with nothing that links the two.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


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

    class Meta:
        abstract = True
