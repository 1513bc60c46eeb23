"""Build the tree state and nodes of logs written before 0002, and sign their heads.

Entries appended by the first version of the record (no tree state, no nodes,
no checkpoints) get, per federation: the complete-subtree nodes recomputed
from their stored leaf hashes, the tree state, and one checkpoint signed with
the installation key (settings.RECORD_KEY_FILE, created if missing), so that
their export verifies. A fresh database has no entries: nothing is done and
no key is created.
"""

import base64

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 5000


def build(apps, schema_editor):
    from asamblea.record.checkpoint import issue_checkpoint, load_or_create_signing_key
    from asamblea.record.merkle import EMPTY_ROOT, Frontier, node_hash

    Federation = apps.get_model("federation", "Federation")
    Entry = apps.get_model("record", "Entry")
    Node = apps.get_model("record", "Node")
    TreeState = apps.get_model("record", "TreeState")
    Checkpoint = apps.get_model("record", "Checkpoint")
    signer = None
    for federation in Federation.objects.order_by("pk"):
        if TreeState.objects.filter(federation=federation).exists():
            continue
        frontier, nodes, size = [], [], 0
        rows = Entry.objects.filter(federation=federation).order_by("index")
        for index, digest_hex in rows.values_list("index", "leaf_hash").iterator(BATCH):
            if index != size:
                raise RuntimeError(f"record of {federation.slug}: entry {size} is missing")
            digest, position, level = bytes.fromhex(digest_hex), index, 0
            while position & 1:
                digest = node_hash(frontier.pop(), digest)
                level += 1
                position >>= 1
                nodes.append(Node(federation=federation, level=level, position=position, hash=digest))
            frontier.append(digest)
            size += 1
            if len(nodes) >= BATCH:
                Node.objects.bulk_create(nodes)
                nodes = []
        Node.objects.bulk_create(nodes)
        root = Frontier(size, frontier).root() if size else EMPTY_ROOT
        TreeState.objects.create(
            federation=federation, size=size, frontier=b"".join(frontier), root_hash=root.hex()
        )
        if size and not Checkpoint.objects.filter(federation=federation, size=size).exists():
            signer = signer or load_or_create_signing_key(settings.RECORD_KEY_FILE)
            now = timezone.now()
            signed = issue_checkpoint(signer, federation.slug, size, root, now)
            Checkpoint.objects.create(
                federation=federation,
                size=size,
                root_hash=root.hex(),
                time=signed.time,
                created_at=now,
                signature=base64.b64encode(signed.signature).decode("ascii"),
                public_key=signed.public_key.to_text(),
            )


class Migration(migrations.Migration):

    dependencies = [
        ("record", "0002_tree_nodes_signed_checkpoints"),
    ]

    operations = [
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
