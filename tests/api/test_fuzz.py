"""The whole API schema fuzzed (schemathesis): no request, well-formed or not, is a 5xx.

Bounded and deterministic: Hypothesis derandomized (the same cases every run), a fixed
number of cases per operation and generation mode, no example database, in process
(WSGI) against the test database with the factory federation. Every generated case is
sent twice: as generated, and aimed at the real federation (its slug, a real body), so
the fuzzing reaches past the 404 of a made-up name. Write actions carry an API token
with their capability, so they are refused by the rules, not all at the door.
Found by it and fixed: NUL characters in the path or a query (PostgreSQL refuses them
in text), an offset past what the database can count (issue 15, fault 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from asamblea.api import tokens
from asamblea.federation.models import Federation
from support.factories import body, make_officer

# Cases per operation and generation mode: with 16 operations, two modes and each case
# sent twice, about 600 requests, a minute on a busy machine.
EXAMPLES = 10


@pytest.fixture
def in_process_app(settings: Any) -> Iterator[Any]:
    """Django's WSGI app, answering inside the test's transaction (as the test client
    does: no closing of "old" connections at each request), with no rate limit."""
    settings.RATE_API = ""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _aimed(case: Any, federation: Federation) -> Any:
    """The same case about the real federation and one of its real bodies."""
    params = dict(case.path_parameters or {})
    if "slug" in params:
        params["slug"] = federation.slug
    if "body" in params:
        params["body"] = "base-1"
    case.path_parameters = params
    return case


def test_no_request_to_any_operation_of_the_schema_is_a_server_error(
    federation: Federation, in_process_app: Any
) -> None:
    officer = make_officer(federation, "base-2", "fuzz-officer")
    assert body(federation, "base-2")
    issued = tokens.do_issue_api_token(
        officer, name="fuzz", capabilities=sorted(tokens.CAPABILITIES)
    )
    headers = {"Authorization": f"Bearer {issued.secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", in_process_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    server_errors: list[str] = []
    sent = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(operation.as_strategy(generation_mode=mode))
            def send(case: Any) -> None:
                nonlocal sent
                for variant in (case, _aimed(case, federation)):
                    # Each case on the data as set up: what one changed, the next
                    # does not see (and a database error does not spoil the rest).
                    savepoint = transaction.savepoint()
                    try:
                        response = variant.call(headers=headers)
                    finally:
                        transaction.savepoint_rollback(savepoint)
                    sent += 1
                    if response.status_code >= 500:
                        server_errors.append(
                            f"{response.status_code} {variant.operation.label} "
                            f"path={variant.path_parameters} query={variant.query!r}"
                        )

            try:
                send()
            except Unsatisfiable:
                # An operation with nothing to get wrong (no parameter, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert sent > 300
    assert not server_errors, "\n".join(server_errors[:20])
