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
    OpenedBox,
    Reading,
    forget_key_on_commit,
    key_for,
    open_box,
    readings_of,
    secrecy_facts,
)
from asamblea.ballots.trustees import mix_for_trustees
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.elections.models import Ballot, Candidacy, Election
from asamblea.elections.publish import (
    AS_READ,
    aggregate_ballots,
    count_as_read_with_depths,
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


def box_papers(
    election: Election,
    candidacies: Sequence[Candidacy],
    readings: Sequence[Reading] | None = None,
) -> list[list[int] | list[str]]:
    """Every valid paper in the election's box, as the box stores a plaintext ballot
    (candidacy ids in order, or ["yes"] / ["no"]): the one place the count reads papers.

    A sealed election's papers are those read when its box was opened at the close
    (`_open_sealed_box`), in the mix's order, unlinked from any tracker; its
    invalid papers (`invalid_papers`) are left out. `readings`: the papers as the
    close reads them whole (in memory only); without them, as the server keeps
    them after the close - as far as the record shows them (`BallotKey.opened`).
    An election opened before sealing existed keeps plaintext rankings in its
    ballot rows.
    """
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        rankings = Ballot.objects.filter(election=election).values_list("ranking", flat=True)
        return [list(ranking) for ranking in rankings]
    if readings is None:
        readings = readings_of(key)
    found = [paper_of(election, candidacies, reading) for reading in readings]
    return [paper for paper in found if paper is not None]


def invalid_papers(
    election: Election,
    candidacies: Sequence[Candidacy],
    readings: Sequence[Reading] | None = None,
) -> int:
    """Papers of a sealed election's opened box that are not a valid ballot."""
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        return 0
    if readings is None:
        readings = readings_of(key)
    return sum(1 for reading in readings if paper_of(election, candidacies, reading) is None)


def _ballot_names(
    election: Election,
    candidacies: Sequence[Candidacy],
    readings: Sequence[Reading] | None = None,
) -> list[list[str]]:
    papers: list[Sequence[Any]] = list(box_papers(election, candidacies, readings))
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


def _open_sealed_box(election: Election) -> tuple[BallotKey, OpenedBox] | None:
    """Open a sealed election's box (inside the close's transaction): mix the cast list,
    decrypt and read it, in memory. The count reads the papers whole; what is kept and
    published is cut to what the count read (`_keep_as_read`). None for an election
    opened before sealing existed."""
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None:
        return None
    cast = [sealed for _tracker, sealed in BallotBox(Ballot, election).cast_list()]
    return key, open_box(key, cast)


def _keep_as_read(
    election: Election,
    key: BallotKey,
    box: OpenedBox,
    depths: dict[tuple[str, ...], int] | None,
    elected: Iterable[str] = (),
) -> None:
    """Keep on the key (for the record) the decryption of each paper's first
    ciphertexts only, as far as the count read it: `depths` gives, by ranking, how many
    preferences the count read (None: a method that reads every mark, whose papers are
    decrypted whole). An invalid paper is shown as far as shows it invalid. The other
    ciphertexts' factors and plaintexts are never written.

    A countback reads the departing member's papers further than the count did, and in
    server mode nobody can decrypt them later (the key is deleted at the publication).
    So the key also keeps, unpublished ("kept"), the reading of every paper whose
    published part names an `elected` candidate - whole, as a countback may need it -
    and of the others only what the record shows of them (`readings_of`)."""
    if depths is None:
        key.opened = box.facts
        key.save(update_fields=["opened"])
        return
    candidacies = standing(election)
    preferences = []
    for reading in box.readings:
        paper = paper_of(election, candidacies, reading)
        if paper is None:
            preferences.append(len(reading or ()))
        else:
            preferences.append(depths[tuple(_names(election, [paper], candidacies)[0])])
    opened = box.published_as_read(preferences)
    chosen = set(elected)
    seated = {n for n, name in enumerate(key.choices) if name in chosen}
    shown = opened["decryption"]["ballots"] if opened["decryption"] else []
    kept = [
        None if whole is None else list(whole) if seated.intersection(cut or ()) else cut
        for whole, cut in zip(box.readings, shown, strict=True)
    ]
    key.opened = {**opened, "kept": kept}
    key.save(update_fields=["opened"])


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


def _count(
    election: Election, readings: Sequence[Reading] | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[tuple[str, ...], int] | None]:
    """(the published inputs of the count, its result as JSON, how many preferences of
    each ranking it read: None where it reads every mark)."""
    candidacies = standing(election)
    names = [c.public_name for c in candidacies]
    ballot_list = aggregate_ballots(_ballot_names(election, candidacies, readings))
    invalid = invalid_papers(election, candidacies, readings)
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
        return inputs, tally_yes_no(ballot_list), None
    as_read = count_as_read_with_depths(inputs)
    if as_read is not None:
        # Publish each paper only as far as the count read it (see publish.py).
        result_json, inputs["ballots"], depths = as_read
        inputs["ballots_as_read"] = AS_READ
        return inputs, result_json, depths
    profile = profile_from_ballots(
        names, ballot_list, seats=election.seats, groups=inputs["groups"]
    )
    if profile.total_papers == 0 or not names:
        return inputs, empty_result(election.method, election.seats, names), None
    result = count(
        profile,
        election.method,
        seats=election.seats,
        seed=election.seed,
        at_least=inputs["at_least"] or None,
    )
    return inputs, result_to_json(result), None


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
    held = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if held is not None and held.mode == BallotKey.Mode.TRUSTEES:
        # Trustees mode: casting stops, the server mixes, the trustees open the box
        # (`trustees.do_trustee_decrypt` publishes the count once k have decrypted).
        mix_for_trustees(held, [sealed for _t, sealed in BallotBox(Ballot, election).cast_list()])
        election.status = Election.Status.TALLYING
        election.closed_at = now
        election.save(update_fields=["status", "closed_at"])
        return election
    return publish_count(election, _open_sealed_box(election), now=now)


def publish_count(
    election: Election, opened: tuple[BallotKey, OpenedBox] | None, *, now: datetime
) -> Election:
    """Count the opened box (in memory: the key and the papers as read), publish the
    count with its inputs and fill the seats: the close's second half, inside its
    transaction, or inside the trustees' last decryption's (trustees mode)."""
    body = election.constituency
    now = election.closed_at or now
    key = opened[0] if opened is not None else None
    inputs, result, depths = _count(election, opened[1].readings if opened is not None else None)
    if opened is not None:
        elected = [item["name"] for item in result.get("elected") or []]
        _keep_as_read(election, opened[0], opened[1], depths, elected)
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
        # Server mode: the share and the cancel secret; trustees mode: the cancel secret.
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
