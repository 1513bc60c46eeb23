"""The public join form is rate-limited per client address (RATE_JOIN): a flood of
made-up applications from one address is refused with 429 and saves nothing."""

from __future__ import annotations

import argparse
import re
import socket
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from asamblea.cli.server import migrate_command
from asamblea.federation.models import Federation, Membership
from asamblea.settings import cache_settings
from support.language import english, in_language
from support.people import people_named

JOIN = "/f/test/b/base-1/join/"
ONCE = re.compile(r'name="once" value="([^"]+)"')
SECTOR = re.compile(r'<option value="(\d+)" selected')


@pytest.fixture
def two_a_minute(settings: Any, federation: Federation) -> Federation:
    settings.RATE_JOIN = "2/m"
    cache.clear()
    return federation


def _form(client: Client, address: str) -> dict[str, str]:
    page = client.get(JOIN, REMOTE_ADDR=address)
    assert page.status_code == 200
    html = page.content.decode()
    return {
        "full_name": "Someone",
        "once": ONCE.findall(html)[0],
        "sector": SECTOR.findall(html)[0],
    }


def _apply(client: Client, address: str, name: str) -> HttpResponse:
    fields = _form(client, address)
    return client.post(JOIN, {**fields, "full_name": name}, REMOTE_ADDR=address)


def _applications() -> int:
    return Membership.objects.filter(body__slug="base-1", status=Membership.Status.APPLIED).count()


def test_the_third_application_from_one_address_is_refused_and_saves_nothing(
    two_a_minute: Federation,
) -> None:
    client = english(Client())
    for name in ("First Person", "Second Person"):
        assert "Application sent" in _apply(client, "10.0.0.1", name).content.decode()
    before = _applications()

    refused = _apply(client, "10.0.0.1", "Third Person")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests" in page
    assert "Too many forms were sent from your connection" in page
    assert "this one was not saved" in page
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert _applications() == before
    assert not Membership.objects.filter(person__in=people_named("Third Person")).exists()


def test_another_address_still_gets_through(two_a_minute: Federation) -> None:
    client = english(Client())
    for name in ("First Person", "Second Person", "Third Person"):
        _apply(client, "10.0.0.1", name)

    other = _apply(english(Client()), "10.0.0.2", "Neighbour")

    assert other.status_code == 200
    assert Membership.objects.filter(person__in=people_named("Neighbour")).exists()


def test_reading_the_form_is_not_limited(two_a_minute: Federation) -> None:
    client = english(Client())
    for name in ("First Person", "Second Person", "Third Person"):
        _apply(client, "10.0.0.1", name)
    assert client.get(JOIN, REMOTE_ADDR="10.0.0.1").status_code == 200


def test_once_the_limit_resets_the_refused_form_can_be_sent_again(
    two_a_minute: Federation,
) -> None:
    client = english(Client())
    for name in ("First Person", "Second Person"):
        _apply(client, "10.0.0.1", name)
    fields = {**_form(client, "10.0.0.1"), "full_name": "Patient Person"}
    assert client.post(JOIN, fields, REMOTE_ADDR="10.0.0.1").status_code == 429

    cache.clear()  # the window is over
    again = client.post(JOIN, fields, REMOTE_ADDR="10.0.0.1")

    # The refused post did not use up its one-time token: the same form goes through.
    assert again.status_code == 200 and "Application sent" in again.content.decode()
    assert Membership.objects.filter(person__in=people_named("Patient Person")).count() == 1


def test_the_refusal_speaks_spanish(two_a_minute: Federation) -> None:
    client = in_language(Client(), "es")
    for name in ("First Person", "Second Person"):
        _apply(client, "10.0.0.1", name)
    refused = _apply(client, "10.0.0.1", "Third Person")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Demasiadas solicitudes" in page
    assert "Se enviaron demasiados formularios desde su conexión" in page
    assert re.search(r"Vuelva a intentarlo en \d+ minutos?\.", page)


def test_an_htmx_refusal_is_a_fragment_for_the_message_area(two_a_minute: Federation) -> None:
    client = english(Client())
    for name in ("First Person", "Second Person"):
        _apply(client, "10.0.0.1", name)
    fields = {**_form(client, "10.0.0.1"), "full_name": "Third Person"}
    refused = client.post(JOIN, fields, REMOTE_ADDR="10.0.0.1", HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    assert refused["HX-Retarget"] == "#messages"
    assert "Retry-After" in refused
    assert "<html" not in refused.content.decode()


def test_behind_a_proxy_each_client_counts_apart_and_cannot_forge_its_way_out(
    two_a_minute: Federation, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    client = english(Client())
    proxy = "127.0.0.1"

    def apply_as(forwarded_for: str, name: str) -> HttpResponse:
        fields = {**_form(client, proxy), "full_name": name}
        return client.post(JOIN, fields, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for)

    # The proxy appends the address it saw; what the client wrote before it is ignored.
    assert apply_as("203.0.113.7", "First Person").status_code == 200
    assert apply_as("1.1.1.1, 203.0.113.7", "Second Person").status_code == 200
    assert apply_as("2.2.2.2, 203.0.113.7", "Third Person").status_code == 429
    assert apply_as("198.51.100.9", "Neighbour").status_code == 200


def test_an_empty_rate_is_no_limit(two_a_minute: Federation, settings: Any) -> None:
    settings.RATE_JOIN = ""
    client = english(Client())
    for number in range(4):
        assert _apply(client, "10.0.0.1", f"Person {number}").status_code == 200


def test_the_limit_counts_in_the_database_cache_that_migrate_creates(
    settings: Any, federation: Federation
) -> None:
    settings.CACHES = cache_settings("db")
    settings.RATE_JOIN = "1/m"

    assert migrate_command(argparse.Namespace()) == 0
    assert "asamblea_cache" in connection.introspection.table_names()
    client = english(Client())

    assert _apply(client, "10.0.0.1", "First Person").status_code == 200
    assert _apply(client, "10.0.0.1", "Second Person").status_code == 429
    assert _apply(client, "10.0.0.2", "Neighbour").status_code == 200


def _redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_is_up(), reason="no Redis server on 127.0.0.1:6379")
def test_the_limit_counts_in_redis(settings: Any, federation: Federation) -> None:
    caches = cache_settings("redis://127.0.0.1:6379/15")
    # Keys of this test only: a shared Redis is never flushed.
    caches["default"]["KEY_PREFIX"] = f"asamblea-test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    settings.RATE_JOIN = "1/m"
    client = english(Client())

    assert _apply(client, "10.0.0.1", "First Person").status_code == 200
    assert _apply(client, "10.0.0.1", "Second Person").status_code == 429
    assert _apply(client, "10.0.0.2", "Neighbour").status_code == 200
