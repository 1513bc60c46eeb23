"""The fault suite (issue 15): real parts, real faults, and after each one nothing lost.

One PostgreSQL cluster of the suite's own (initdb in a temporary folder, never the
shared server), a gunicorn app server with two sync workers on it, `asamblea worker`
processes, and voters casting over HTTP. Each test sets up its own federation and
election in that database, casts every voter's ballot, then:

- stops the database (`pg_ctl stop -m fast`, then `-m immediate`: a crash) in the
  middle of the close, or SIGKILLs the worker there, and starts it again;
- runs two workers at once on the same due elections;
- fills the disk under the ballot table while voters cast.

"In the middle of the close" is made certain, not hoped for: the test holds a lock on
the federation's record (its tree state's row), which the close takes last, after it
has reshuffled the ballots, counted them and marked the election closed, uncommitted;
the fault strikes once PostgreSQL shows the close waiting there.

After each fault: every acknowledged ballot is stored once, a cast for each ballot and
none without, the close published once (or not at all), `asamblea record verify`
passes on the federation's export, and the service recovered by itself, in a time
measured and printed in the run's fault table (tests/conftest.py; docs/faults.md).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from support.faultstand import PATIENCE, Stand, Tally, Vote, cast_all, record_figures
from support.gunicorn import wait_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.faults]

VOTERS = 16


def _cast_everyone(
    stand: Stand, slug: str, voters: int = VOTERS, vote: Vote | None = None
) -> tuple[Vote, Tally]:
    vote = vote or stand.seed(slug, voters)
    tally = Tally()
    cast_all([stand.servers[0].url], vote, tally, clients=8)
    assert tally.receipts == voters
    stand.check(vote, tally, closed=False)
    return vote, tally


def _no_write_under_way(stand: Stand) -> bool:
    """No backend (but this one) holds a transaction that wrote something."""
    return not stand.scalar(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("fast", id="database-stopped-fast-mid-close"),
        pytest.param("immediate", id="database-crashed-immediate-mid-close"),
        pytest.param("sigkill", id="worker-sigkilled-mid-close"),
    ],
)
def test_a_close_cut_off_midway_leaves_nothing_and_is_done_once_by_itself(
    stand: Stand, fault: str
) -> None:
    vote, tally = _cast_everyone(stand, f"close-{fault}")
    worker = stand.worker()
    with stand.record_held(vote.federation) as held:
        stand.make_due(vote.election)
        wait_for(
            lambda: stand.waiting_on_a_lock("record_treestate") == 1,
            PATIENCE,
            "the close to reach the record",
            detail=stand.activity,
        )
        # Mid-close: reshuffled, counted, marked closed, not committed: nothing shows.
        assert stand.status(vote.election) == "voting"
        if fault == "sigkill":
            worker.kill()
            worker.wait(timeout=30)
            held.rollback()  # the orphaned close goes on, finds its client gone, rolls back
            wait_for(lambda: _no_write_under_way(stand), PATIENCE, "the cut-off close to end")
            stand.check(vote, tally, closed=False)  # nothing of it was kept
            restarted = time.monotonic()
            stand.worker()  # as its supervisor (systemd, Restart=always) would
        else:
            down = time.monotonic()
            stand.cluster.stop(fault)
            stand.cluster.start()
            restarted = time.monotonic()
    closed_in = wait_for(
        lambda: stand.status(vote.election) == "closed", PATIENCE, "the election to be closed"
    )
    if fault == "sigkill":
        recovery = f"closed {closed_in:.1f} s after the worker's restart"
    else:
        served_in = wait_for(
            lambda: stand.servers[0].answers("/healthz"), PATIENCE, "the app to answer"
        )
        assert worker.poll() is None, "the worker died with the database"
        recovery = (
            f"database down {restarted - down:.1f} s; then closed in {closed_in:.1f} s, "
            f"app answered in {served_in:.1f} s"
        )
    rows = stand.check(vote, tally, closed=True)
    assert "Traceback" not in stand.worker_logs()
    names = {
        "fast": "database stopped -m fast mid-close",
        "immediate": "database stopped -m immediate (crash) mid-close",
        "sigkill": "worker SIGKILLed mid-close",
    }
    record_figures(names[fault], tally, rows, recovery)


def test_two_workers_at_once_close_each_due_election_once(stand: Stand) -> None:
    seeded = stand.seed_many([f"race-{n}" for n in range(3)], 8)
    votes_tallies = [_cast_everyone(stand, "", 8, vote) for vote in seeded]
    votes = [vote for vote, _tally in votes_tallies]
    first, second = stand.worker(), stand.worker()
    with stand.record_held(votes[0].federation):
        stand.make_due(*(vote.election for vote in votes))
        # Both workers are closing the first election: one waits at the record, the
        # other for the election's row, which the first holds.
        wait_for(
            lambda: (
                stand.waiting_on_a_lock("record_treestate") == 1
                and stand.waiting_on_a_lock("elections_election") == 1
            ),
            PATIENCE,
            "both workers to be closing the same election",
            detail=stand.activity,
        )
        released = time.monotonic()
    wait_for(
        lambda: all(stand.status(vote.election) == "closed" for vote in votes),
        PATIENCE,
        "every election to be closed",
    )
    recovery = f"all closed {time.monotonic() - released:.1f} s after the race began"
    total = Tally()
    rows = {"ballots": 0}
    for vote, tally in votes_tallies:
        counted = stand.check(vote, tally, closed=True)
        rows["ballots"] += counted["ballots"]
        total.add(requests=tally.requests, receipts=tally.receipts)
    assert first.poll() is None and second.poll() is None
    assert "Traceback" not in stand.worker_logs()
    record_figures("two workers closing the same 3 elections", total, rows, recovery)


# ------------------------------------------------------------------- a full disk


class SmallDisk:
    """A tmpfs of `size` mounted in a folder the cluster's owner can reach (root only)."""

    def __init__(self, size: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="asamblea-disk-"))
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(self.folder)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            self.folder.rmdir()
            pytest.skip(f"a small disk cannot be mounted here (needs root): {done.stderr}")
        self.tablespace = self.folder / "tablespace"
        self.tablespace.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.tablespace, "postgres", "postgres")
        self.filler = self.folder / "filler"

    def fill(self) -> None:
        """Write until the disk says it is full."""
        chunk = b"\0" * 65536
        with self.filler.open("wb", buffering=0) as out:
            try:
                while True:
                    out.write(chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
        # What is left is less than one chunk: fill that too, a byte at a time is slow.
        with self.filler.open("ab", buffering=0) as out:
            for size in (4096, 512, 1):
                try:
                    while True:
                        out.write(b"\0" * size)
                except OSError as error:
                    assert error.errno == errno.ENOSPC, error

    def free(self) -> None:
        self.filler.unlink()

    def remove(self) -> None:
        subprocess.run(["umount", "-l", str(self.folder)], capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def test_a_full_disk_refuses_ballots_whole_and_the_same_forms_cast_once_space_is_back(
    stand: Stand,
) -> None:
    """The ballot table lives on a small disk that fills up (a tmpfs, as root: CI runs
    as root; elsewhere the test is skipped saying so). A table that cannot grow fails
    the cast's transaction: the voter gets a 503, nothing cast, neither the ballot nor
    the record that they voted; their phone re-sends the same form, which casts once
    space is freed."""
    disk = SmallDisk("2m")
    try:
        stand.query(f"CREATE TABLESPACE small LOCATION '{disk.tablespace}'")
        # Compacted (no page left empty by earlier reshuffles), then every page counts
        # as full: after at most a few ballots on the last page, each needs the table
        # to grow.
        stand.query("VACUUM FULL elections_ballot")
        stand.query("ALTER TABLE elections_ballot SET (fillfactor = 10)")
        stand.query("ALTER TABLE elections_ballot SET TABLESPACE small")
        vote = stand.seed("full-disk", VOTERS)
        disk.fill()
        tally = Tally()
        problems: list[BaseException] = []

        def cast() -> None:
            try:
                cast_all([stand.servers[0].url], vote, tally, clients=8)
            except BaseException as problem:  # reported below
                problems.append(problem)

        casting = threading.Thread(target=cast, daemon=True)
        casting.start()
        wait_for(lambda: tally.refused >= 8, PATIENCE, "casts refused for want of space")
        refused_rows = stand.check(vote, tally, closed=False)  # nothing half-written
        assert refused_rows["ballots"] < VOTERS
        receipts_before = tally.receipts
        disk.free()
        freed = time.monotonic()
        first_in = wait_for(
            lambda: tally.receipts > receipts_before, PATIENCE, "a cast once space was freed"
        )
        casting.join(PATIENCE + 60)
        assert not problems, problems[0]
        assert not casting.is_alive()
        everyone_in = time.monotonic() - freed
        rows = stand.check(vote, tally, closed=False)
        assert rows["ballots"] == VOTERS == tally.receipts
        assert tally.refused >= 8
        record_figures(
            "disk full under the ballot table",
            tally,
            rows,
            f"first cast {first_in:.1f} s after space was freed, every voter's in "
            f"{everyone_in:.1f} s",
        )
    finally:
        for statement in (
            "ALTER TABLE elections_ballot SET TABLESPACE pg_default",
            "ALTER TABLE elections_ballot RESET (fillfactor)",
            "DROP TABLESPACE IF EXISTS small",
        ):
            try:
                stand.query(statement)
            except Exception as error:
                print(f"clean-up: {statement}: {error}")
        disk.remove()


def test_a_worker_started_while_the_database_is_down_waits_for_it(stand: Stand) -> None:
    """A supervisor restarts the worker while the database restarts too (a machine's
    reboot): it waits for the database, in one line of log, instead of dying with a
    traceback at its first query."""
    vote, tally = _cast_everyone(stand, "late-database", 8)
    stand.make_due(vote.election)
    stand.cluster.stop("fast")
    worker = stand.worker()
    log = stand.folder / f"worker-{len(stand.workers) - 1}.log"
    wait_for(
        lambda: "does not answer yet" in log.read_text(errors="replace"),
        PATIENCE,
        "the worker to say it waits for the database",
    )
    assert worker.poll() is None
    stand.cluster.start()
    closed_in = wait_for(
        lambda: stand.status(vote.election) == "closed", PATIENCE, "the election to be closed"
    )
    rows = stand.check(vote, tally, closed=True)
    assert worker.poll() is None
    assert "Traceback" not in log.read_text(errors="replace")
    record_figures(
        "worker started while the database was down",
        tally,
        rows,
        f"closed {closed_in:.1f} s after the database was back",
    )
