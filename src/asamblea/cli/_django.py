"""Start Django for the sub-commands that need the database (never at import time)."""

from __future__ import annotations

import os


def setup() -> None:
    """Start Django; messages then speak the site's language (LANGUAGE_CODE), whatever
    a previous call in the same process activated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    translation.activate(settings.LANGUAGE_CODE)
