"""The close of the vote: the count, what is published of it, and the close handlers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.ballots.box import BallotBox, min_voters_for_breakdown
from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import (
    forget_key_on_commit,
    key_for,
    open_and_keep,
    readings_of,
    secrecy_facts,
)
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.elections.models import Ballot, Candidacy, Election
from asamblea.elections.publish import (
    AS_READ,
    aggregate_ballots,
    count_as_read,
    empty_result,
    profile_from_ballots,
    result_to_json,
    tally_yes_no,
)
from asamblea.elections.services._common import PARITY_GROUPS, STV_METHODS, _locked
from asamblea.elections.services.casting import _reshuffle
from asamblea.elections.services.reads import standing, turnout
from asamblea.elections.services.sealed import paper_of
from asamblea.errors import Conflict
from asamblea.federation.membership import User
from asamblea.federation.services import require_officer
from asamblea.record.services import Event, append_entries


def paper_ballots(election: Election) -> hooks.PaperBallots | None:
    """The election's paper ballots entered in a room (the meetings app's), if any."""
    return hooks.read_paper_ballots(election)


def box_papers(election: Election, candidacies: Sequence[Candidacy]) -> list[list[int] | list[str]]:
    """Every valid paper in the election's box, as the box stores a plaintext ballot
    (candidacy ids in order, or ["yes"] / ["no"]): the one place the count reads papers.

    A sealed election's papers are those read when its box was opened at the close
    (`_open_sealed_box`), in the mix's order, unlinked from any tracker; its
    invalid papers (`invalid_papers`) are left out. An election opened before
    sealing existed keeps plaintext rankings in its ballot rows.
    """
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        rankings = Ballot.objects.filter(election=election).values_list("ranking", flat=True)
        return [list(ranking) for ranking in rankings]
    found = [paper_of(election, candidacies, reading) for reading in readings_of(key)]
    return [paper for paper in found if paper is not None]


def invalid_papers(election: Election, candidacies: Sequence[Candidacy]) -> int:
    """Papers of a sealed election's opened box that are not a valid ballot."""
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        return 0
    readings = readings_of(key)
    return sum(1 for reading in readings if paper_of(election, candidacies, reading) is None)


def _ballot_names(election: Election, candidacies: Sequence[Candidacy]) -> list[list[str]]:
    papers: list[Sequence[Any]] = list(box_papers(election, candidacies))
    room = paper_ballots(election)
    papers += room.rankings if room is not None else []
    return _names(election, papers, candidacies)


def _names(
    election: Election,
    papers: Iterable[Sequence[Any]],
    candidacies: Sequence[Candidacy] | None = None,
) -> list[list[str]]:
    """Papers of candidacy ids (or yes/no) as the count and the record name them."""
    if election.method == Election.Method.YES_NO:
        return [[str(choice) for choice in paper] for paper in papers]
    if candidacies is None:
        candidacies = standing(election)
    names = {c.pk: c.public_name for c in candidacies}
    return [[names[int(pk)] for pk in paper if int(pk) in names] for paper in papers]


def _open_sealed_box(election: Election) -> BallotKey | None:
    """Open a sealed election's box (inside the close's transaction): mix the cast list,
    decrypt and read it; the opened document is kept on the key for the count and the
    record. None for an election opened before sealing existed."""
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        return None
    return open_and_keep(key, BallotBox(Ballot, election).cast_list())


def _at_least(election: Election, candidacies: Sequence[Candidacy]) -> dict[str, int]:
    if not election.parity or election.method not in STV_METHODS:
        return {}
    need = election.seats // 2
    minimums = {}
    for group in PARITY_GROUPS:
        available = sum(1 for c in candidacies if c.group == group)
        if min(need, available) > 0:
            minimums[group] = min(need, available)
    return minimums


def profile_for(
    election: Election, *, withdrawn: Iterable[int] = ()
) -> tuple[Profile, list[Candidacy]]:
    """The stored ballots of an election as a counting profile (candidacy ids withdrawn)."""
    candidacies = standing(election)
    by_id = {c.pk: c.public_name for c in candidacies}
    profile = profile_from_ballots(
        [c.public_name for c in candidacies],
        aggregate_ballots(_ballot_names(election, candidacies)),
        seats=election.seats,
        groups=[c.group or None for c in candidacies],
        withdrawn=[by_id[pk] for pk in withdrawn if pk in by_id],
    )
    return profile, candidacies


