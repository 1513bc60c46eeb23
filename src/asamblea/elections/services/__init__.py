"""Elections: every state change (`do_*`, one transaction each) and the reads that check permission.

One module per noun: `reads`, `opening`, `nominations` (candidacies), `stages` (nominations
close, the vote opens, cancellation), `casting` (the vote), `closing` (the count) and `seats`;
`handlers` keeps the old names of the close and seat-ended hooks. Import from this package:
it re-exports every name callers use.

The contract other apps build on (the recall app reuses elections for recall
votes and by-elections); keep it stable:

    do_open_election(actor, constituency, *, delegation=None, command=None, seats=None,
                     method=None, parity=False, nominations_close_at, voting_opens_at,
                     voting_closes_at, kind="delegation", seat=None, seed=None) -> Election
        actor: an officer of the constituency, or None for the system acting on a
        rule (a recall petition reaching its threshold, a vacancy needing a
        by-election). Seats default to the delegation's `next_seats` (the
        apportioned figure takes effect at this election), to the command body's
        `seat_total`, and to 1 for a by-election or recall. Method defaults to
        stv-scottish for several seats and irv for one; approval and plurality
        may be chosen; a recall vote is always "yes-no" (ballots ["yes"] or ["no"]).
        A random seed (secrets.randbits(63)) is drawn for the lots and kept, unless
        `seed` gives one (the demo, to be the same at every load); only its SHA-256
        commitment is published until the count.
        A recall vote needs no nominations: it starts "ready" and opens on time
        (or at once: call do_open_voting right after).
        Its ballots' key: trustees mode by default (ELECTION_KEY_MODE), when the body
        has 3 officers with a login and the vote opens after now; else server mode.
    key_mode(mode) -> context manager (or decorator): elections made inside default
        to `mode` ("server" or "trustees"); the demo's loaders use "server".
    do_stand(actor, election, *, group="", public_name="") -> Candidacy
    do_nominate(actor, election, person, *, group="", public_name="") -> Candidacy
    do_accept_nomination(actor, candidacy, *, public_name="", group=None) -> Candidacy
    do_withdraw(actor, candidacy) -> Candidacy
    do_close_nominations(actor, election, *, now=None) -> Election
    do_open_voting(election, *, now=None) -> Election        (system; freezes the roll)
    do_cast_ballot(user, election, ranking, *, ballot_code=None, form_token="") -> CastReceipt
    cast_from_form(user, election, form_token) -> CastReceipt | None   (a lost answer's receipt)
    do_close_election(election, *, now=None) -> Election     (system; counts, publishes, fills)
    do_cancel_election(actor, election, reason) -> Election

    hooks.election_closed and hooks.seat_ended (asamblea.hooks): what other apps do
        when an election closes ("recall" is the recall app's) and when a new term
        ends a seat (the recall app's cascade).
    profile_for(election, *, withdrawn=()) -> (Profile, candidacies): the stored ballots
        as a counting profile (countback re-counts with a candidacy withdrawn).

Who may vote and stand (`eligible_people`, in federation/membership.py): in a
base assembly its verified members; in a council the delegates, i.e. the holders
of seats in delegations into it. The roll is frozen when the vote opens:
whoever becomes eligible later does not vote in this election, and whoever
stops being eligible (suspended, recalled) can no longer vote in it either.

Secret ballot (see also models.py, asamblea.ballots and docs/elections.md):
- `VoteCast` (THAT a person voted) and `Ballot` (WHAT was voted) share no key,
  no timestamp, no ordered id. A ballot is found only through its tracker,
  SHA-256 of (election, person, ballot code); the ballot code is shown to the
  voter once and never stored, so only the voter (logged in as themselves) can
  find their ballot again, to replace it before the close.
- A voter who lost the code cannot replace their ballot: the earlier one stands.
  Any way for the server to find a ballot without the code would be a link the
  operator could follow too. The one exception is the room: a sealed ballot
  carries a cancel tag that only the vote's key file (outside the database)
  computes, so that the table can delete, unread, the online ballot of a member
  who votes on paper instead (`do_cancel_online_ballot`; docs/security.md).
- Physical order: the ballot box is rewritten in tracker order
  (`BallotBox.reshuffle`) by the scheduler's tick while the vote is open
  (whenever new casts arrived, and every few minutes anyway, since a
  replacement moves a row too) and once more at the close, before the count.
  After the close no row order and no transaction id ties a ballot to a voter;
  during the vote only the casts since the last tick could be tied by someone
  reading the database's internals.
- Sealed (`sealed`; docs/elections.md): every election whose vote opens now has a
  key (server mode); its ballots are stored encrypted, and the close mixes,
  decrypts and reads them (`closing.box_papers` is where the count reads papers).
"""

