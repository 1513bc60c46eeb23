"""Checks `asamblea record verify` runs on election entries: every count is recounted.

Pure module (no Django import). Importing it registers the checks:

- "election.opened": remembers the seed commitment (SHA-256 of the seed).
- "election.closed": remembers how many members voted (`casts`).
- "ballot.tracker": counts each election's trackers; a tracker published twice fails.
- "election.counted": the seed matches its commitment; when the ballot list is
  published (it is withheld below the minimum number of voters), the number of
  papers equals the number of trackers, and counting the published ballots with
  the published method, seats, seed and group minimums gives exactly the
  published result: the same elected candidates and the same totals at every stage.
  When the papers are published as the count read them ("ballots_as_read"), they
  must also show nothing the count did not read: cutting them again changes nothing.
  For a sealed election (its "secrecy.*" entries checked by `asamblea.ballots.recount`):
  the sealed ballots cast are exactly those whose trackers are published, and,
  unless the decryption is withheld, the papers counted are exactly the papers the
  trustees' proven decryption reads (valid ones counted, the rest as invalid).
  When it was also voted on paper in a room: the members who voted are exactly the
  trackers plus the papers handed out (a member who voted online and then took a
  paper had their online ballot cancelled, so they are counted once, on paper).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

from asamblea import hooks
from asamblea.ballots.recount import SealedVote, sealed_vote
from asamblea.elections.publish import (
    AS_READ,
    aggregate_ballots,
    count_as_read,
    count_published,
)
from asamblea.errors import VerificationFailed
from asamblea.record.verify import CheckContext

_STATE = "elections"


def seed_commitment(seed: int) -> str:
    """What an election publishes at its opening so the lot cannot be chosen after the vote."""
    return hashlib.sha256(f"asamblea-seed-v1:{seed}".encode("ascii")).hexdigest()


def _election(context: CheckContext, election: Any) -> dict[str, Any]:
    elections: dict[Any, dict[str, Any]] = context.state.setdefault(_STATE, {})
    return elections.setdefault(election, {"trackers": set(), "commitment": None})


def check_opened(entry: Mapping[str, Any], context: CheckContext) -> None:
    _election(context, entry["election"])["commitment"] = entry["seed_commitment"]


def check_closed(entry: Mapping[str, Any], context: CheckContext) -> None:
    _election(context, entry["election"])["casts"] = entry.get("casts")


def check_tracker(entry: Mapping[str, Any], context: CheckContext) -> None:
    trackers: set[str] = _election(context, entry["election"])["trackers"]
    if entry["tracker"] in trackers:
        raise VerificationFailed(f"tracker {entry['tracker']} is published twice")
    trackers.add(entry["tracker"])


def check_counted(entry: Mapping[str, Any], context: CheckContext) -> None:
    state = _election(context, entry["election"])
    commitment = state["commitment"]
    if commitment is not None and seed_commitment(entry["seed"]) != commitment:
        raise VerificationFailed("the seed of the count is not the one committed to at the opening")
    published = entry["result"]
    # Paper ballots entered in a room have no tracker: the record says how many they are.
    expected = len(state["trackers"]) + entry.get("paper", {}).get("ballots", 0)
    _check_voted_once(entry.get("paper"), state)
    sealed = sealed_vote(context, "election", entry["election"])
    if sealed is not None:
        _check_sealed(entry, sealed, state["trackers"])
    if "ballots" not in entry:
        # Withheld (too few voters to publish a breakdown): only the totals can be checked.
        if entry["papers"] != expected:
            raise VerificationFailed(
                f"{entry['papers']} papers counted but {len(state['trackers'])} trackers "
                f"published and {expected - len(state['trackers'])} paper ballots"
            )
        return
    papers = sum(ballot["count"] for ballot in entry["ballots"]) + int(entry.get("invalid", 0))
    if papers != expected:
        raise VerificationFailed(
            f"the ballot list has {papers} papers but {len(state['trackers'])} trackers "
            f"were published and {expected - len(state['trackers'])} paper ballots"
        )
    as_read = _as_read(entry) if "ballots_as_read" in entry else None
    recounted = as_read[0] if as_read is not None else count_published(entry)
    if recounted.get("elected") != published.get("elected"):
        raise VerificationFailed(
            f"recounting the published ballots elects {_names(recounted, published)}, "
            f"not {_names(published, recounted)}"
        )
    for key in ("yes", "no", "valid_votes", "quota"):
        if recounted.get(key) != published.get(key):
            raise VerificationFailed(
                f"recounting gives {key} {recounted.get(key)!r}, published {published.get(key)!r}"
            )
    for mine, theirs in zip(recounted.get("stages", []), published.get("stages", []), strict=False):
        if mine["votes"] != theirs["votes"]:
            raise VerificationFailed(
                f"stage {mine['number']}: recounted totals {mine['votes']} differ from the "
                f"published {theirs['votes']}"
            )
    if len(recounted.get("stages", [])) != len(published.get("stages", [])):
        raise VerificationFailed("the recount has a different number of stages")
    if as_read is not None and as_read[1] != list(entry["ballots"]):
        raise VerificationFailed(
            "the published papers show preferences the count never read: "
            "they are not cut as far as the count read them"
        )


def _check_voted_once(paper: Mapping[str, Any] | None, state: Mapping[str, Any]) -> None:
    """Everyone who voted has one ballot: an online tracker or a paper handed out at the
    table, never both (their online ballot is cancelled when they take a paper)."""
    casts = state.get("casts")
    if paper is None or not isinstance(casts, int) or not isinstance(paper.get("handed_out"), int):
        return
    online = len(state["trackers"])
    if online + paper["handed_out"] != casts:
        raise VerificationFailed(
            f"{casts} members voted, but {online} online trackers are published and "
            f"{paper['handed_out']} papers were handed out in the room"
        )


_SETS = frozenset({"approval", "plurality"})


def _valid(method: str, seats: int, reading: tuple[int, ...]) -> bool:
    """Whether a paper read from a sealed ballot is a valid ballot of the method
    (the rules the server checks on a plaintext ballot; a read paper has no repeats)."""
    if method == "yes-no":
        return len(reading) == 1
    if method == "plurality":
        return 0 < len(reading) <= seats
    return len(reading) > 0


def _as_compared(method: str, ballots: list[dict[str, Any]]) -> Counter[tuple[str, ...]]:
    """Papers as a multiset; the marks of approval and plurality in any order."""
    counted: Counter[tuple[str, ...]] = Counter()
    for ballot in ballots:
        ranking = [str(name) for name in ballot["ranking"]]
        counted[tuple(sorted(ranking) if method in _SETS else ranking)] += int(ballot["count"])
    return counted


def _check_sealed(entry: Mapping[str, Any], sealed: SealedVote, trackers: set[str]) -> None:
    """The count of a sealed election counts exactly what its box held and read."""
    if sealed.cast is None or not sealed.opened:
        raise VerificationFailed("the sealed ballots are counted before the box is opened")
    if set(sealed.trackers) != trackers:
        raise VerificationFailed(
            f"{len(sealed.trackers)} sealed ballots cast, but the published trackers "
            f"({len(trackers)}) are not theirs"
        )
    if sealed.readings is None or (not sealed.readings and "ballots" not in entry):
        # The decryption is withheld with the breakdown (or there was nothing to
        # decrypt): the totals are checked by the caller.
        return
    if "ballots" not in entry:
        raise VerificationFailed("the papers are decrypted but the count withholds them")
    if entry["candidates"] and sealed.choices != [str(c) for c in entry["candidates"]]:
        raise VerificationFailed("the count's candidates are not the choices the ballots sealed")
    method, seats = entry["method"], int(entry["seats"])
    valid = [r for r in sealed.readings if r is not None and _valid(method, seats, r)]
    invalid = len(sealed.readings) - len(valid)
    if invalid != int(entry.get("invalid", 0)):
        raise VerificationFailed(
            f"the decryption reads {invalid} invalid papers, the count says "
            f"{entry.get('invalid', 0)}"
        )
    paper = entry.get("paper", {})
    if paper.get("ballots") and "read" not in paper:
        raise VerificationFailed(
            "the paper ballots of the room are counted with the sealed ones but not published apart"
        )
    room = [
        list(ballot["ranking"])
        for ballot in paper.get("read", [])
        for _ in range(int(ballot["count"]))
    ]
    if len(room) != int(paper.get("ballots", 0)):
        raise VerificationFailed(
            f"{paper.get('ballots', 0)} paper ballots counted, {len(room)} published apart"
        )
    read = aggregate_ballots([[sealed.choices[i] for i in reading] for reading in valid] + room)
    if "ballots_as_read" in entry:
        cut = count_as_read({**entry, "ballots": read})
        if cut is not None:
            read = cut[1]
    if _as_compared(method, read) != _as_compared(method, list(entry["ballots"])):
        raise VerificationFailed(
            "the papers counted are not the papers the decryption of the sealed ballots reads"
        )


def _as_read(entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The recount of papers published as the count read them, and those papers cut again.

    None where the method cuts nothing (they are counted as they are).
    """
    if entry["ballots_as_read"] != AS_READ:
        raise VerificationFailed(
            f"the papers are cut by rule version {entry['ballots_as_read']!r}; "
            f"this verifier knows version {AS_READ}"
        )
    return count_as_read(entry)


def _names(result: Mapping[str, Any], other: Mapping[str, Any] | None = None) -> str:
    """Who is elected; with the stage of election too when only the stages differ from
    `other` ("A (stage 1), B (stage 3)"), so the two lists a message compares differ."""
    if "elected" not in result:
        return f"yes {result.get('yes')}, no {result.get('no')}"
    names = [item["name"] for item in result["elected"]]
    if other is not None and names == [item["name"] for item in other.get("elected") or []]:
        return ", ".join(
            f"{item['name']} (stage {item['stage']})" if "stage" in item else item["name"]
            for item in result["elected"]
        )
    return ", ".join(names) or "nobody"


hooks.verify_check.add("election.opened", check_opened)
hooks.verify_check.add("election.closed", check_closed)
hooks.verify_check.add("ballot.tracker", check_tracker)
hooks.verify_check.add("election.counted", check_counted)
