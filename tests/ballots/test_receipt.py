"""The one receipt page of every secret vote."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.test import RequestFactory

from asamblea.ballots.box import CastReceipt

RECEIPT = CastReceipt("ABCD-EFGH-IJKL-MNOP-QRST-UVWX", "ab" * 32)


def render(**context):
    request = RequestFactory().get("/")
    return render_to_string(
        "ballots/receipt.html",
        {"vote_title": "Delegates", "vote_url": "/v/", "back_label": "Back", **context},
        request=request,
    )


def test_the_receipt_shows_the_code_once_and_the_tracker(db):
    page = render(receipt=RECEIPT)
    assert re.search(r'id="ballot-code">ABCD-EFGH-IJKL-MNOP-QRST-UVWX<', page)
    assert f'id="tracker">{RECEIPT.tracker}<' in page
    assert "Your ballot was cast" in page and 'id="you-chose"' not in page
    assert "?tracker=" not in page  # no page to look it up: none is linked


def test_the_receipt_of_a_replaced_ballot_says_so_and_links_the_lookup(db):
    replaced = CastReceipt(RECEIPT.ballot_code, RECEIPT.tracker, replaced=True)
    page = render(receipt=replaced, chosen=["Ana", "Luis"], tracker_url="/t/")
    assert "Your ballot was replaced" in page
    assert re.findall(r"<li>([^<]+)</li>", page.split('id="you-chose"')[1]) == ["Ana", "Luis"]
    assert f'href="/t/?tracker={RECEIPT.tracker}"' in page


def test_the_receipt_says_what_the_tracker_proves_and_what_it_does_not(db):
    from django.utils import translation

    page = render(receipt=RECEIPT)
    said = page.split('id="tracker-proves">')[1].split("</p>")[0]
    assert said == (
        "The tracker proves that your ballot is among those counted, not what it says: "
        "it shows no one, not even you, how you voted."
    )
    with translation.override("es"):
        page = render(receipt=RECEIPT)
    said = page.split('id="tracker-proves">')[1].split("</p>")[0]
    assert said == (
        "El rastreador prueba que su voto está entre los contados, no lo que dice: "
        "no muestra a nadie, ni siquiera a usted, cómo votó."
    )
