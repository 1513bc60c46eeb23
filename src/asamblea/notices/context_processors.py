"""The header's unread count, for logged-in readers: one indexed COUNT per request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from asamblea.notices.services.inbox import unread_count

_CACHED = "_asamblea_unread_notices"


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A page that renders sections with the request runs the processors again: count once.
    if not hasattr(request, _CACHED):
        setattr(request, _CACHED, unread_count(user))
    return {"unread_notices": getattr(request, _CACHED)}
