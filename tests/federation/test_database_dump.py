"""A copy of the database is not a list of protesters.

The real server (`asamblea up`: migrate, the demo, serve) on a fresh data folder; a
canary person joins through the public form, their officer verifies them and then
suspends them with a reason. Then the database is copied as a thief would: the
SQLite file and its write-ahead log as they lie on disk (while the server runs and
after it stops), or `pg_dump` of the PostgreSQL database. None of the canary's
name, phone, e-mail or reason may be in the copy, in any letter case, the phone with
or without its spaces and prefix.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from asamblea.accounts.demo import demo_code
from asamblea.federation.demo import DEMO_PASSWORD
from support.server import Asamblea, Browser, demo_served

CANARY_NAME = "Qhispi Zqdumpcanary Ttito"
CANARY_PHONE = "+51 987 001 234"
CANARY_EMAIL = "qhispi.zq58@example.pe"
CANARY_REASON = "Zqrazon de la suspension"
# Long enough (or with a character base64 never writes) that random ciphertext in
# megabytes of copy never spells one by chance.
NEEDLES = [
    b"qhispi zq",
    b"zqdumpcanary",
    b"987001234",
    b"987 001 234",
    b"qhispi.zq58",
    b"zq58@",
    b"zqrazon",
]
BASE = "/f/peru/b/sutep-huamanga"


def found_in(raw: bytes) -> list[bytes]:
    lowered = raw.lower()
    return [needle for needle in NEEDLES if needle in lowered]


@dataclass
class Served:
    server: Asamblea
    database_url: str | None


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres_only),
    ]
)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    # `up` loads the whole demo (elections and debates too) before it serves: slow on a
    # busy machine.
    with demo_served(tmp_path, request.param, threads=2, timeout=1200) as (server, url):
        yield Served(server, url)


def _the_canary_joins_and_is_verified_then_suspended(url: str) -> None:
    applicant = Browser(url)
    join = f"{BASE}/join/"
    sector = re.search(r'<option value="(\d+)" selected', applicant.get(join)[2])
    assert sector, "the join form offers no sector"
    fields = {"full_name": CANARY_NAME, "phone": CANARY_PHONE, "email": CANARY_EMAIL}
    status, _landed = applicant.post_form(
        join, {**fields, "sector": sector.group(1)}, form_page=join
    )
    assert status == 200
    officer = Browser(url)
    members = f"{BASE}/members/"
    # The Peru demo's officers give the published demo key's code after the password.
    officer.log_in("dirigente-sutep-huamanga", DEMO_PASSWORD, then=members, code=demo_code)
    for action, extra in [("verify", {}), ("suspend", {"reason": CANARY_REASON})]:
        page = officer.get(members)[2]
        assert CANARY_NAME in page, "the officer does not see the canary"
        row = page[page.index(CANARY_NAME) :]
        decide = re.search(rf'action="({BASE}/members/\d+/decide/)"', row)
        assert decide
        status, _landed = officer.post_form(
            decide.group(1), {"action": action, **extra}, form_page=members
        )
        assert status == 200
    page = officer.get(members)[2]
    assert CANARY_REASON in page and "+51987001234" in page and CANARY_EMAIL in page


def _sqlite_files(data_dir: Path) -> dict[str, bytes]:
    files = {}
    for name in ["asamblea.sqlite3", "asamblea.sqlite3-wal", "asamblea.sqlite3-journal"]:
        path = data_dir / name
        if path.exists():
            files[name] = path.read_bytes()
    return files


def test_a_copy_of_the_database_holds_no_name_phone_email_or_reason(served: Served) -> None:
    server = served.server
    _the_canary_joins_and_is_verified_then_suspended(server.url)
    copies: dict[str, bytes] = {}
    if served.database_url is None:
        copies.update(
            {f"{name} (running)": raw for name, raw in _sqlite_files(server.data_dir).items()}
        )
        assert "asamblea.sqlite3-wal (running)" in copies
        server.stop()
        copies.update(
            {f"{name} (stopped)": raw for name, raw in _sqlite_files(server.data_dir).items()}
        )
    else:
        dump = subprocess.run(
            ["pg_dump", "--no-owner", served.database_url],
            capture_output=True,
            check=True,
            timeout=300,
        )
        copies["pg_dump"] = dump.stdout
    everything = b"".join(copies.values())
    # The copies are the real thing: the demo's public data is there, and ciphertext.
    assert b"sutep-huamanga" in everything and b"aes1:" in everything
    assert {name: found_in(raw) for name, raw in copies.items() if found_in(raw)} == {}
    # The key that would open them lies beside the database, not in it.
    assert (server.data_dir / "data_key").exists()