from __future__ import annotations

from asamblea.ballots.box import CastReceipt
from asamblea.elections.services._common import (
    OPEN_STATUSES,
    PARITY_GROUPS,
    STV_METHODS,
    _locked,
)
from asamblea.elections.services.casting import (
    RESHUFFLE_EVERY,
    cast_from_form,
    do_cancel_online_ballot,
    do_cast_ballot,
    do_reshuffle_ballots,
    online_ballots_cancellable,
)
from asamblea.elections.services.closing import (
    _at_least,
    _count,
    do_close_election,
    do_close_election_when_all_voted,
    profile_for,
)
from asamblea.elections.services.handlers import (
    CloseHandler,
    SeatEndedHandler,
    register_close_handler,
    register_seat_ended_handler,
)
from asamblea.elections.services.nominations import (
    do_accept_nomination,
    do_nominate,
    do_stand,
    do_withdraw,
)
from asamblea.elections.services.opening import CHOOSABLE_METHODS, do_open_election
from asamblea.elections.services.reads import (
    access_election,
    access_election_by_slug,
    election_title,
    elections_of,
    has_voted,
    standing,
    turnout,
)
from asamblea.elections.services.seats import (
    command_seats,
    delegates_from,
    delegates_into,
    elected_candidacies,
    fill_term,
    fill_vacancy,
    seats_held_by,
)
from asamblea.elections.services.stages import (
    NOBODY_STOOD,
    _cancel,
    do_cancel_election,
    do_close_nominations,
    do_close_nominations_on_time,
    do_open_voting,
)
from asamblea.elections.services.trustees import key_mode

# Views, the demo and tests read these membership rules through this module too.
from asamblea.federation.membership import User, eligible_people, is_eligible, person_of

__all__ = [
    "CHOOSABLE_METHODS",
    "NOBODY_STOOD",
    "OPEN_STATUSES",
    "PARITY_GROUPS",
    "RESHUFFLE_EVERY",
    "STV_METHODS",
    "CastReceipt",
    "CloseHandler",
    "SeatEndedHandler",
    "User",
    "_at_least",
    "_cancel",
    "_count",
    "_locked",
    "access_election",
    "access_election_by_slug",
    "cast_from_form",
    "command_seats",
    "delegates_from",
    "delegates_into",
    "do_accept_nomination",
    "do_cancel_election",
    "do_cancel_online_ballot",
    "do_cast_ballot",
    "do_close_election",
    "do_close_election_when_all_voted",
    "do_close_nominations",
    "do_close_nominations_on_time",
    "do_nominate",
    "do_open_election",
    "do_open_voting",
    "do_reshuffle_ballots",
    "do_stand",
    "do_withdraw",
    "elected_candidacies",
    "election_title",
    "elections_of",
    "eligible_people",
    "fill_term",
    "fill_vacancy",
    "has_voted",
    "is_eligible",
    "key_mode",
    "online_ballots_cancellable",
    "person_of",
    "profile_for",
    "register_close_handler",
    "register_seat_ended_handler",
    "seats_held_by",
    "standing",
    "turnout",
]
