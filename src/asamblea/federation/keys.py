"""The data key over the encrypted personal data: check it, rotate it.

Operator actions (`asamblea keys ...`), run from the machine's own shell: whoever
can run them can already read the database and the key, so they take no actor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.apps import apps
from django.db import DatabaseError, connection, models, transaction

from asamblea.errors import DataKeyError
from asamblea.federation import crypto
from asamblea.federation.fields import EncryptedTextField
from asamblea.federation.models import Person


@dataclass(frozen=True)
class Rotation:
    """What `do_rotate_data_key` did."""

    new_key_id: str
    retired_key_ids: tuple[str, ...]
    values: int  # values re-encrypted
    # With DATA_KEY the old keys are still in the setting: the operator removes them.
    retire_by_hand: bool


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and their names, across all installed apps."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def check_data_key() -> None:
    """Read the data keys and open one stored value with them: a missing or wrong key
    stops a server at start with one line (DataKeyError), not at a member's page."""
    crypto.keyring()
    try:
        Person.objects.order_by("-pk").only("full_name").first()
    except DatabaseError:
        # No tables yet (before the first migrate): nothing to open.
        return


def _reencrypt_all(batch: int = 1000) -> int:
    """Load and save every encrypted value: loading decrypts with whichever key of the
    ring it is under, saving encrypts under the first. Within the caller's transaction."""
    count = 0
    for model, names in encrypted_fields():
        manager = model._default_manager
        last = 0
        while True:
            rows = list(
                manager.select_for_update()
                .filter(pk__gt=last)
                .only("pk", *names)
                .order_by("pk")[:batch]
            )
            if not rows:
                break
            manager.bulk_update(rows, names)
            count += len(rows) * len(names)
            last = rows[-1].pk
    return count


def _left_under_other_keys(current_id: str) -> int:
    """Values not under the current key, counted in SQL (loading them would decrypt)."""
    quote = connection.ops.quote_name
    left = 0
    prefix = f"{crypto.FORMAT}:{current_id}:%"
    with connection.cursor() as cursor:
        for model, names in encrypted_fields():
            columns = [
                quote(field.column or field.name)
                for field in model._meta.concrete_fields
                if field.name in names
            ]
            where = " OR ".join(f"{c} NOT LIKE %s" for c in columns)
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} WHERE {where}",  # noqa: S608
                [prefix] * len(columns),
            )
            left += cursor.fetchone()[0]
    return left


def do_rotate_data_key() -> Rotation:
    """Re-encrypt every personal value under a new data key and retire the old ones.

    With the key file: a new key is written first in the file (the old ones kept
    after it, so that a crash leaves every value readable), everything is
    re-encrypted in one transaction, and the file is rewritten with the new key
    alone. With DATA_KEY, the operator puts the new key first in the setting
    beforehand and removes the old ones afterwards (`asamblea keys new` makes one)."""
    ring = crypto.keyring()
    from_setting = ring.source == "DATA_KEY"
    if from_setting:
        if len(ring.keys) < 2:
            raise DataKeyError(
                "DATA_KEY holds one key: put a new one first, a comma, then the old one "
                "(`asamblea keys new` makes one), and rotate again."
            )
    else:
        path = crypto.key_file()
        crypto.write_key_file(path, [secrets.token_bytes(crypto.KEY_BYTES), *ring.keys])
        crypto.forget_keys()
        ring = crypto.keyring()
    new_id = ring.current_id
    old_ids = tuple(crypto.key_id(key) for key in ring.keys[1:])
    values = 0
    # A server still running may write under an old key between the passes: sweep again.
    for _pass in range(5):
        with transaction.atomic():
            values += _reencrypt_all()
            if _left_under_other_keys(new_id) == 0:
                break
    else:
        raise DataKeyError(
            "Values kept appearing under the old key: stop the server and the worker, "
            "and rotate again."
        )
    if not from_setting:
        crypto.write_key_file(crypto.key_file(), [ring.current])
        crypto.forget_keys()
    return Rotation(new_id, old_ids, values, retire_by_hand=from_setting)
