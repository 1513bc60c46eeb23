"""Trustees mode (k of n): the ceremony with Python-simulated trustees, the close that waits
for them, the count published once k have decrypted, and the refusals."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import key_path, public_key_of
from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.elections.services import trustees as ts
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.record.models import Entry
from asamblea.record.verify import verify_lines
from elections.helpers import open_election, voters
from elections.test_recount import export
from support.factories import make_officer
from support.trustees import SimulatedTrustee

PLAN = [[0, 1], [0, 2], [1, 0], [2, 1], [0], [1, 2]]


def with_trustees(federation, settings, n=3):
    settings.ELECTION_KEY_MODE = "trustees"
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    officers = [make_officer(federation, "base-1", f"escrutador-{i}") for i in range(1, n + 1)]
    election = open_election(federation, seats=2, officer=officers[0])
    return election, officers


def ceremony(election, officers):
    key = ts.election_trustee_key(election)
    sims = {}
    for user in officers:
        state = ts.ceremony_state(user, election)
        sims[user.pk] = SimulatedTrustee(state["context"], state["index"])
        ts.do_trustee_device(user, election, sims[user.pk].device_public)
    for user in officers:
        state = ts.ceremony_state(user, election)
        ts.do_trustee_deal(
            user, election, sims[user.pk].dealing(state["threshold"], state["devices"])
        )
    for user in officers:
        state = ts.ceremony_state(user, election)
        ts.do_trustee_check(user, election, sims[user.pk].check(state["dealings"]))
    key.refresh_from_db()
    return key, sims


def stand(federation, election):
    members = voters(federation, "base-1", len(PLAN))
    return members, [services.do_stand(m, election) for m in members[:3]]


def cast_plan(election, members, candidates):
    services.do_open_voting(election)
    for member, ranking in zip(members, PLAN, strict=True):
        services.do_cast_ballot(member, election, [candidates[i].pk for i in ranking])
    return candidates


def test_default_trustees_need_three_officers(federation, settings):
    settings.ELECTION_KEY_MODE = "trustees"
    election = open_election(federation, "base-2", seats=1)  # one officer only
    assert ts.election_trustee_key(election) is None
    election, _officers = with_trustees(federation, settings)
    key = ts.election_trustee_key(election)
    assert key is not None and key.state == BallotKey.State.CEREMONY
    # Three officers: n = 3, k = 3 // 2 + 1 = 2.
    assert key.trustees.count() == 3 and key.threshold == 2


def test_trustees_is_the_shipped_default_and_the_suite_runs_in_server_mode(federation, settings):
    from asamblea.settings import SETTINGS

    assert {s.name: s.default for s in SETTINGS}["ELECTION_KEY_MODE"] == "trustees"
    # tests/conftest.py puts the suite in server mode: three officers, still no trustees.
    assert settings.ELECTION_KEY_MODE == "server"
    officers = [make_officer(federation, "base-1", f"escrutador-{i}") for i in range(1, 4)]
    election = open_election(federation, seats=1, officer=officers[0])
    assert ts.election_trustee_key(election) is None


def test_server_mode_inside_key_mode_and_for_a_vote_that_opens_at_once(federation, settings):
    election, officers = with_trustees(federation, settings)
    assert ts.election_trustee_key(election) is not None

    def cancel(election):  # one election at a time for these seats
        services.do_cancel_election(officers[0], election, "Otra prueba")

    cancel(election)
    with services.key_mode("server"):  # as the demo's loaders make theirs
        inside = open_election(federation, "base-1", seats=1, officer=officers[0])
    assert ts.election_trustee_key(inside) is None
    cancel(inside)
    with pytest.raises(ValueError, match="server or trustees"), services.key_mode("both"):
        pass
    after = open_election(federation, "base-1", seats=1, officer=officers[0])
    assert ts.election_trustee_key(after) is not None
    cancel(after)
    # A vote that opens as it is made (a recall vote) leaves no time for a ceremony.
    now = timezone.now()
    at_once = open_election(
        federation,
        "base-1",
        seats=1,
        officer=officers[0],
        times={
            "nominations_close_at": now,
            "voting_opens_at": now,
            "voting_closes_at": now + timedelta(hours=1),
        },
    )
    assert ts.election_trustee_key(at_once) is None


def test_three_trustees_one_absent_open_the_box(federation, settings):
    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    members, candidates = stand(federation, election)
    with pytest.raises(Conflict):
        services.do_open_voting(election)  # the ceremony is not done
    key, sims = ceremony(election, officers)
    assert key.state == BallotKey.State.READY and key.threshold == 2
    # Nothing of the key on the server: its key file holds only the cancel secret.
    assert set(json.loads(key_path(key.context).read_text(encoding="ascii"))) == {
        "context",
        "cancel",
    }
    cast_plan(election, members, candidates)
    election = services.do_close_election(election)
    assert election.status == Election.Status.TALLYING
    assert not Entry.objects.filter(type="election.counted").exists()
    with pytest.raises(Conflict):
        services.do_cast_ballot(members[0], election, [candidates[0].pk])
    assert ts.tally_progress(election) == {"posted": 0, "trustees": 3, "needed": 2}
    pairs = ts.ciphertexts_for(officers[0], election)
    assert len(pairs) == len(PLAN) * 1 or len(pairs) % len(PLAN) == 0
    threshold_key = public_key_of(key)
    first = sims[officers[0].pk].decrypt(threshold_key, pairs)
    election = ts.do_trustee_decrypt(officers[0], election, first)
    assert election.status == Election.Status.TALLYING
    # The same share again changes nothing; another share from the same trustee is refused.
    ts.do_trustee_decrypt(officers[0], election, first)
    with pytest.raises(Conflict):
        ts.do_trustee_decrypt(
            officers[0], election, sims[officers[0].pk].decrypt(threshold_key, pairs)
        )
    # A wrong share (trustee 3's factors posted by trustee 2) is refused before stored.
    with pytest.raises(InvalidInput):
        ts.do_trustee_decrypt(
            officers[1], election, sims[officers[2].pk].decrypt(threshold_key, pairs)
        )
    assert ts.tally_progress(election)["posted"] == 1
    # Trustee 3 is absent: two are enough.
    election = ts.do_trustee_decrypt(
        officers[2], election, sims[officers[2].pk].decrypt(threshold_key, pairs)
    )
    assert election.status == Election.Status.CLOSED
    counted = json.loads(Entry.objects.get(type="election.counted").payload)
    assert sum(b["count"] for b in counted["ballots"]) == len(PLAN)
    opened = json.loads(Entry.objects.get(type="secrecy.opened").payload)
    # Published as far as the count read them (at least each first preference).
    read = Counter(r[0] for r in opened["decryption"]["ballots"])
    assert read == Counter(r[0] for r in PLAN)
    assert {s["trustee"] for s in opened["decryption"]["shares"]} == {1, 3}
    assert "positions" in opened["decryption"]
    report = verify_lines(export(federation))
    assert report.checked["secrecy.opened"] == 1


def test_refusals(federation, settings):
    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    stranger = voters(federation, "base-1", 1, prefix="extrano")[0]
    with pytest.raises(PermissionDenied):
        ts.ceremony_state(stranger, election)
    with pytest.raises(PermissionDenied):
        ts.do_trustee_device(stranger, election, SimulatedTrustee("x", 1).device_public)
    with pytest.raises(InvalidInput):
        ts.do_set_trustees(officers[0], election, [stranger.pk, officers[1].pk], 2)
    sims = {}
    for user in officers:
        state = ts.ceremony_state(user, election)
        sims[user.pk] = SimulatedTrustee(state["context"], state["index"])
        ts.do_trustee_device(user, election, sims[user.pk].device_public)
    with pytest.raises(InvalidInput):
        ts.do_trustee_device(officers[0], election, "zz")
    with pytest.raises(Conflict):  # another device key
        ts.do_trustee_device(officers[0], election, SimulatedTrustee("x", 1).device_public)
    state = ts.ceremony_state(officers[0], election)
    dealing = sims[officers[0].pk].dealing(2, state["devices"])
    ts.do_trustee_deal(officers[0], election, dealing)
    ts.do_trustee_deal(officers[0], election, dealing)  # the same again: nothing changes
    with pytest.raises(Conflict):
        ts.do_trustee_deal(officers[0], election, sims[officers[0].pk].dealing(2, state["devices"]))
    # A dealing whose proof fails (another dealer's, or tampered) is refused.
    other = sims[officers[1].pk].dealing(2, state["devices"])
    with pytest.raises(InvalidInput):
        ts.do_trustee_deal(officers[2], election, other)
    tampered = json.loads(json.dumps(other))
    tampered["dealer"]["response"] = dealing["dealer"]["response"]
    with pytest.raises(InvalidInput):
        ts.do_trustee_deal(officers[1], election, tampered)
    with pytest.raises(Conflict):  # not every dealing is in
        ts.do_trustee_check(officers[0], election, {"confirm": True})
    stand(federation, election)
    with pytest.raises(Conflict):  # the vote cannot open before the ceremony is done
        services.do_open_voting(election)
    election.refresh_from_db()
    assert election.status == Election.Status.NOMINATIONS


def test_a_complaint_and_a_restart(federation, settings):
    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    sims = {}
    for user in officers:
        state = ts.ceremony_state(user, election)
        sims[user.pk] = SimulatedTrustee(state["context"], state["index"])
        ts.do_trustee_device(user, election, sims[user.pk].device_public)
    for user in officers:
        state = ts.ceremony_state(user, election)
        dealing = sims[user.pk].dealing(2, state["devices"])
        if user == officers[1]:  # trustee 2 seals trustee 1's share to the wrong device
            dealing["envelopes"]["1"] = dealing["envelopes"]["3"]
        ts.do_trustee_deal(user, election, dealing)
    state = ts.ceremony_state(officers[0], election)
    assert sims[officers[0].pk].check(state["dealings"]) == {"complaints": [2]}
    ts.do_trustee_check(officers[0], election, {"complaints": [2]})
    assert ts.ceremony_state(officers[0], election)["step"] == "done"
    ts.do_restart_ceremony(officers[0], election)
    key, _sims = ceremony(election, officers)
    assert key.state == BallotKey.State.READY


def test_the_json_endpoints_answer_only_the_trustee_and_need_the_csrf_token(federation, settings):
    from django.test import Client

    election, officers = with_trustees(federation, settings)
    base = f"/f/{federation.slug}/e/{election.pk}/ceremony/"
    stranger = voters(federation, "base-1", 1, prefix="extrano")[0]
    other = Client(enforce_csrf_checks=True)
    other.force_login(stranger)
    assert other.get(f"{base}state/").status_code == 403
    assert other.get(f"/f/{federation.slug}/e/{election.pk}/ceremony/").status_code == 403
    assert Client().get(f"{base}state/").status_code in (302, 403)
    mine = Client(enforce_csrf_checks=True)
    mine.force_login(officers[0])
    state = mine.get(f"{base}state/").json()
    assert state["index"] == 1 and state["step"] == "device"
    sim = SimulatedTrustee(state["context"], 1)
    body = json.dumps({"public": sim.device_public})
    # Without the CSRF token the post is refused and nothing is stored.
    refused = mine.post(f"{base}device/", body, content_type="application/json")
    assert refused.status_code == 403
    assert ts.ceremony_state(officers[0], election)["step"] == "device"
    mine.get(f"/f/{federation.slug}/e/{election.pk}/ceremony/")
    token = mine.cookies["csrftoken"].value
    answer = mine.post(
        f"{base}device/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert answer.status_code == 200 and answer.json()["step"] == "deal"
    again = mine.post(
        f"{base}device/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert again.status_code == 200
    different = mine.post(
        f"{base}device/",
        json.dumps({"public": SimulatedTrustee("x", 1).device_public}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert different.status_code == 409 and "ya está registrada" in different.json()["error"]
    # The officer's page shows who did which step.
    page = mine.get(f"/f/{federation.slug}/e/{election.pk}/trustees/")
    assert page.status_code == 200 and b"trustee-steps" in page.content


def test_the_cancel_file_is_written_with_the_trustees_and_goes_back_to_server_mode(
    federation, settings, django_capture_on_commit_callbacks
):
    from asamblea.ballots.sealing import vote_context
    from asamblea.elections.models import Ballot

    election, officers = with_trustees(federation, settings)
    # A server-mode file left for this vote (an opening rolled back): its share must go.
    path = key_path(vote_context(federation.slug, Ballot.TRACKER_SCHEME, election.pk))
    path.parent.mkdir(parents=True, exist_ok=True)
    stale = {"trustee": 1, "share": "11" * 32, "cancel": "22" * 32}
    key = ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    assert key_path(key.context) == path
    path.write_text(json.dumps({**stale, "context": key.context}), encoding="ascii")
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    written = json.loads(path.read_text(encoding="ascii"))
    assert set(written) == {"context", "cancel"} and written["context"] == key.context
    # Naming the trustees again keeps the file and its secret.
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers[:2]], 2)
    assert json.loads(path.read_text(encoding="ascii")) == written
    # Back to server mode: the file goes with the trustees' key, and the opening writes
    # the server's own (a share, and a new cancel secret).
    with django_capture_on_commit_callbacks(execute=True):
        ts.do_use_server_key(officers[0], election)
    assert not path.exists()
    stand(federation, election)
    services.do_open_voting(election)
    server = json.loads(path.read_text(encoding="ascii"))
    assert set(server) == {"context", "trustee", "share", "cancel"}
    assert server["cancel"] != written["cancel"]
