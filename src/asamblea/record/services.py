"""Appending events to the public record, inside the caller's transaction.

Every service that changes who holds power or what was decided calls
`append_entries` in the same transaction as the change: no change without its
entry, no entry without its change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from asamblea.federation.models import Body, Federation
from asamblea.record.models import Entry


@dataclass(frozen=True)
class Event:
    """One public fact to record: its type, the body it concerns and its facts."""

    type: str
    facts: Mapping[str, Any]
    body: Body | None = None


def canonical_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf_hash(payload: str) -> str:
    return hashlib.sha256(b"\x00" + payload.encode("utf-8")).hexdigest()


def append_entries(federation: Federation, events: Iterable[Event]) -> list[Entry]:
    """Append events to the federation's log, in order; must run inside a transaction."""
    events = list(events)
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_entries must run inside the transaction of its change")
    # Serialise appends per federation: the row lock orders concurrent writers.
    Federation.objects.select_for_update().filter(pk=federation.pk).first()
    last = Entry.objects.filter(federation=federation).aggregate(m=Max("index"))["m"]
    next_index = 0 if last is None else last + 1
    now = timezone.now()
    rows = []
    for offset, event in enumerate(events):
        entry = {
            "type": event.type,
            "time": now.isoformat().replace("+00:00", "Z"),
            "federation": federation.slug,
            **event.facts,
        }
        payload = canonical_json(entry)
        rows.append(
            Entry(
                federation=federation,
                index=next_index + offset,
                type=event.type,
                body=event.body,
                payload=payload,
                leaf_hash=leaf_hash(payload),
                created_at=now,
            )
        )
    return Entry.objects.bulk_create(rows, batch_size=2000)
