"""Sealed elections (server mode): encrypted when cast, mixed and decrypted with proofs at
the close, and a record that `asamblea record verify` checks without trusting the server.

Every tampering below is made by an operator who re-signs the log afterwards
(`export(federation, change)` signs what it is given), so the signature is valid
and only the checks of the sealed ballots can catch it.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter

import pytest
from django.urls import reverse

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import codec_of, key_path, public_key_of
from asamblea.elections import services
from asamblea.elections.models import Ballot
from asamblea.elections.services.sealed import election_key, indices_of
from asamblea.record.models import Entry
from asamblea.record.verify import LogVerificationFailed, verify_lines
from asamblea.secrecy.bulletin import cast_to_json
from asamblea.secrecy.elgamal import encrypt_ballot
from asamblea.secrecy.group import GENERATOR, Point
from elections.helpers import open_election, voters
from elections.test_recount import export
from elections.test_views import logged_in, once
from support.sealed import ballot_says

PLAN = [[0, 1], [0, 2], [1, 0], [2, 1], [0], [1, 2], [2]]


def sealed_election(federation, settings, plan=PLAN, *, minimum=3, standing=3):
    """An STV election for two seats of `standing` candidates, cast by len(plan) voters."""
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = minimum
    members = voters(federation, "base-1", len(plan))
    election = open_election(federation, seats=2)
    candidates = [services.do_stand(m, election) for m in members[:standing]]
    services.do_open_voting(election)
    for member, ranking in zip(members, plan, strict=True):
        if ranking is None:
            continue  # this voter casts by other means
        services.do_cast_ballot(member, election, [candidates[i].pk for i in ranking])
    return election, members, candidates


def payload(federation, kind: str) -> dict:
    return json.loads(Entry.objects.get(federation=federation, type=kind).payload)


def test_a_cast_writes_only_the_sealed_ballot(federation, settings):
    election, _members, candidates = sealed_election(federation, settings)
    key = election_key(election)
    assert key is not None and key.mode == BallotKey.Mode.SERVER
    assert key.context == f"{federation.slug}/asamblea-ballot-v1/{election.pk}"
    assert key_path(key.context).stat().st_mode & 0o777 == 0o600
    assert key_path(key.context).parent.stat().st_mode & 0o777 == 0o700
    rows = list(Ballot.objects.filter(election=election))
    assert all(row.ranking == [] and row.sealed and row.seal_hash for row in rows)
    says = Counter(tuple(ballot_says(row)) for row in rows)
    assert says == Counter(tuple(candidates[i].pk for i in ranking) for ranking in PLAN)
    opened = payload(federation, "secrecy.key")
    assert opened["context"] == key.context and opened["key"] == key.public
    assert opened["choices"] == [c.public_name for c in candidates]


def test_the_close_counts_the_decrypted_papers_and_deletes_the_key(
    federation, settings, django_capture_on_commit_callbacks
):
    election, _members, _candidates = sealed_election(federation, settings)
    path = key_path(election_key(election).context)
    with django_capture_on_commit_callbacks(execute=True):
        election = services.do_close_election(election)
    assert not path.exists()
    counted = payload(federation, "election.counted")
    assert sum(b["count"] for b in counted["ballots"]) == len(PLAN)
    opened = payload(federation, "secrecy.opened")
    # Each paper decrypted only as far as the count read it: the cut papers counted.
    names = payload(federation, "secrecy.key")["choices"]
    read = Counter(tuple(names[i] for i in r) for r in opened["decryption"]["ballots"])
    assert read == Counter({tuple(b["ranking"]): b["count"] for b in counted["ballots"]})
    assert sorted(map(len, opened["decryption"]["ballots"])) < sorted(map(len, PLAN))
    cast = payload(federation, "secrecy.cast")["cast"]
    tracker_entries = Entry.objects.filter(type="ballot.tracker")
    trackers = [json.loads(p)["tracker"] for p in tracker_entries.values_list("payload", flat=True)]
    assert sorted(c["tracker"] for c in cast) == sorted(trackers)
    report = verify_lines(export(federation))
    assert report.checked["secrecy.opened"] == 1 and report.checked["secrecy.cast"] == 1
    assert election.result["count"]["elected"] == counted["result"]["elected"]


def test_a_close_rolled_back_keeps_the_key_and_is_redone(federation, settings):
    """The key file goes only when the publication commits: a close that dies midway
    (here: its transaction rolled back) finds the key again and closes the vote."""
    from django.db import transaction

    election, _members, _candidates = sealed_election(federation, settings)
    path = key_path(election_key(election).context)

    class Died(Exception):
        pass

    with pytest.raises(Died), transaction.atomic():
        services.do_close_election(election)
        raise Died
    assert path.exists()
    election.refresh_from_db()
    assert services.do_close_election(election).status == "closed"


def test_the_papers_of_a_small_vote_are_mixed_but_not_decrypted_on_the_record(federation, settings):
    election, _members, _candidates = sealed_election(federation, settings, PLAN[:3], minimum=5)
    election = services.do_close_election(election)
    opened = payload(federation, "secrecy.opened")
    assert opened["decryption"] is None and "withheld" in opened
    assert len(opened["mixes"]) == 1
    assert election.result["breakdown_published"] is False
    verify_lines(export(federation))


# ------------------------------------------------------------ tampering, re-signed


def _closed(federation, settings):
    election, _members, _candidates = sealed_election(federation, settings)
    return services.do_close_election(election)


def _changed_ciphertext(entry):
    if entry["type"] == "secrecy.cast":
        a, b = entry["cast"][2]["ballot"][0]
        entry["cast"][2]["ballot"][0] = [a, (Point.from_hex(b) + GENERATOR).hex()]
    return entry


def _wrong_shuffle(entry):
    if entry["type"] == "secrecy.opened":
        out = entry["mixes"][0]["output"]
        out[0], out[1] = out[1], out[0]
    return entry


def _wrong_decryption_share(entry):
    if entry["type"] == "secrecy.opened":
        factors = entry["decryption"]["shares"][0]["factors"]
        factors[0] = (Point.from_hex(factors[0]) + GENERATOR).hex()
    return entry


def _missing_ballot(entry):
    if entry["type"] == "secrecy.cast":
        del entry["cast"][3]
    return entry


def _missing_ballot_and_its_tracker(federation):
    """Drops one cast ballot and its tracker entry: the mix still took it in."""
    cast = payload(federation, "secrecy.cast")["cast"]
    gone = cast[3]["tracker"]

    def change(entry):
        if entry["type"] == "secrecy.cast":
            entry["cast"] = [c for c in entry["cast"] if c["tracker"] != gone]
        if entry["type"] == "ballot.tracker" and entry["tracker"] == gone:
            entry["tracker"] = "0" * 64  # the log keeps its length; the tracker is another
        return entry

    return change


def _ballot_added(federation):
    """A ballot the operator sealed properly (the public key is public) and slipped into
    the cast list, with a tracker of its own."""
    key = BallotKey.objects.get()
    election = services.access_election(None, federation, key.vote_id)
    candidates = services.standing(election)
    ballot, proof = encrypt_ballot(
        key.context,
        public_key_of(key).public,
        codec_of(key).encode(indices_of(election, candidates, [candidates[0].pk])),
    )
    extra = {"tracker": "f" * 64, **cast_to_json(ballot, proof)}

    def change(entry):
        if entry["type"] == "secrecy.cast":
            entry["cast"].append(copy.deepcopy(extra))
        return entry

    return change


def _decryption_reads_otherwise(entry):
    """The operator publishes other readings (with the plaintexts they would need)."""
    if entry["type"] == "secrecy.opened":
        readings = entry["decryption"]["ballots"]
        other = next(n for n, r in enumerate(readings) if r != readings[0])
        readings[0], readings[other] = readings[other], readings[0]
    return entry


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda f: _changed_ciphertext, "its proof does not verify", id="ciphertext"),
        pytest.param(
            lambda f: _wrong_shuffle, "the proof of shuffle does not verify", id="wrong-shuffle"
        ),
        pytest.param(
            lambda f: _wrong_decryption_share, "decryption share.*proof fails", id="wrong-share"
        ),
        pytest.param(lambda f: _missing_ballot, "7 ballots out for 6 in", id="missing-ballot"),
        pytest.param(
            _missing_ballot_and_its_tracker, "7 ballots out for 6 in", id="missing-with-tracker"
        ),
        pytest.param(_ballot_added, "7 ballots out for 8 in", id="ballot-added"),
        pytest.param(
            lambda f: _decryption_reads_otherwise,
            "does not read as published",
            id="readings-swapped",
        ),
    ],
)
def test_a_tampered_sealed_record_fails_verification_even_re_signed(
    federation, settings, make, message
):
    _closed(federation, settings)
    verify_lines(export(federation))  # as published, it verifies
    with pytest.raises(LogVerificationFailed, match=message):
        verify_lines(export(federation, make(federation)))


def test_a_count_of_other_papers_than_the_decrypted_ones_fails(federation, settings):
    """The operator keeps the proofs and changes only the count's papers."""
    _closed(federation, settings)

    def change(entry):
        if entry["type"] == "election.counted":
            first, last = entry["ballots"][0], entry["ballots"][-1]
            first["ranking"], last["ranking"] = last["ranking"], first["ranking"]
        return entry

    with pytest.raises(LogVerificationFailed, match="not the papers the decryption"):
        verify_lines(export(federation, change))


