"""Share buttons and link previews on the public pages that matter (an open election, a
recall petition, a referendum, a call to action): plain links to WhatsApp and Telegram
with the page's address and one line of text, OpenGraph and Twitter tags for the
preview, and no personal data in any of it (names, phones, e-mails, who signed, a
petition's free-text reason)."""

from __future__ import annotations

import html
import re
import urllib.parse

import pytest
from django.test import Client

from asamblea.deliberation.models import CallToAction, Referendum
from asamblea.elections import services as elections
from asamblea.federation.models import Federation, Person
from deliberation.helpers import member, seat_delegates
from elections.helpers import open_election
from support.factories import make_federation, make_officer
from support.fixtures import english, fast_passwords
from support.language import english as in_english

NAME, PHONE, EMAIL = "Rosa Huamán Quispe", "+51987654321", "rosa@example.org"
PUBLIC_NAME = "Rosa H. Q."
__all__ = ["english", "fast_passwords"]  # autouse fixtures, for this module's tests


def shared(page: str) -> dict[str, str]:
    """What leaves the site when the page is shared: the preview tags and the links."""
    found = {
        key: html.unescape(value)
        for key, value in re.findall(
            r'<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">', page
        )
    }
    share = re.search(r'<p class="share[^"]*" id="share">(.*?)</p>', page, re.S)
    assert share is not None, "the page has share links"
    for name in ("whatsapp", "telegram"):
        link = re.search(rf'id="share-{name}" href="([^"]+)"', share.group(1))
        assert link is not None
        found[name] = html.unescape(link.group(1))
    return found


def assert_no_personal_data(found: dict[str, str], *private: str) -> None:
    readable = " ".join(urllib.parse.unquote_plus(value) for value in found.values())
    for value in private:
        assert value not in readable, f"{value!r} leaks into a shared text or preview"


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


def test_an_open_election_can_be_shared_with_a_preview_and_no_names(
    federation: Federation,
) -> None:
    rosa = member(federation, "base-1", "rosa", name=NAME, phone=PHONE, email=EMAIL)
    election = open_election(federation, "base-1")
    elections.do_stand(rosa, election, public_name=PUBLIC_NAME)
    elections.do_open_voting(election)
    page = in_english(Client()).get(f"/f/test/e/{election.pk}/").content.decode()
    found = shared(page)
    url = f"http://testserver/f/test/e/{election.pk}/"
    assert found["og:url"] == url
    assert found["og:title"] == "Delegates to Province A1 · Base 1"
    assert found["og:description"].startswith("Vote until ")
    assert found["twitter:card"] == "summary"
    assert found["whatsapp"] == "https://wa.me/?" + urllib.parse.urlencode(
        {"text": f"{found['og:description']} {url}"}
    )
    telegram = urllib.parse.parse_qs(urllib.parse.urlsplit(found["telegram"]).query)
    assert found["telegram"].startswith("https://t.me/share/url?")
    assert telegram == {"url": [url], "text": [found["og:description"]]}
    assert_no_personal_data(found, NAME, PHONE, EMAIL, PUBLIC_NAME, "rosa")


def test_a_cancelled_election_offers_no_share_buttons(federation: Federation) -> None:
    officer = make_officer(federation, "base-1", "officer-cancels")
    election = open_election(federation, "base-1", officer=officer)
    elections.do_cancel_election(officer, election, "Opened by mistake")
    page = in_english(Client()).get(f"/f/test/e/{election.pk}/").content.decode()
    assert 'id="share"' not in page and "og:title" not in page


def test_a_recall_petition_is_shared_without_the_delegate_the_reason_or_the_signers(
    federation: Federation,
) -> None:
    from asamblea.recall.services import do_open_recall_petition

    rosa = member(federation, "base-1", "rosa", name=NAME, phone=PHONE, email=EMAIL)
    luis = member(federation, "base-1", "luis", name="Luis Mamani Condori")
    for number in range(5):
        member(federation, "base-1", f"extra-{number}")
    [seat] = seat_delegates(federation, "base-1", "prov-a1", [rosa], [PUBLIC_NAME])
    reason = "Rosa did not report back to the assembly"
    petition = do_open_recall_petition(luis, seat, reason)
    response = in_english(Client()).get(f"/f/test/recall/{petition.pk}/", follow=True)
    found = shared(response.content.decode())
    assert found["og:url"] == f"http://testserver/f/test/recall/{petition.pk}/"
    assert found["og:title"] == "Recall petition in Base 1"
    assert "1 of 2" in found["og:description"]
    assert_no_personal_data(
        found, NAME, PHONE, EMAIL, PUBLIC_NAME, reason, "Luis Mamani Condori", "Rosa"
    )


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def first_of(demo: Federation, kind: str) -> str:
    """The page of the demo's first referendum ("r") or call to action ("c"): by the
    lowest number, since PostgreSQL's numbers need not start at 1 in the demo's copy."""
    model = {"r": Referendum, "c": CallToAction}[kind]
    first = model.objects.filter(federation=demo).order_by("pk").first()
    assert first is not None
    return f"/f/peru/{kind}/{first.pk}/"


@pytest.mark.parametrize("kind", ["r", "c"], ids=["referendum", "call"])
def test_the_demo_referendum_and_call_are_shared_with_no_personal_data(
    demo: Federation, kind: str
) -> None:
    path = first_of(demo, kind)
    page = in_english(Client()).get(path).content.decode()
    found = shared(page)
    assert found["og:url"] == f"http://testserver{path}"
    assert found["og:title"] and found["og:description"]
    people = list(Person.objects.filter(federation=demo))  # names are encrypted: read them all
    private = [p.full_name for p in people if p.full_name] + [p.phone for p in people if p.phone]
    assert len(private) > 500
    assert_no_personal_data(found, *private)
