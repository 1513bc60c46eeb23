"""Deployment checks of our own, beside Django's (`asamblea check --deploy` runs both).

Each names what is unsafe for a site that holds members' personal data and what
to set instead; the command fails on any of them.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


def _loose(path: Path, allowed: int) -> bool:
    """Whether `path` exists and grants more than `allowed` (group or others' bits)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    return bool(mode & ~allowed)


@register(Tags.security, deploy=True)
def check_production_settings(
    app_configs: Sequence[Any] | None, **kwargs: Any
) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.DEBUG:
        problems.append(
            CheckWarning(
                "DEBUG is on: error pages would show code and data to anyone.",
                hint="Set DEBUG=false.",
                id="asamblea.W001",
            )
        )
    hosts = set(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts or hosts <= settings.LOOPBACK_HOSTS:
        problems.append(
            CheckWarning(
                "ALLOWED_HOSTS does not name the site's own host name.",
                hint="Set ALLOWED_HOSTS to the host names people use, e.g. asamblea.example.org.",
                id="asamblea.W002",
            )
        )
    if not settings.HTTPS_ONLY:
        problems.append(
            CheckWarning(
                "The site is not HTTPS-only: logins and ballots could cross the network "
                "in the clear.",
                hint="Serve over HTTPS and set SECURE_COOKIES=auto (the default) or true.",
                id="asamblea.W003",
            )
        )
    private = [
        (settings.DATA_DIR, 0o700),
        (settings.DATA_DIR / "secret_key", 0o600),
        (settings.DATA_DIR / "asamblea.sqlite3", 0o600),
        (Path(settings.RECORD_KEY_FILE), 0o600),
    ]
    for path, allowed in private:
        if _loose(path, allowed):
            problems.append(
                CheckWarning(
                    f"{path} can be read by other accounts on this machine.",
                    hint=f"chmod {allowed:o} {path}",
                    id="asamblea.W004",
                )
            )
    return problems
