"""Notices tests: a real SMTP server for the site to send through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from notices.helpers import SmtpServer


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A running SMTP server, and the site set to send through it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Asamblea <avisos@asamblea.test>"
    settings.SITE_URL = "https://asamblea.test"
    try:
        yield server
    finally:
        server.stop()
