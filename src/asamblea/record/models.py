"""The stored public log: entries in order, and the signed checkpoints over them.

Append-only: nothing updates or deletes a row (on PostgreSQL a trigger refuses
it; elsewhere the verifier catches any change).
"""

from __future__ import annotations

from django.db import models

from asamblea.federation.models import Body, Federation


class Entry(models.Model):
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="entries")
    # Position in the federation's log, from 0, without gaps.
    index = models.PositiveBigIntegerField()
    type = models.CharField(max_length=60)
    # The body the event is about, for the per-body page (the entry itself names it too).
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Canonical JSON: exactly the bytes hashed into the leaf.
    payload = models.TextField()
    leaf_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["federation_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "index"], name="entry_index_unique"),
        ]
        indexes = [models.Index(fields=["body", "index"])]


class Checkpoint(models.Model):
    """A signed tree head: the log's size and root hash at a moment, signed."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="checkpoints")
    size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # The signed note, as published (canonical JSON text of the signed fields).
    body = models.TextField()
    signature = models.CharField(max_length=200)
    public_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["federation_id", "size"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "size"], name="checkpoint_size_unique"),
        ]
