"""Trustees mode end to end, in real browsers: three officers are the trustees of an
election (k = 2), each does the key ceremony on their own phone, members vote, the vote
closes and waits for the trustees, two of them open the box on their pages (the third
is absent), the result is published, and `asamblea record verify` passes on the export.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from asamblea.ballots.models import BallotKey
from asamblea.cli.main import main
from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.elections.services.trustees import election_trustee_key
from asamblea.errors import Conflict
from asamblea.federation.models import Federation
from asamblea.record import services as record_services
from support.factories import make_federation, make_officer
from support.phone import log_in

pytestmark = pytest.mark.browser

TRUSTEES = ["escrutador-1", "escrutador-2", "escrutador-3"]
PASSPHRASE = "una frase larga de prueba"
PLAN = [[0, 1], [1, 0], [0, 2], [2, 0]]


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    return make_federation()


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def test_three_trustees_one_absent_open_a_verified_count(
    federation: Federation, live_server: Any, new_phone: Any, settings: Any, tmp_path: Path
) -> None:
    from elections.helpers import open_election, voters

    settings.ELECTION_KEY_MODE = "trustees"
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    officers = [make_officer(federation, "base-1", name) for name in TRUSTEES]
    members = voters(federation, "base-1", len(PLAN))
    election = open_election(federation, seats=1, officer=officers[0])
    candidates = [services.do_stand(m, election) for m in members[:3]]
    key = election_trustee_key(election)
    assert key is not None and key.threshold == 2 and key.trustees.count() == 3

    # The vote cannot open before the ceremony: the tick leaves it waiting.
    with pytest.raises(Conflict, match="ceremon"):
        services.do_open_voting(election, now=election.voting_opens_at)

    page_of = f"/f/test/e/{election.pk}/"
    phones = [log_in(new_phone(), live_server.url, name, page_of) for name in TRUSTEES]
    for phone in phones:
        phone.click("#go-ceremony")
        phone.click("#register")
    codes = []
    for phone in phones:
        phone.wait_for_selector("#keep:not([hidden])")
        phone.fill("#passphrase", PASSPHRASE)
        phone.fill("#passphrase2", PASSPHRASE)
        phone.click("#check")
        phone.wait_for_selector("#recovery:not([hidden])")
        codes.append(phone.text_content("#recovery-code").strip())
        phone.check("#noted")
        phone.click("#noted-done")
    assert all(codes) and len(set(codes)) == 3
    # The officer sees who has done which step.
    officer_page = phones[0]
    officer_page.goto(f"{live_server.url}{page_of}trustees/")
    officer_page.wait_for_selector("#trustee-steps")
    assert officer_page.locator("#trustee-steps tbody tr").count() == 3
    key.refresh_from_db()
    for _ in range(50):
        key.refresh_from_db()
        if key.state == BallotKey.State.READY:
            break
        officer_page.wait_for_timeout(200)
    assert key.state == BallotKey.State.READY
    assert officer_page.locator("#trustee-steps").inner_text().count("✔") >= 9

    election.refresh_from_db()
    election = services.do_open_voting(election, now=election.voting_opens_at)
    assert election.status == Election.Status.VOTING
    for member, ranking in zip(members, PLAN, strict=True):
        services.do_cast_ballot(member, election, [candidates[i].pk for i in ranking])
    election = services.do_close_election(election)
    assert election.status == Election.Status.TALLYING

    # Trustee 1 with the passphrase kept in the phone's browser.
    phones[0].goto(f"{live_server.url}{page_of}")
    assert "0 of 3, 2 are needed" in phones[0].text_content("#tally-progress")
    phones[0].click("#go-decrypt")
    phones[0].fill("#passphrase", "not the passphrase")
    phones[0].click("#decrypt")
    phones[0].wait_for_selector("#trustee-status.error")
    phones[0].fill("#passphrase", PASSPHRASE)
    phones[0].click("#decrypt")
    phones[0].locator("#trustee-status", has_text="Thank you").wait_for()
    election.refresh_from_db()
    assert election.status == Election.Status.TALLYING
    # Trustee 3 from its recovery code; trustee 2 is absent.
    phones[2].goto(f"{live_server.url}{page_of}open-box/")
    assert "1 of 3, 2 are needed" in phones[2].text_content("#tally-progress")
    phones[2].click("summary")
    phones[2].fill("#recovery", codes[2])
    phones[2].click("#decrypt")
    phones[2].wait_for_url(f"**{page_of}")
    phones[2].wait_for_selector("#elected")
    election.refresh_from_db()
    assert election.status == Election.Status.CLOSED
    assert sum(b["count"] for b in election.result["count"].get("ballots", [])) in (0, len(PLAN))

    target = tmp_path / "record.jsonl"
    assert run("record", "export", str(target), "--federation", "test")[0] == 0
    code, out = run(
        "record", "verify", str(target), "--public-key", record_services.public_key().to_text()
    )
    assert code == 0, out
    assert "secrecy.opened" in target.read_text()
