"""The 500 and 503 pages: ours, in the reader's language, standalone (they read neither
the database nor the login), never a stack trace."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import translation

from asamblea.web.errors import server_error
from support.factories import make_federation


def _answer_to(error: Exception, language: str) -> tuple[int, str, str | None]:
    request = RequestFactory().get("/f/peru/")
    with translation.override(language):
        try:
            raise error
        except Exception:
            response = server_error(request)
    return response.status_code, response.content.decode(), response.get("Retry-After")


def test_a_bug_is_our_500_page_in_spanish_without_a_trace() -> None:
    status, page, retry = _answer_to(ZeroDivisionError("secret detail"), "es")
    assert status == 500 and retry is None
    assert "Algo falló de nuestro lado" in page
    assert "secret detail" not in page and "ZeroDivisionError" not in page


def test_an_unreachable_database_is_a_503_with_retry_after_in_english_too() -> None:
    status, page, retry = _answer_to(OperationalError("connection refused"), "en")
    assert status == 503 and retry == "30"
    assert "Asamblea cannot reach its database" in page
    assert "connection refused" not in page


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("/f/test/?q=a%00b", id="nul-in-a-value"),
        pytest.param("/f/test/?%C3%B1%00=1", id="nul-in-a-name"),
        pytest.param("/f/test%00/", id="nul-in-the-path"),
    ],
)
def test_a_nul_character_in_a_page_address_is_a_plain_400_in_the_readers_language(
    db: None, client: Client, address: str
) -> None:
    make_federation()
    answer = client.get(address, HTTP_ACCEPT_LANGUAGE="es")
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "carácter NUL" in page and "Traceback" not in page
