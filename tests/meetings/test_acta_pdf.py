"""The acta as a PDF (fpdf2): parsed back with pypdf, it holds what the acta's page holds,
on A4 or Letter, the internal copy only for the body's officers, in the reader's language."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from asamblea.meetings import services
from asamblea.meetings.models import Acta
from meetings.helpers import base_meeting, check_in
from support.factories import make_officer
from support.language import english, in_language

pytestmark = pytest.mark.django_db

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
# Letters of Spanish, Quechua and Aymara: ñ, the right quotation mark and the modifier
# letter apostrophe (written as escapes: they look like other quotes), ä, ï, ü.
NOTES = "Se acordó el comedor. Ñuqanchik\u2019 jach\u02bca ä ï ü"


def client_for(user=None, language: str = "en") -> Client:
    client = english(Client()) if language == "en" else in_language(Client(), language)
    if user is not None:
        client.force_login(user)
    return client


def closed_meeting(federation):
    """A meeting with a motion passed by a show of hands, a speaker, notes and both
    officers' signatures: its acta is on the record."""
    room, officer, users, motion = base_meeting(federation)
    second = make_officer(federation, "base-2", "presidenta")
    check_in(room, users[:5])
    services.do_ask_for_floor(users[0], room)
    services.do_next_speaker(officer, room)
    vote = services.do_open_room_vote(officer, room, motion)
    services.do_enter_count(officer, vote, 4, 1, 0)
    services.do_enter_count(second, vote, 4, 1, 0)
    acta = services.do_close_meeting(officer, room, NOTES)
    services.do_sign_acta(officer, acta, "María Secretaria")
    services.do_sign_acta(second, acta, "Rosa Presidenta")
    return room, officer, users


def pdf_url(room, query: str = "") -> str:
    return f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/acta/pdf/{query}"


def read(response) -> tuple[str, tuple[float, float], PdfReader]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, (round(float(box.width), 2), round(float(box.height), 2)), reader


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_internal_pdf_holds_the_acta_with_names_on_letter(federation):
    room, officer, _users = closed_meeting(federation)
    acta = Acta.objects.get(room=room)
    response = client_for(officer).get(pdf_url(room, "?paper=letter"))
    text, size, reader = read(response)
    assert size == LETTER
    assert "no-store" in response["Cache-Control"]
    assert "internal" in response["Content-Disposition"]
    words = flat(text)
    assert "Comedor popular" in words  # the motion's title
    assert "Passed (yes 4, no 1, abstain 0)" in words
    assert "in 2 counts" in words or "in 1 count" in words
    assert "Checked in: 5" in words
    assert "Socia 0" in words  # the attendees and the speaker, by name
    assert "Internal copy: with names" in words
    assert "María Secretaria" in words and "Rosa Presidenta" in words
    assert "on the public record" in words
    assert acta.public_hash in text.replace("\n", "")
    # The notes' letters of Spanish, Quechua and Aymara come through the embedded font.
    assert NOTES in words
    assert reader.metadata is not None and reader.metadata.title == "Acta: Asamblea ordinaria"


def test_the_public_pdf_has_no_members_names_and_defaults_to_a4(federation):
    room, officer, _users = closed_meeting(federation)
    for client, query in ((client_for(), ""), (client_for(officer), "?copy=public")):
        response = client.get(pdf_url(room, query))
        text, size, _reader = read(response)
        assert size == A4
        words = flat(text)
        assert "Socia" not in words  # not the attendees, not the speaker
        assert "A member" in words  # the speaker, as the page shows them
        assert "Comedor popular" in words and "Public copy" in words
        # The officers sign under the names they chose to publish.
        assert "María Secretaria" in words and "Rosa Presidenta" in words
        assert "public" in response["Content-Disposition"]


def test_only_officers_get_the_internal_pdf_and_a_missing_acta_is_not_found(federation):
    room, _officer, users = closed_meeting(federation)
    member = client_for(users[0])
    # A member asking for the internal copy gets the public one, as on the page.
    text, _size, _reader = read(member.get(pdf_url(room, "?copy=internal")))
    assert "Socia" not in flat(text) and "Public copy" in flat(text)
    missing = pdf_url(room).replace(f"/{room.meeting_id}/", "/999999/")
    assert client_for().get(missing).status_code == 404


def test_a_meeting_still_in_session_has_no_acta_to_download(federation):
    room, officer, _users, _motion = base_meeting(federation)
    assert client_for(officer).get(pdf_url(room)).status_code == 404


@pytest.mark.parametrize("language", ["qu", "ay", "es"])
def test_the_pdf_speaks_the_readers_language_as_the_page_does(federation, language):
    room, _officer, _users = closed_meeting(federation)
    client = client_for(language=language)
    page = client.get(f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/acta/")
    html = page.content.decode()
    text, _size, _reader = read(client.get(pdf_url(room)))
    words = flat(text)
    with translation.override(language):
        headings = [
            translation.gettext(m)
            for m in ("Attendance", "Agenda and decisions", "Speakers", "Signatures")
        ]
        passed = translation.gettext("Passed")
    assert headings[0] != "Attendance" or language == "en"
    for heading in headings:
        assert heading in html, heading
        assert heading in words, heading
    assert passed in words


def test_the_acta_page_links_its_pdf_on_the_chosen_paper(federation):
    room, officer, _users = closed_meeting(federation)
    page = client_for(officer).get(
        f"/f/{room.meeting.federation.slug}/meetings/{room.meeting_id}/acta/?paper=letter"
    )
    assert "acta/pdf/?paper=letter" in page.content.decode()
    assert "Download the PDF (letter)" in page.content.decode()


def test_a_councils_pdf_names_the_seats_present_by_their_published_names(tree):
    from asamblea.deliberation import services as deliberation
    from asamblea.deliberation.models import Meeting
    from support.factories import body

    federation = tree.federation
    council = body(federation, "prov-a1")
    officer = make_officer(federation, "prov-a1", "secretario")
    motion = deliberation.do_second_motion(
        tree.users["luis"],
        deliberation.do_propose_motion(tree.users["rosa"], council, title="Marcha", text="Sí."),
    )
    meeting = deliberation.do_create_meeting(
        officer, council, title="Consejo", starts_at=motion.created_at, motions=[motion]
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, meeting)
    check_in(room, [tree.users["rosa"], tree.users["luis"]])
    acta = services.do_close_meeting(officer, room)
    seats = [s["delegate"] for s in acta.public["attendance"]["seats_present"]]
    assert len(seats) == 2
    words = flat(read(client_for().get(pdf_url(room)))[0])
    # Delegates acting as such are named in the public copy by their seats' names.
    assert all(seat in words for seat in seats)
    assert "Marcha: not voted in this meeting" in words
    assert "Not signed yet." in words and "on the public record" not in words
