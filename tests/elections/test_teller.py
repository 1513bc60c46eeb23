"""The teller's second mix (mix 1) in trustees mode: the CLI against a live server, the
trustees decrypting mix 1's output, the record's chain of mixes verified; the refusals."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from asamblea.api import tokens
from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import public_key_of
from asamblea.cli.main import main
from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.elections.services import trustees as ts
from asamblea.errors import Conflict, InvalidInput, PermissionDenied, VerificationFailed
from asamblea.record.models import Entry
from asamblea.record.verify import verify_lines
from asamblea.secrecy.bulletin import ballots_from_json, mix_context, mix_to_json
from asamblea.secrecy.group import Point
from asamblea.secrecy.shuffle import shuffle
from elections.helpers import voters
from elections.test_recount import export
from elections.test_trustees import PLAN, cast_plan, ceremony, stand, with_trustees


def with_teller(federation, settings):
    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    teller = voters(federation, "base-1", 1, prefix="escrutadora")[0]
    ts.do_set_teller(officers[0], election, teller.pk)
    members, candidates = stand(federation, election)
    key, sims = ceremony(election, officers)
    cast_plan(election, members, candidates)
    return election, officers, teller, key, sims


def mix_url(election) -> str:
    return f"/api/v1/federations/{election.federation.slug}/elections/{election.pk}/mix"


def token_for(user) -> str:
    return tokens.do_issue_api_token(user, name="mezcla", capabilities=["secrecy.mix"]).secret


def decrypt_all(election, officers, sims, key):
    pairs = ts.ciphertexts_for(officers[0], election)
    threshold_key = public_key_of(key)
    for user in officers[:2]:
        election = ts.do_trustee_decrypt(
            user, election, sims[user.pk].decrypt(threshold_key, pairs)
        )
    return election


@pytest.mark.django_db(transaction=True)
def test_a_teller_mixes_with_the_cli_against_a_live_server(
    federation, settings, live_server, capsys, monkeypatch
):
    monkeypatch.delenv("ASAMBLEA_API_TOKEN", raising=False)
    election, officers, teller, key, sims = with_teller(federation, settings)
    election = services.do_close_election(election)
    key.refresh_from_db()
    assert election.status == Election.Status.TALLYING
    assert key.state == BallotKey.State.MIXING and len(key.mixed["mixes"]) == 1
    # The trustees wait for the second mix.
    with pytest.raises(Conflict, match="second mix"):
        ts.ciphertexts_for(officers[0], election)
    assert ts.ceremony_state(officers[0], election)["state"] == "mixing"
    mix0 = key.mixed["mixes"][0]["output"]
    url = live_server.url + mix_url(election)
    # The CLI checks the server's mix itself: a mix 0 that swapped in a ballot is caught
    # and nothing is sent.
    honest = json.loads(json.dumps(key.mixed))
    lying = json.loads(json.dumps(key.mixed))
    lying["mixes"][0]["output"][0] = lying["mixes"][0]["output"][1]
    BallotKey.objects.filter(pk=key.pk).update(mixed=lying)
    assert main(["secrecy", "mix", url, "--token", token_for(teller)]) == 6
    assert "the server's mix does not verify" in capsys.readouterr().err
    BallotKey.objects.filter(pk=key.pk).update(mixed=honest)
    key.refresh_from_db()
    assert key.state == BallotKey.State.MIXING and len(key.mixed["mixes"]) == 1
    # No token, a wrong token: refused with the server's message, exit codes not 0.
    assert main(["secrecy", "mix", url]) == 2
    assert main(["secrecy", "mix", url, "--token", "asb_nope"]) == 1
    assert "the server refused (401)" in capsys.readouterr().err

    code = main(
        ["secrecy", "mix", live_server.url + mix_url(election), "--token", token_for(teller)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Checked the server's mix (mix 0)" in out and "Sent:" in out
    key.refresh_from_db()
    assert key.state == BallotKey.State.TALLYING and len(key.mixed["mixes"]) == 2
    # The trustees' ciphertexts are mix 1's output, not mix 0's.
    pairs = ts.ciphertexts_for(officers[0], election)
    assert pairs == [c for ballot in key.mixed["mixes"][1]["output"] for c in ballot]
    assert pairs != [c for ballot in mix0 for c in ballot]
    # Run again: it checks, sees the mix in and sends nothing.
    assert (
        main(["secrecy", "mix", live_server.url + mix_url(election), "--token", token_for(teller)])
        == 0
    )
    assert "already in" in capsys.readouterr().out

    election = decrypt_all(election, officers, sims, key)
    assert election.status == Election.Status.CLOSED
    opened = json.loads(Entry.objects.get(type="secrecy.opened").payload)
    assert opened["mixed_by"] == ["server", "teller"] and len(opened["mixes"]) == 2
    assert len(opened["decryption"]["ballots"]) == len(PLAN)
    report = verify_lines(export(federation))
    assert report.checked["secrecy.opened"] == 1


def test_without_a_teller_one_mix_and_the_record_says_so(federation, settings):
    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    with pytest.raises(InvalidInput):  # the teller is among the assembly's people
        ts.do_set_teller(officers[0], election, voters(federation, "base-2", 1, "otra")[0].pk)
    with pytest.raises(PermissionDenied):  # named by an officer
        ts.do_set_teller(voters(federation, "base-1", 1, "miembro")[0], election, None)
    ts.do_set_teller(officers[0], election, officers[1].pk)
    ts.do_set_teller(officers[0], election, None)  # and unnamed: one mix
    members, candidates = stand(federation, election)
    key, sims = ceremony(election, officers)
    cast_plan(election, members, candidates)
    election = services.do_close_election(election)
    key.refresh_from_db()
    assert key.state == BallotKey.State.TALLYING and key.teller is None
    election = decrypt_all(election, officers, sims, key)
    opened = json.loads(Entry.objects.get(type="secrecy.opened").payload)
    assert opened["mixed_by"] == ["server"] and len(opened["mixes"]) == 1
    verify_lines(export(federation))


def _client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_refusals(federation, settings):
    election, officers, teller, key, _sims = with_teller(federation, settings)
    teller_api = _client(token_for(teller))
    stranger = voters(federation, "base-1", 1, prefix="extrano")[0]
    stranger_api = _client(token_for(stranger))
    # Before the close: nothing to mix.
    answer = teller_api.get(mix_url(election))
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"
    with pytest.raises(Conflict):  # the vote is open: the teller cannot change
        ts.do_set_teller(officers[0], election, stranger.pk)

    election = services.do_close_election(election)
    assert stranger_api.get(mix_url(election)).status_code == 403
    document = teller_api.get(mix_url(election)).json()
    assert document["index"] == 1 and document["state"] == "mixing" and not document["mixed"]
    public = Point.from_hex(document["public_key"])
    inputs = ballots_from_json(document["input"])
    right = mix_to_json(*shuffle(mix_context(document["context"], 1), public, inputs))
    # Someone not the teller may not send it, even a correct one.
    answer = stranger_api.post(mix_url(election), right, content_type="application/json")
    assert answer.status_code == 403
    assert "veedor" in answer.json()["error"]["message"]
    # A wrong shuffle: under mix 0's context; of the cast list instead of mix 0's output.
    wrong_context = mix_to_json(*shuffle(mix_context(document["context"], 0), public, inputs))
    cast = ballots_from_json(document["cast"])
    of_the_cast = mix_to_json(*shuffle(mix_context(document["context"], 1), public, cast))
    tampered = json.loads(json.dumps(right))
    tampered["output"][0], tampered["output"][1] = tampered["output"][1], tampered["output"][0]
    for bad in (wrong_context, of_the_cast, tampered, {"output": [], "proof": {}}):
        answer = teller_api.post(mix_url(election), bad, content_type="application/json")
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["code"] == "invalid_input"
    key.refresh_from_db()
    assert key.state == BallotKey.State.MIXING and len(key.mixed["mixes"]) == 1
    # The right one is taken; the same again changes nothing; another is refused.
    answer = teller_api.post(mix_url(election), right, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "context": document["context"],
        "index": 1,
        "ballots": len(PLAN),
        "state": "tallying",
    }
    assert (
        teller_api.post(mix_url(election), right, content_type="application/json").status_code
        == 200
    )
    other = mix_to_json(*shuffle(mix_context(document["context"], 1), public, inputs))
    answer = teller_api.post(mix_url(election), other, content_type="application/json")
    assert answer.status_code == 409
    assert "ya llegó" in answer.json()["error"]["message"]
    key.refresh_from_db()
    assert key.mixed["mixes"][1] == right
    # A token without the capability is refused.
    plain = tokens.do_issue_api_token(
        teller, name="otra", capabilities=["memberships.decide"]
    ).secret
    assert _client(plain).get(mix_url(election)).status_code == 403
    with pytest.raises(PermissionDenied):
        ts.do_teller_mix(stranger, election, right)


def test_the_record_verify_catches_a_changed_second_mix(federation, settings):
    election, officers, teller, key, sims = with_teller(federation, settings)
    election = services.do_close_election(election)
    document = _client(token_for(teller)).get(mix_url(election)).json()
    public = Point.from_hex(document["public_key"])
    inputs = ballots_from_json(document["input"])
    ts.do_teller_mix(
        teller, election, mix_to_json(*shuffle(mix_context(document["context"], 1), public, inputs))
    )
    key.refresh_from_db()
    decrypt_all(election, officers, sims, key)
    verify_lines(export(federation))
    # Another valid mix 1 of mix 0's output: its proof holds, but the trustees' factors
    # are over the mix 1 that was published, so the record no longer verifies.
    another = mix_to_json(*shuffle(mix_context(document["context"], 1), public, inputs))
    # And a mix 1 whose output is not mix 0's output mixed: its proof fails.
    swapped = json.loads(json.dumps(key.mixed["mixes"][1]))
    swapped["output"][0], swapped["output"][1] = swapped["output"][1], swapped["output"][0]
    # Or the mixes said to be the server's only.
    for change in (
        lambda e: {**e, "mixes": [e["mixes"][0], another]},
        lambda e: {**e, "mixes": [e["mixes"][0], swapped]},
        lambda e: {**e, "mixes": e["mixes"][:1]},
        lambda e: {**e, "mixed_by": ["server", "server"]},
        lambda e: {**e, "mixes": e["mixes"][::-1]},
    ):

        def changed(entry, change=change):
            return change(entry) if entry["type"] == "secrecy.opened" else entry

        with pytest.raises(VerificationFailed):
            verify_lines(export(federation, changed))


def test_the_pages_name_the_teller_and_wait_for_the_second_mix(federation, settings):
    from django.urls import reverse

    from elections.test_views import logged_in

    election, officers = with_trustees(federation, settings)
    ts.do_set_trustees(officers[0], election, [u.pk for u in officers], 2)
    teller = voters(federation, "base-1", 1, prefix="escrutadora")[0]
    office = logged_in(officers[0], "es")
    page_url = reverse("election_trustees", args=[federation.slug, election.pk])
    page = office.get(page_url).content.decode()
    assert "Sin veedor" in page and f'value="{teller.pk}"' in page
    answer = office.post(page_url, {"action": "teller", "teller": str(teller.pk)})
    assert answer.status_code == 302
    key = ts.election_trustee_key(election)
    assert key is not None and key.teller_id == teller.pk
    assert f"{teller.get_username()} es el veedor" in office.get(page_url).content.decode()
    members, candidates = stand(federation, election)
    late = voters(federation, "base-1", 1, prefix="votante")[0]
    ceremony(election, officers)
    cast_plan(election, members, candidates)
    # The receipt says that a teller mixes after the server.
    from elections.test_views import once

    ballot_url = reverse("ballot", args=[federation.slug, election.pk])
    voter = logged_in(late, "es")
    receipt = voter.post(
        ballot_url, {f"rank-{candidates[0].pk}": "1", "once": once(voter, ballot_url)}
    ).content.decode()
    assert 'id="mixes"' in receipt and "el veedor de esta votación" in receipt
    services.do_close_election(election)
    trustee = logged_in(officers[1], "es")
    page = trustee.get(reverse("trustee_decrypt", args=[federation.slug, election.pk]))
    assert "Esperando la segunda mezcla" in page.content.decode()
    assert 'id="trustee"' not in page.content.decode()
    assert "Esperando la segunda mezcla" in office.get(page_url).content.decode()


def test_a_check_made_against_another_mix_0_is_not_trusted(federation, settings):
    from django.db import transaction

    from asamblea.ballots import trustees as keys

    election, _officers, teller, key, _sims = with_teller(federation, settings)
    services.do_close_election(election)
    key.refresh_from_db()
    inputs = ballots_from_json(key.mixed["mixes"][0]["output"])
    public = public_key_of(key).public
    wrong = mix_to_json(*shuffle(mix_context(key.context, 0), public, inputs))
    said_fine = keys.CheckedMix(input=[], outputs=[], problems=[])
    with pytest.raises(InvalidInput), transaction.atomic():
        keys.post_teller_mix(keys.locked(key), teller, wrong, said_fine)
    key.refresh_from_db()
    assert key.state == BallotKey.State.MIXING and len(key.mixed["mixes"]) == 1
