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
from support.sealed import box_says

# Session, user, election (one query, federation included; nothing due, so no
# catch-up query), candidates; the view's SAVEPOINT; the token's SAVEPOINT, INSERT,
# RELEASE; the cast's SAVEPOINT, status FOR SHARE, the voter (person, roll,
# eligibility, cast already), VoteCast, Ballot, RELEASE; the view's RELEASE; the
# header's count of unread notices (one indexed COUNT); the login's session generation
# ("log out everywhere", asamblea.accounts.middleware).
# The election's ballot key (it is sealed: docs/elections.md), read once per instance.
# 27 before this was trimmed.
VIEW_CAST_QUERIES = 18
# The same, replacing with the ballot code: one UPDATE instead of the two INSERTs, and
# the INSERT that notes which form replaced the ballot (a lost answer's receipt).
VIEW_REPLACE_QUERIES = 18
# SAVEPOINT, status FOR SHARE, voter, ballot key, candidates, VoteCast, Ballot, RELEASE
# (11 before).
SERVICE_CAST_QUERIES = 8


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
    assert box_says(election) == [[candidates[4]]]


def test_a_cast_through_the_service_runs_a_fixed_number_of_queries(
    voting, django_assert_max_num_queries
):
    election, (first, second, _third), candidates = voting
    election = Election.objects.get(pk=election.pk)  # as a caller would hold it
    election.constituency  # noqa: B018 - loaded once, as the pages' read does
    with django_assert_max_num_queries(SERVICE_CAST_QUERIES):
        services.do_cast_ballot(first, election, candidates[:2])
    # The candidates (and the key) are read once per election instance: the next casts
    # skip them.
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
    assert box_says(election) == [[candidates[0]]]


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


def test_a_second_ballot_without_the_code_or_with_a_wrong_one_keeps_the_rankings(
    federation, voting
):
    """docs/elections.md: the ballot page again, with the message and the choices kept."""
    election, (voter, *_others), candidates = voting
    client = logged_in(voter)
    url = reverse("ballot", args=[federation.slug, election.pk])
    first = client.post(url, {f"rank-{candidates[0]}": "1", "once": once(client, url)})
    assert first.status_code == 200
    ranks = {f"rank-{candidates[1]}": "1", f"rank-{candidates[2]}": "2"}
    for code, status, message in [
        ("", 409, "You have already voted"),
        ("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", 403, "not the code of your ballot"),
    ]:
        again = client.post(url, {**ranks, "code": code, "once": once(client, url)})
        page = again.content.decode()
        assert again.status_code == status
        assert message in page and 'id="ballot"' in page and 'id="code"' in page
        for name, rank in ranks.items():
            chosen = re.search(rf'name="{name}".*?</select>', page, re.S)
            assert chosen and f'value="{rank}" selected' in chosen.group(0)
    assert VoteCast.objects.filter(election=election).count() == 1


def test_an_officer_closes_and_counts_the_vote_once_everyone_on_the_roll_has_voted(
    federation, voting
):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import translation

    from asamblea.errors import Conflict
    from support.second_factor import log_in_verified

    election, _voters, candidates = voting
    officer = get_user_model().objects.get(username="officer-base-1-x")
    client = log_in_verified(Client(), officer)
    url = reverse("election", args=[federation.slug, election.pk])
    assert 'id="close-now"' not in client.get(url).content.decode()
    with translation.override("en"), pytest.raises(Conflict, match="Not everyone on the roll"):
        services.do_close_election_when_all_voted(officer, election)
    roll = list(election.roll.select_related("person__user"))
    assert all(entry.person.user is not None for entry in roll)
    for entry in roll:
        services.do_cast_ballot(entry.person.user, election, [candidates[0]])
    page = client.get(url).content.decode()
    assert 'id="close-now"' in page
    token = re.search(r'action="[^"]*/close-now/".*?name="once" value="([^"]+)"', page, re.S).group(
        1
    )
    done = client.post(
        reverse("election_close_now", args=[federation.slug, election.pk]), {"once": token}
    )
    assert done.status_code == 302
    election.refresh_from_db()
    assert election.status == Election.Status.CLOSED
    assert election.result["casts"] == election.result["roll"] == len(roll)
