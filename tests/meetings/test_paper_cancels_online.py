"""A vote in the room beats a vote online: a member who voted online and then takes a paper
at the table has their online ballot deleted, unread, from the sealed box (found by its
cancel tag, which only the vote's key file computes), and votes on paper instead."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from asamblea.ballots import sealing
from asamblea.ballots import trustees as keys
from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import cancel_tag, key_path, public_key_of
from asamblea.elections import services as elections
from asamblea.elections.models import Ballot, Election, VoteCast
from asamblea.elections.services import trustees as ts
from asamblea.elections.services.sealed import election_key
from asamblea.errors import Conflict, VerificationFailed
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote, PaperVoter
from asamblea.record.verify import verify_lines
from deliberation.helpers import entries, export
from elections.helpers import open_election
from elections.test_trustees import ceremony
from meetings.helpers import base_meeting, check_in
from meetings.paper_helpers import NAMES, enter_all, paper_election
from support.factories import make_officer
from support.sealed import box_says

pytestmark = pytest.mark.django_db


def _ids(election):
    return {c.public_name: c.pk for c in elections.standing(election)}


def _vote_online(election, users_and_rankings):
    ids = _ids(election)
    return [
        elections.do_cast_ballot(user, election, [ids[name] for name in ranking])
        for user, ranking in users_and_rankings
    ]


def test_a_paper_at_the_table_cancels_the_online_ballot_and_the_paper_counts_instead(
    federation,
):
    _room, officer, users, election, vote, teller = paper_election(federation)
    # Four online; then users[0] (online: Delia) and users[4] (never online) take papers.
    receipts = _vote_online(
        election,
        [
            (users[0], ["Delia"]),
            (users[1], ["Ana", "Berta"]),
            (users[2], ["Ana", "Carlos"]),
            (users[3], ["Berta"]),
        ],
    )
    kept = {r.tracker for r in receipts[1:]}
    assert Ballot.objects.filter(election=election).count() == 4
    page_rows = {r.attendance.person_id: r for r in services.table_rows(officer, vote)}
    assert page_rows[users[0].person.pk].online and page_rows[users[0].person.pk].cancellable
    cancelled = Ballot.objects.get(tracker=receipts[0].tracker)
    assert cancelled.cancel_tag == cancel_tag(election_key(election), users[0].person.pk)

    services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    # Their online ballot is gone; the others' are untouched; they voted once.
    assert set(Ballot.objects.filter(election=election).values_list("tracker", flat=True)) == kept
    assert not Ballot.objects.filter(seal_hash=cancelled.seal_hash).exists()
    assert VoteCast.objects.filter(election=election, person=users[0].person).count() == 1
    assert PaperVoter.objects.filter(vote=vote, person=users[0].person).exists()
    # A member who did not vote online takes a paper as before, and cancels nothing.
    services.do_mark_paper_voter(officer, vote, users[4].person.pk)
    assert Ballot.objects.filter(election=election).count() == 3
    assert elections.turnout(election)[0] == 5
    # They can no longer vote online: no new ballot, and the code finds nothing to replace.
    with pytest.raises(Conflict, match="already voted"):
        _vote_online(election, [(users[0], ["Ana"])])
    with pytest.raises(Exception, match="not the code of your ballot"):
        elections.do_cast_ballot(
            users[0], election, [_ids(election)["Ana"]], ballot_code=receipts[0].ballot_code
        )
    assert Ballot.objects.filter(election=election).count() == 3

    papers = {1: "2 1", 2: "3"}  # Berta Ana (users[0]), Carlos (users[4])
    enter_all(officer, vote, papers)
    enter_all(teller, vote, dict(reversed(papers.items())))
    election = elections.do_close_election(election)
    assert election.result["casts"] == 5 and election.result["papers"] == 5
    [cast] = entries(federation, "secrecy.cast")
    assert {c["tracker"] for c in cast["cast"]} == kept  # N-1 ballots go into the mix
    [opened] = entries(federation, "secrecy.opened")
    assert len(opened["decryption"]["ballots"]) == 3  # only those are decrypted
    published = {e["tracker"] for e in entries(federation, "ballot.tracker")}
    assert published == kept
    [counted] = entries(federation, "election.counted")
    as_counted = sorted((tuple(b["ranking"]), b["count"]) for b in counted["ballots"])
    assert ("Delia",) not in {ranking for ranking, _n in as_counted}  # the online one is gone
    assert sum(n for _r, n in as_counted) == 5
    assert counted["paper"]["handed_out"] == 2 and counted["paper"]["ballots"] == 2
    verify_lines(export(federation))


def test_cancelling_needs_only_the_cancel_secret_never_the_key_that_opens_ballots(federation):
    _room, officer, users, election, vote, _teller = paper_election(federation)
    _vote_online(election, [(users[0], ["Ana"]), (users[1], ["Berta"])])
    key = election_key(election)
    path = key_path(key.context)
    original = path.read_text(encoding="ascii")
    data = json.loads(original)
    # The share that opens the ballots replaced by nonsense: the table cannot decrypt now.
    path.write_text(json.dumps({**data, "share": "00" * 32}), encoding="ascii")
    try:
        services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    finally:
        path.write_text(original, encoding="ascii")
    # The remaining ballot still opens with the real share; the cancelled one is not there.
    ids = _ids(election)
    assert box_says(election) == [[ids["Berta"]]]


def test_a_database_copy_alone_ties_no_tag_to_its_voter(
    federation, django_capture_on_commit_callbacks
):
    _room, officer, users, election, vote, _teller = paper_election(federation)
    _vote_online(election, [(users[n], ["Ana"]) for n in range(3)])
    key = election_key(election)
    path = key_path(key.context)
    secret = json.loads(path.read_text(encoding="ascii"))["cancel"]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert secret not in dump.getvalue()  # the secret is in the key file only
    tags = set(Ballot.objects.filter(election=election).values_list("cancel_tag", flat=True))
    assert len(tags) == 3 and None not in tags
    # Without the key file (a stolen database, a backup, or after the publication) no tag
    # can be computed, even by the server: the table then refuses the paper.
    moved = path.with_name(path.name + ".away")
    path.rename(moved)
    try:
        assert cancel_tag(key, users[0].person.pk) is None
        rows = {r.attendance.person_id: r for r in services.table_rows(officer, vote)}
        assert rows[users[0].person.pk].online and not rows[users[0].person.pk].cancellable
        with pytest.raises(Conflict, match="cannot be cancelled: their online ballot stands"):
            services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    finally:
        moved.rename(path)
    assert Ballot.objects.filter(election=election).count() == 3
    assert not PaperVoter.objects.filter(vote=vote).exists()
    # The publication deletes the key file: afterwards nobody computes a tag.
    with django_capture_on_commit_callbacks(execute=True):
        elections.do_close_election(election)
    assert not path.exists()
    assert cancel_tag(key, users[0].person.pk) is None


def test_a_revote_by_code_keeps_the_tag_so_the_paper_still_cancels_it(federation):
    _room, officer, users, election, vote, _teller = paper_election(federation)
    [receipt] = _vote_online(election, [(users[0], ["Ana"])])
    tag = Ballot.objects.get(tracker=receipt.tracker).cancel_tag
    ids = _ids(election)
    elections.do_cast_ballot(users[0], election, [ids["Carlos"]], ballot_code=receipt.ballot_code)
    assert Ballot.objects.get(tracker=receipt.tracker).cancel_tag == tag
    services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    assert not Ballot.objects.filter(election=election).exists()


def test_the_verifier_refuses_a_member_counted_both_online_and_on_paper(federation):
    _room, officer, users, election, vote, teller = paper_election(federation)
    _vote_online(election, [(users[0], ["Ana"]), (users[1], ["Berta"])])
    services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    enter_all(officer, vote, {1: "3"})
    enter_all(teller, vote, {1: "3"})
    elections.do_close_election(election)
    verify_lines(export(federation))

    def fewer_casts(entry):
        if "casts" in entry:
            entry = {**entry, "casts": entry["casts"] - 1}
        return entry

    # One member fewer voted than trackers plus papers: someone's vote counted twice.
    with pytest.raises(VerificationFailed, match="1 members voted, but 1 online trackers"):
        verify_lines(export(federation, fewer_casts))


def test_the_table_page_says_the_online_ballot_will_be_cancelled_and_hands_the_paper(
    federation,
):
    from meetings.test_paper_views import paper_urls
    from meetings.test_views import client_for, once

    _room, officer, users, election, vote, _teller = paper_election(federation)
    [receipt] = _vote_online(election, [(users[0], ["Ana"])])
    u = paper_urls(vote)
    desk = client_for(officer)
    page = desk.get(u["page"]).content.decode()
    row = page[page.index(f'data-person="{users[0].person.pk}"') :]
    row = row[: row.index("</li>")]
    assert "voted online: their online ballot will be cancelled" in row and "Hand a paper" in row
    response = desk.post(
        u["action"],
        {"once": once(desk, u["page"]), "action": "mark", "person": users[0].person.pk},
    )
    assert response.status_code == 302
    assert not Ballot.objects.filter(tracker=receipt.tracker).exists()
    page = desk.get(u["page"]).content.decode()
    assert "voted on paper" in page and "will be cancelled" not in page
    # The voter looking up their tracker is told why it is missing.
    voter = client_for(users[0])
    look = voter.get(
        reverse("election_tracker", args=[federation.slug, election.pk]),
        {"tracker": receipt.tracker},
    ).content.decode()
    assert 'id="tracker-missing"' in look and "your online ballot was cancelled unread" in look


def _trustee_paper_election(federation, settings):
    """`paper_election` with the vote's key held by three trustees (k = 2), the ceremony
    simulated in Python as in tests/elections/test_trustees.py."""
    settings.ELECTION_KEY_MODE = "trustees"
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    room, officer, users, _motion = base_meeting(federation, 8)
    check_in(room, users)
    officers = [officer] + [make_officer(federation, "base-2", f"escrutador-b{i}") for i in (1, 2)]
    election = open_election(federation, "base-2", seats=2, officer=officer)
    ts.do_set_trustees(officer, election, [u.pk for u in officers], 2)
    for user, name in zip(users, NAMES, strict=False):
        elections.do_stand(user, election, public_name=name)
    key, sims = ceremony(election, officers)
    election = elections.do_open_voting(election)
    vote = services.do_open_paper_vote(officer, room, election, PaperVote.Entry.PAPERS)
    vote = services.do_print_papers(officer, vote, 20)
    teller = make_officer(federation, "base-1", "escrutadora")
    services.do_name_teller(officer, room, teller)
    return officer, officers, users, election, vote, teller, key, sims


def test_in_trustees_mode_a_paper_cancels_the_online_ballot_unread_and_the_trustees_count_the_rest(
    federation, settings, monkeypatch, django_capture_on_commit_callbacks
):
    officer, officers, users, election, vote, teller, key, sims = _trustee_paper_election(
        federation, settings
    )
    assert key.mode == BallotKey.Mode.TRUSTEES and key.threshold == 2
    path = key_path(key.context)
    # The server's key file holds the cancel secret and nothing of the key that opens ballots.
    assert set(json.loads(path.read_text(encoding="ascii"))) == {"context", "cancel"}
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(Conflict, match="holds no share of its key"):
        sealing._read_share(key.context)
    receipts = _vote_online(
        election,
        [
            (users[0], ["Delia"]),
            (users[1], ["Ana", "Berta"]),
            (users[2], ["Ana", "Carlos"]),
            (users[3], ["Berta"]),
        ],
    )
    kept = {r.tracker for r in receipts[1:]}
    cancelled = Ballot.objects.get(tracker=receipts[0].tracker)
    assert cancelled.cancel_tag == cancel_tag(election_key(election), users[0].person.pk)
    rows = {r.attendance.person_id: r for r in services.table_rows(officer, vote)}
    assert rows[users[0].person.pk].online and rows[users[0].person.pk].cancellable

    # The table cancels without opening anything: a tripwire on every way to decrypt.
    def tripwire(*_args, **_kwargs):
        raise AssertionError("a ballot was decrypted to cancel it")

    with monkeypatch.context() as m:
        for module, name in [
            (sealing, "open_with_shares"),
            (sealing, "open_box"),
            (sealing, "partial_decrypt_each"),
            (sealing, "combine_decryption"),
            (sealing, "_read_share"),
            (keys, "open_with_shares"),
            (keys, "shuffle"),
        ]:
            m.setattr(module, name, tripwire)
        services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    assert set(Ballot.objects.filter(election=election).values_list("tracker", flat=True)) == kept
    assert Ballot.objects.filter(election=election).count() == 3
    key.refresh_from_db()
    assert key.mixed is None and key.opened is None
    assert not key.trustees.exclude(factor_share=None).exists()
    assert PaperVoter.objects.filter(vote=vote, person=users[0].person).exists()
    services.do_mark_paper_voter(officer, vote, users[4].person.pk)
    assert elections.turnout(election)[0] == 5

    papers = {1: "2 1", 2: "3"}  # Berta Ana (users[0]), Carlos (users[4])
    enter_all(officer, vote, papers)
    enter_all(teller, vote, dict(reversed(papers.items())))
    election = elections.do_close_election(election)
    assert election.status == Election.Status.TALLYING
    assert path.exists()  # kept until the publication
    pairs = ts.ciphertexts_for(officers[0], election)
    threshold_key = public_key_of(key)
    ts.do_trustee_decrypt(officers[0], election, sims[officers[0].pk].decrypt(threshold_key, pairs))
    with django_capture_on_commit_callbacks(execute=True):
        election = ts.do_trustee_decrypt(
            officers[2], election, sims[officers[2].pk].decrypt(threshold_key, pairs)
        )
    assert election.status == Election.Status.CLOSED
    assert election.result["casts"] == 5 and election.result["papers"] == 5
    [cast] = entries(federation, "secrecy.cast")
    assert {c["tracker"] for c in cast["cast"]} == kept  # N-1 ballots go into the mix
    [opened] = entries(federation, "secrecy.opened")
    assert len(opened["decryption"]["ballots"]) == 3
    assert {s["trustee"] for s in opened["decryption"]["shares"]} == {1, 3}
    [counted] = entries(federation, "election.counted")
    as_counted = sorted((tuple(b["ranking"]), b["count"]) for b in counted["ballots"])
    assert ("Delia",) not in {ranking for ranking, _n in as_counted}  # the online one is gone
    # First preferences: online Ana, Ana, Berta; on paper Berta (users[0]) and Carlos.
    firsts: dict[str, int] = {}
    for ranking, n in as_counted:
        firsts[ranking[0]] = firsts.get(ranking[0], 0) + n
    assert firsts == {"Ana": 2, "Berta": 2, "Carlos": 1}
    assert sum(n for _r, n in as_counted) == 5
    assert counted["paper"]["handed_out"] == 2 and counted["paper"]["ballots"] == 2
    verify_lines(export(federation))
    # The publication deleted the cancel secret: nobody computes a tag any more.
    assert not path.exists()
    assert cancel_tag(key, users[1].person.pk) is None


def test_in_trustees_mode_a_stolen_database_alone_ties_no_tag_to_its_voter(federation, settings):
    officer, _officers, users, election, vote, _teller, key, _sims = _trustee_paper_election(
        federation, settings
    )
    _vote_online(election, [(users[n], ["Ana"]) for n in range(3)])
    path = key_path(key.context)
    secret = json.loads(path.read_text(encoding="ascii"))["cancel"]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert secret not in dump.getvalue()  # the secret is in the key file only
    tags = set(Ballot.objects.filter(election=election).values_list("cancel_tag", flat=True))
    assert len(tags) == 3 and None not in tags
    moved = path.with_name(path.name + ".away")
    path.rename(moved)
    try:
        assert cancel_tag(key, users[0].person.pk) is None
        with pytest.raises(Conflict, match="cannot be cancelled: their online ballot stands"):
            services.do_mark_paper_voter(officer, vote, users[0].person.pk)
    finally:
        moved.rename(path)
    assert Ballot.objects.filter(election=election).count() == 3
    # With the file back the tag is the one stored: the file, not the database, links them.
    assert cancel_tag(key, users[0].person.pk) in tags
