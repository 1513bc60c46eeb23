"""Pages of paper ballots in the room: the paper vote's page (the table, the tellers' entry
form, the discrepancies and the reconciliation), its print page, and its actions.

Thin views: parse -> access -> do -> render. Every form works without JavaScript (a post,
then a redirect back); with htmx the entry form is boosted, so a teller stays on the
page, the cursor in the box, paper after paper.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asamblea.deliberation.services import access_motion
from asamblea.elections.services import access_election, election_title
from asamblea.errors import InvalidInput, PermissionDenied
from asamblea.federation.membership import User
from asamblea.federation.services import access_federation, is_officer, require_officer
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote, Room
from asamblea.meetings.services.paper_subjects import subject_of
from asamblea.meetings.services.votes import Outcome
from asamblea.web.once import once_only

SHEETS = ("A4", "A5")
PER_SHEET = (1, 2, 4)
MAX_PRINT_PAGE = 400  # papers on one print page (a bigger run prints in several)


def _int(value: str | None, what: str) -> int:
    text = (value or "").strip()
    if not text.isdecimal():
        raise InvalidInput(_("Choose %(what)s from the list.") % {"what": what})
    return int(text)


def _paper_url(vote: PaperVote, **query: Any) -> str:
    room = vote.room
    url = reverse("meeting_paper", args=[room.meeting.federation.slug, room.meeting_id, vote.pk])
    return f"{url}?{urlencode(query)}" if query else url


def room_context(user: User, room: Room) -> dict[str, Any]:
    """What the room page shows of paper ballots: the paper votes, and (officers) the
    elections and secret motion votes that may be taken to paper."""
    officer = is_officer(user, room.meeting.body)
    running = officer and room.meeting.status == "open"
    return {
        "paper_votes": [(v, subject_of(v)) for v in services.paper_votes_of(room)],
        "paper_elections": (
            [(e, election_title(e)) for e in services.elections_for_paper(room)] if running else []
        ),
        "paper_motions": services.motions_for_paper(room) if running else [],
    }


@login_required
@require_POST
def paper_open(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    voted: Any
    if request.POST.get("motion"):
        voted = access_motion(
            request.user, federation, _int(request.POST.get("motion"), _("a motion"))
        )
    else:
        voted = access_election(
            request.user, federation, _int(request.POST.get("election"), _("an election"))
        )
    with once_only(request):
        vote = services.do_open_paper_vote(
            request.user, room, voted, request.POST.get("entry", PaperVote.Entry.PAPERS)
        )
    messages.success(request, _("The vote is taken on paper here: print the papers."))
    return redirect(_paper_url(vote))


def paper_page(
    request: HttpRequest, federation_slug: str, meeting_id: int, vote_id: int
) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    vote = services.access_paper_vote(room, vote_id)
    state = services.paper_state(vote)
    officer = is_officer(request.user, room.meeting.body)
    can_count = services.can_run(request.user, room)
    suggested = request.GET.get("next", "")
    numbered = list(enumerate(state.options, 1))
    subject = state.subject
    return render(
        request,
        "meetings/paper.html",
        {
            "room": room,
            "meeting": room.meeting,
            "federation": federation,
            "body": room.meeting.body,
            "vote": vote,
            "subject": subject,
            "title": subject.title(),
            "state": state,
            "numbered": numbered,
            "is_officer": officer,
            "can_count": can_count,
            "voting": subject.voting() and room.meeting.status == "open",
            "table": services.table_rows(request.user, vote) if officer else [],
            "next_number": (
                suggested
                if suggested.isdecimal()
                else services.next_paper_number(request.user, vote)
                if can_count
                else 1
            ),
            "sheets": SHEETS,
            "per_sheet": PER_SHEET,
        },
    )


def _enter(request: HttpRequest, vote: PaperVote) -> tuple[str, dict[str, Any]]:
    """Run one of the paper vote's actions: (a message, the query of the page to go back to)."""
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "mark":
        services.do_mark_paper_voter(user, vote, _int(post.get("person"), _("a member")))
        return _("A paper is handed out: the member is marked on the roll as voted."), {}
    if action == "spoiled":
        services.do_replace_spoiled_paper(user, vote)
        return _("The spoilt paper is kept aside and a new one handed out."), {}
    if action == "enter":
        number = post.get("number", "")
        outcome = services.do_enter_paper(user, vote, number, post.get("paper", ""))
        said = {
            Outcome.WAITING: _("Paper %(n)s is in: it is entered a second time later."),
            Outcome.DISCREPANCY: _(
                "Paper %(n)s does not agree with its other entry: both look at the paper "
                "and one enters it again."
            ),
            Outcome.DECIDED: _("Paper %(n)s agrees with its other entry: it counts."),
        }[outcome] % {"n": number.strip()}
        return said, {"next": int(number) + 1}
    if action == "tally":
        marks = {
            key.removeprefix("marks-"): value
            for key, value in post.items()
            if key.startswith("marks-")
        }
        outcome = services.do_enter_tally(
            user, vote, post.get("papers", ""), post.get("blank", ""), marks
        )
        return {
            Outcome.WAITING: _("Your sheet is in: waiting for the other teller's."),
            Outcome.DISCREPANCY: _("The two sheets differ: count the papers again, both of you."),
            Outcome.DECIDED: _("The two sheets agree: they count."),
        }[outcome], {}
    raise InvalidInput(_("That is not something the room does."))


