"""Pages of the room: the officers' room page, check-in by the meeting's code, the
projector, and the acta.

Thin views: parse -> access -> do -> render. Live parts are small fragments polled by
htmx every MEETING_SCREEN_REFRESH_SECONDS; without JavaScript the page reloads itself
(a meta refresh). The projector's fragment reads a fixed handful of rows per request
and keeps nothing between requests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea import hooks
from asamblea.deliberation.models import Meeting
from asamblea.deliberation.services import access_meeting, access_motion, agenda
from asamblea.errors import InvalidInput, PermissionDenied
from asamblea.federation.membership import person_of
from asamblea.federation.models import Body, Federation
from asamblea.federation.services import (
    access_federation,
    find_login,
    is_officer,
    require_officer,
)
from asamblea.meetings import paper_views, services
from asamblea.meetings.models import Acta, Room, RoomVote, Speaker
from asamblea.meetings.services import offline
from asamblea.web.once import once_only
from asamblea.web.qr import qr_svg

NOSCRIPT_REFRESH_SECONDS = 10


def _int(value: str | None, what: str) -> int:
    text = (value or "").strip()
    if not text.isdecimal():
        # A forged form: say what is wrong, never echo what was sent.
        raise InvalidInput(_("Choose %(what)s from the list.") % {"what": what})
    return int(text)


def _room_url(room: Room) -> str:
    return reverse("meeting_room", args=[room.meeting.federation.slug, room.meeting_id])


def _checkin_url(request: HttpRequest, room: Room) -> str:
    return request.build_absolute_uri(
        reverse(
            "meeting_checkin",
            args=[room.meeting.federation.slug, room.meeting_id, room.checkin_token],
        )
    )


def _live(room: Room, request: HttpRequest | None = None) -> dict[str, Any]:
    """What the room page and the projector show live: a fixed number of queries."""
    vote = services.open_vote(room)
    last = RoomVote.objects.filter(room=room).select_related("motion").order_by("-pk").first()
    return {
        "room": room,
        "meeting": room.meeting,
        "federation": room.meeting.federation,
        "body": room.meeting.body,
        "quorum": services.quorum_state(room),
        "floor": services.floor(room),
        "vote": services.vote_state(vote) if vote is not None else None,
        "last_vote": last if vote is None else None,
        "item": room.current_item.motion if room.current_item is not None else None,
        "refresh": settings.MEETING_SCREEN_REFRESH_SECONDS,
        "noscript_refresh": NOSCRIPT_REFRESH_SECONDS,
        "council": room.meeting.body.kind != Body.Kind.BASE,
    }


# ---------------------------------------------------------------- the meeting page's section


@hooks.meeting_section.register(order=50)
def room_section(request: HttpRequest, meeting: Meeting) -> str:
    room = services.room_of(meeting)
    return render_to_string(
        "meetings/_section.html",
        {
            "meeting": meeting,
            "federation": meeting.federation,
            "room": room,
            "quorum": services.quorum_state(room) if room is not None else None,
            "is_officer": is_officer(request.user, meeting.body),
        },
        request=request,
    )


# ---------------------------------------------------------------- the room page


def room_page(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    meeting = room.meeting
    officer = is_officer(request.user, meeting.body)
    context = _live(room, request)
    can_count = services.can_run(request.user, room)
    seats = services.council_seats_of(room) if can_count else []
    vote = context["vote"]
    context.update(
        {
            "is_officer": officer,
            "can_count": can_count,
            "seats": seats,
            "roll_rows": [
                (row, vote.roll_call.get(row.seat.pk) if vote is not None else None)
                for row in seats
                if row.sitting is not None
            ],
            "choices": [("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))],
            "mine": services.my_attendance(request.user, room),
            "agenda": agenda(meeting),
            "votes": list(RoomVote.objects.filter(room=room).select_related("motion")),
            **paper_views.room_context(request.user, room),
        }
    )
    if officer:
        query = request.GET.get("q", "")
        context.update(
            {
                "qr": mark_safe(qr_svg(_checkin_url(request, room))),  # noqa: S308 (drawn here)
                "checkin_url": _checkin_url(request, room),
                "screen_url": request.build_absolute_uri(
                    reverse("meeting_screen", args=[federation.slug, meeting.pk])
                )
                + f"?t={room.screen_token}",
                "present": services.present_roll(room),
                "query": query,
                "roll": services.access_roll(request.user, room, query) if query else [],
                "alternates": list(room.alternates.select_related("seat", "person")),
                "acta": getattr(room, "acta", None),
                "conflicts": offline.conflicts_of(room),
                "check_in_conflicts": offline.check_in_conflicts_of(room),
            }
        )
    return render(request, "meetings/room.html", context)


def room_live(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    context = _live(room, request)
    context["can_count"] = services.can_run(request.user, room)
    context["is_officer"] = is_officer(request.user, room.meeting.body)
    return render(request, "meetings/_room_live.html", context)


@login_required
@require_POST
def room_setup(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    meeting = access_meeting(request.user, federation, meeting_id)
    post = request.POST
    seconds = post.get("speaker_seconds", "").strip()
    with once_only(request):
        room = services.do_set_up_room(
            request.user,
            meeting,
            quorum_basis=post.get("quorum_basis") or None,
            quorum_share=post.get("quorum_share", "1/2"),
            quorum_strict=post.get("quorum_strict", "1") == "1",
            votes_without_quorum=post.get("votes_without_quorum") == "1",
            speaker_seconds=_int(seconds, _("the seconds")) if seconds else None,
        )
    return redirect(_room_url(room))


def _person_by_login(room: Room, username: str) -> int:
    """The person behind a login name (the alternate's own login: the council's officers
    see no names of the assemblies below)."""
    login = find_login(username)
    person = person_of(login, room.meeting.federation) if login is not None else None
    if person is None:
        raise InvalidInput(_("There is no member with that login name in this federation."))
    return person.pk


def _act(request: HttpRequest, room: Room, action: str) -> str | None:
    """Run one of the room's actions; returns a message to show, if any."""
    post, user = request.POST, request.user
    if action == "check-in":
        services.do_check_in_member(user, room, _int(post.get("person"), _("a person")))
        return _("Checked in.")
    if action == "roll":
        # The desk's roll: one form, the button pressed names whom to check in or out.
        if post.get("attendance"):
            services.do_check_out(user, room, _int(post.get("attendance"), _("a person")))
            return _("Checked out.")
        services.do_check_in_member(user, room, _int(post.get("person"), _("a person")))
        return _("Checked in.")
    if action == "check-out":
        services.do_check_out(user, room, _int(post.get("attendance"), _("a person")))
        return _("Checked out.")
    if action == "alternate":
        services.do_name_alternate(
            user,
            room,
            _int(post.get("seat"), _("a seat")),
            _person_by_login(room, post.get("username", "")),
            post.get("public_name", ""),
        )
        return _("The alternate is named for this meeting.")
    if action == "teller":
        login = find_login(post.get("username", ""))
        if login is None:
            raise InvalidInput(_("There is no login with that name."))
        services.do_name_teller(user, room, login)
        return _("The teller is named for this meeting.")
    if action == "item":
        item = post.get("item", "")
        services.do_set_current_item(user, room, _int(item, _("an item")) if item else None)
        return None
    if action == "open-vote":
        motion = access_motion(
            user, room.meeting.federation, _int(post.get("motion"), _("a motion"))
        )
        services.do_open_room_vote(user, room, motion)
        return _("The vote is open: the tellers count.")
    if action == "count":
        vote = services.access_room_vote(room, _int(post.get("vote"), _("a vote")))
        outcome = services.do_enter_count(
            user, vote, post.get("yes", ""), post.get("no", ""), post.get("abstain", "")
        )
        return offline.count_note(outcome)
    if action == "roll-call":
        vote = services.access_room_vote(room, _int(post.get("vote"), _("a vote")))
        services.do_enter_roll_call(
            user, vote, _int(post.get("seat"), _("a seat")), post.get("choice", "")
        )
        return None
    if action == "close-roll-call":
        vote = services.access_room_vote(room, _int(post.get("vote"), _("a vote")))
        services.do_close_roll_call(user, vote)
        return _("The roll call is closed and counted.")
    if action == "ask":
        services.do_ask_for_floor(user, room, post.get("kind", Speaker.Kind.SPEECH))
        return _("You are on the speakers' list.")
    if action == "add-speaker":
        services.do_add_speaker(
            user, room, _int(post.get("person"), _("a person")), post.get("kind", "speech")
        )
        return None
    if action == "next-speaker":
        services.do_next_speaker(user, room)
        return None
    if action == "withdraw":
        services.do_withdraw_speaker(user, room, _int(post.get("speaker"), _("a speaker")))
        return None
    if action == "resolve":
        offline.do_resolve_conflict(
            user, room, _int(post.get("entry"), _("an entry")), post.get("choice", "")
        )
        return _("The conflict is resolved.")
    if action == "close":
        services.do_close_meeting(user, room, post.get("notes", ""))
        return _("The meeting is closed and its acta written: two officers sign it.")
    raise InvalidInput(_("That is not something the room does."))