# ------------------------------------------------ only what the count read is decrypted

# Five candidates, two seats, ten papers: the quota is 4, the first candidate reaches
# it at once (no surplus), so the papers it holds are read no further than it.
LONG_PLAN = [
    [0, 1, 2, 3, 4],
    [0, 2, 1, 4, 3],
    [0, 1, 3],
    [0, 3, 4, 1, 2],
    [1, 0, 2, 3],
    [1, 2, 0],
    [2, 1, 0, 4],
    [2, 0],
    [3, 4, 0, 1, 2],
    [4, 3, 2],
]


def _closed_long(federation, settings):
    election, _members, candidates = sealed_election(federation, settings, LONG_PLAN, standing=5)
    return services.do_close_election(election), candidates


def test_the_record_decrypts_only_the_positions_the_count_read(federation, settings):
    _election, _candidates = _closed_long(federation, settings)
    key = BallotKey.objects.get()
    codec = codec_of(key)
    assert codec.per_ciphertext == 1 and codec.width == 5  # one preference per ciphertext
    opened = payload(federation, "secrecy.opened")
    decryption = opened["decryption"]
    positions = decryption["positions"]
    assert all(p == list(range(len(p))) and 1 <= len(p) <= 5 for p in positions)
    # The first candidate's four papers were read down to it only: four ciphertexts of
    # each stay sealed; the whole box would have been 50 ciphertexts.
    assert sorted(map(len, positions))[:4] == [1, 1, 1, 1]
    shown = sum(map(len, positions))
    assert shown < 5 * len(LONG_PLAN)
    (share,) = decryption["shares"]
    assert len(share["factors"]) == len(share["challenges"]) == len(share["responses"]) == shown
    assert [len(p) for p in decryption["plaintexts"]] == [len(p) for p in positions]
    # What is read is the start of a paper cast, and it is the paper the count published.
    cast = Counter(tuple(ranking) for ranking in LONG_PLAN)
    for reading in decryption["ballots"]:
        assert any(paper[: len(reading)] == tuple(reading) for paper in cast)
    names = payload(federation, "secrecy.key")["choices"]
    counted = payload(federation, "election.counted")
    read = Counter(tuple(names[i] for i in r) for r in decryption["ballots"])
    assert read == Counter({tuple(b["ranking"]): b["count"] for b in counted["ballots"]})
    # The server keeps no factor and no plaintext the record does not show; beside them,
    # for a countback, only the reading of the papers that name an elected candidate.
    kept = key.opened.pop("kept")
    assert key.opened == {"mixes": opened["mixes"], "decryption": decryption}
    elected = {names.index(item["name"]) for item in counted["result"]["elected"]}
    for whole, shown in zip(kept, decryption["ballots"], strict=True):
        assert whole[: len(shown)] == shown
        assert whole == shown or elected & set(shown)
    verify_lines(export(federation))


