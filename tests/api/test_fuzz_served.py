"""The whole API schema fuzzed (schemathesis) against a served site, as an attacker meets it.

The real `asamblea serve` in its own process (waitress, the production settings, its
own SQLite file or PostgreSQL database) is seeded with the factory federation
(tests/support/served_seed.py), whose officers must give a second factor. Every
operation of the served OpenAPI document is fuzzed, with positive and negative data,
and each generated case is sent as four callers: anonymous, a member's browser
session, an officer's session (logged in with password and TOTP code, over HTTP), and
an officer's API token with every capability; once as generated and once aimed at the
real federation, body and pending applications, so that it reaches past the 404 of a
made-up name. Each answer is checked by schemathesis (no 5xx; the status, content type,
headers and body the document gives for that status; negative data refused) and by
the check below that every 4xx is the API's error shape with the code of its status.

Deterministic and bounded: Hypothesis derandomized (the same cases every run), a fixed
number of cases per operation and mode, no example database; writes change the served
site's data, in the same order every run. It prints its size (operations, cases,
requests).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from asamblea.accounts.services.second_factor import totp_code
from asamblea.api.errors import CODES
from support.factories import TEST_PASSWORD
from support.server import CSRF, ONCE, Asamblea, postgres_database

# Cases per operation and generation mode; each is sent 8 times (4 callers, as generated
# and aimed). With the 16 operations of today: about 2,300 requests, under a minute.
EXAMPLES = 10
TESTS = Path(__file__).resolve().parents[1]
SOURCES = TESTS.parent / "src"


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is JSON `{"error": {"code": <the status's code>, "message": <text>}}`."""
    if not 400 <= response.status_code < 500:
        return None
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}, not JSON"
    )
    answer = json.loads(response.content)
    error = answer.get("error") if isinstance(answer, dict) else None
    assert isinstance(error, dict), f"{response.status_code} without the error object: {answer!r}"
    assert error.get("code") == CODES[response.status_code], (
        f"{response.status_code} with code {error.get('code')!r}"
    )
    message = error.get("message")
    assert isinstance(message, str) and message.strip(), f"{response.status_code}: no message"
    assert "Traceback" not in message
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
POSITIVE_CHECKS = [check for check in CHECKS if check is not negative_data_rejection]


@dataclass
class Caller:
    """One way in: the cookies and headers it sends with every request (fixed: what a
    server answers to one fuzzed request never changes who sends the next)."""

    name: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Served:
    server: Asamblea
    seed: dict[str, Any]


def _log_in(base: str, username: str, totp_key: str | None = None) -> requests.Session:
    """A browser session through the login form (and the second factor's page)."""
    session = requests.Session()

    def post_form(path: str, fields: dict[str, str]) -> requests.Response:
        page = session.get(base + path, timeout=60).text
        token = CSRF.search(page)
        assert token, f"no form on {path}"
        hidden = {"csrfmiddlewaretoken": token.group(1)}
        if once := ONCE.search(page):
            hidden["once"] = once.group(1)
        return session.post(base + path, data={**hidden, **fields}, timeout=60)

    answer = post_form("/accounts/login/", {"username": username, "password": TEST_PASSWORD})
    assert answer.status_code == 200, answer.status_code
    if totp_key is not None:
        assert "/accounts/login/code/" in answer.url, answer.url
        answer = post_form("/accounts/login/code/", {"code": totp_code(totp_key)})
        assert answer.status_code == 200, answer.status_code
    assert "/accounts/login" not in answer.url, f"{username} not logged in: {answer.url}"
    return session