def _count(election: Election) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the published inputs of the count, its result as JSON)."""
    candidacies = standing(election)
    names = [c.public_name for c in candidacies]
    ballot_list = aggregate_ballots(_ballot_names(election, candidacies))
    invalid = invalid_papers(election, candidacies)
    inputs: dict[str, Any] = {
        "election": election.pk,
        "body": election.constituency.slug,
        "method": election.method,
        "seats": election.seats,
        "seed": election.seed,
        "candidates": names,
        "groups": [c.group or None for c in candidacies],
        "at_least": _at_least(election, candidacies),
        "ballots": ballot_list,
    }
    if invalid:
        inputs["invalid"] = invalid
    if election.method == Election.Method.YES_NO:
        return inputs, tally_yes_no(ballot_list)
    as_read = count_as_read(inputs)
    if as_read is not None:
        # Publish each paper only as far as the count read it (see publish.py).
        result_json, inputs["ballots"] = as_read
        inputs["ballots_as_read"] = AS_READ
        return inputs, result_json
    profile = profile_from_ballots(
        names, ballot_list, seats=election.seats, groups=inputs["groups"]
    )
    if profile.total_papers == 0 or not names:
        return inputs, empty_result(election.method, election.seats, names)
    result = count(
        profile,
        election.method,
        seats=election.seats,
        seed=election.seed,
        at_least=inputs["at_least"] or None,
    )
    return inputs, result_to_json(result)


def _secrecy_events(election: Election, key: BallotKey, *, breakdown: bool) -> list[Event]:
    """The sealed ballots as cast (with their trackers), the mix and the decryption.

    Below the minimum for a breakdown the decryption is withheld (it would show how
    each of the few voted), as the count's ballots are: the record then proves
    only that the cast ballots were mixed, not what they read."""
    body = election.constituency
    cast, opened = secrecy_facts(
        key,
        BallotBox(Ballot, election).cast_list(),
        withheld=None
        if breakdown
        else f"fewer than {min_voters_for_breakdown()} ballots: the decryption is not published",
    )
    head = {"election": election.pk, "body": body.slug}
    return [
        Event("secrecy.cast", {**head, **cast}, body=body),
        Event("secrecy.opened", {**head, **opened}, body=body),
    ]


@transaction.atomic
def do_close_election(election: Election, *, now: datetime | None = None) -> Election:
    """Close the vote (the system, on time): count, publish with its inputs, fill the seats."""
    now = now or timezone.now()
    election = _locked(election)
    if election.status != Election.Status.VOTING:
        raise Conflict(_("This election's vote is not open, so it cannot be closed."))
    _reshuffle(election, now)
    body = election.constituency
    key = _open_sealed_box(election)
    inputs, result = _count(election)
    casts, roll = turnout(election)
    trackers = BallotBox(Ballot, election).trackers()
    papers = paper_ballots(election)
    on_paper = len(papers.rankings) if papers is not None else 0
    breakdown = len(trackers) + on_paper >= min_voters_for_breakdown()
    election.status = Election.Status.CLOSED
    election.closed_at = now
    election.result = {
        "roll": roll,
        "casts": casts,
        "papers": len(trackers) + on_paper,
        "breakdown_published": breakdown,
        "count": result,
    }
    if breakdown and "ballots_as_read" in inputs:
        # The published papers are cut: a countback publishes the papers it reads further.
        election.result["ballots_as_read"] = inputs["ballots_as_read"]
    if papers is not None:
        # Kept with the result (the acta of the room's meeting reads the figures).
        election.result["paper"] = papers.facts
    election.save(update_fields=["status", "closed_at", "result"])
    events = [
        Event(
            "election.closed",
            {"election": election.pk, "body": body.slug, "roll": roll, "casts": casts},
            body=body,
        )
    ]
    events += [
        Event("ballot.tracker", {"election": election.pk, "tracker": tracker}, body=body)
        for tracker in trackers
    ]
    if key is not None:
        events += _secrecy_events(election, key, breakdown=breakdown)
        forget_key_on_commit(key)
    counted: dict[str, Any] = dict(inputs)
    if papers is not None:
        counted["paper"] = papers.facts
        if breakdown and key is not None:
            # With a sealed box the verifier matches the decrypted papers to the count:
            # it needs the room's papers (anonymous, and in the ballot list anyway) apart.
            counted["paper"] = {
                **papers.facts,
                "read": aggregate_ballots(_names(election, papers.rankings)),
            }
    if breakdown:
        counted["result"] = result
    else:
        # Too few voters: the ballots and the stages would show how people voted.
        del counted["ballots"]
        counted["papers"] = len(trackers) + on_paper
        counted["result"] = {
            key: result[key] for key in ("method", "seats", "elected", "yes", "no") if key in result
        }
        counted["withheld"] = (
            f"fewer than {min_voters_for_breakdown()} ballots: only the outcome is published"
        )
    events.append(Event("election.counted", counted, body=body))
    handler = hooks.election_closed.first(election.kind)
    if handler is not None:
        events += handler(election, election.result)
    append_entries(election.federation, events)
    return election


@transaction.atomic
def do_close_election_when_all_voted(
    actor: User, election: Election, *, now: datetime | None = None
) -> Election:
    """An officer closes the vote before its time once every member on the roll has voted
    (as motions and referendums can be closed and counted at once)."""
    require_officer(actor, election.constituency)
    election = _locked(election)
    if election.status != Election.Status.VOTING:
        raise Conflict(_("This election's vote is not open, so it cannot be closed."))
    casts, roll = turnout(election)
    if roll == 0 or casts < roll:
        raise Conflict(
            _("Not everyone on the roll has voted yet (%(cast)s of %(roll)s): the vote stays open.")
            % {"cast": casts, "roll": roll}
        )
    return do_close_election(election, now=now)
