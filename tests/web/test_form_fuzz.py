"""Fuzzing the web forms: malformed and huge posts never answer 5xx, never show a traceback,
and never leave a form's work half-written.

Each form is posted by the role it is for, with field values drawn by hypothesis: the
form's own field names (read from its page) and a few it does not have, each given
huge text (100k characters), NUL and control characters, bytes that are not UTF-8 (the
body is sent raw, as a hostile client would), numbers of the wrong kind, forged ids
(negative, 2**70, another body's objects), fields missing or sent twice, and the page's
one-time token, a spent one or a made-up one. After each post the rows of the tables the
form writes have either stayed as they were or changed by the one whole change the form
makes (a join adds a Person *and* its Membership; a vote adds a ballot *and* its cast).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import (
    Comment,
    Motion,
    MotionCast,
    MotionOption,
    MotionVote,
    ReferendumRoll,
)
from asamblea.elections import services as elections
from asamblea.elections.models import Ballot, Candidacy, Election, VoteCast
from asamblea.federation.models import Membership, Person
from asamblea.meetings.models import Attendance, Room, RoomVote, Speaker
from asamblea.notices.models import NoticeChoice
from asamblea.recall import services as recall
from asamblea.recall.models import PetitionSignature, RecallPetition
from deliberation.helpers import member, seat_delegates
from elections.helpers import open_election
from meetings.helpers import base_meeting, check_in
from support.factories import MembershipFactory, body, make_federation, make_officer, site_admin
from support.formfuzz import FORGED_IDS, ONCE, Form, client_for, counts, fuzz_form


def world(kind: str) -> Form:
    """The federation, people and objects the form `kind` needs, and the form itself."""
    f = make_federation()
    other = MembershipFactory(body=body(f, "base-3"), full_name="Otra Persona")
    officer = make_officer(f, "base-1", "oficial")
    socia = member(f, "base-1", "socia")
    ids = [other.pk, other.person.pk]
    if kind == "join":
        url = f"/f/{f.slug}/b/base-1/join/"
        valid = {"full_name": "Ana Quispe", "phone": "+51 900 111 222"}
        valid["sector"] = str(body(f, "base-1").sector_id)
        return Form(client_for(None), url, url, (Person, Membership), ids=ids, valid=valid)
    if kind == "login":
        valid = {"username": "socia", "password": "no es la clave"}
        return Form(client_for(None), "/accounts/login/", "/accounts/login/", (), valid=valid)
    if kind == "activate":
        url = "/accounts/activate/"
        return Form(client_for(None), url, url, (), ids=ids)
    if kind == "decide":
        applicant = MembershipFactory(body=body(f, "base-1"), full_name="Aspirante", pending=True)
        page = f"/f/{f.slug}/b/base-1/members/"
        action = f"/f/{f.slug}/b/base-1/members/{applicant.pk}/decide/"
        return Form(
            client_for(officer),
            page,
            action,
            (),
            also=(Membership,),
            ids=ids,
            valid={"action": "verify", "reason": ""},
        )
    if kind in ("stand", "ballot", "nominate"):
        election = open_election(f, officer=officer, method="plurality")
        page = f"/f/{f.slug}/e/{election.pk}/"
        if kind == "nominate":
            luis = member(f, "base-1", "luis")
            valid = {"person": str(Person.objects.get(user=luis).pk)}
            return Form(
                client_for(socia), page, page + "nominate/", (Candidacy,), ids=ids, valid=valid
            )
        if kind == "stand":
            valid = {"public_name": "Socia"}
            return Form(
                client_for(socia), page, page + "stand/", (Candidacy,), ids=ids, valid=valid
            )
        elections.do_stand(member(f, "base-1", "luis"), election, public_name="Luis")
        elections.do_open_voting(election)
        cands = list(Candidacy.objects.filter(election=election).values_list("pk", flat=True))
        return Form(
            client_for(socia),
            page + "ballot/",
            page + "ballot/",
            (Ballot, VoteCast),
            ids=ids + cands,
            valid={"choice": str(cands[0])},
        )
    if kind in ("motion_new", "comment", "motion_vote", "referendum_vote"):
        url = f"/f/{f.slug}/b/base-1/motions/new/"
        if kind == "motion_new":
            valid = {"title": "Paro", "text": "Paro de 72 horas", "kind": "motion"}
            return Form(
                client_for(socia), url, url, (Motion,), also=(MotionOption,), ids=ids, valid=valid
            )
        motion = deliberation.do_propose_motion(
            socia, body(f, "base-1"), title="Olla común", text="Texto."
        )
        page = f"/f/{f.slug}/m/{motion.pk}/"
        if kind == "referendum_vote":
            luis = member(f, "base-1", "luis")
            seat_delegates(f, "base-1", "prov-a1", [socia, luis])
            motion = deliberation.do_propose_motion(
                socia, body(f, "prov-a1"), title="Paro regional", text="Texto."
            )
            deliberation.do_second_motion(luis, motion)
            referendum = deliberation.do_open_referendum(
                site_admin(), motion, closes_at=timezone.now() + timedelta(days=1)
            )
            page = f"/f/{f.slug}/r/{referendum.pk}/"
            return Form(
                client_for(socia),
                page,
                page + "vote/",
                (),
                also=(ReferendumRoll,),
                ids=ids,
                valid={"choice": "yes"},
            )
        if kind == "comment":
            valid = {"text": "De acuerdo."}
            return Form(
                client_for(socia), page, page + "comment/", (Comment,), ids=ids, valid=valid
            )
        deliberation.do_second_motion(member(f, "base-1", "luis"), motion)
        deliberation.do_open_vote(officer, motion)
        return Form(
            client_for(socia),
            page,
            page + "vote/",
            (MotionCast,),
            also=(MotionVote,),
            ids=ids,
            valid={"choice": "yes"},
        )
    if kind == "recall_open":
        seat = seat_delegates(f, "base-1", "prov-a1", [socia])[0]
        page = f"/f/{f.slug}/seats/{seat.pk}/"
        return Form(
            client_for(member(f, "base-1", "luis")),
            page,
            page + "recall/",
            (RecallPetition,),
            ids=ids,
            valid={"reason": "Faltó a tres asambleas."},
        )
    if kind in ("recall_sign", "recall_vote"):
        seat = seat_delegates(f, "base-1", "prov-a1", [socia])[0]
        if kind == "recall_sign":  # enough members that one signature does not open the vote
            for n in range(8):
                member(f, "base-1", f"miembro-{n}")
        luis, rosa = member(f, "base-1", "luis"), member(f, "base-1", "rosa")
        petition = recall.do_open_recall_petition(luis, seat, "Faltó a tres asambleas.")
        if kind == "recall_vote":  # the one signature was enough: the recall vote is open
            page = f"/f/{f.slug}/e/{Election.objects.latest('pk').pk}/ballot/"
            valid = {"choice": "yes"}
            return Form(client_for(rosa), page, page, (Ballot, VoteCast), ids=ids, valid=valid)
        page = f"/f/{f.slug}/seats/{seat.pk}/"
        action = f"/f/{f.slug}/recall/{petition.pk}/sign/"
        return Form(client_for(rosa), page, action, (PetitionSignature,), ids=ids)
    if kind == "own_details":
        valid = {"full_name": "Socia Nueva", "phone": "", "email": ""}
        return Form(client_for(socia), "/me/data/", "/me/data/details/", (), ids=ids, valid=valid)
    if kind == "notice_preferences":
        url = "/me/notices/"
        return Form(client_for(socia), url, url, (), also=(NoticeChoice,), ids=ids)
    if kind in ("room_action", "meeting_action"):
        room, secretaria, users, motion = base_meeting(f)
        check_in(room, users[:4])
        meeting = room.meeting
        page = f"/f/{f.slug}/meetings/{meeting.pk}/room/"
        ids += [motion.pk, *(u.pk for u in users)]
        if kind == "room_action":
            return Form(
                client_for(secretaria),
                page,
                page + "action/",
                (),
                also=(Room, Attendance, RoomVote, Speaker),
                ids=ids,
            )
        page = f"/f/{f.slug}/meetings/{meeting.pk}/"
        valid = {"motion": str(motion.pk)}
        return Form(client_for(secretaria), page, page + "action/", (), ids=ids, valid=valid)
    raise AssertionError(kind)


FORMS = [
    "join",
    "login",
    "activate",
    "decide",
    "stand",
    "nominate",
    "ballot",
    "motion_new",
    "comment",
    "motion_vote",
    "referendum_vote",
    "recall_open",
    "recall_sign",
    "recall_vote",
    "own_details",
    "notice_preferences",
    "room_action",
    "meeting_action",
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FORMS)
def test_no_form_answers_5xx_or_leaves_work_half_done(kind: str) -> None:
    fuzz_form(world(kind), kind)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "name"),
    [("nominate", "person"), ("ballot", "choice"), ("meeting_action", "motion")],
)
def test_a_forged_id_is_refused_not_a_server_error(kind: str, name: str) -> None:
    form = world(kind)
    for value in FORGED_IDS:
        match = ONCE.search(form.client.get(form.page).content)
        assert match, kind
        before = counts(form.together)
        response = form.client.post(
            form.action, {**form.valid, name: value, "once": match.group(1).decode()}
        )
        assert 400 <= response.status_code < 500, (kind, value, response.status_code)
        assert counts(form.together) == before
