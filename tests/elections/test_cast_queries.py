"""What one cast costs the database, pinned so that a regression shows.

A cast through the ballot page (session, user, the election with its catch-up,
the candidates once, the one-time token, the locked status, the voter's facts,
the VoteCast and Ballot rows) and through `do_cast_ballot` alone. The figures
are those of the test run (pytest-django wraps each test in a transaction, so
every atomic block is a SAVEPOINT and its RELEASE, counted here); served, the
outermost block is BEGIN/COMMIT instead, and the session is saved afterwards.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from asamblea.elections import scheduler, services
from asamblea.elections.models import Ballot, Election, VoteCast
from asamblea.web import once as once_tokens
from asamblea.web.models import UsedFormToken
from asamblea.web.once import token_digest
from elections.helpers import open_election, voters
from elections.test_views import logged_in, once

# Session, user, election (one query, federation included; nothing due, so no
# catch-up query), candidates; the view's SAVEPOINT; the token's SAVEPOINT, INSERT,
# RELEASE; the cast's SAVEPOINT, status FOR SHARE, the voter (person, roll,
# eligibility, cast already), VoteCast, Ballot, RELEASE; the view's RELEASE; the
# header's count of unread notices (one indexed COUNT).
# 27 before this was trimmed.
VIEW_CAST_QUERIES = 16
# The same, replacing with the ballot code: one UPDATE instead of the two INSERTs.
VIEW_REPLACE_QUERIES = 15
# SAVEPOINT, status FOR SHARE, voter, candidates, VoteCast, Ballot, RELEASE (11 before).
SERVICE_CAST_QUERIES = 7


@pytest.fixture
def voting(federation):
    members = voters(federation, "base-1", 9)
    election = open_election(federation, seats=3)
    candidates = [services.do_stand(m, election).pk for m in members[:6]]
    services.do_open_voting(election)
    return election, members[6:], candidates


@pytest.fixture(autouse=True)
def no_pruning_now(monkeypatch):
    """Old used tokens are dropped at most every few minutes: count the usual cast."""
    monkeypatch.setattr(once_tokens, "_next_prune", math.inf)


def test_a_cast_through_the_ballot_page_runs_a_fixed_number_of_queries(
    federation, voting, django_assert_max_num_queries
):
    election, (voter, *_others), candidates = voting
    client = logged_in(voter)
    url = reverse("ballot", args=[federation.slug, election.pk])
    form = {f"rank-{pk}": str(n) for n, pk in enumerate(candidates[:3], start=1)}
    token = once(client, url)
    with django_assert_max_num_queries(VIEW_CAST_QUERIES):
        response = client.post(url, {**form, "once": token})
    assert response.status_code == 200
    assert VoteCast.objects.filter(election=election).count() == 1
    code = re.search(r'id="ballot-code">([^<]+)<', response.content.decode()).group(1)
    token = once(client, url)
    with django_assert_max_num_queries(VIEW_REPLACE_QUERIES):
        response = client.post(url, {f"rank-{candidates[4]}": "1", "code": code, "once": token})
    assert response.status_code == 200
    assert "replaced" in response.content.decode()
    assert [b.ranking for b in Ballot.objects.filter(election=election)] == [[candidates[4]]]


def test_a_cast_through_the_service_runs_a_fixed_number_of_queries(
    voting, django_assert_max_num_queries
):
    election, (first, second, _third), candidates = voting
    election = Election.objects.get(pk=election.pk)  # as a caller would hold it
    election.constituency  # noqa: B018 - loaded once, as the pages' read does
    with django_assert_max_num_queries(SERVICE_CAST_QUERIES):
        services.do_cast_ballot(first, election, candidates[:2])
    # The candidates are read once per election instance: the next casts skip them.
    with django_assert_max_num_queries(SERVICE_CAST_QUERIES - 1):
        services.do_cast_ballot(second, election, candidates[2:])
    assert Ballot.objects.filter(election=election).count() == 2


def test_a_refused_ballot_does_not_spend_the_forms_token(federation, voting):
    election, (voter, *_others), candidates = voting
    client = logged_in(voter)
    url = reverse("ballot", args=[federation.slug, election.pk])
    token = once(client, url)
    gap = client.post(url, {f"rank-{candidates[0]}": "2", "once": token})
    assert gap.status_code == 400
    assert not UsedFormToken.objects.filter(token=token_digest(token)).exists()
    # The same form, corrected, is taken; then its token is spent.
    done = client.post(url, {f"rank-{candidates[0]}": "1", "once": token})
    assert done.status_code == 200
    assert UsedFormToken.objects.filter(token=token_digest(token)).exists()
    # Sent again, changed or not, it casts nothing more: it shows the same receipt.
    again = client.post(url, {f"rank-{candidates[1]}": "1", "once": token})
    assert again.status_code == 200 and 'id="resent"' in again.content.decode()
    code = re.compile(r'id="ballot-code">([^<]+)<')
    assert code.search(again.content.decode())[1] == code.search(done.content.decode())[1]
    assert VoteCast.objects.filter(election=election).count() == 1
    assert Ballot.objects.get(election=election).ranking == [candidates[0]]


def test_catching_up_costs_no_query_when_nothing_is_due(
    federation, voting, django_assert_num_queries
):
    election, _voters, _candidates = voting
    read = services.access_election_by_slug(AnonymousUser(), federation.slug, election.pk)
    with django_assert_num_queries(0):
        assert scheduler.catch_up(read) is read
    # When the close is due, the same call takes it.
    late = read.voting_closes_at + timedelta(minutes=1)
    assert scheduler.catch_up(read, late).status == Election.Status.CLOSED


def test_the_candidates_are_kept_only_once_the_vote_is_open(federation, django_assert_num_queries):
    members = voters(federation, "base-2", 2)
    election = open_election(federation, "base-2")
    assert services.standing(election) == []
    services.do_stand(members[0], election)
    # Nominations open: the list can change, so it is read every time.
    assert [c.person.pk for c in services.standing(election)] == [
        services.person_of(members[0], federation).pk
    ]
    services.do_open_voting(election)
    read = services.access_election(AnonymousUser(), federation, election.pk)
    first = services.standing(read)
    with django_assert_num_queries(0):
        assert services.standing(read) == first
