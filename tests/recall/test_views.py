"""Recall pages through Django's test client: who sees and does what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asamblea.elections.models import Seat
from asamblea.recall import services
from asamblea.recall.models import PetitionSignature, RecallPetition
from recall.world import World, recall_ana_at_base
from support.language import english, in_language

pytestmark = pytest.mark.django_db


def client_for(world: World, name: str | None) -> Client:
    # English, so the tests read the messages; Spanish is the default (tested below).
    client = english(Client())
    if name is not None:
        client.force_login(world.users[name])
    return client


def once(page: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', page)
    assert match, "the form carries a one-time token"
    return match.group(1)


def seat_url(world: World, seat: Seat) -> str:
    return reverse("seat", args=[world.federation.slug, seat.pk])


def test_a_member_opens_a_petition_from_the_seat_page_and_another_signs(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    hal = client_for(world, "hal")
    page = hal.get(seat_url(world, seat)).content.decode()
    assert "Open a recall petition" in page
    response = hal.post(
        reverse("recall_open", args=[world.federation.slug, seat.pk]),
        {"reason": "Voted against our mandate on the strike", "once": once(page)},
    )
    assert response.status_code == 302
    petition = RecallPetition.objects.get(seat=seat)
    assert petition.signatures == 1
    ivo = client_for(world, "ivo")
    page = ivo.get(seat_url(world, seat)).content.decode()
    assert "Voted against our mandate on the strike" in page
    assert 'id="sign"' in page
    # With htmx the petition box is swapped in place.
    fragment = ivo.post(
        reverse("recall_sign", args=[world.federation.slug, petition.pk]),
        {"once": once(page)},
        HTTP_HX_REQUEST="true",
    )
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "You have signed" in body and "<html" not in body
    petition.refresh_from_db()
    assert petition.status == RecallPetition.Status.VOTING
    assert 'id="recall-vote"' in body


def test_the_public_sees_the_count_and_the_reason_never_the_signers(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "Broke the mandate")
    anonymous = client_for(world, None).get(seat_url(world, seat)).content.decode()
    assert "Broke the mandate" in anonymous
    assert re.search(r'id="signature-count">1<', anonymous)
    for signer in ["Hal", "hal"]:
        assert signer not in anonymous
    assert 'id="sign"' not in anonymous
    # A member who did not sign is not told who did either.
    jo = client_for(world, "jo").get(seat_url(world, seat)).content.decode()
    assert "Hal" not in jo and "You have signed" not in jo
    # Only the signer is told that they signed.
    hal = client_for(world, "hal").get(seat_url(world, seat)).content.decode()
    assert "You have signed" in hal
    assert PetitionSignature.objects.filter(petition=petition).count() == 1


def test_a_non_member_gets_no_form_and_is_refused_if_they_post(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    bea = client_for(world, "bea")
    page = bea.get(seat_url(world, seat)).content.decode()
    assert "Open a recall petition" not in page
    # A valid one-time token (from the page of Bea's own seat, where she may resign),
    # so what refuses her is the rule, not the token.
    own = bea.get(seat_url(world, world.seat("bea", "base-2", "prov-a1"))).content.decode()
    response = bea.post(
        reverse("recall_open", args=[world.federation.slug, seat.pk]),
        {"reason": "not mine to recall", "once": once(own)},
    )
    assert response.status_code == 403
    assert "Only verified members of Base 1" in response.content.decode()
    assert not RecallPetition.objects.exists()
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    response = bea.post(
        reverse("recall_sign", args=[world.federation.slug, petition.pk]), {"once": once(own)}
    )
    assert response.status_code == 403
    petition.refresh_from_db()
    assert petition.signatures == 1


def test_signing_twice_is_refused_with_a_message(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    from decimal import Decimal

    from asamblea.recall.models import RecallSettings

    RecallSettings.objects.create(federation=world.federation, threshold=Decimal("0.75"))
    petition = services.do_open_recall_petition(world.users["hal"], seat, "reason")
    ivo = client_for(world, "ivo")
    url = reverse("recall_sign", args=[world.federation.slug, petition.pk])
    page = ivo.get(seat_url(world, seat)).content.decode()
    token = once(page)
    assert ivo.post(url, {"once": token}).status_code == 302
    # The same form sent again (a double tap) does nothing.
    assert ivo.post(url, {"once": token}).status_code == 409
    # A fresh form does nothing either: the signature exists.
    page = ivo.get(seat_url(world, seat)).content.decode()
    assert 'id="sign"' not in page
    services_petition = RecallPetition.objects.get(pk=petition.pk)
    assert services_petition.signatures == 2


def test_anonymous_posts_go_to_the_login_page(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    response = client_for(world, None).post(
        reverse("recall_open", args=[world.federation.slug, seat.pk]), {"reason": "x"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_body_page_lists_recallable_delegates_and_the_council_page_the_replacements(
    world: World,
) -> None:
    anonymous = client_for(world, None)
    base = anonymous.get(reverse("body", args=[world.federation.slug, "base-1"])).content.decode()
    assert 'id="recallable"' in base and "Ana" in base
    services.do_vacate_seat(
        world.officers["base-1"], world.seat("ana", "base-1", "prov-a1"), Seat.Reason.EXPELLED
    )
    national = anonymous.get(
        reverse("body", args=[world.federation.slug, "national"])
    ).content.decode()
    changes = national[national.index('id="delegate-changes"') :]
    assert "Ana" in changes and 'class="replacement">Bea<' in changes


def test_a_delegate_resigns_from_their_seat_page(world: World) -> None:
    seat = world.seat("ana", "region-a")
    ana = client_for(world, "ana")
    page = ana.get(seat_url(world, seat)).content.decode()
    assert "Vacate the seat" in page
    assert "The delegate died" not in page  # only officers record a death
    response = ana.post(
        reverse("seat_vacate", args=[world.federation.slug, seat.pk]),
        {"reason": "resigned", "confirm": "on", "once": once(page)},
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.status == Seat.Status.VACATED
    page = ana.get(seat_url(world, seat)).content.decode()
    assert 'id="replacement"' in page and "Dora" in page


def test_someone_else_cannot_vacate_a_seat(world: World) -> None:
    seat = world.seat("ana", "region-a")
    hal: Any = client_for(world, "hal")
    page = hal.get(seat_url(world, seat)).content.decode()
    assert "Vacate the seat" not in page
    # A valid token from a form Hal may use (the petition form on Ana's base seat).
    token = once(hal.get(seat_url(world, world.seat("ana", "base-1", "prov-a1"))).content.decode())
    response = hal.post(
        reverse("seat_vacate", args=[world.federation.slug, seat.pk]),
        {"reason": "resigned", "confirm": "on", "once": token},
    )
    assert response.status_code == 403
    seat.refresh_from_db()
    assert seat.status == Seat.Status.HELD


def test_the_pages_speak_spanish_by_default(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    services.do_open_recall_petition(world.users["hal"], seat, "Rompió el mandato")
    page = in_language(client_for(world, "ivo"), "es").get(seat_url(world, seat))
    text = page.content.decode()
    assert "Firmar la petición" in text
    assert "de 2 firmas necesarias" in text


def test_a_seat_lost_in_the_cascade_names_the_seat_it_rested_on(world: World) -> None:
    base_seat = world.seat("ana", "base-1", "prov-a1")
    provincial = world.seat("ana", "prov-a1", "region-a")
    recall_ana_at_base(world)
    text = in_language(Client(), "es").get(seat_url(world, provincial)).content.decode()
    cause = re.search(r"Se perdió porque Ana perdió (.*?)</p>", text, re.S)
    assert cause, text
    said = re.sub(r"<[^>]+>", "", cause.group(1))
    # Not "…perdió el escaño del que dependía: el escaño del que dependía."
    assert said.count("del que dependía") == 1
    link = f'href="{seat_url(world, base_seat)}"'
    assert link in cause.group(1)
    assert f"{base_seat.delegation.source.name} → {base_seat.delegation.council.name}" in said


def test_the_recall_ballot_says_who_and_why_and_the_receipt_says_the_choice_in_spanish(
    world: World,
) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "Votó contra el mandato")
    petition = services.do_sign_petition(world.users["ivo"], petition)
    assert petition.election is not None
    jo = in_language(Client(), "es")
    jo.force_login(world.users["jo"])
    ballot_url = reverse("ballot", args=[world.federation.slug, petition.election.pk])
    page = jo.get(ballot_url).content.decode()
    subject = page.split('id="recall-subject"', 1)[1].split("</section>", 1)[0]
    assert "Ana" in subject
    assert f"{seat.delegation.council.name}, por {seat.delegation.source.name}" in subject
    assert "Votó contra el mandato" in subject
    assert "¿Se revoca a Ana?" in page
    receipt = jo.post(ballot_url, {"choice": "yes", "once": once(page)}).content.decode()
    chose = receipt.split('id="you-chose"', 1)[1].split("</ol>", 1)[0]
    assert "Sí, revocar" in chose and "yes" not in chose


def test_a_recall_vote_cancelled_by_the_seat_falling_says_why_in_spanish(world: World) -> None:
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = services.do_open_recall_petition(world.users["hal"], seat, "Votó contra el mandato")
    petition = services.do_sign_petition(world.users["ivo"], petition)
    services.do_vacate_seat(world.users["ana"], seat, "resigned")
    assert petition.election is not None
    page = in_language(Client(), "es").get(
        reverse("election", args=[world.federation.slug, petition.election.pk])
    )
    text = page.content.decode()
    assert "Esta elección fue anulada." in text
    assert "el escaño quedó vacante antes de que cerrara la votación de revocatoria" in text
    assert "the seat was vacated" not in text
