"""A federation's pages speak the federation's language until the reader picks one.

Registered with `asamblea.hooks.page_language`; the web's language middleware
(asamblea.web.language) asks it when the reader has no language cookie. A member who
chose a language (Person.language) gets it at login, in their session.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest

from asamblea import hooks
from asamblea.federation.models import Federation, Person
from asamblea.web.language import MEMBER_LANGUAGE

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


@receiver(user_logged_in, dispatch_uid="asamblea.federation.member_language")
def member_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At login, the pages take the language the member chose (Person.language), if any."""
    if request is None or not hasattr(request, "session"):
        return
    language = Person.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[MEMBER_LANGUAGE] = language
