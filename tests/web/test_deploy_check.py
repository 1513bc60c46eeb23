"""`asamblea check --deploy` passes on production settings and fails on any unsafe one
(security review, issue 11, "Safe defaults in production")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "ALLOWED_HOSTS": "asamblea.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://asamblea.example.org",
    "DEBUG": "false",
}


def _check(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ASAMBLEA_DATA_DIR": str(data_dir), **PRODUCTION, **env}
    for name in ("DATABASE_URL", "SECRET_KEY", "SECURE_COOKIES"):
        if name not in env:
            full.pop(name, None)
    # The browser tests' conftest sets this for Playwright's thread: never in production.
    full.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "asamblea.cli", "check", "--deploy"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = _check(tmp_path / "var")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "finding"),
    [
        pytest.param({"DEBUG": "true"}, "asamblea.W001", id="debug-on"),
        pytest.param({"ALLOWED_HOSTS": "127.0.0.1,localhost"}, "asamblea.W002", id="no-host"),
        pytest.param({"ALLOWED_HOSTS": "*"}, "asamblea.W002", id="any-host"),
        pytest.param({"SECURE_COOKIES": "false"}, "asamblea.W003", id="plain-http"),
        pytest.param({"HSTS_SECONDS": "0"}, "security.W004", id="no-hsts"),
    ],
)
def test_each_unsafe_setting_fails_the_deployment_check(
    tmp_path: Path, env: dict[str, str], finding: str
) -> None:
    result = _check(tmp_path / "var", **env)
    assert result.returncode == 1
    assert finding in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_file_others_can_read_fails_the_deployment_check(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert _check(data).returncode == 0
    (data / "secret_key").chmod(0o644)
    result = _check(data)
    assert result.returncode == 1
    assert "asamblea.W004" in result.stderr and "secret_key" in result.stderr


def test_the_demo_on_this_machine_is_not_https_only() -> None:
    # The demo serves http://127.0.0.1:8000: secure cookies there would lock everyone out.
    from django.conf import settings

    assert set(settings.ALLOWED_HOSTS) <= settings.LOOPBACK_HOSTS | {"testserver"}
    assert settings.HTTPS_ONLY is False
