"""The sweep of stray key files: a close that committed but died before deleting its key
file leaves it behind (here: the close's on-commit callbacks never run, as when the
process is killed right after the commit). The tick deletes it; an open vote's file
stays; files that are no vote of this installation are reported, deleted only when asked."""

from __future__ import annotations

import os
import time

import pytest

from asamblea import hooks
from asamblea.ballots import codes
from asamblea.ballots.sealing import key_path
from asamblea.ballots.sweep import sweep_key_files
from asamblea.cli.main import main
from asamblea.deliberation import services as deliberation
from asamblea.elections import services
from asamblea.elections.services.sealed import election_key
from asamblea.scheduler import tick
from deliberation.helpers import admin, member
from elections.helpers import open_election, voters
from support.factories import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_dir(settings, tmp_path):
    """A key folder of this test's own (the session's is shared by every test)."""
    settings.BALLOT_KEY_DIR = tmp_path / "ballot-keys"
    return settings.BALLOT_KEY_DIR


def voting_election(federation, n: int = 3):
    members = voters(federation, "base-1", n)
    election = open_election(federation, seats=1)
    candidates = [services.do_stand(m, election) for m in members[:2]]
    services.do_open_voting(election)
    for member_ in members:
        services.do_cast_ballot(member_, election, [candidates[0].pk])
    return election


def unknown_file(key_dir, name: str, *, age_seconds: float) -> os.PathLike[str]:
    path = key_dir / name
    path.write_text("{}")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_the_tick_deletes_the_key_file_left_by_a_close_that_died_after_its_commit(
    federation, key_dir
):
    election = voting_election(federation)
    path = key_path(election_key(election).context)
    assert path.exists()
    services.do_close_election(election)  # committed; its on-commit deletion never ran
    assert path.exists()
    report = tick()
    assert report["ballot-keys"] == 1
    assert not path.exists()
    assert tick()["ballot-keys"] == 0  # idempotent


def test_an_open_votes_key_file_is_kept(federation, key_dir):
    election = voting_election(federation)
    path = key_path(election_key(election).context)
    assert tick()["ballot-keys"] == 0
    assert path.exists()
    report = sweep_key_files(unknown=True)
    assert report.kept == [election_key(election).context]
    assert report.deleted == [] and report.unknown == []
    # The vote is counted with the key the sweep kept.
    assert services.do_close_election(election).status == "closed"


def test_unknown_files_are_reported_and_deleted_only_when_asked(federation, key_dir, capsys):
    election = voting_election(federation)
    path = key_path(election_key(election).context)
    stranger = unknown_file(key_dir, "0" * 64 + ".key", age_seconds=2 * 3600)
    opening = unknown_file(key_dir, "1" * 64 + ".key", age_seconds=60)
    assert tick()["ballot-keys"] == 0
    assert stranger.exists() and opening.exists()

    assert main(["secrecy", "sweep"]) == 0
    out = capsys.readouterr().out
    # The command speaks the site's language (LANGUAGE_CODE: Spanish).
    assert f"Desconocido: {stranger}" in out and "--unknown lo borra" in out
    assert "terminadas: 0; de votaciones abiertas, conservados: 1;" in out
    assert out.endswith(": 2.\n")
    assert stranger.exists() and opening.exists() and path.exists()

    assert main(["secrecy", "sweep", "--unknown", "--dry-run"]) == 0
    assert f"Se borraría {stranger}" in capsys.readouterr().out
    assert stranger.exists()

    assert main(["secrecy", "sweep", "--unknown"]) == 0
    out = capsys.readouterr().out
    assert not stranger.exists()
    # Changed a minute ago: perhaps the key of a vote opening right now; it stays.
    assert opening.exists() and f"Se conservó {opening}" in out and "última hora" in out
    assert path.exists()  # the open vote's key is no unknown file


def test_the_command_deletes_a_stray_key_of_a_counted_vote(federation, key_dir, capsys):
    election = voting_election(federation)
    context = election_key(election).context
    services.do_close_election(election)
    assert main(["secrecy", "sweep", "--dry-run"]) == 0
    assert f"Se borraría el archivo de clave de {context}" in capsys.readouterr().out
    assert key_path(context).exists()
    assert main(["secrecy", "sweep"]) == 0
    assert f"Se borró el archivo de clave de {context}" in capsys.readouterr().out
    assert not key_path(context).exists()


def test_the_apps_say_which_of_their_sealed_votes_are_over(federation, key_dir):
    users = [member(federation, "base-1", f"m{n}") for n in range(3)]
    motion = deliberation.do_second_motion(
        users[1],
        deliberation.do_propose_motion(
            users[0], body(federation, "base-1"), title="Comedor", text="¿Abrimos?"
        ),
    )
    deliberation.do_open_vote(admin(), motion, secret=True)
    motions_over = hooks.ballot_votes_over.first(codes.MOTION)
    assert motions_over is not None
    assert motions_over([motion.pk]) == set()
    for user in users:
        deliberation.do_cast_vote(user, motion, choice="yes")
    deliberation.do_close_vote(admin(), motion)
    assert motions_over([motion.pk]) == {motion.pk}
    assert tick()["ballot-keys"] == 1
    assert list(key_dir.iterdir()) == []


def test_a_trustees_mode_votes_cancel_file_is_known_kept_while_open_and_swept_once_published(
    federation, settings, key_dir
):
    from asamblea.ballots.sealing import public_key_of
    from asamblea.elections.services import trustees as ts
    from elections.test_trustees import cast_plan, ceremony, stand, with_trustees

    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    members, candidates = stand(federation, election)
    key, sims = ceremony(election, officers)
    path = key_path(key.context)
    assert path.exists()  # the cancel secret alone
    cast_plan(election, members, candidates)
    report = sweep_key_files(unknown=True)
    assert report.kept == [key.context] and report.unknown == [] and report.deleted == []
    election = services.do_close_election(election)  # tallying: the trustees still to come
    assert tick()["ballot-keys"] == 0 and path.exists()
    pairs = ts.ciphertexts_for(officers[0], election)
    for officer in officers[:2]:
        share = sims[officer.pk].decrypt(public_key_of(key), pairs)
        election = ts.do_trustee_decrypt(officer, election, share)
    assert election.status == "closed"
    assert path.exists()  # committed; its on-commit deletion never ran
    assert tick()["ballot-keys"] == 1
    assert not path.exists()
