"""Start Django for the sub-commands that need the database (never at import time)."""

from __future__ import annotations

import os


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
    import django

    django.setup()