@login_required
@require_POST
def paper_action(
    request: HttpRequest, federation_slug: str, meeting_id: int, vote_id: int
) -> HttpResponse:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    vote = services.access_paper_vote(room, vote_id)
    if request.POST.get("action") == "print":
        count = request.POST.get("count", "")
        sheet = request.POST.get("sheet", "A4")
        per = request.POST.get("per", "2")
        with once_only(request):
            services.do_print_papers(request.user, vote, count)
        url = reverse("meeting_paper_print", args=[federation.slug, room.meeting_id, vote.pk])
        return redirect(f"{url}?{urlencode({'n': count.strip(), 'sheet': sheet, 'per': per})}")
    with once_only(request):
        note, query = _enter(request, vote)
    messages.success(request, note)
    return redirect(_paper_url(vote, **query))


@login_required
def paper_print(
    request: HttpRequest, federation_slug: str, meeting_id: int, vote_id: int
) -> HttpResponse:
    """The papers to print: the candidates numbered in the ballot's order, the audit number."""
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    require_officer(request.user, room.meeting.body)
    vote = services.access_paper_vote(room, vote_id)
    count = request.GET.get("n", "").strip()
    if not count.isdecimal() or not 1 <= int(count) <= MAX_PRINT_PAGE:
        raise InvalidInput(
            _("Print between 1 and %(max)d papers on one page.") % {"max": MAX_PRINT_PAGE}
        )
    if int(count) > vote.printed:
        raise PermissionDenied(_("Record the papers you print first, from the paper vote's page."))
    sheet = request.GET.get("sheet", "A4")
    sheet = sheet if sheet in SHEETS else "A4"
    per = request.GET.get("per", "2")
    per_sheet = int(per) if per.isdecimal() and int(per) in PER_SHEET else 2
    subject = subject_of(vote)
    papers = list(range(int(count)))
    return render(
        request,
        "meetings/paper_print.html",
        {
            "room": room,
            "meeting": room.meeting,
            "federation": federation,
            "body": room.meeting.body,
            "vote": vote,
            "subject": subject,
            "title": subject.title(),
            "numbered": list(enumerate(subject.options(), 1)),
            "sheets_of_papers": [
                papers[start : start + per_sheet] for start in range(0, len(papers), per_sheet)
            ],
            "sheet": sheet,
            "per_sheet": per_sheet,
            "ranked": subject.marking == "ranked",
        },
    )