def _wrong_last_factor(entry):
    if entry["type"] == "secrecy.opened":
        factors = entry["decryption"]["shares"][0]["factors"]
        factors[-1] = (Point.from_hex(factors[-1]) + GENERATOR).hex()
    return entry


def _wrong_response(entry):
    if entry["type"] == "secrecy.opened":
        responses = entry["decryption"]["shares"][0]["responses"]
        responses[1], responses[2] = responses[2], responses[1]
    return entry


def _positions_moved(entry):
    """A paper said to show its second ciphertext where it shows its first."""
    if entry["type"] == "secrecy.opened":
        entry["decryption"]["positions"][0] = [1]
        entry["decryption"]["plaintexts"][0] = entry["decryption"]["plaintexts"][0][:1]
    return entry


def _plaintext_of_another_paper(entry):
    """A paper's published plaintexts swapped with another's, readings and all: the
    factors then stand for other ciphertexts than those published."""
    if entry["type"] == "secrecy.opened":
        d = entry["decryption"]
        lengths = [len(p) for p in d["positions"]]
        long = next(n for n, length in enumerate(lengths) if length != lengths[0])
        for name in ("positions", "plaintexts", "ballots"):
            d[name][0], d[name][long] = d[name][long], d[name][0]
    return entry


def _paper_shown_shorter(entry):
    """One paper published one preference shorter than the count read it, consistently:
    its last factor, proof, plaintext and preference left out (every proof still holds)."""
    if entry["type"] == "secrecy.opened":
        d = entry["decryption"]
        n = next(i for i, p in enumerate(d["positions"]) if len(p) >= 2)
        flat = sum(len(p) for p in d["positions"][: n + 1]) - 1
        for share in d["shares"]:
            for name in ("factors", "challenges", "responses"):
                del share[name][flat]
        d["positions"][n].pop()
        d["plaintexts"][n].pop()
        d["ballots"][n].pop()
    return entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(_wrong_last_factor, "decryption share.*proof fails", id="wrong-factor"),
        pytest.param(_wrong_response, "decryption share.*proof fails", id="wrong-proof"),
        pytest.param(_positions_moved, "published positions are not a prefix", id="moved"),
        pytest.param(_plaintext_of_another_paper, "decryption share.*proof fails", id="swapped"),
        pytest.param(_paper_shown_shorter, "not the papers the decryption", id="shorter"),
    ],
)
def test_a_cut_decryption_tampered_fails_verification_even_re_signed(
    federation, settings, change, message
):
    _closed_long(federation, settings)
    verify_lines(export(federation))
    with pytest.raises(LogVerificationFailed, match=message):
        verify_lines(export(federation, change))


