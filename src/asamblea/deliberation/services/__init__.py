"""Deliberation: every state change (`do_*`, one transaction each) and the reads that check
permission (`access_*`), one module per noun, re-exported here for the pages, the demo,
the tick and the tests (`services.do_open_vote(...)`).

Who is a member of a body (may propose, second, amend, comment and vote):
in a base assembly its verified members; in a council the delegates, i.e.
the holders of HELD seats in delegations into it; in a command the holders of
its offices. Officers (and federation admins) open and close votes, meetings,
referendums and calls; they vote only if they are members too.

A motion: proposed by a member -> tabled when another member seconds it ->
amendments (motions that replace its text) proposed, seconded and voted
before it -> an officer opens the vote (threshold, quorum, secret or not) ->
members vote -> an officer (or the clock) closes it -> counted under
`rules.decide`; passed, it becomes a numbered resolution. Every public fact
goes to the record in the same transaction (see docs/deliberation.md for the
entries).

Votes in councils and commands are open roll calls, one vote per seat: a seat
whose holder is recalled (or resigns) before the close loses its vote, and
whoever fills it by countback may vote in its place; the published roll call
lists the struck votes. In base assemblies the body chooses an open vote
(each member's vote visible to the body's members, only the totals public) or
a secret ballot (casts apart from ballots, as in the elections app).
"""

from __future__ import annotations

from asamblea.ballots.box import CastReceipt
from asamblea.deliberation.services._common import UNDECIDED, rule_of
from asamblea.deliberation.services.calls import (
    RegionUptake,
    access_call,
    bodies_in_scope,
    calls_for,
    do_acknowledge_call,
    do_issue_call,
    do_report_uptake,
    uptake_by_region,
)
from asamblea.deliberation.services.mandates import (
    MandateRow,
    do_recall_for_breach,
    mandate_record,
    motions_awaiting_mandate,
)
from asamblea.deliberation.services.meetings import (
    access_meeting,
    agenda,
    do_add_agenda_item,
    do_create_meeting,
    do_set_meeting_status,
)
from asamblea.deliberation.services.membership import (
    council_seats,
    member_seats,
    public_name,
    seats_in,
)
from asamblea.deliberation.services.motions import (
    access_motion,
    access_resolution,
    amendments_of,
    do_comment,
    do_propose_amendment,
    do_propose_motion,
    do_second_motion,
    do_withdraw_motion,
    motions_of,
    option_labels,
)
from asamblea.deliberation.services.referendums import (
    access_referendum,
    close_due_referendums,
    count_referendum,
    do_cast_referendum_ballot,
    do_close_referendum,
    do_open_referendum,
    do_reshuffle_referendum,
    has_voted_in_referendum,
    live_turnout_rows,
    referendum_bodies_of,
    referendum_cast_from_form,
    referendum_turnout,
    turnout_by_base,
)
from asamblea.deliberation.services.votes import (
    LiveCount,
    RoomCount,
    aggregate,
    close_counted_in_room,
    close_due_votes,
    do_cancel_online_motion_ballot,
    do_cast_vote,
    do_close_vote,
    do_open_mandate_vote,
    do_open_vote,
    do_reshuffle_motion,
    has_voted,
    live_count,
    motion_ballots_cancellable,
    motion_cast_from_form,
    my_vote,
)
from asamblea.federation.membership import is_member, require_member
from asamblea.federation.services import require_officer

__all__ = [
    "UNDECIDED",
    "CastReceipt",
    "LiveCount",
    "MandateRow",
    "RegionUptake",
    "RoomCount",
    "access_call",
    "access_meeting",
    "access_motion",
    "access_referendum",
    "access_resolution",
    "agenda",
    "aggregate",
    "amendments_of",
    "bodies_in_scope",
    "calls_for",
    "close_counted_in_room",
    "close_due_referendums",
    "close_due_votes",
    "council_seats",
    "count_referendum",
    "do_acknowledge_call",
    "do_add_agenda_item",
    "do_cancel_online_motion_ballot",
    "do_cast_referendum_ballot",
    "do_cast_vote",
    "do_close_referendum",
    "do_close_vote",
    "do_comment",
    "do_create_meeting",
    "do_issue_call",
    "do_open_mandate_vote",
    "do_open_referendum",
    "do_open_vote",
    "do_propose_amendment",
    "do_propose_motion",
    "do_recall_for_breach",
    "do_report_uptake",
    "do_reshuffle_motion",
    "do_reshuffle_referendum",
    "do_second_motion",
    "do_set_meeting_status",
    "do_withdraw_motion",
    "has_voted",
    "has_voted_in_referendum",
    "is_member",
    "live_count",
    "live_turnout_rows",
    "mandate_record",
    "member_seats",
    "motion_ballots_cancellable",
    "motion_cast_from_form",
    "motions_awaiting_mandate",
    "motions_of",
    "my_vote",
    "option_labels",
    "public_name",
    "referendum_bodies_of",
    "referendum_cast_from_form",
    "referendum_turnout",
    "require_member",
    "require_officer",
    "rule_of",
    "seats_in",
    "turnout_by_base",
    "uptake_by_region",
]
