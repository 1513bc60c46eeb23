"""Meetings in the room in the demo federation: a finished assembly with its signed acta,
and an assembly in session with its speakers' list.

The assembly in session also has a secret question under way, voted on paper in the room
and online: half the room has its papers, two are entered once.

The finished assembly checked its members in, heard three speakers, decided two motions
by show of hands (the tellers disagree once, then agree), voted its delegates' election
on paper in the room (the papers printed, handed out at the table, each entered twice by
two tellers who agree; two members who were not there voted online), counted the papers
with the online ballots, and closed: its acta, signed by two officers, is on the record.

Call `load_meetings_demo()` after `asamblea.federation.demo.load_demo()`. Everything
goes through the real services, so the demo obeys every rule the product does.
Idempotent: once the finished meeting exists, loading again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from asamblea.deliberation import services as deliberation
from asamblea.deliberation.models import Meeting, Motion
from asamblea.elections import services as elections
from asamblea.elections.demo import demo_seed
from asamblea.elections.models import Election, Seat
from asamblea.federation.models import Body, Delegation, Federation, Membership
from asamblea.meetings import services
from asamblea.meetings.models import Room, Speaker

BASE = "distrito-050101-ayacucho"
FINISHED = "Asamblea ordinaria de noviembre"
IN_SESSION = "Asamblea extraordinaria: el agua del barrio"


@dataclass(frozen=True)
class MeetingsDemo:
    finished: str  # the acta's page
    in_session: str  # the room's page
    screen: str  # the projector's link of the meeting in session


def _members(body: Body) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            person__memberships__body=body,
            person__memberships__status=Membership.Status.VERIFIED,
        )
        .order_by("username")
    )


def _motion(body: Body, users: list[Any], title: str, text: str) -> Motion:
    motion = deliberation.do_propose_motion(users[0], body, title=title, text=text)
    return deliberation.do_second_motion(users[1], motion)


# Its elections are counted during the load: server mode (no key ceremony).
@elections.key_mode("server")
@transaction.atomic
def load_meetings_demo() -> bool:
    """Load the meetings demo into the "peru" federation; False if it is there already."""
    federation = Federation.objects.get(slug="peru")
    if Meeting.objects.filter(federation=federation, title=FINISHED).exists():
        return False
    body = Body.objects.get(federation=federation, slug=BASE)
    officer = get_user_model().objects.get(username=f"dirigente-{BASE}")
    admin = get_user_model().objects.get(username="admin")
    members = _members(body)
    now = timezone.now()

    # 1. A finished assembly: attendance, three speakers, two motions counted by show of
    #    hands (the tellers disagree once), closed, its acta signed by two officers.
    start = now - timedelta(days=2)
    market = _motion(
        body,
        members,
        "Feria del productor los sábados",
        "La asamblea organiza una feria del productor cada sábado en la plaza del barrio.",
    )
    fee = _motion(
        body,
        members,
        "Cuota extraordinaria para el local",
        "Cada familia aporta una cuota extraordinaria de diez soles para techar el local.",
    )
    meeting = deliberation.do_create_meeting(
        officer, body, title=FINISHED, starts_at=start, motions=[market, fee]
    )
    deliberation.do_set_meeting_status(officer, meeting, Meeting.Status.OPEN)
    room = services.do_set_up_room(officer, meeting, speaker_seconds=120)
    services.do_name_teller(officer, room, admin)
    present = members[: max(3, len(members) * 3 // 4)]
    for n, user in enumerate(present):
        moment = start + timedelta(minutes=n)
        if n % 3:
            services.do_check_in_by_code(user, room, room.checkin_token, now=moment)
        else:
            services.do_check_in_member(officer, room, user.person.pk, now=moment)
    clock = start + timedelta(minutes=30)
    services.do_set_current_item(officer, room, meeting.items.get(motion=market).pk)
    for n, user in enumerate(present[:3]):
        services.do_ask_for_floor(user, room, now=clock + timedelta(seconds=n))
    for n in range(4):
        services.do_next_speaker(officer, room, now=clock + timedelta(minutes=2 * (n + 1)))
    count = len(present)
    vote = services.do_open_room_vote(officer, room, market, now=clock + timedelta(minutes=10))
    yes, no = count - 2, 1
    services.do_enter_count(officer, vote, yes, no, 1, now=clock + timedelta(minutes=11))
    services.do_enter_count(admin, vote, yes - 1, no + 1, 1, now=clock + timedelta(minutes=11))
    services.do_enter_count(officer, vote, yes, no, 1, now=clock + timedelta(minutes=13))
    services.do_enter_count(admin, vote, yes, no, 1, now=clock + timedelta(minutes=13))
    vote = services.do_open_room_vote(officer, room, fee, now=clock + timedelta(minutes=20))
    services.do_enter_count(officer, vote, 1, count - 2, 1, now=clock + timedelta(minutes=21))
    services.do_enter_count(admin, vote, 1, count - 2, 1, now=clock + timedelta(minutes=21))
    _paper_election(body, officer, admin, room, members, present, clock + timedelta(minutes=25))
    acta = services.do_close_meeting(
        officer,
        room,
        "La feria empieza el primer sábado del mes. La cuota se volverá a discutir con el "
        "presupuesto del local.",
        now=clock + timedelta(minutes=40),
    )
    services.do_sign_acta(officer, acta, "Secretaría de la asamblea")
    services.do_sign_acta(admin, acta, "Presidencia de la asamblea")

    # 2. An assembly in session: most of the members in, one speaking, three waiting (one
    #    with a point of order, who goes first), the motion on the floor.
    water = _motion(
        body,
        members,
        "Defensa del agua del barrio",
        "La asamblea exige a la municipalidad el arreglo del reservorio antes de enero.",
    )
    fund = _motion(
        body,
        members,
        "Comité de vigilancia del agua",
        "La asamblea elige por voto secreto si forma un comité de vigilancia del reservorio.",
    )
    sitting = deliberation.do_create_meeting(
        officer,
        body,
        title=IN_SESSION,
        starts_at=now - timedelta(minutes=40),
        motions=[water, fund],
    )
    deliberation.do_set_meeting_status(officer, sitting, Meeting.Status.OPEN)
    live = services.do_set_up_room(officer, sitting)
    for user in present:
        services.do_check_in_by_code(user, live, live.checkin_token)
    services.do_set_current_item(officer, live, sitting.items.get(motion=water).pk)
    for user in present[:3]:
        services.do_ask_for_floor(user, live)
    services.do_next_speaker(officer, live)
    services.do_ask_for_floor(present[3], live, Speaker.Kind.POINT_OF_ORDER)
    _paper_question(fund, officer, admin, live, members, present)
    return True


def _paper_question(
    motion: Motion, officer: Any, teller: Any, room: Room, members: list[Any], present: list[Any]
) -> None:
    """A secret question voted on paper in the room and online, under way: a member who is
    not there voted online, half the room has its papers, the first two are entered once."""
    motion = deliberation.do_open_vote(officer, motion, secret=True)
    for user in [user for user in members if user not in present][:1]:
        deliberation.do_cast_vote(user, motion, "yes")
    services.do_name_teller(officer, room, teller)
    paper = services.do_open_paper_vote(officer, room, motion)
    paper = services.do_print_papers(officer, paper, len(present))
    for user in present[: len(present) // 2]:
        services.do_mark_paper_voter(officer, paper, user.person.pk)
    services.do_enter_paper(officer, paper, 1, "1")
    services.do_enter_paper(officer, paper, 2, "2")


def _paper_election(
    body: Body,
    officer: Any,
    teller: Any,
    room: Room,
    members: list[Any],
    present: list[Any],
    at: Any,
) -> Election:
    """The assembly's next delegates, elected on paper in the room (and online by two
    members who were not there): printed, handed out, each paper entered twice, agreed,
    and counted with the online ballots when the vote closes."""
    delegation = Delegation.objects.get(source=body)
    soon = timezone.now() + timedelta(minutes=5)
    election = elections.do_open_election(
        officer,
        body,
        delegation=delegation,
        nominations_close_at=soon,
        voting_opens_at=soon,
        voting_closes_at=soon + timedelta(hours=1),
        seed=demo_seed(body, delegation, room.meeting.body),
    )
    # The delegates in office stand again (and are re-elected: a delegate who lost the
    # seat would lose the seats above it too, and the demo's tiers would change); a
    # delegation never elected before has three members of the room stand.
    holders: list[Any] = [
        seat.holder.user
        for seat in Seat.objects.filter(delegation=delegation, status=Seat.Status.HELD)
        .select_related("holder__user")
        .order_by("pk")
    ]
    names: set[str] = set()
    for user in holders or present[:3]:
        name = user.person.full_name
        while name in names:
            name += "*"
        names.add(name)
        elections.do_stand(user, election, public_name=name)
    election = elections.do_open_voting(election, now=soon)
    ids = [c.pk for c in elections.standing(election)]
    absent = [user for user in members if user not in present][:2]
    for n, user in enumerate(absent):
        elections.do_cast_ballot(user, election, [ids[n % len(ids)]])
    # Demo time travel (as the elections' demo): the vote ran during the meeting.
    opened = at - timedelta(days=1)
    Election.objects.filter(pk=election.pk).update(
        nominations_close_at=opened, voting_opens_at=opened, roll_frozen_at=opened
    )
    paper = services.do_open_paper_vote(officer, room, election, now=at)
    paper = services.do_print_papers(officer, paper, len(present) + 2)
    for user in present:
        services.do_mark_paper_voter(officer, paper, user.person.pk)
    services.do_replace_spoiled_paper(officer, paper)
    # Each paper as the tellers read it: the candidates' numbers in order (0: blank).
    k = len(ids)
    papers = {
        n: " ".join(str((n + i) % k + 1) for i in range(1 + n % k)) if n % 7 else "0"
        for n in range(1, len(present) + 1)
    }
    for n, text in papers.items():
        services.do_enter_paper(officer, paper, n, text, now=at + timedelta(minutes=n))
    for n, text in reversed(papers.items()):
        services.do_enter_paper(teller, paper, n, text, now=at + timedelta(minutes=n + 1))
    Election.objects.filter(pk=election.pk).update(voting_closes_at=at + timedelta(minutes=10))
    return elections.do_close_election(election, now=at + timedelta(minutes=10))


def meetings_demo() -> MeetingsDemo | None:
    federation = Federation.objects.filter(slug="peru").first()
    room = Room.objects.filter(meeting__federation=federation, meeting__title=IN_SESSION).first()
    done = Room.objects.filter(meeting__federation=federation, meeting__title=FINISHED).first()
    if room is None or done is None:
        return None
    return MeetingsDemo(
        finished=f"/f/peru/meetings/{done.meeting_id}/acta/",
        in_session=f"/f/peru/meetings/{room.meeting_id}/room/",
        screen=f"/f/peru/meetings/{room.meeting_id}/screen/?t={room.screen_token}",
    )
