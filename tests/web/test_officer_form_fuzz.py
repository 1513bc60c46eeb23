"""Fuzzing the officers' forms and the member's last steps (tests/web/test_form_fuzz.py has
the members' everyday forms): a new election, the recall rules, a meeting's room set-up,
tellers, votes in the room and speakers, a motion's steps, the second factor and passkey
forms, the acta's signature, check-in, leaving and deleting one's own data, rejecting an
application with a reason, and a new activation code.

Each is posted by the role it is for with hostile bodies drawn by hypothesis (huge text,
NUL and control characters, bytes that are not UTF-8, forged ids: negative, 2**70, not a
number, NUL), submitted twice with one token, and given forged ids in its address: never
a 5xx or a traceback, a clear error, and the tables it writes move by one whole change
or not at all.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.accounts.models import ActivationCode, OfficerAction, Passkey
from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Motion, MotionVote
from asamblea.elections.models import Election
from asamblea.federation.models import Delegation, Membership, Person
from asamblea.meetings import services as meetings
from asamblea.meetings.models import (
    Acta,
    ActaSignature,
    Attendance,
    Room,
    RoomVote,
    Speaker,
    Teller,
)
from asamblea.recall.models import RecallSettings
from deliberation.helpers import member
from meetings.helpers import base_meeting, check_in
from support.factories import (
    TEST_PASSWORD,
    FederationAdminFactory,
    MembershipFactory,
    body,
    make_federation,
    make_officer,
)
from support.formfuzz import FORGED_IDS, ONCE, Form, client_for, counts, fuzz_form
from support.language import in_language
from support.second_factor import enrol, log_in_verified

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.4 s a login, and each form's world makes a dozen."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _local(days: int) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime(LOCAL)


def world(kind: str) -> Form:
    """The federation, people and objects the form `kind` needs, and the form itself."""
    f = make_federation()
    other = MembershipFactory(body=body(f, "base-3"), full_name="Otra Persona")
    officer = make_officer(f, "base-1", "oficial")
    socia = member(f, "base-1", "socia")
    ids = [other.pk, other.person.pk]
    base = f"/f/{f.slug}/b/base-1/"
    if kind == "election_new":
        delegation = Delegation.objects.get(source=body(f, "base-1"))
        valid = {
            "target": f"delegation:{delegation.pk}",
            "method": "plurality",
            "nominations_close_at": _local(3),
            "voting_opens_at": _local(3),
            "voting_closes_at": _local(5),
        }
        url = base + "elections/new/"
        return Form(client_for(officer), url, url, (Election,), ids=ids, valid=valid)
    if kind == "recall_rules":
        # Federation administrators must give a second factor.
        admin = log_in_verified(client_for(None), FederationAdminFactory(federation=f).user)
        url = f"/f/{f.slug}/recall/rules/"
        valid = {
            **{"threshold": "12.5", "quorum": "40", "majority": "60", "refill": "by-election"},
            **{"petition_days": "14", "vote_days": "5", "by_election_nomination_days": "10"},
            "by_election_vote_days": "3",
        }
        return Form(admin, url, url, (), also=(RecallSettings,), ids=ids, valid=valid)
    if kind.startswith("room_"):
        room, secretaria, users, motion = base_meeting(f)
        check_in(room, users[:4])
        page = f"/f/{f.slug}/meetings/{room.meeting.pk}/room/"
        ids += [motion.pk, *(u.pk for u in users)]
        client = client_for(secretaria)
        if kind == "room_setup":
            valid = {"quorum_share": "1/2", "quorum_strict": "1", "speaker_seconds": "120"}
            return Form(client, page, page + "setup/", (), also=(Room,), ids=ids, valid=valid)
        if kind == "room_teller":
            valid = {"action": "teller", "username": "socia-1"}
            return Form(client, page, page + "action/", (Teller,), ids=ids, valid=valid)
        if kind == "room_open_vote":
            valid = {"action": "open-vote", "motion": str(motion.pk)}
            return Form(client, page, page + "action/", (RoomVote,), ids=ids, valid=valid)
        if kind == "room_add_speaker":
            person = Person.objects.get(user=users[0])
            valid = {"action": "add-speaker", "person": str(person.pk), "kind": "speech"}
            return Form(client, page, page + "action/", (Speaker,), ids=ids, valid=valid)
    if kind in ("acta_sign", "checkin"):
        room, secretaria, users, _motion = base_meeting(f)
        meeting = f"/f/{f.slug}/meetings/{room.meeting.pk}/"
        if kind == "checkin":
            page = f"{meeting}checkin/{room.checkin_token}/"
            return Form(client_for(users[0]), page, page, (Attendance,), ids=ids)
        check_in(room, users[:4])
        meetings.do_close_meeting(secretaria, room, "Se acordó el comedor.")
        valid = {"public_name": "María Secretaria"}
        return Form(
            client_for(secretaria),
            meeting + "acta/",
            meeting + "acta/sign/",
            (ActaSignature,),
            also=(Acta,),
            ids=ids,
            valid=valid,
        )
    if kind.startswith("motion_"):
        luis = member(f, "base-1", "luis")
        motion = deliberation.do_propose_motion(
            socia, body(f, "base-1"), title="Olla común", text="Texto."
        )
        page = f"/f/{f.slug}/m/{motion.pk}/"
        if kind == "motion_second":
            return Form(client_for(luis), page, page + "second/", (), also=(Motion,), ids=ids)
        deliberation.do_second_motion(luis, motion)
        if kind == "motion_amend":
            valid = {"text": "Olla común los sábados."}
            return Form(client_for(luis), page, page + "amend/", (Motion,), ids=ids, valid=valid)
        if kind == "motion_open":
            valid = {
                "secret": "on",
                "threshold": "simple",
                "quorum_basis": "members",
                "quorum_share": "1/2",
                "quorum_strict": "more",
            }
            return Form(
                client_for(officer), page, page + "open/", (), also=(MotionVote,), valid=valid
            )
        deliberation.do_open_vote(officer, motion)
        return Form(client_for(officer), page, page + "close/", (), also=(MotionVote,), ids=ids)
    if kind == "totp_enrol":
        url = "/accounts/second-factor/set-up/"
        return Form(client_for(officer), url, url, (), also=(TOTPDevice,), valid={"code": "123456"})
    if kind == "totp_remove":
        enrol(officer)
        client = log_in_verified(client_for(None), officer)
        page = "/accounts/second-factor/"
        return Form(client, page, page + "remove/", (), also=(TOTPDevice,), ids=ids)
    if kind == "passkey_add":
        page = "/accounts/passkeys/"
        return Form(client_for(socia), page, page + "add/", (Passkey,), ids=ids)
    if kind == "own_leave":
        membership = _membership_of(socia)
        url = f"/me/leave/{membership.pk}/"
        return Form(client_for(socia), url, url, (), also=(Membership,), ids=ids)
    if kind == "own_delete":
        url = "/me/delete/"
        valid = {"password": TEST_PASSWORD}
        return Form(client_for(socia), url, url, (), also=(Person,), ids=ids, valid=valid)
    if kind == "decide_reject":
        applicant = MembershipFactory(body=body(f, "base-1"), full_name="Aspirante", pending=True)
        valid = {"action": "reject", "reason": "No vive en el distrito."}
        return Form(
            client_for(officer),
            base + "members/",
            base + f"members/{applicant.pk}/decide/",
            (),
            also=(Membership, OfficerAction),
            ids=ids,
            valid=valid,
        )
    if kind == "activation_code":
        newcomer = MembershipFactory(body=body(f, "base-1"), full_name="Nueva Socia")
        return Form(
            client_for(officer),
            base + "members/activation/",
            base + f"members/{newcomer.pk}/activation/",
            (),
            also=(ActivationCode, OfficerAction),
            ids=ids,
        )
    raise AssertionError(kind)


def _membership_of(user: Any) -> Membership:
    return Membership.objects.get(person__user=user)


FORMS = [
    "election_new",
    "recall_rules",
    "room_setup",
    "room_teller",
    "room_open_vote",
    "room_add_speaker",
    "acta_sign",
    "checkin",
    "motion_second",
    "motion_amend",
    "motion_open",
    "motion_close",
    "totp_enrol",
    "totp_remove",
    "passkey_add",
    "own_leave",
    "own_delete",
    "decide_reject",
    "activation_code",
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FORMS)
def test_no_officer_form_answers_5xx_or_leaves_work_half_done(kind: str) -> None:
    fuzz_form(world(kind), kind)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FORMS)
def test_a_double_submit_does_the_work_once(kind: str) -> None:
    form = world(kind)
    match = ONCE.search(form.client.get(form.page).content)
    fields = {**form.valid, **({"once": match.group(1).decode()} if match else {})}
    before = counts(form.together)
    statuses = [form.client.post(form.action, fields).status_code for _ in range(2)]
    # The first post works (the second factor's and the passkey's need a real device).
    assert statuses[0] < 400 or kind in ("totp_enrol", "passkey_add"), (kind, statuses)
    assert 400 <= statuses[1] < 500 or kind == "own_delete", (kind, statuses)
    moved = {a - b for a, b in zip(counts(form.together), before, strict=True)}
    assert moved <= {0} or moved == {1}, (kind, moved)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("election_new", "target"),
        ("room_setup", "speaker_seconds"),
        ("room_open_vote", "motion"),
        ("room_add_speaker", "person"),
        ("decide_reject", "action"),
    ],
)
def test_a_forged_id_in_an_officer_form_is_refused_not_a_server_error(kind: str, name: str) -> None:
    form = world(kind)
    # An empty number of seconds is valid there: no time limit for speakers.
    for value in [v for v in FORGED_IDS if v or name != "speaker_seconds"]:
        said = {}
        for language in ("en", "es"):
            in_language(form.client, language)
            match = ONCE.search(form.client.get(form.page).content)
            once = {"once": match.group(1).decode()} if match else {}
            before = counts(form.together), counts(form.also)
            response = form.client.post(form.action, {**form.valid, name: value, **once})
            assert 400 <= response.status_code < 500, (kind, value, response.status_code)
            assert b"Traceback" not in response.content
            assert (counts(form.together), counts(form.also)) == before, (kind, value)
            said[language] = error_text(response.content.decode())
        # A clear error, in the reader's language.
        assert said["en"] and said["es"] and said["en"] != said["es"], (kind, value, said)


def error_text(page: str) -> str:
    """What the page says went wrong: its error section, or the form's errors."""
    found = (
        re.search(r'<section class="error">.*?<p>(.*?)</p>', page, re.S)
        or re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
        or re.search(r'<p class="msg error">(.*?)</p>', page, re.S)
    )
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["own_leave", "decide_reject", "activation_code", "acta_sign"])
@pytest.mark.parametrize("forged", ["0", str(2**70), str(2**63)])
def test_a_forged_id_in_the_address_is_a_4xx(kind: str, forged: str) -> None:
    form = world(kind)
    number = next(part for part in form.action.split("/") if part.isdigit())
    action = form.action.replace(f"/{number}/", f"/{forged}/", 1)
    before = counts(form.together), counts(form.also)
    response = form.client.post(action, form.valid)
    assert 400 <= response.status_code < 500, (kind, forged, response.status_code)
    assert b"Traceback" not in response.content
    assert (counts(form.together), counts(form.also)) == before
    assert get_user_model().objects.filter(username="socia").exists()