@login_required
@require_POST
def room_action(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    action = request.POST.get("action", "")
    with once_only(request):
        note = _act(request, room, action)
    if note:
        messages.success(request, note)
    if action == "close":
        return redirect("meeting_acta", federation.slug, meeting_id)
    if request.POST.get("next") == "desk":
        return redirect("meeting_desk", federation.slug, meeting_id)
    return redirect(_room_url(room))


@login_required
def roll_print(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    """The whole roll on paper, to tick in a hall without phones and check in later."""
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    return render(
        request,
        "meetings/roll_print.html",
        {
            "room": room,
            "meeting": room.meeting,
            "federation": federation,
            "body": room.meeting.body,
            "roll": services.access_roll(request.user, room),
            "paper": "letter" if request.GET.get("paper") == "letter" else "A4",
        },
    )


# ---------------------------------------------------------------- check-in by the code


@login_required
def checkin(
    request: HttpRequest, federation_slug: str, meeting_id: int, token: str
) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    if request.method == "POST":
        with once_only(request):
            services.do_check_in_by_code(request.user, room, token)
        messages.success(request, _("You are checked in: welcome."))
        return redirect(_room_url(room))
    if token != room.checkin_token:
        raise PermissionDenied(
            _("This check-in code is not this meeting's: scan the code shown in the room.")
        )
    return render(
        request,
        "meetings/checkin.html",
        {
            "room": room,
            "meeting": room.meeting,
            "federation": federation,
            "body": room.meeting.body,
            "token": token,
            "mine": services.my_attendance(request.user, room),
        },
    )


# ---------------------------------------------------------------- the projector


def _screen_room(request: HttpRequest, federation_slug: str, meeting_id: int) -> Room:
    federation = access_federation(federation_slug)
    token = request.GET.get("t", "")
    if token:
        return services.access_room_by_screen_token(federation, meeting_id, token)
    room = services.access_room(request.user, federation, meeting_id)
    if not services.can_run(request.user, room):
        raise PermissionDenied(
            _("The projector's page opens with its link, from the room page of the officers.")
        )
    return room


def screen(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    room = _screen_room(request, federation_slug, meeting_id)
    context = _live(room)
    context["token"] = request.GET.get("t", "")
    context["qr"] = mark_safe(qr_svg(_checkin_url(request, room)))  # noqa: S308 (drawn here)
    return render(request, "meetings/screen.html", context)


def screen_live(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    room = _screen_room(request, federation_slug, meeting_id)
    context = _live(room)
    context["token"] = request.GET.get("t", "")
    return render(request, "meetings/_screen_live.html", context)


# ---------------------------------------------------------------- the acta


def _acta_copy(
    request: HttpRequest, federation_slug: str, meeting_id: int
) -> tuple[Federation, Room, Acta, bool, bool, str]:
    """The acta and which copy this reader gets: the internal one (with names) only for
    the body's officers, and only unless they ask for the public one; A4 unless Letter."""
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    acta = services.access_acta(room)
    officer = is_officer(request.user, room.meeting.body)
    internal = officer and request.GET.get("copy") != "public"
    paper = "letter" if request.GET.get("paper") == "letter" else "A4"
    return federation, room, acta, officer, internal, paper


def acta_page(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation, room, acta, officer, internal, paper = _acta_copy(
        request, federation_slug, meeting_id
    )
    signatures = list(acta.signatures.all())
    me = person_of(request.user, federation)
    return render(
        request,
        "meetings/acta.html",
        {
            "room": room,
            "meeting": room.meeting,
            "federation": federation,
            "body": room.meeting.body,
            "acta": acta,
            "minutes": acta.internal if internal else acta.public,
            "internal": internal,
            "is_officer": officer,
            "paper": paper,
            "signatures": signatures,
            "signed": any(s.user_id == request.user.pk for s in signatures),
            "needed": services.SIGNATURES_NEEDED,
            "my_name": me.full_name if me is not None else request.user.get_username(),
        },
    )


def acta_pdf(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    """The acta's page as a PDF: the same copy, the same paper, the reader's language."""
    from asamblea.meetings.acta_pdf import render_acta_pdf

    _federation, room, acta, _officer, internal, paper = _acta_copy(
        request, federation_slug, meeting_id
    )
    content = render_acta_pdf(
        acta,
        body_name=room.meeting.body.name,
        starts_at=room.meeting.starts_at,
        internal=internal,
        paper=paper,
        signatures=list(acta.signatures.all()),
    )
    response = HttpResponse(content, content_type="application/pdf")
    copy = "internal" if internal else "public"
    response["Content-Disposition"] = (
        f'attachment; filename="acta-{room.meeting_id}-{copy}-{paper.lower()}.pdf"'
    )
    # The internal copy has members' names: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store" if internal else "private"
    return response


@login_required
@require_POST
def acta_sign(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    require_officer(request.user, room.meeting.body)
    acta = services.access_acta(room)
    with once_only(request):
        acta = services.do_sign_acta(request.user, acta, request.POST.get("public_name", ""))
    if acta.published_at is not None:
        messages.success(request, _("Signed. The acta's hash is on the public record."))
    else:
        messages.success(request, _("Signed. A second officer signs it too."))
    return redirect("meeting_acta", federation.slug, meeting_id)
