"""A federation's pages speak the federation's language until the reader picks one.

Registered with `asamblea.hooks.page_language`; the web's language middleware
(asamblea.web.language) asks it when the reader has no language cookie.
"""

from __future__ import annotations

import re

from django.db import DatabaseError

from asamblea import hooks
from asamblea.federation.models import Federation

_FEDERATION_PATH = re.compile(r"^/f/(?P<slug>[-a-zA-Z0-9_]+)/")


@hooks.page_language.register(name="federation")
def federation_language(path: str) -> str | None:
    """The language of the federation whose page `path` is, or None for other pages."""
    match = _FEDERATION_PATH.match(path)
    if match is None:
        return None
    try:
        language: str | None = (
            Federation.objects.filter(slug=match["slug"]).values_list("language", flat=True).first()
        )
    except DatabaseError:
        # The database is down: the error page still speaks the site's language.
        return None
    return language
