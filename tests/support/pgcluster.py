"""A PostgreSQL cluster of a test's own (initdb and pg_ctl in a temporary folder), so a
test may stop and restart the database under a running server without touching the
shared one."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from support.server import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.skip(f"PostgreSQL's {name} is not installed")
    return found[-1]


class Cluster:
    """initdb'd in a folder of its own under the system's temporary folder (pytest's is
    private to root, and the cluster's owner must reach it), listening on 127.0.0.1 at
    a free port, trust auth. `remove()` stops it and deletes the folder."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="asamblea-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/asamblea"
        folder = self.folder
        if os.geteuid() == 0:
            # initdb refuses to run as root: the cluster belongs to the postgres account.
            shutil.chown(folder, "postgres", "postgres")
        self._as_owner(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def _as_owner(self, *command: str, must_work: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if must_work:
            assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_owner(
            _bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.folder / "log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_owner(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        # Already stopped is fine: the folder goes either way.
        self._as_owner(
            _bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", must_work=False
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE asamblea")
