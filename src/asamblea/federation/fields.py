"""A model field for personal text, kept encrypted in the database (see `crypto`)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup
from django.db.models.lookups import IsNull

from asamblea.federation import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted on its way to the database and decrypted on its way back.

    The database holds only ciphertext, so it can neither compare nor sort these
    values: every lookup but `isnull` is refused (a filter on ciphertext would match
    nothing, silently), and code that sorts by them sorts in Python. `max_length`
    limits the text, as for a CharField, in forms only."""

    description = "Text kept encrypted in the database"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        return IsNull if lookup_name == "isnull" else None
