"""The federation's recall rules page: everyone reads the rules in force in plain words;
a federation administrator changes them there, and nobody else can."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from asamblea.federation.models import Federation
from asamblea.recall import services
from asamblea.recall.models import RecallPetition, RecallSettings
from asamblea.record.models import Entry
from recall.world import World
from support.factories import (
    FederationAdminFactory,
    MembershipFactory,
    UserFactory,
    body,
    make_federation,
    make_officer,
    make_user,
)
from support.language import english, in_language
from support.second_factor import log_in_verified

pytestmark = pytest.mark.django_db

CHANGED = {
    "threshold": "12.5",
    "quorum": "40",
    "majority": "60",
    "refill": "by-election",
    "petition_days": "14",
    "vote_days": "5",
    "by_election_nomination_days": "10",
    "by_election_vote_days": "3",
}


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


@pytest.fixture
def admin(federation: Federation) -> Any:
    return FederationAdminFactory(federation=federation, user__username="fed-admin").user


def client_for(user: Any = None, language: str = "en") -> Client:
    client = in_language(Client(), language) if language != "en" else english(Client())
    if user is not None:
        # Administrators act only after giving their second factor.
        log_in_verified(client, user)
    return client


def member_of(federation: Federation, body_slug: str) -> Any:
    user = UserFactory(username="hal")
    MembershipFactory(body=body(federation, body_slug), full_name="Hal", user=user)
    return user


def rules_url(federation: Federation) -> str:
    return reverse("recall_rules", args=[federation.slug])


def once(page: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', page)
    assert match, "the form carries a one-time token"
    return match.group(1)


def text(page: str) -> str:
    """The page's words, without tags or line breaks, to read sentences across markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def settings_entries(federation: Federation) -> list[dict[str, Any]]:
    return [
        json.loads(e.payload)
        for e in Entry.objects.filter(federation=federation, type="recall.settings").order_by(
            "index"
        )
    ]


def field_error(page: str, name: str) -> str:
    """The error shown in the form next to field `name` ("" if none)."""
    match = re.search(rf'id="error-{name}">(.*?)</div>', page, re.S)
    return text(match.group(1)) if match else ""


def test_anyone_reads_the_default_rules_in_plain_words_without_the_form(
    federation: Federation,
) -> None:
    response = client_for().get(rules_url(federation))
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "A recall vote opens when 25% of the constituency's verified members have signed" in page
    assert (
        "It passes when more than 50% of the valid votes say yes and at least 50% of the "
        "roll voted." in page
    )
    assert "The seat is refilled by countback" in page
    assert "A petition collects signatures for 30 days." in page
    assert "open for 7 days." in page
    assert "A by-election takes candidates for 7 days. Then its vote is open for 7 days." in page
    assert "a petition already open keeps the number of signatures it needs" in page
    assert 'id="rules-form"' not in response.content.decode()
    assert not RecallSettings.objects.exists()


def test_an_administrator_changes_the_rules_and_the_page_shows_them(
    federation: Federation, admin: Any
) -> None:
    client = client_for(admin)
    page = client.get(rules_url(federation)).content.decode()
    # The form shows the rules in force, shares as percentages.
    assert re.search(r'name="threshold"[^>]*value="25"', page)
    assert re.search(r'name="petition_days"[^>]*value="30"', page)
    response = client.post(rules_url(federation), {**CHANGED, "once": once(page)})
    assert response.status_code == 302
    assert response["Location"] == rules_url(federation)

    rules = RecallSettings.objects.get(federation=federation)
    assert (rules.threshold, rules.quorum, rules.majority) == (
        Decimal("0.125"),
        Decimal("0.4"),
        Decimal("0.6"),
    )
    assert rules.refill == RecallSettings.Refill.BY_ELECTION
    assert (
        rules.petition_days,
        rules.vote_days,
        rules.by_election_nomination_days,
        rules.by_election_vote_days,
    ) == (14, 5, 10, 3)
    [entry] = settings_entries(federation)
    assert Decimal(entry["threshold"]) == Decimal("0.125")
    assert entry["refill"] == "by-election"
    assert entry["by_election_vote_days"] == 3

    shown = client.get(rules_url(federation)).content.decode()
    assert "The recall rules are changed" in shown
    words = text(shown)
    assert "A recall vote opens when 12.5% of the constituency's verified members" in words
    assert "more than 60% of the valid votes say yes and at least 40% of the roll voted" in words
    assert "The seat is refilled by a by-election in the constituency." in words
    assert "A petition collects signatures for 14 days." in words
    assert "open for 5 days." in words
    assert "A by-election takes candidates for 10 days. Then its vote is open for 3 days." in words
    assert re.search(r'name="threshold"[^>]*value="12.5"', shown)
    # Everyone else reads the same rules.
    anonymous = text(client_for().get(rules_url(federation)).content.decode())
    assert "A recall vote opens when 12.5%" in anonymous