def _browser_caller(name: str, session: requests.Session) -> Caller:
    cookies = requests.utils.dict_from_cookiejar(session.cookies)
    return Caller(name, cookies, {"X-CSRFToken": cookies["csrftoken"]})


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres_only),
    ],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with ExitStack() as stack:
        database_url = None
        if request.param == "postgresql":
            database_url = stack.enter_context(postgres_database())
        # No API rate limit: the fuzz sends hundreds of requests a minute from one address.
        server = Asamblea(tmp_path_factory.mktemp("served"), database_url, RATE_API="")
        server.run("migrate")
        seeding = subprocess.run(
            [sys.executable, "-m", "support.served_seed"],
            env={**server.env, "PYTHONPATH": os.pathsep.join([str(SOURCES), str(TESTS)])},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert seeding.returncode == 0, seeding.stdout + seeding.stderr
        seed = json.loads(seeding.stdout.strip().splitlines()[-1])
        stack.callback(server.stop)
        server.start(["serve", "--threads", "2"], timeout=300)
        yield Served(server, seed)


@pytest.fixture(scope="module")
def callers(served: Served) -> list[Caller]:
    """The four callers, logged in once per served site."""
    base, seed = served.server.url, served.seed
    member = _log_in(base, seed["member"])
    officer = _log_in(base, seed["officer"], totp_key=seed["totp_key"])
    officer_browser = _browser_caller("officer session", officer)
    issued = officer.post(
        base + "/api/v1/tokens",
        json={"name": "fuzz", "capabilities": ["memberships.decide"]},
        headers=officer_browser.headers,
        timeout=60,
    )
    assert issued.status_code == 201, issued.text
    token = Caller("officer token", {}, {"Authorization": f"Bearer {issued.json()['secret']}"})
    return [
        Caller("anonymous"),
        _browser_caller("member session", member),
        officer_browser,
        token,
    ]


def _aimed(case: Any, seed: dict[str, Any], number: int) -> Any:
    """The same case about the real federation, body and a pending application."""
    params = dict(case.path_parameters or {})
    if "slug" in params:
        params["slug"] = seed["slug"]
    if "body" in params:
        params["body"] = seed["body"]
    if "membership_id" in params:
        params["membership_id"] = seed["pending"][number % len(seed["pending"])]
    case.path_parameters = params
    return case


def test_every_operation_of_the_served_schema_answers_every_caller_without_5xx_and_in_shape(
    served: Served, callers: list[Caller]
) -> None:
    base = served.server.url
    schema = schemathesis.openapi.from_url(base + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    cases = sent = 0
    started = time.monotonic()
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
                nonlocal cases, sent
                cases += 1
                for aim in (False, True):
                    if aim:
                        case = _aimed(case, served.seed, cases)
                    for caller in callers:
                        response = case.call(
                            base_url=base, headers=caller.headers, cookies=caller.cookies
                        )
                        sent += 1
                        statuses[response.status_code] += 1
                        # Aimed, or sent with a caller's credentials, a negative case may
                        # have become a valid request: only the case as generated, sent
                        # anonymously, must be refused for its invalid data.
                        as_generated = not aim and not caller.headers
                        try:
                            case.validate_response(
                                response,
                                checks=CHECKS if as_generated else POSITIVE_CHECKS,
                                additional_checks=[error_shape],
                                headers=caller.headers,
                                transport_kwargs={"base_url": base},
                            )
                        except FailureGroup as group:
                            for failure in group.exceptions:
                                key = f"{case.operation.label} [{caller.name}] {failure.title}"
                                failures.setdefault(key, f"{key}\n{group.args[0][:1500]}")

            try:
                send()
            except Unsatisfiable:
                # An operation with nothing to get wrong (no parameter, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
    elapsed = time.monotonic() - started
    print(
        f"\nlive API fuzz: {len(operations)} operations, {cases} generated cases, "
        f"{sent} requests as {len(callers)} callers in {elapsed:.0f} s; "
        f"statuses {dict(sorted(statuses.items()))}; {len(failures)} distinct failures"
    )
    assert sent >= 1000
    assert not statuses.keys() & set(range(500, 600)), served.server.output()[-3000:]
    assert not failures, "\n\n".join(list(failures.values())[:10])


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(path: str, seed: dict[str, Any]) -> str:
    """A template path about the real federation and body."""
    values = {"slug": seed["slug"], "body": seed["body"], "membership_id": str(seed["pending"][0])}
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "1"), path)


def _assert_error(response: requests.Response, status: int, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("application/json"), what
    error = response.json()["error"]
    assert error["code"] == CODES[status] and error["message"].strip(), f"{what}: {error}"


def test_what_the_generator_does_not_send_is_refused_in_the_error_shape_too(
    served: Served, callers: list[Caller]
) -> None:
    """Methods a path does not take (405 with Allow), bodies too large (413) or not JSON
    (400), a NUL character (400), an address with no endpoint (404): by every caller."""
    base, seed = served.server.url, served.seed
    document = requests.get(base + "/api/openapi.json", timeout=60).json()
    probes = 0
    for path, operations in document["paths"].items():
        url = base + _concrete(path, seed)
        allowed = {method.upper() for method in operations}
        for caller in callers:
            for method in sorted(set(METHODS) - allowed):
                answer = requests.request(
                    method, url, headers=caller.headers, cookies=caller.cookies, timeout=60
                )
                _assert_error(answer, 405, f"{method} {path} [{caller.name}]")
                assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= allowed
                probes += 1
            for method, operation in operations.items():

                def send(method: str, url: str, **kwargs: Any) -> requests.Response:
                    kwargs.pop("timeout", None)
                    return requests.request(
                        method,
                        url,
                        cookies=caller.cookies,  # noqa: B023 - called in this iteration only
                        timeout=60,
                        **kwargs,
                    )

                query = {"q": "a\x00b"}
                answer = send(method, url, params=query, headers=caller.headers, timeout=60)
                _assert_error(answer, 400, f"NUL to {method} {path} [{caller.name}]")
                many = "&".join(f"f{n}=1" for n in range(1200))
                answer = send(method, f"{url}?{many}", headers=caller.headers, timeout=60)
                if answer.status_code not in {401, 403}:
                    _assert_error(answer, 400, f"1200 fields to {method} {path} [{caller.name}]")
                probes += 2
                if "requestBody" not in operation:
                    continue
                for body, content_type, status in [
                    (b"{" * 10, "application/json", 400),
                    (b"action=verify", "application/x-www-form-urlencoded", 400),
                    (b'{"a": "' + b"x" * 3_000_000 + b'"}', "application/json", 413),
                ]:
                    headers = {**caller.headers, "Content-Type": content_type}
                    answer = send(method, url, data=body, headers=headers, timeout=60)
                    what = f"{len(body)} bytes of {content_type} to {method} {path} [{caller.name}]"
                    # A caller the operation refuses may be told so first (401, 403).
                    if answer.status_code in {401, 403}:
                        _assert_error(answer, answer.status_code, what)
                    else:
                        _assert_error(answer, status, what)
                    probes += 1
    for caller in callers:
        answer = requests.get(
            base + "/api/v1/nothing-here",
            headers=caller.headers,
            cookies=caller.cookies,
            timeout=60,
        )
        _assert_error(answer, 404, f"no endpoint [{caller.name}]")
        probes += 1
    print(f"\nlive API probes: {probes} requests outside the generator, each refused in shape")
