"""URLs under /api/: the NinjaAPI, then a JSON 404 for any other address."""

from __future__ import annotations

from django.urls import path, re_path

from asamblea.api.errors import not_found_view
from asamblea.api.main import api

urlpatterns = [
    path("", api.urls),
    re_path(r"^.*$", not_found_view),
]
