"""The stored public log of each federation: entries, signed checkpoints, tree nodes.

Entry, Checkpoint and Node are append-only: nothing updates or deletes their
rows (on PostgreSQL a trigger refuses it, see migrations/0004; elsewhere the
verifier catches any change). TreeState is the one mutable row per log: the
size and right edge of the Merkle tree, locked by each append.
"""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    """One leaf of a federation's log: the canonical JSON of one public event."""

    # No index of its own on either foreign key: (federation, index) and (body, index) serve.
    federation = models.ForeignKey(
        "federation.Federation", on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    # Position in the federation's log, from 0, without gaps.
    index = models.PositiveBigIntegerField()
    type = models.CharField(max_length=60)
    # The body the event is about, for the per-body page (the entry itself names it too).
    body = models.ForeignKey(
        "federation.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Canonical JSON: exactly the bytes hashed into the leaf (UTF-8).
    payload = models.TextField()
    # SHA-256(0x00 || payload), lower-case hex.
    leaf_hash = models.CharField(max_length=64, db_index=True)
    # A ballot tracker the entry publishes, so a voter finds its entry by the tracker.
    tracker = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["federation_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "index"], name="entry_index_unique"),
        ]
        indexes = [models.Index(fields=["body", "index"])]

    def __str__(self) -> str:
        return f"{self.type} #{self.index}"


class Checkpoint(models.Model):
    """A signed tree head: the log's size and root hash at a moment, signed (Ed25519)."""

    # (federation, size) is unique and indexed: no index of its own on the foreign key.
    federation = models.ForeignKey(
        "federation.Federation",
        on_delete=models.PROTECT,
        related_name="checkpoints",
        db_index=False,
    )
    size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)
    # The signed timestamp exactly as signed (canonical.format_time).
    time = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    # Base64 of the 64-byte signature, and the signer's "ed25519:<base64>".
    signature = models.CharField(max_length=100)
    public_key = models.CharField(max_length=100)

    class Meta:
        ordering = ["federation_id", "size"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "size"], name="checkpoint_size_unique"),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.size} {self.root_hash[:12]}"


class TreeState(models.Model):
    """The current size and right edge of a federation's tree; its row lock orders appends."""

    federation = models.OneToOneField(
        "federation.Federation",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="record_tree",
    )
    size = models.PositiveBigIntegerField(default=0)
    # The roots of the perfect subtrees along the right edge, 32 bytes each, left
    # to right (one per set bit of size): enough to append and to compute the root.
    frontier = models.BinaryField(default=b"")
    root_hash = models.CharField(max_length=64)


class Node(models.Model):
    """The hash of a complete subtree of 2**level leaves, stored once it is complete.

    Node (level, position) covers leaves [position * 2**level, (position + 1) * 2**level).
    Level 0 (the leaves) is Entry.leaf_hash; levels 1 and up are here, so any
    root or proof for any past size is O(log n) lookups.
    """

    pk = models.CompositePrimaryKey("federation_id", "level", "position")
    # The primary key (federation, level, position) is the index.
    federation = models.ForeignKey(
        "federation.Federation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    position = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)
