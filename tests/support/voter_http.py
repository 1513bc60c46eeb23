"""A voter's HTTP exchange with a served Asamblea that may die at any moment, for the
tests that cast over HTTP while servers are killed (tests/faults through
`support.faultstand`, and elections/test_durability.py)."""

from __future__ import annotations

import http.client
import http.cookies
import re
import urllib.parse

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE = re.compile(r'name="once" value="([^"]+)"')
TRACKER = re.compile(r'id="tracker">([0-9a-f]{64})<')
CODE = re.compile(r'id="ballot-code">([^<]+)<')
# Connection trouble while a server is down or dies mid-request: the post may or may
# not have been done.
GONE = (ConnectionError, http.client.HTTPException, TimeoutError, OSError)


class Gone(Exception):
    """No answer: the server died, or was down. The request may or may not have been done."""


def send(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    cookies: dict[str, str],
    headers: dict[str, str],
    fields: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """One request on `connection` (closed after) with `cookies` and `headers`, and the
    form `fields` if given; the answer's status, headers and text. The cookies the
    answer sets are kept in `cookies`. Gone when there was no answer."""
    headers = {**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", errors="replace")
    except GONE as error:
        raise Gone(str(error)) from None
    finally:
        connection.close()
    for header in answer.headers.get_all("Set-Cookie") or []:
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            cookies[name] = morsel.value
    return answer.status, dict(answer.headers.items()), text