@pytest.mark.parametrize("who", ["officer", "member", "anonymous"])
def test_nobody_but_an_administrator_sees_the_form_or_changes_the_rules(
    federation: Federation, who: str
) -> None:
    user = {
        "officer": lambda: make_officer(federation, "base-1"),
        "member": lambda: member_of(federation, "base-1"),
        "anonymous": lambda: None,
    }[who]()
    client = client_for(user)
    page = client.get(rules_url(federation)).content.decode()
    assert 'id="rules-form"' not in page
    response = client.post(rules_url(federation), {**CHANGED, "once": "a-token"})
    assert response.status_code == 403
    assert "Only an administrator of the federation can do this." in response.content.decode()
    assert 'id="rules-form"' not in response.content.decode()
    assert not RecallSettings.objects.exists()
    assert settings_entries(federation) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("threshold", "0", "Enter a percentage of at least 1.", id="threshold-zero"),
        pytest.param(
            "threshold", "101", "Enter a percentage of at most 100.", id="threshold-above-100"
        ),
        pytest.param(
            "threshold", "0.25", "Enter a percentage of at least 1.", id="threshold-as-a-share"
        ),
        pytest.param(
            "quorum", "half", "Enter a percentage as a number, for example 25.", id="quorum-word"
        ),
        pytest.param(
            "majority",
            "100",
            "“Yes” can never be more than all the votes: enter less than 100.",
            id="majority-100",
        ),
        pytest.param("petition_days", "-3", "Enter at least 1 day.", id="negative-days"),
        pytest.param("vote_days", "0", "Enter at least 1 day.", id="zero-days"),
        pytest.param(
            "by_election_vote_days", "2.5", "Enter a whole number of days", id="half-a-day"
        ),
        pytest.param(
            "by_election_nomination_days", "1000", "Enter at most 365 days.", id="too-many-days"
        ),
        pytest.param(
            "refill",
            "lottery",
            "Select a valid choice. lottery is not one of the available choices.",
            id="unknown-refill",
        ),
    ],
)
def test_invalid_values_are_refused_next_to_their_field_and_nothing_changes(
    federation: Federation, admin: Any, field: str, value: str, message: str
) -> None:
    client = client_for(admin)
    token = once(client.get(rules_url(federation)).content.decode())
    response = client.post(rules_url(federation), {**CHANGED, field: value, "once": token})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in field_error(page, field)
    # What was typed stays in the form, to be corrected.
    if field != "refill":
        assert f'value="{value}"' in page
    assert not RecallSettings.objects.exists()
    assert settings_entries(federation) == []
    # The refused form did not use its token up: corrected, it goes through.
    response = client.post(rules_url(federation), {**CHANGED, "once": token})
    assert response.status_code == 302
    assert len(settings_entries(federation)) == 1


def test_field_messages_speak_spanish_by_default(federation: Federation, admin: Any) -> None:
    client = client_for(admin, language="es")
    page = client.get(rules_url(federation)).content.decode()
    assert "Reglas de revocatoria" in page
    response = client.post(rules_url(federation), {**CHANGED, "threshold": "0", "once": once(page)})
    assert response.status_code == 400
    assert "Ingrese un porcentaje de al menos 1." in field_error(
        response.content.decode(), "threshold"
    )


def test_the_same_form_sent_twice_is_done_once(federation: Federation, admin: Any) -> None:
    client = client_for(admin)
    token = once(client.get(rules_url(federation)).content.decode())
    assert client.post(rules_url(federation), {**CHANGED, "once": token}).status_code == 302
    again = client.post(rules_url(federation), {**CHANGED, "threshold": "30", "once": token})
    assert again.status_code == 409
    assert "already sent" in again.content.decode()
    assert RecallSettings.objects.get(federation=federation).threshold == Decimal("0.125")
    assert len(settings_entries(federation)) == 1


def test_a_superuser_is_an_administrator_of_every_federation(federation: Federation) -> None:
    root = make_user("root-user")
    root.is_superuser = True
    root.save()
    client = client_for(root)
    page = client.get(rules_url(federation)).content.decode()
    assert 'id="rules-form"' in page
    response = client.post(rules_url(federation), {**CHANGED, "once": once(page)})
    assert response.status_code == 302


def test_the_federation_page_links_to_the_rules(federation: Federation) -> None:
    page = client_for().get(reverse("federation", args=[federation.slug])).content.decode()
    assert f'href="{rules_url(federation)}"' in page
    assert "a recall vote opens when 25% of them have signed" in text(page)


def test_seat_and_assembly_pages_link_to_the_rules_and_open_petitions_keep_their_threshold(
    world: World,
) -> None:
    federation = world.federation
    seat = world.seat("ana", "base-1", "prov-a1")
    client = client_for(world.users["hal"])
    seat_page = client.get(reverse("seat", args=[federation.slug, seat.pk])).content.decode()
    assert f'href="{rules_url(federation)}"' in seat_page
    body_page = client.get(reverse("body", args=[federation.slug, "base-1"])).content.decode()
    assert f'href="{rules_url(federation)}"' in body_page

    petition = services.do_open_recall_petition(world.users["hal"], seat, "Broke the mandate")
    needed = petition.threshold
    root = client_for(get_user_model().objects.get(username="root"))
    page = root.get(rules_url(federation)).content.decode()
    response = root.post(rules_url(federation), {**CHANGED, "threshold": "90", "once": once(page)})
    assert response.status_code == 302
    petition = RecallPetition.objects.get(pk=petition.pk)
    assert petition.threshold == needed
    assert services.recall_settings(federation).threshold == Decimal("0.9")
