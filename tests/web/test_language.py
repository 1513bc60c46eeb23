"""Which language a page speaks: the person's choice, else the federation's, else the site's.

The browser's Accept-Language does not decide pages (a phone sold in English must
not turn a Peruvian assembly's pages into English); the API follows it
(tests/api/test_errors.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from asamblea.federation.models import Federation
from support.factories import make_federation
from support.language import in_language

pytestmark = pytest.mark.django_db


def _lang(response: Any) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_federation_page_speaks_the_federations_language_whatever_the_browser_says() -> None:
    make_federation()  # language "es", as the Peru template
    page = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/f/test/")
    assert page.status_code == 200
    assert _lang(page) == "es"
    assert page["Content-Language"] == "es"
    assert "Accept-Language" not in page.get("Vary", "")


def test_the_switcher_choice_wins_and_is_kept_from_page_to_page() -> None:
    make_federation()
    client = Client(headers={"accept-language": "es"})
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/f/test/"})
    assert switched.status_code == 302
    assert _lang(client.get("/f/test/")) == "en"
    assert _lang(client.get("/f/test/b/base-1/")) == "en"
    assert _lang(in_language(client, "es").get("/f/test/")) == "es"


def test_a_federation_in_english_is_served_in_english_by_default() -> None:
    federation = make_federation()
    Federation.objects.filter(pk=federation.pk).update(language="en")
    assert _lang(Client().get("/f/test/")) == "en"
    # An unknown language in a cookie is ignored, not an error.
    assert _lang(in_language(Client(), "xx").get("/f/test/")) == "en"


def test_other_pages_speak_the_sites_language() -> None:
    assert _lang(Client(headers={"accept-language": "en"}).get("/")) == "es"
    assert _lang(Client(headers={"accept-language": "en"}).get("/accounts/login/")) == "es"
