"""A voter whose answer was lost gets their receipt (issue 15, faults 4 and 5).

The ballot code is drawn from the ballot form's one-time token, which the server keeps
only hashed: the same form sent again shows the same code and tracker (not "already
sent"), in every kind of secret vote, and a session that cannot be saved after the cast
no longer turns the receipt into a bare 400.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asamblea.ballots import codes
from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import MotionBallot, MotionCast, ReferendumBallot
from asamblea.elections import services
from asamblea.elections.models import Ballot, Election, VoteCast
from asamblea.federation.models import Person
from asamblea.web.models import UsedFormToken
from asamblea.web.once import SESSION_KEY, token_digest
from asamblea.web.sessions import stored_key
from elections.helpers import open_election, voters
from support.factories import body, make_officer, site_admin
from support.language import english
from support.sealed import ballot_says, motion_ballot_says

CODE = re.compile(r'id="ballot-code">([^<]+)<')
TRACKER = re.compile(r'id="tracker">([0-9a-f]{64})<')


def logged_in(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def form_token(client: Client, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="once" value="([^"]+)"', page.content.decode())
    assert match, f"no form token on {url}"
    return match.group(1)


def receipt_of(response) -> tuple[str, str]:
    text = response.content.decode()
    assert response.status_code == 200, text[:3000]
    return CODE.search(text).group(1), TRACKER.search(text).group(1)


def voting_election(federation, n_voters: int = 2):
    users = voters(federation, "base-1", n_voters + 2)
    election = open_election(federation)
    for user in users[:2]:
        services.do_stand(user, election)
    services.do_open_voting(election, now=election.voting_opens_at)
    election.refresh_from_db()
    assert election.status == Election.Status.VOTING
    return election, services.standing(election), users[2:]


def test_the_same_ballot_form_sent_again_shows_the_same_receipt_and_casts_nothing_more(
    federation, settings
):
    election, cands, (voter, other) = voting_election(federation)
    url = reverse("ballot", args=[federation.slug, election.pk])
    client = logged_in(voter)
    form = {f"rank-{cands[0].pk}": "1", "once": form_token(client, url)}
    code, tracker = receipt_of(client.post(url, form))
    again = client.post(url, form)
    assert receipt_of(again) == (code, tracker)
    assert "the answer did not reach you" in again.content.decode()
    assert VoteCast.objects.filter(election=election).count() == 1
    assert Ballot.objects.filter(election=election).count() == 1
    assert codes.tracker_for(
        codes.ELECTION, election.pk, Person.objects.get(user=voter).pk, code
    ) == (tracker)
    # A new form is a new ballot, refused without the code; another voter's copy of the
    # form finds no ballot of theirs.
    fresh = client.post(url, {f"rank-{cands[1].pk}": "1", "once": form_token(client, url)})
    assert fresh.status_code == 409 and "already voted" in fresh.content.decode()
    stolen = logged_in(other).post(url, form)
    assert stolen.status_code == 409 and "already sent" in stolen.content.decode()
    # After the window the form is only "already sent".
    UsedFormToken.objects.update(used_at=timezone.now() - timedelta(minutes=61))
    late = client.post(url, form)
    assert late.status_code == 409 and "already sent" in late.content.decode()
    assert Ballot.objects.filter(election=election).count() == 1


def test_a_replacement_sent_again_shows_the_same_receipt_and_another_form_is_refused(
    federation,
):
    election, cands, (voter, other) = voting_election(federation)
    url = reverse("ballot", args=[federation.slug, election.pk])
    client = logged_in(voter)
    first = {f"rank-{cands[0].pk}": "1", "once": form_token(client, url)}
    code, tracker = receipt_of(client.post(url, first))
    replacement = {f"rank-{cands[1].pk}": "1", "code": code, "once": form_token(client, url)}
    replaced = client.post(url, replacement)
    assert receipt_of(replaced) == (code, tracker)
    assert "Your ballot was replaced" in replaced.content.decode()
    # Its answer lost, the same form is sent again: the same receipt, not "already sent".
    again = client.post(url, replacement)
    assert receipt_of(again) == (code, tracker)
    assert "your ballot was replaced then, once" in again.content.decode()
    assert ballot_says(Ballot.objects.get(election=election)) == [cands[1].pk]
    # What is kept says nothing without the form's token: the used tokens' hashes and
    # one keyed hash of the replacing form's token and the tracker.
    kept = set(UsedFormToken.objects.values_list("token", flat=True))
    assert {token_digest(first["once"]), token_digest(replacement["once"])} < kept
    assert len(kept) == 3 and tracker not in kept
    # Another form is "already sent": the first form with the code typed into it, the
    # replacement sent by another login, or the replacement after the window.
    with_code = client.post(url, {**first, "code": code})
    assert with_code.status_code == 409 and "already sent" in with_code.content.decode()
    stolen = logged_in(other).post(url, replacement)
    assert stolen.status_code == 409 and "already sent" in stolen.content.decode()
    mistyped = client.post(url, {**replacement, "code": "not a code"})
    assert mistyped.status_code == 409 and "already sent" in mistyped.content.decode()
    UsedFormToken.objects.update(used_at=timezone.now() - timedelta(minutes=61))
    late = client.post(url, replacement)
    assert late.status_code == 409 and "already sent" in late.content.decode()
    assert VoteCast.objects.filter(election=election).count() == 1
    assert Ballot.objects.filter(election=election).count() == 1


def test_a_secret_motion_vote_replaced_and_sent_again_shows_the_same_receipt(federation):
    from deliberation.helpers import member

    users = [member(federation, "base-2", f"socia-{n}") for n in range(3)]
    motion = deliberation.do_propose_motion(
        users[0], body(federation, "base-2"), title="Local", text="Un comedor popular."
    )
    deliberation.do_second_motion(users[1], motion)
    deliberation.do_open_vote(make_officer(federation, "base-2"), motion, secret=True)
    client = logged_in(users[2])
    page = f"/f/{federation.slug}/m/{motion.pk}/"
    code, tracker = receipt_of(
        client.post(page + "vote/", {"choice": "yes", "once": form_token(client, page)})
    )
    form = {"choice": "no", "ballot_code": code, "once": form_token(client, page)}
    assert receipt_of(client.post(page + "vote/", form)) == (code, tracker)
    assert receipt_of(client.post(page + "vote/", form)) == (code, tracker)
    assert motion_ballot_says(MotionBallot.objects.get(motion=motion)) == "no"
    assert MotionCast.objects.filter(motion=motion).count() == 1


def test_the_server_keeps_no_form_token_only_its_hash(federation):
    election, cands, (voter, _other) = voting_election(federation)
    url = reverse("ballot", args=[federation.slug, election.pk])
    client = logged_in(voter)
    token = form_token(client, url)
    session = Session.objects.get(session_key=stored_key(client.session.session_key))
    assert session.get_decoded()[SESSION_KEY][-1] == token_digest(token)
    assert token not in str(session.get_decoded())
    code, _tracker = receipt_of(client.post(url, {f"rank-{cands[0].pk}": "1", "once": token}))
    assert list(UsedFormToken.objects.values_list("token", flat=True)) == [token_digest(token)]
    # The code is a keyed hash of the token, the vote and the person: not of what is kept.
    person = Person.objects.get(user=voter).pk
    assert code == codes.code_from_form(codes.ELECTION, election.pk, person, token)
    assert code != codes.code_from_form(codes.ELECTION, election.pk, person, token_digest(token))
    assert code != codes.code_from_form(codes.ELECTION, election.pk, person + 1, token)


@pytest.mark.django_db(transaction=True)
def test_a_session_lost_after_the_cast_committed_still_shows_the_receipt_not_a_400(
    django_db_blocker,
):
    from support.factories import make_federation

    federation = make_federation()
    election, cands, (voter, _other) = voting_election(federation)
    url = reverse("ballot", args=[federation.slug, election.pk])
    client = logged_in(voter)
    form = {f"rank-{cands[0].pk}": "1", "once": form_token(client, url)}
    session_row = stored_key(client.session.session_key)

    def logged_out_elsewhere(**kwargs: object) -> None:
        # A logout in another tab, committed with the cast: the session cannot be saved.
        Session.objects.filter(session_key=session_row).delete()

    post_save.connect(logged_out_elsewhere, sender=VoteCast, dispatch_uid="lost-session")
    try:
        response = client.post(url, form)
    finally:
        post_save.disconnect(sender=VoteCast, dispatch_uid="lost-session")
    code, tracker = receipt_of(response)
    assert Ballot.objects.get(election=election).tracker == tracker
    # Logged in again (a new session), the same form shows the same receipt.
    client = logged_in(voter)
    assert receipt_of(client.post(url, form)) == (code, tracker)
    assert VoteCast.objects.count() == Ballot.objects.count() == 1


def test_a_secret_motion_vote_sent_again_shows_the_same_receipt(federation):
    from deliberation.helpers import member

    users = [member(federation, "base-2", f"socia-{n}") for n in range(3)]
    motion = deliberation.do_propose_motion(
        users[0], body(federation, "base-2"), title="Local", text="Un comedor popular."
    )
    deliberation.do_second_motion(users[1], motion)
    deliberation.do_open_vote(make_officer(federation, "base-2"), motion, secret=True)
    client = logged_in(users[2])
    page = f"/f/{federation.slug}/m/{motion.pk}/"
    form = {"choice": "yes", "once": form_token(client, page)}
    first = receipt_of(client.post(page + "vote/", form))
    assert receipt_of(client.post(page + "vote/", form)) == first
    assert MotionCast.objects.filter(motion=motion).count() == 1
    assert MotionBallot.objects.filter(motion=motion).count() == 1


def test_a_referendum_ballot_sent_again_shows_the_same_receipt(federation):
    from deliberation.helpers import build_tree

    tree = build_tree(federation)
    users = tree.users
    motion = deliberation.do_second_motion(
        users["luis"],
        deliberation.do_propose_motion(
            users["rosa"], body(federation, "region-a"), title="R", text="x"
        ),
    )
    referendum = deliberation.do_open_referendum(
        site_admin(), motion, closes_at=timezone.now() + timedelta(days=1)
    )
    page = f"/f/{federation.slug}/r/{referendum.pk}/"
    client = logged_in(users["plain"])
    form = {"choice": "no", "once": form_token(client, page)}
    first = receipt_of(client.post(page + "vote/", form))
    assert receipt_of(client.post(page + "vote/", form)) == first
    assert ReferendumBallot.objects.filter(referendum=referendum).count() == 1