def test_an_ill_formed_paper_is_decrypted_as_far_as_shows_it_ill_formed(federation, settings):
    """A ballot sealed by hand with a candidate twice (the third preference repeats the
    first): the record decrypts its first three ciphertexts, enough to show it invalid."""
    election, members, _candidates = sealed_election(
        federation, settings, [*LONG_PLAN[:-1], None], standing=5
    )
    key = election_key(election)
    codec = codec_of(key)
    points = tuple(codec._point(d) for d in (1, 2, 1, 0, 0))
    assert codec.decode(points) is None
    ballot, proof = encrypt_ballot(key.context, public_key_of(key).public, points)
    url = reverse("ballot", args=[federation.slug, election.pk])
    client = logged_in(members[-1])
    sealed = json.dumps(cast_to_json(ballot, proof))
    assert client.post(url, {"sealed": sealed, "once": once(client, url)}).status_code == 200
    services.do_close_election(election)
    decryption = payload(federation, "secrecy.opened")["decryption"]
    (bad,) = [n for n, r in enumerate(decryption["ballots"]) if r is None]
    assert decryption["positions"][bad] == [0, 1, 2]
    assert payload(federation, "election.counted")["invalid"] == 1
    verify_lines(export(federation))


def test_a_small_vote_keeps_only_the_cut_and_publishes_no_decryption(federation, settings):
    """Below the minimum for a breakdown the record decrypts nothing (the papers are not
    pooled with other bodies': see docs/elections.md); the server keeps the papers only
    as far as the count read them, for a countback, and no more."""
    election, _members, _candidates = sealed_election(
        federation, settings, LONG_PLAN, minimum=20, standing=5
    )
    services.do_close_election(election)
    opened = payload(federation, "secrecy.opened")
    assert opened["decryption"] is None and "withheld" in opened
    kept = BallotKey.objects.get().opened["decryption"]
    assert sum(map(len, kept["positions"])) < 5 * len(LONG_PLAN)
    verify_lines(export(federation))


# ------------------------------------------------------------ sealed in the browser


def _sealed_in_browser(election, candidacy_ids):
    """What seal.js posts: the ranking sealed under the vote's key, with its proof."""
    key = election_key(election)
    indices = indices_of(election, services.standing(election), candidacy_ids)
    ballot, proof = encrypt_ballot(
        key.context, public_key_of(key).public, codec_of(key).encode(indices)
    )
    return json.dumps(cast_to_json(ballot, proof))


def _ballot_page(federation, settings, n=3):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 1
    members = voters(federation, "base-1", n)
    election = open_election(federation, seats=1)
    candidates = [services.do_stand(m, election) for m in members[:2]]
    services.do_open_voting(election)
    return election, members, candidates, reverse("ballot", args=[federation.slug, election.pk])


