"""The election pages through Django's test client: open, stand, vote, replace, result."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asamblea.elections import services
from asamblea.elections.models import Ballot, Election, VoteCast
from asamblea.elections.scheduler import tick
from elections.helpers import voters
from support.factories import body, make_officer
from support.language import english, in_language
from support.sealed import ballot_says


def logged_in(user, language: str = "en") -> Client:
    client = in_language(Client(), language)
    client.force_login(user)
    return client


def once(client: Client, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="once" value="([^"]+)"', page.content.decode())
    assert match, f"no form token on {url}"
    return match.group(1)


def test_an_officer_opens_members_stand_vote_and_read_the_result(federation, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 2
    officer = make_officer(federation, "base-1")
    members = voters(federation, "base-1", 3)
    base = body(federation, "base-1")
    office = logged_in(officer)
    new_url = reverse("election_new", args=[federation.slug, base.slug])
    page = office.get(new_url)
    assert page.status_code == 200
    target = re.search(r'value="(delegation:\d+)"', page.content.decode()).group(1)
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    response = office.post(
        new_url,
        {
            "target": target,
            "seats": "1",
            "method": "",
            "nominations_close_at": (now + timedelta(hours=1)).strftime(fmt),
            "voting_opens_at": (now + timedelta(hours=1)).strftime(fmt),
            "voting_closes_at": (now + timedelta(hours=3)).strftime(fmt),
            "once": once(office, new_url),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    election = Election.objects.get()
    assert election.method == Election.Method.IRV
    page_url = reverse("election", args=[federation.slug, election.pk])
    for member in members[:2]:
        client = logged_in(member)
        response = client.post(
            reverse("election_stand", args=[federation.slug, election.pk]),
            {"public_name": "", "once": once(client, page_url)},
        )
        assert response.status_code == 302
    response = office.post(
        reverse("election_close_nominations", args=[federation.slug, election.pk]),
        {"once": once(office, page_url)},
    )
    assert response.status_code == 302
    tick(timezone.now() + timedelta(hours=1, minutes=1))
    election.refresh_from_db()
    assert election.status == Election.Status.VOTING
    cands = services.standing(election)
    ballot_url = reverse("ballot", args=[federation.slug, election.pk])
    voter = logged_in(members[2])
    # A gap in the ranks is refused with a message, on the same page.
    response = voter.post(
        ballot_url,
        {f"rank-{cands[0].pk}": "2", "once": once(voter, ballot_url)},
    )
    assert response.status_code == 400
    assert "missing: 1" in response.content.decode()
    assert VoteCast.objects.count() == 0
    response = voter.post(
        ballot_url,
        {f"rank-{cands[0].pk}": "1", f"rank-{cands[1].pk}": "2", "once": once(voter, ballot_url)},
    )
    assert response.status_code == 200
    text = response.content.decode()
    code = re.search(r'id="ballot-code">([^<]+)<', text).group(1)
    tracker = re.search(r'id="tracker">([0-9a-f]{64})<', text).group(1)
    # Replacing needs the code; the earlier ballot is replaced, not added to.
    response = voter.post(
        ballot_url,
        {f"rank-{cands[1].pk}": "1", "code": code.lower(), "once": once(voter, ballot_url)},
    )
    assert response.status_code == 200
    assert "replaced" in response.content.decode()
    assert ballot_says(Ballot.objects.get(tracker=tracker)) == [cands[1].pk]
    other = logged_in(members[0])
    other.post(
        ballot_url,
        {f"rank-{cands[1].pk}": "1", "once": once(other, ballot_url)},
    )
    assert "2 of 3" in other.get(page_url).content.decode()
    tick(timezone.now() + timedelta(hours=4))
    page = english(Client()).get(page_url).content.decode()
    assert 'id="stage-table"' in page
    assert "First preferences" in page
    spanish = Client().get(page_url).content.decode()
    assert "Primeras preferencias" in spanish and "First preferences" not in spanish
    assert cands[1].public_name in re.search(r'<ol id="elected">(.*?)</ol>', page, re.S).group(1)
    found = english(Client()).get(
        reverse("election_tracker", args=[federation.slug, election.pk]), {"tracker": tracker}
    )
    assert 'id="tracker-found"' in found.content.decode()
    council = body(federation, "prov-a1")
    council_page = Client().get(reverse("body", args=[federation.slug, council.slug]))
    assert cands[1].public_name in council_page.content.decode()
    # In the council, those who may be nominated are named as their seats are published.
    from asamblea.elections.models import Seat
    from asamblea.elections.views import _nominees

    seat_names = Seat.objects.filter(delegation__council=council, status=Seat.Status.HELD)
    assert {name for _pk, name in _nominees(council)} == set(
        seat_names.values_list("public_name", flat=True)
    )


def test_the_ballot_speaks_spanish_by_default(federation):
    from elections.helpers import open_election

    members = voters(federation, "base-1", 2)
    election = open_election(federation, seats=1)
    for member in members:
        services.do_stand(member, election)
    services.do_open_voting(election)
    client = logged_in(members[0], "es")
    page = client.get(reverse("ballot", args=[federation.slug, election.pk])).content.decode()
    assert "Emitir mi voto" in page and "Su cédula" in page
    response = client.post(
        reverse("ballot", args=[federation.slug, election.pk]),
        {"once": once(client, reverse("ballot", args=[federation.slug, election.pk]))},
    )
    assert response.status_code == 400
    assert "Marque al menos un candidato." in response.content.decode()


def test_each_stage_is_told_in_the_readers_language():
    from django.utils import translation

    from asamblea.elections.views import _stage_sentence

    surplus = {"kind": "surplus", "subject": ["Ana"], "elected": ["Luz"], "action": "x"}
    exclusion = {"kind": "exclusion", "subject": ["Juan", "Rosa"], "elected": [], "action": "x"}
    with translation.override("es"):
        assert _stage_sentence(surplus, "stv-scottish") == (
            "Transferencia del excedente de Ana; elegidos: Luz"
        )
        assert _stage_sentence(exclusion, "stv-meek") == "Exclusión de Juan, Rosa"
        assert _stage_sentence({"kind": "first"}, "plurality") == "Votos escrutados"
    with translation.override("en"):
        assert _stage_sentence(exclusion, "irv") == "Exclusion of Juan, Rosa"
        # A kind the page does not know keeps the count's own sentence.
        assert _stage_sentence({"kind": "round", "action": "Round 3"}, "x") == "Round 3"
