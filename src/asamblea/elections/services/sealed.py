"""Sealed elections: the vote's key at the opening, ballots as codec indices, papers as read.

Every election whose vote opens from now on is sealed, in server mode or, when its
trustees did the key ceremony, in trustees mode (`elections.services.trustees`;
decision 0004; `asamblea.ballots.sealing`): its ballots are
encrypted from the moment they are cast, and opened only at the close, after a
proven mix. Elections opened before sealing existed have no `BallotKey`; their
ballots keep their plaintext `ranking` and are counted as before.

A ballot is sealed as indices into the election's choices, fixed when the vote
opens: the standing candidates in ballot order (`standing`), or "yes" and "no"
in a recall vote. Ranked methods seal the ranking in order; approval and
plurality seal the marked candidates in ballot order (the stored form sorts
them by candidacy id).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import Reading, key_for, open_server_key, write_cancel_secret
from asamblea.counting.truncate import TRUNCATING
from asamblea.elections import ballots as papers
from asamblea.elections.models import Ballot, Candidacy, Election
from asamblea.errors import Conflict
from asamblea.secrecy.encoding import BallotCodec


def election_key(election: Election) -> BallotKey | None:
    """The key of a sealed election (None: an election opened before sealing existed)."""
    kept = getattr(election, "_ballot_key", None)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is not None and election.status in (
        Election.Status.VOTING,
        Election.Status.TALLYING,
        Election.Status.CLOSED,
    ):
        election._ballot_key = key  # type: ignore[attr-defined]
    return key


def _codec(election: Election, count: int) -> BallotCodec:
    """How a ballot of this election is sealed.

    The methods whose count reads a paper only down to the candidate it settles on
    (`counting.truncate.TRUNCATING`: stv-scottish, stv-meek, irv) seal one preference
    per ciphertext, so the close can decrypt in public exactly the preferences the
    count read and leave the rest sealed (`closing._keep_as_read`); packing several
    (up to 5 of 8 candidates in one) would show the preferences packed with the last
    one read. It costs the cast ballot about 200 characters of JSON per candidate
    (1.8 KB for 8 candidates instead of 0.5 KB, 4.2 KB for 20 instead of 1.6 KB) and
    the close one proof of shuffle and one decryption factor per candidate and paper.
    The others publish every mark, so they stay packed."""
    if election.method == Election.Method.YES_NO:
        return BallotCodec(2, 1)
    if election.method == Election.Method.PLURALITY:
        return BallotCodec(count, min(count, election.seats))
    if election.method in TRUNCATING:
        return BallotCodec(count, table_limit=count + 1)
    return BallotCodec(count)


def choices_of(election: Election, candidates: Sequence[Candidacy]) -> list[str]:
    """What each index of the election's codec stands for, as the record names it."""
    if election.method == Election.Method.YES_NO:
        return list(papers.YES_NO_CHOICES)
    return [c.public_name for c in candidates]


def open_election_key(election: Election, candidates: Sequence[Candidacy]) -> BallotKey | None:
    """Make the key of an election whose vote opens now (inside the opening's transaction).

    None when nobody stands (a vote with nothing to choose seals nothing)."""
    count = 2 if election.method == Election.Method.YES_NO else len(candidates)
    held = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if held is not None and held.mode == BallotKey.Mode.TRUSTEES:
        # The trustees' ceremony made the key (`_open_voting` checked it is done);
        # what its ballots encode is fixed now, as in server mode.
        if held.state != BallotKey.State.READY:
            raise Conflict(_("The trustees' key ceremony is not done: the vote cannot open."))
        held.codec = _codec(election, max(count, 1)).describe()
        held.choices = choices_of(election, candidates) if count else []
        held.save(update_fields=["codec", "choices"])
        # Written with the trustees' setup; again here for a key set up before cancel
        # tags existed in trustees mode (an existing file keeps its secret).
        write_cancel_secret(held.context)
        return held
    if count == 0:
        return None
    return open_server_key(
        federation_slug=election.federation.slug,
        scheme=Ballot.TRACKER_SCHEME,
        vote_id=election.pk,
        codec=_codec(election, count),
        choices=choices_of(election, candidates),
    )


def indices_of(
    election: Election, candidates: Sequence[Candidacy], choices: Sequence[int | str]
) -> list[int]:
    """A checked ballot (as `papers.check_ballot` returns it) as codec indices."""
    if election.method == Election.Method.YES_NO:
        return [papers.YES_NO_CHOICES.index(str(choice)) for choice in choices]
    position = {c.pk: n for n, c in enumerate(candidates)}
    indices = [position[int(choice)] for choice in choices]
    if election.method in papers.SET_METHODS:
        indices.sort()
    return indices


def paper_of(
    election: Election, candidates: Sequence[Candidacy], reading: Reading
) -> list[int] | list[str] | None:
    """A paper read at the close as the box stores a plaintext ballot (candidacy ids, or
    "yes"/"no"); None when the paper is invalid (ill-formed, or not a valid ballot of
    this election's method)."""
    if reading is None:
        return None
    if election.method == Election.Method.YES_NO:
        names = list(papers.YES_NO_CHOICES)
        choices: list[object] = [names[i] for i in reading if 0 <= i < len(names)]
    else:
        choices = [candidates[i].pk for i in reading if 0 <= i < len(candidates)]
    standing = [papers.Candidate(c.pk, c.public_name) for c in candidates]
    try:
        return papers.check_ballot(election.method, election.seats, standing, choices)
    except papers.BallotProblem:
        return None
