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
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from asamblea import hooks
from asamblea.api.errors import install_error_handlers
from asamblea.api.mixes import router as mixes_router
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


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
# The refusals any operation can answer, whatever its own: a malformed request (a NUL
# character, too many fields) and the rate limit (RATE_API counts every request).
ANY_OPERATION = {400: "Bad Request", 429: "Too Many Requests"}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx an operation can answer, in the error shape, in its responses: so that
    a client (and the schema fuzz, tests/api/test_fuzz_served.py) can rely on them."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            refusals = dict(ANY_OPERATION)
            if "requestBody" in operation:
                refusals[413] = "Content Too Large"
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                refusals[404] = "Not Found"
            if operation.get("security"):
                refusals |= {401: "Unauthorized", 403: "Forbidden"}
            responses = operation.setdefault("responses", {})
            for status, description in refusals.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                )
    return schema


class AsambleaAPI(NinjaAPI):
    """ninja's API, its OpenAPI document listing every error an operation can answer."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = AsambleaAPI(
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
api.add_router("/v1/", mixes_router)
# Routes other apps add (asamblea.hooks.api_router), after the API's own.
for prefix, routers in hooks.api_router.items():
    for router in routers:
        api.add_router(prefix, router)
