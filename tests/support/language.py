"""Choosing a page's language in tests the way a person does: with the switcher's cookie.

Pages ignore the browser's Accept-Language (see `asamblea.web.language`); the API
follows it.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client


def in_language(client: Client, language: str) -> Client:
    """The same client, having chosen `language` with the switcher."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def english(client: Client) -> Client:
    return in_language(client, "en")
