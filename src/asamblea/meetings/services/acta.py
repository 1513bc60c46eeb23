"""The acta: closing the meeting generates the minutes (an internal copy with names, a
public one without members' names); two officers sign; then its hash and the public
version go on the public record."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.deliberation.models import Meeting
from asamblea.deliberation.services import agenda, do_set_meeting_status
from asamblea.errors import Conflict, InvalidInput, NotFound
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Body
from asamblea.federation.services import require_officer
from asamblea.meetings.models import (
    Acta,
    ActaSignature,
    Alternate,
    Attendance,
    PaperVote,
    Room,
    RoomVote,
    Speaker,
    TellerCount,
)
from asamblea.meetings.services.rooms import quorum_state
from asamblea.meetings.services.speakers import finish_speaking
from asamblea.record.canonical import canonical_json
from asamblea.record.services import Event, append_entries

SIGNATURES_NEEDED = 2
NOTES_MAX = 20000
NAME_MAX = 200


def acta_hash(public: dict[str, Any]) -> str:
    """SHA-256 of the public acta's canonical JSON: what the record publishes and
    `asamblea record verify` recomputes."""
    return hashlib.sha256(canonical_json(public)).hexdigest()


def _peak(rows: list[Attendance]) -> int:
    moments = [(a.checked_in_at, 1) for a in rows] + [
        (a.checked_out_at, -1) for a in rows if a.checked_out_at is not None
    ]
    peak = now = 0
    for _moment, step in sorted(moments, key=lambda m: (m[0], m[1])):
        now += step
        peak = max(peak, now)
    return peak


def _attendee_name(attendance: Attendance, alternates: Mapping[int, Alternate]) -> str:
    seat = attendance.seat
    if seat is None:
        return str(attendance.person.full_name)
    if attendance.as_alternate and seat.pk in alternates:
        return alternates[seat.pk].public_name
    return seat.public_name


def _paper_elections(room: Room) -> list[dict[str, Any]]:
    """The elections voted on paper in this room: what each fills, who was elected (the
    public names the count published) and the papers' figures; an election still open
    when the meeting closes is listed as such."""
    out = []
    for vote in (
        PaperVote.objects.filter(room=room, election__isnull=False)
        .select_related("election__delegation__council", "election__command")
        .order_by("pk")
    ):
        election = vote.election
        assert election is not None  # filtered above
        fills = (
            election.delegation.council.name
            if election.delegation is not None
            else election.command.name
            if election.command is not None
            else ""
        )
        result = election.result or {}
        out.append(
            {
                "election": election.pk,
                "kind": election.kind,
                "fills": fills,
                "method": election.method,
                "seats": election.seats,
                "status": election.status,
                "elected": [e["name"] for e in (result.get("count") or {}).get("elected", [])],
                "paper": result.get("paper"),
            }
        )
    return out


def _minutes(room: Room, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    meeting = room.meeting
    body = meeting.body
    council = body.kind != Body.Kind.BASE
    rows = list(
        Attendance.objects.filter(room=room).select_related("person", "seat").order_by("pk")
    )
    alternates = {a.seat_id: a for a in Alternate.objects.filter(room=room).select_related("seat")}
    quorum = quorum_state(room)
    attendance = {
        "checked_in": len({(a.person_id, a.seat_id) for a in rows}),
        "people": len({a.person_id for a in rows}),
        "peak": _peak(rows),
        "by_code": sum(1 for a in rows if a.how == Attendance.How.QR),
        "by_officer": sum(1 for a in rows if a.how == Attendance.How.OFFICER),
        "size": quorum.size,
        "quorum_needed": quorum.needed,
        "quorum_rule": {
            "basis": room.quorum_basis,
            "share": room.quorum_share,
            "strict": room.quorum_strict,
        },
    }
    if council:
        seats: dict[int, dict[str, Any]] = {}
        for a in rows:
            if a.seat is None:
                continue
            entry = seats.setdefault(
                a.seat.pk,
                {"seat": a.seat.pk, "delegate": a.seat.public_name, "alternate": None},
            )
            if a.as_alternate and a.seat_id in alternates:
                entry["alternate"] = alternates[a.seat_id].public_name
        attendance["seats_present"] = sorted(seats.values(), key=lambda s: s["seat"])
    votes = {v.motion_id: v for v in RoomVote.objects.filter(room=room)}
    rounds = {
        v.pk: len({c.round for c in TellerCount.objects.filter(vote=v)}) for v in votes.values()
    }
    on_paper = {v.motion_id: v for v in PaperVote.objects.filter(room=room, motion__isnull=False)}
    items = []
    for item in agenda(meeting):
        motion = item.motion
        vote = votes.get(motion.pk)
        paper = on_paper.get(motion.pk)
        result = motion.result or None
        items.append(
            {
                "position": item.position,
                "motion": motion.pk,
                "kind": motion.kind,
                "title": motion.title,
                "status": motion.status,
                "result": None
                if result is None
                else {
                    k: result.get(k)
                    for k in (
                        "passed",
                        "reason",
                        "yes",
                        "no",
                        "abstain",
                        "present",
                        "quorum_required",
                    )
                },
                "resolution": getattr(getattr(motion, "resolution", None), "number", None),
                "counted": (
                    {"method": "paper", "audit_number": paper.audit_number}
                    if paper is not None
                    else None
                )
                if vote is None
                else {
                    "method": vote.method,
                    "rounds": rounds.get(vote.pk, 0) if vote.method == RoomVote.Method.HANDS else 1,
                    "present_at_opening": vote.present_at_opening,
                },
            }
        )
    speakers = list(
        Speaker.objects.filter(room=room, status=Speaker.Status.DONE)
        .select_related("person", "item")
        .order_by("started_at", "pk")
    )

    def spoke(s: Speaker) -> dict[str, Any]:
        seconds = (
            int((s.ended_at - s.started_at).total_seconds())
            if s.started_at is not None and s.ended_at is not None
            else 0
        )
        return {
            "item": s.item.position if s.item is not None else None,
            "kind": s.kind,
            "name": s.public_name,
            "seconds": seconds,
        }

    public: dict[str, Any] = {
        "meeting": meeting.pk,
        "body": body.slug,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "closed_at": now.isoformat(),
        "attendance": attendance,
        "agenda": items,
        "speakers": [spoke(s) for s in speakers],
        "elections": _paper_elections(room),
        "notes": room.notes,
    }
    internal = {
        **public,
        "attendees": [
            {
                # A council's attendees by their published names (see access_roll).
                "name": _attendee_name(a, alternates),
                "seat": a.seat.public_name if a.seat is not None else "",
                "alternate": a.as_alternate,
                "how": a.how,
                "in": a.checked_in_at.isoformat(),
                "out": None if a.checked_out_at is None else a.checked_out_at.isoformat(),
            }
            for a in rows
        ],
        "speakers": [{**spoke(s), "name": s.public_name or s.person.full_name} for s in speakers],
    }
    return internal, public


@transaction.atomic
def do_close_meeting(
    actor: User, room: Room, notes: str = "", *, now: datetime | None = None
) -> Acta:
    """The chair closes the session: the speakers' list ends and the acta is generated.
    A meeting closed from its agenda page gets its acta here too."""
    now = now or timezone.now()
    meeting = room.meeting
    require_officer(actor, meeting.body)
    if Acta.objects.filter(room=room).exists():
        raise Conflict(_("This meeting's acta is written already."))
    if meeting.status == Meeting.Status.PLANNED:
        raise Conflict(_("Only a meeting in session is closed here."))
    counting = RoomVote.objects.filter(room=room, status=RoomVote.Status.COUNTING).first()
    if counting is not None:
        raise Conflict(
            _("The vote on “%(title)s” is still being counted: finish it first.")
            % {"title": counting.motion.title}
        )
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput(
            _("Keep the secretary's notes under %(n)d characters.") % {"n": NOTES_MAX}
        )
    room.notes = notes
    room.save(update_fields=["notes"])
    finish_speaking(room, now)
    if meeting.status == Meeting.Status.OPEN:
        do_set_meeting_status(actor, meeting, Meeting.Status.CLOSED)
    internal, public = _minutes(room, now)
    return Acta.objects.create(
        room=room,
        internal=internal,
        public=public,
        public_hash=acta_hash(public),
        generated_at=now,
    )


@transaction.atomic
def do_sign_acta(actor: User, acta: Acta, public_name: str, *, now: datetime | None = None) -> Acta:
    """An officer confirms the acta under the name they sign with. At the second signature
    its hash and public version go on the record."""
    now = now or timezone.now()
    acta = (
        Acta.objects.select_for_update()
        .select_related("room__meeting__body__federation")
        .get(pk=acta.pk)
    )
    body = acta.room.meeting.body
    require_officer(actor, body)
    assert isinstance(actor, Login)  # an officer is logged in
    if acta.published_at is not None:
        raise Conflict(_("This acta is signed and on the record: it cannot be signed again."))
    name = " ".join(public_name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(_("Write the name you sign with (200 characters at most)."))
    if ActaSignature.objects.filter(acta=acta, user=actor).exists():
        raise Conflict(_("You already signed this acta: a second officer signs it too."))
    ActaSignature.objects.create(acta=acta, user=actor, public_name=name, signed_at=now)
    signatures = list(acta.signatures.order_by("signed_at", "pk"))
    if len(signatures) >= SIGNATURES_NEEDED:
        append_entries(
            body.federation,
            [
                Event(
                    "meeting.acta",
                    {
                        "meeting": acta.room.meeting_id,
                        "body": body.slug,
                        "title": acta.room.meeting.title,
                        "hash": acta.public_hash,
                        "signed_by": [s.public_name for s in signatures],
                        "acta": acta.public,
                    },
                    body=body,
                )
            ],
        )
        acta.published_at = now
        acta.save(update_fields=["published_at"])
    return acta


def access_acta(room: Room) -> Acta:
    acta = Acta.objects.filter(room=room).first()
    if acta is None:
        raise NotFound(_("The acta is written when the meeting closes."))
    return acta
