"""Every API error is `{"error": {"code", "message"}}`, in the request's language."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from asamblea.api.errors import CODES
from asamblea.api.main import api
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.models import Federation


@pytest.mark.parametrize(
    ("language", "message"),
    [
        pytest.param("en", "There is no federation called “nope”.", id="english"),
        pytest.param("es", "No existe una federación llamada «nope».", id="spanish"),
    ],
)
def test_a_domain_error_speaks_the_requests_language(
    client: Client, db: None, language: str, message: str
) -> None:
    response = client.get("/api/v1/federations/nope", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": message}}
    assert response["Content-Language"] == language


def test_the_language_cookie_chooses_the_language_too(client: Client, db: None) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/federations/nope", headers={"Accept-Language": "es"})
    assert response.json()["error"]["message"] == "There is no federation called “nope”."


@pytest.mark.parametrize(
    ("language", "start"),
    [("en", "Log in first"), ("es", "Inicie sesión primero")],
)
def test_the_api_s_own_errors_are_translated(
    client: Client, federation: Federation, language: str, start: str
) -> None:
    response = client.post(
        "/api/v1/federations/test/bodies/base-1/memberships/1/decision",
        {"action": "verify"},
        content_type="application/json",
        headers={"Accept-Language": language},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(start)
    nowhere = client.get("/api/v1/nowhere", headers={"Accept-Language": language})
    assert nowhere.json()["error"]["message"] == (
        "There is nothing at this address."
        if language == "en"
        else "No hay nada en esta dirección."
    )


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidInput("bad"), 400, "invalid_input"),
        (PermissionDenied("no"), 403, "permission_denied"),
        (NotFound("gone"), 404, "not_found"),
        (Conflict("again"), 409, "conflict"),
    ],
)
def test_each_domain_error_has_its_status_and_code(
    error: Exception, status: int, code: str
) -> None:
    request = RequestFactory().get("/api/v1/anything")
    response = api.on_exception(request, error)
    assert response.status_code == status
    assert CODES[status] == code
    assert response.content.decode() == (f'{{"error": {{"code": "{code}", "message": "{error}"}}}}')


def test_a_bug_is_a_json_500_without_a_traceback_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = RequestFactory().get("/api/v1/anything")
    with caplog.at_level(logging.ERROR, logger="asamblea.api.errors"):
        response = api.on_exception(request, ZeroDivisionError("division by zero"))
    assert response.status_code == 500
    body = response.content.decode()
    assert '"code": "server_error"' in body
    assert "Traceback" not in body and "ZeroDivisionError" not in body
    assert "ZeroDivisionError" in caplog.text


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("?offset=30661628539744608256&limit=2147483648", id="offset-past-bigint"),
        pytest.param("?offset=1000000001", id="offset-past-the-bound"),
        pytest.param("?council=%00", id="nul-in-a-value"),
        pytest.param("?%C3%B1%00=1", id="nul-in-a-name"),
    ],
)
def test_a_request_no_field_accepts_is_a_400_not_a_500(
    client: Client, federation: Federation, query: str
) -> None:
    response = client.get(f"/api/v1/federations/{federation.slug}/delegations{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_nul_in_the_path_is_a_400_and_unknown_parameters_are_ignored(
    client: Client, federation: Federation
) -> None:
    assert client.get("/api/v1/federations/a%00b").status_code == 400
    bodies = f"/api/v1/federations/{federation.slug}/bodies"
    assert client.get(bodies + "?%C3%B1=1&%E2%9C%93=%E2%9C%93").status_code == 200


@pytest.mark.parametrize(
    ("language", "message"),
    [
        pytest.param(
            "en",
            "This address does not take DELETE requests; it takes: GET.",
            id="english",
        ),
        pytest.param(
            "es",
            "Esta dirección no acepta solicitudes DELETE; acepta: GET.",
            id="spanish",
        ),
    ],
)
def test_a_method_the_path_does_not_take_is_a_405_in_the_error_shape_with_allow(
    client: Client, db: None, language: str, message: str
) -> None:
    # Found by the live fuzz (tests/api/test_fuzz_served.py): ninja's bare HTML 405.
    response = client.delete("/api/v1/federations", headers={"Accept-Language": language})
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET"
    assert response.json() == {"error": {"code": "method_not_allowed", "message": message}}


def test_a_request_with_more_fields_than_django_reads_is_a_400_in_the_error_shape(
    client: Client, db: None
) -> None:
    many = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"/api/v1/federations/nope/bodies?{many}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