def test_the_ballot_page_carries_what_the_browser_needs_to_seal(federation, settings):
    election, members, _candidates, url = _ballot_page(federation, settings)
    page = logged_in(members[0]).get(url).content.decode()
    key = election_key(election)
    assert f'data-seal-key="{key.public["public"]}"' in page
    assert f'data-seal-context="{key.context}"' in page
    codec = re.search(r'data-seal-codec="([^"]+)"', page).group(1).replace("&quot;", '"')
    assert json.loads(codec) == key.codec
    assert '<input type="hidden" name="sealed" value="">' in page


def test_a_ballot_sealed_in_the_browser_is_checked_and_stored_as_sealed(federation, settings):
    election, members, candidates, url = _ballot_page(federation, settings)
    client = logged_in(members[0])
    sealed = _sealed_in_browser(election, [candidates[1].pk, candidates[0].pk])
    # The ranking's inputs carry no name: only the sealed ballot is posted.
    response = client.post(url, {"sealed": sealed, "once": once(client, url)})
    assert response.status_code == 200, response.content.decode()
    page = response.content.decode()
    assert "encrypted ballot is in the ballot box" in page
    (row,) = Ballot.objects.filter(election=election)
    assert row.ranking == [] and row.sealed == json.loads(sealed)
    assert ballot_says(row) == [candidates[1].pk, candidates[0].pk]
    # The same ciphertext again, from another voter: a copy, refused.
    other = logged_in(members[1])
    again = other.post(url, {"sealed": sealed, "once": once(other, url)})
    assert again.status_code == 400
    assert "has been cast already" in again.content.decode()
    assert Ballot.objects.filter(election=election).count() == 1


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda s: "not json", id="not-json"),
        pytest.param(lambda s: json.dumps({"ballot": []}), id="no-proof"),
        pytest.param(
            lambda s: json.dumps({**json.loads(s), "ballot": json.loads(s)["ballot"] * 2}),
            id="too-wide",
        ),
        pytest.param(
            lambda s: s.replace(json.loads(s)["proof"]["challenge"], "00" * 32), id="bad-proof"
        ),
        pytest.param(lambda s: "[" * 10_000, id="deep"),
        pytest.param(lambda s: "x" * 100_000, id="huge"),
    ],
)
def test_a_bad_sealed_ballot_is_refused_plainly_and_nothing_is_written(federation, settings, spoil):
    election, members, candidates, url = _ballot_page(federation, settings)
    client = logged_in(members[0])
    sealed = spoil(_sealed_in_browser(election, [candidates[0].pk]))
    response = client.post(url, {"sealed": sealed, "once": once(client, url)})
    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()
    assert not Ballot.objects.filter(election=election).exists()


def test_a_ballot_sealed_for_another_vote_is_refused(federation, settings):
    election, members, _candidates, url = _ballot_page(federation, settings)
    other = open_election(federation, "base-2", seats=1)
    services.do_stand(voters(federation, "base-2", 2, prefix="b2")[0], other)
    services.do_stand(voters(federation, "base-2", 1, prefix="b2x")[0], other)
    services.do_open_voting(other)
    foreign = _sealed_in_browser(other, [services.standing(other)[0].pk])
    client = logged_in(members[0])
    response = client.post(url, {"sealed": foreign, "once": once(client, url)})
    assert response.status_code == 400
    assert not Ballot.objects.filter(election=election).exists()


def test_re_voting_with_the_code_replaces_the_sealed_ballot(federation, settings):
    election, members, candidates, url = _ballot_page(federation, settings)
    client = logged_in(members[0])
    first = client.post(url, {f"rank-{candidates[0].pk}": "1", "once": once(client, url)})
    code = re.search(r'id="ballot-code">([^<]+)<', first.content.decode()).group(1)
    sealed = _sealed_in_browser(election, [candidates[1].pk])
    replaced = client.post(url, {"sealed": sealed, "code": code, "once": once(client, url)})
    assert replaced.status_code == 200 and "replaced" in replaced.content.decode()
    (row,) = Ballot.objects.filter(election=election)
    assert ballot_says(row) == [candidates[1].pk]


def test_a_sealed_election_nobody_voted_in_closes_and_verifies(federation, settings):
    election, _members, _candidates = sealed_election(federation, settings, [None] * 4)
    election = services.do_close_election(election)
    assert election.status == "closed"
    assert payload(federation, "secrecy.opened")["decryption"] is None
    verify_lines(export(federation))
