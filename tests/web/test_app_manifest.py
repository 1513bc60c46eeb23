"""Asamblea can be added to a phone's home screen: a web app manifest, in the reader's
language, whose icons exist at the sizes it states; every page links it."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from support.language import in_language


def static_file(url: str) -> Path:
    name = url.split("/static/", 1)[1]
    found = finders.find(name)
    assert isinstance(found, str), f"{url} is not a static file"
    return Path(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "description"),
    [("es", "federaciones de asambleas"), ("en", "federations of assemblies")],
)
def test_the_manifest_makes_an_installable_app(language: str, description: str) -> None:
    response = in_language(Client(), language).get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    # What Chromium asks of an installable app: a name, a start address, a standalone
    # display and icons of 192 and 512 pixels.
    assert manifest["name"] == "Asamblea" and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert description in manifest["description"] and manifest["lang"] == language
    sizes = set()
    for icon in manifest["icons"]:
        path = static_file(icon["src"])
        if icon["type"] == "image/png":
            data = path.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", data[16:24])
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add((width, icon.get("purpose", "any")))
        else:
            assert path.read_text().startswith("<svg") and icon["sizes"] == "any"
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_the_icons() -> None:
    html = Client().get(reverse("login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon"' in html and '<meta name="theme-color"' in html
    touch = html.split('rel="apple-touch-icon" href="', 1)[1].split('"', 1)[0]
    assert struct.unpack(">II", static_file(touch).read_bytes()[16:24]) == (180, 180)
