"""The deliberation pages through Django's test client: forms post to the services, the
open vote refreshes itself (htmx fragment, or a meta refresh without JavaScript), and
the constituency page turns a breach into a recall petition in one step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from asamblea.deliberation import services
from asamblea.deliberation.models import Motion, Uptake
from asamblea.recall.models import RecallPetition
from deliberation.helpers import admin
from support.factories import body, make_officer
from support.language import english

pytestmark = pytest.mark.django_db
PASSWORD = "a long test password"


def client_for(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def once(client: Client, url: str) -> str:
    """The one-time token of the first form on the page at `url`."""
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    match = re.search(r'name="once" value="([^"]+)"', page.content.decode())
    assert match, f"no form on {url}"
    return match.group(1)


def post(client: Client, page_url: str, action: str, data: dict | None = None, **kwargs):
    return client.post(action, {"once": once(client, page_url), **(data or {})}, **kwargs)


def test_propose_second_vote_and_close_through_the_pages(tree):
    f = tree.federation
    rosa, vilma = client_for(tree.users["rosa"]), client_for(tree.users["vilma"])
    officer = client_for(make_officer(f, "national"))
    new_url = f"/f/{f.slug}/b/national/motions/new/"
    response = post(
        rosa, new_url, new_url, {"title": "Paro", "text": "Paro de 72 horas", "kind": "motion"}
    )
    assert response.status_code == 302
    motion = Motion.objects.get(title="Paro")
    url = f"/f/{f.slug}/m/{motion.pk}/"
    assert post(vilma, url, url + "second/").status_code == 302
    response = post(
        officer,
        url,
        url + "open/",
        {
            "threshold": "simple",
            "quorum_basis": "seats",
            "quorum_share": "1/2",
            "quorum_strict": "more",
        },
    )
    assert response.status_code == 302
    for client, choice in ((rosa, "yes"), (vilma, "no"), (client_for(tree.users["tito"]), "yes")):
        assert post(client, url, url + "vote/", {"choice": choice}).status_code == 302
    page = rosa.get(url).content.decode()
    assert f'hx-get="/f/test/m/{motion.pk}/live/"' in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>: for phones without JS
    live = rosa.get(url + "live/", headers={"HX-Request": "true"}).content.decode()
    assert "3 of 3 have voted" in live and "yes 2" in live
    assert post(officer, url, url + "close/").status_code == 302
    page = rosa.get(url).content.decode()
    assert "Resolution 1" in page and 'id="outcome">Passed' in page
    # The fragment tells a polling page to reload once the vote is closed.
    assert rosa.get(url + "live/", headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    resolution = rosa.get(f"/f/{f.slug}/b/national/resolutions/1/")
    assert resolution.status_code == 200 and "Paro de 72 horas" in resolution.content.decode()


def test_a_refused_action_shows_a_message_not_a_traceback(tree):
    f = tree.federation
    motion = services.do_propose_motion(
        tree.users["rosa"], body(f, "national"), title="T", text="x"
    )
    plain = client_for(tree.users["plain"])
    url = f"/f/{f.slug}/m/{motion.pk}/"
    page = plain.get(url)
    assert "Second this motion" not in page.content.decode()
    response = plain.post(url + "second/", {"once": "forged"})
    assert response.status_code in (403, 409)
    motion.refresh_from_db()
    assert motion.status == Motion.Status.PROPOSED


def test_the_constituency_page_shows_a_breach_and_opens_a_recall(tree):
    f, users = tree.federation, tree.users
    motion = services.do_second_motion(
        users["vilma"],
        services.do_propose_motion(users["rosa"], body(f, "national"), title="Paro", text="x"),
    )
    vote = services.do_open_mandate_vote(admin(), motion, body(f, "region-a"))
    for name in ("rosa", "luis"):
        services.do_cast_vote(users[name], vote, "yes")
    services.do_close_vote(admin(), vote)
    services.do_open_vote(admin(), motion)
    for name, choice in (("rosa", "yes"), ("tito", "no"), ("vilma", "yes")):
        services.do_cast_vote(users[name], motion, choice)
    services.do_close_vote(admin(), motion)
    luis = client_for(users["luis"])
    body_page = luis.get(f"/f/{f.slug}/b/region-a/").content.decode()
    assert "Mandates broken by our delegates" in body_page and "Tito" in body_page
    mandates_url = f"/f/{f.slug}/b/region-a/mandates/"
    page = luis.get(mandates_url).content.decode()
    assert "broke the mandate" in page and "Open a recall petition" in page
    seat = tree.seats[("tito", "national")]
    response = post(
        luis, mandates_url, f"/f/{f.slug}/b/region-a/mandates/{motion.pk}/recall/{seat.pk}/"
    )
    petition = RecallPetition.objects.get(seat=seat)
    assert response.status_code == 302 and response["Location"].endswith(f"/recall/{petition.pk}/")
    assert "Voted no" in petition.reason
    # Anyone may read it; only the constituency is offered the button.
    public = english(Client()).get(mandates_url).content.decode()
    assert "Open a recall petition" not in public and "Recall petition open" in public


def test_a_referendum_page_live_then_results(tree):
    f, users = tree.federation, tree.users
    motion = services.do_second_motion(
        users["luis"],
        services.do_propose_motion(users["rosa"], body(f, "region-a"), title="R", text="x"),
    )
    referendum = services.do_open_referendum(
        admin(), motion, closes_at=timezone.now() + timedelta(days=1)
    )
    url = f"/f/{f.slug}/r/{referendum.pk}/"
    plain = client_for(users["plain"])
    page = plain.get(url).content.decode()
    assert 'id="referendum-vote"' in page
    response = post(plain, url, url + "vote/", {"choice": "yes"})
    assert response.status_code == 200 and "ballot-code" in response.content.decode()
    live = plain.get(url + "live/").content.decode()
    assert "1 of" in live and "pooled" not in live
    officer = client_for(make_officer(f, "region-a"))
    assert post(officer, url, url + "close/").status_code == 302
    page = plain.get(url).content.decode()
    assert 'id="outcome">Approved' in page
    drill = plain.get(url + "?under=prov-a1").content.decode()
    assert 'data-body="base-1"' in drill


def test_a_call_to_action_page_shows_the_uptake_table(tree):
    f, users = tree.federation, tree.users
    motion = services.do_second_motion(
        users["vilma"],
        services.do_propose_motion(users["rosa"], body(f, "national"), title="Paro", text="x"),
    )
    services.do_open_vote(admin(), motion)
    for name in ("rosa", "vilma"):
        services.do_cast_vote(users[name], motion, "yes")
    motion = services.do_close_vote(admin(), motion)
    officer = client_for(make_officer(f, "national"))
    res_url = f"/f/{f.slug}/b/national/resolutions/1/"
    start = timezone.localtime() + timedelta(minutes=1)
    response = post(
        officer,
        res_url,
        res_url + "call/",
        {
            "title": "Paro de 72 horas",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M"),
            "regions": ["region-a"],
        },
    )
    assert response.status_code == 302
    call_url = response["Location"]
    assert sorted(Uptake.objects.values_list("body__slug", flat=True)) == sorted(
        ["region-a", "prov-a1", "prov-a2", "base-1", "base-2", "union-1", "base-3"]
    )
    base_officer = client_for(make_officer(f, "base-1"))
    calls_url = f"/f/{f.slug}/b/base-1/calls/"
    assert (
        post(
            base_officer,
            calls_url,
            calls_url.replace("calls/", f"calls/{Uptake.objects.first().call_id}/report/"),
            {"acknowledge": "1"},
        ).status_code
        == 302
    )
    page = english(Client()).get(call_url).content.decode()
    assert "7 bodies reached; 1 acknowledged" in page
    # No Peru region codes in the test federation: the table, and no map.
    assert 'id="by-region"' in page and "<svg" not in page


def test_a_meeting_page_lists_its_agenda_and_refreshes_itself(tree):
    f = tree.federation
    officer = make_officer(f, "national")
    motion = services.do_second_motion(
        tree.users["vilma"],
        services.do_propose_motion(tree.users["rosa"], body(f, "national"), title="Uno", text="x"),
    )
    meeting = services.do_create_meeting(
        officer, body(f, "national"), title="Sesión", starts_at=timezone.now(), motions=[motion]
    )
    chair = client_for(officer)
    url = f"/f/{f.slug}/meetings/{meeting.pk}/"
    assert post(chair, url, url + "action/", {"status": "open"}).status_code == 302
    services.do_open_vote(officer, motion)
    services.do_cast_vote(tree.users["rosa"], motion, "yes")
    page = chair.get(url).content.decode()
    assert f'hx-get="{url}live/"' in page and "noscript" in page
    live = chair.get(url + "live/").content.decode()
    assert "Voting now: 1 of 3 have voted" in live and "yes 1, no 0, abstain 0" in live


def test_an_assemblys_vote_is_offered_secret_and_a_councils_open(tree):
    f = tree.federation
    checked = re.compile(r'<input[^>]*name="secret"[^>]*checked')
    for slug, proposer, seconder, secret in [
        ("base-1", "rosa", "luis", True),
        ("national", "rosa", "vilma", False),
    ]:
        officer = make_officer(f, slug)
        motion = services.do_second_motion(
            tree.users[seconder],
            services.do_propose_motion(tree.users[proposer], body(f, slug), title="T", text="x"),
        )
        page = client_for(officer).get(f"/f/{f.slug}/m/{motion.pk}/").content.decode()
        assert bool(checked.search(page)) is secret, slug


@pytest.mark.parametrize("forged", ["abc", "1 OR 1=1", "", "-1"])
def test_a_forged_motion_on_the_agenda_form_is_refused_with_a_message_not_a_500(tree, forged):
    f = tree.federation
    officer = make_officer(f, "national")
    meeting = services.do_create_meeting(
        officer, body(f, "national"), title="Sesión", starts_at=timezone.now(), motions=[]
    )
    url = f"/f/{f.slug}/meetings/{meeting.pk}/"
    answer = post(client_for(officer), url, url + "action/", {"motion": forged})
    assert answer.status_code == 400
    assert "Choose a motion from the list." in answer.content.decode()
    assert forged not in answer.content.decode() or forged in {"", "-1"}


def test_uptake_is_reported_from_the_bodys_calls_page_and_the_call_page_stays_cheap(
    tree, django_assert_max_num_queries
):
    f, users = tree.federation, tree.users
    motion = services.do_second_motion(
        users["vilma"],
        services.do_propose_motion(users["rosa"], body(f, "national"), title="Paro", text="x"),
    )
    services.do_open_vote(admin(), motion)
    for name in ("rosa", "vilma"):
        services.do_cast_vote(users[name], motion, "yes")
    motion = services.do_close_vote(admin(), motion)
    start = timezone.now() - timedelta(hours=1)
    call = services.do_issue_call(
        admin(),
        motion.resolution,
        title="Paro",
        starts_at=start,
        ends_at=start + timedelta(days=3),
        now=start - timedelta(hours=1),
    )
    officer = client_for(make_officer(f, "base-4"))
    calls_url = f"/f/{f.slug}/b/base-4/calls/"
    response = post(
        officer,
        calls_url,
        f"{calls_url}{call.pk}/report/",
        {"status": "partly", "number": "35", "note": "Mitin en la plaza"},
    )
    assert response.status_code == 302
    uptake = Uptake.objects.get(call=call, body__slug="base-4")
    assert (uptake.status, uptake.number, uptake.note) == ("partly", 35, "Mitin en la plaza")
    assert uptake.acknowledged_at is not None
    public = english(Client())
    with django_assert_max_num_queries(12):
        page = public.get(f"/f/{f.slug}/c/{call.pk}/").content.decode()
    assert 'data-body="base-4"' in page and "Mitin en la plaza" in page
