"""The NinjaAPI of Asamblea: `/api/v1/...`, schema at `/api/openapi.json`, docs at `/api/docs`.

The version is in the path, so a v2 can be served beside v1 (another router
under "v2/") while scripts written against v1 keep working; one OpenAPI schema
describes every version served.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger, render_template
from ninja.renderers import JSONRenderer

from asamblea import hooks
from asamblea.api.errors import install_error_handlers
from asamblea.api.record import router as record_router
from asamblea.api.v1 import router as v1_router

DESCRIPTION = """\
The public facts of the federations on this site (bodies, delegations, seats)
and the write actions their members and officers may take.

Reads are public and never include personal data: no names, contact details,
user names or member lists; verified member counts are public.

Write actions need a logged-in session (with the CSRF header) or an API token
(`Authorization: Bearer <token>`) that carries the action's capability. Every
error is `{"error": {"code": ..., "message": ...}}`, in the request's language.
"""


class Utf8JSONRenderer(JSONRenderer):
    """JSON with accented letters as they are (“Asamblea del Perú”), not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class SwaggerWithCsrf(Swagger):
    """Ninja's Swagger UI, sending the CSRF header so a logged-in user can try writes."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render_template(request, self.template, self.template_cdn, context)


api = NinjaAPI(
    title="Asamblea API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=SwaggerWithCsrf(),
    renderer=Utf8JSONRenderer(),
)
install_error_handlers(api)
api.add_router("/v1/", v1_router)
api.add_router("/v1/", record_router)
# Routes other apps add (asamblea.hooks.api_router), after the API's own.
for prefix, routers in hooks.api_router.items():
    for router in routers:
        api.add_router(prefix, router)
