"""Deployment checks for notice e-mails (`asamblea check --deploy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register(Tags.security, deploy=True)
def check_email_settings(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.EMAIL_HOST:
        return []
    problems: list[CheckMessage] = []
    site = urlsplit(settings.SITE_URL)
    if site.scheme != "https" or (site.hostname or "") in LOOPBACK:
        problems.append(
            CheckWarning(
                f"SITE_URL={settings.SITE_URL!r}: the links in notice e-mails (and their "
                "unsubscribe links) would not reach the site.",
                hint="Set SITE_URL to the address members use, e.g. https://asamblea.example.org.",
                id="notices.W001",
            )
        )
    if settings.EMAIL_SECURITY == "none" and settings.EMAIL_HOST not in LOOPBACK:
        problems.append(
            CheckWarning(
                "EMAIL_SECURITY=none with a mail server on another machine: the password "
                "and the messages would cross the network in the clear.",
                hint="Set EMAIL_SECURITY=starttls (or tls for port 465).",
                id="notices.W002",
            )
        )
    return problems
