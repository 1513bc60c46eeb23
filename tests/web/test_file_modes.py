"""The data folder, the SQLite database and its WAL, and the keys are private to the
account that runs Asamblea (security review, issue 11, finding 3)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (x integer)")
    cursor.execute("INSERT INTO t VALUES (1)")
    # While the connection is open the -wal and -shm files exist: report every mode.
    import os, stat
    from django.conf import settings
    for name in sorted(os.listdir(settings.DATA_DIR)):
        path = settings.DATA_DIR / name
        if path.is_file():
            print(name, oct(stat.S_IMODE(path.stat().st_mode)))
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_its_database_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {
        **os.environ,
        "ASAMBLEA_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "asamblea.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    # A permissive umask, as on many servers: the modes must not depend on it.
    result = subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022)\n{SCRIPT}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    modes = dict(line.split() for line in result.stdout.splitlines())
    assert {"asamblea.sqlite3", "asamblea.sqlite3-wal", "secret_key"} <= set(modes)
    assert {name: "0o600" for name in modes} == modes
