"""The OpenAPI schema is served, valid, versioned and complete; the docs page works;
every read endpoint answers for the factory federation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


def test_the_schema_is_served_and_is_valid_openapi_3(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"] == "Asamblea API"
    validate(openapi)


def test_the_validator_would_catch_a_broken_schema(openapi: dict[str, Any]) -> None:
    broken = {**openapi, "paths": {"/x": {"get": {"responses": {"200": {"$ref": 7}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_operation_is_versioned_and_known_to_the_tests(
    openapi: dict[str, Any], known_operations: set[tuple[str, str]]
) -> None:
    operations = {
        (method, path) for path, methods in openapi["paths"].items() for method in methods
    }
    assert operations == known_operations
    assert all(path.startswith("/api/v1/") for _method, path in operations)


def test_write_actions_declare_session_and_token_auth(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["BrowserSession"]["in"] == "cookie"
    decision = openapi["paths"][
        "/api/v1/federations/{slug}/bodies/{body}/memberships/{membership_id}/decision"
    ]["post"]
    assert {name for entry in decision["security"] for name in entry} == {
        "BearerToken",
        "BrowserSession",
    }
    reads = openapi["paths"]["/api/v1/federations/{slug}/bodies"]["get"]
    assert "security" not in reads


def test_the_interactive_docs_are_served_from_our_own_static_files(
    client: Client, db: None
) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/api/openapi.json" in page
    # The page carries the CSRF token so a logged-in user can try the write actions.
    assert 'data-api-csrf="true"' in page
    script = client.get("/static/ninja/swagger-ui-bundle.js")
    script.close()
    assert script.status_code == 200


def test_every_read_endpoint_answers_for_the_factory_federation(
    officer_client: Client, get_urls: list[str]
) -> None:
    client = officer_client
    assert len(get_urls) > 12
    for url in get_urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        assert response.json() is not None


def test_an_unknown_api_address_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_every_operation_documents_each_refusal_it_can_answer_in_the_error_shape(
    openapi: dict[str, Any],
) -> None:
    # The live fuzz (tests/api/test_fuzz_served.py) checks each answer against these.
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            expected = {"400", "429"}
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected.add("413")
            if operation.get("security"):
                expected |= {"401", "403"}
            refusals = {status for status in responses if status.startswith("4")}
            assert refusals >= expected, f"{method} {path}: {sorted(expected - refusals)}"
            for status in refusals:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == error, f"{method} {path} {status}"
