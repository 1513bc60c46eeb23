"""Start Django for the sub-commands that need the database (never at import time)."""

from __future__ import annotations

import os


def setup(*, tables: bool = True) -> None:
    """Start Django; messages then speak the site's language (LANGUAGE_CODE), whatever
    a previous call in the same process activated.

    With `tables` (the commands that read or write the database), a database that has
    not been migrated to this version is refused in one line that says what to run,
    instead of a traceback at the first missing table."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    translation.activate(settings.LANGUAGE_CODE)
    if tables:
        require_migrated()


def require_migrated() -> None:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    from asamblea.errors import NotSetUp

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise NotSetUp(
            "the database is not set up for this version of Asamblea: "
            "run `asamblea migrate` first (it keeps the data there)."
        )
