"""What a phone asks of a site besides its pages: `/favicon.ico` and the web app
manifest (`/manifest.webmanifest`), which lets a member add Asamblea to the home
screen as an app with its own icon.

The icons are static files (asamblea/static/asamblea/): `favicon.svg` is the drawing;
`icon-maskable.svg` the same letter inside the safe zone of a full square, for
launchers that cut icons to a circle; the PNGs (192 and 512 pixels, 180 for iOS) and
`favicon.ico` (16, 32 and 48 pixels, PNG inside) were rendered from them with Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

THEME_COLOR = "#8b1a1a"  # the header's colour (asamblea.css)
BACKGROUND_COLOR = "#fafaf7"  # the page's
DAY = 24 * 3600


def _static_bytes(name: str) -> bytes:
    found = finders.find(name)
    path = Path(found if isinstance(found, str) else Path(__file__).parent.parent / "static" / name)
    return path.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon itself, not a redirect: some browsers and crawlers follow none."""
    response = HttpResponse(_static_bytes("asamblea/favicon.ico"), content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={DAY}"
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the reader's language."""
    icons = [
        {"src": static("asamblea/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": static("asamblea/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("asamblea/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("asamblea/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {
            "src": static("asamblea/icon-maskable.svg"),
            "sizes": "any",
            "type": "image/svg+xml",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": "Asamblea",
        "short_name": "Asamblea",
        "description": _(
            "Asamblea: federations of assemblies with elected and revocable delegates."
        ),
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )
    response["Cache-Control"] = f"public, max-age={DAY}"
    patch_vary_headers(response, ["Cookie"])  # the language is the reader's choice
    return response
