"""Checks `asamblea record verify` runs on a sealed vote's entries, trusting no server.

Pure module (no Django import). Importing it registers the checks, which call the
independent verifier of `asamblea.secrecy.verify` as the entries arrive:

- "secrecy.key": the vote's key is well formed and is what its published dealing
  makes (each dealer's proof verifies); a context seen twice fails.
- "secrecy.cast": every sealed ballot as cast has the codec's width and a proof
  bound to this vote, none is a copy of another, and no tracker appears twice.
- "secrecy.opened": each mix re-encrypts and permutes exactly the previous list
  (the first, the cast list; in trustees mode mix 0 is the server's, mix 1 the
  teller's, as "mixed_by" says) - nothing added, dropped or changed - and, unless
  withheld, every trustee's decryption share is proven, the plaintexts are what
  the shares open, and each paper reads as published. A decryption published
  factor by factor for the positions a count read (`"positions"`, form
  "factors-v1") is checked by `secrecy.verify.verify_cut_decryption`: each
  published factor's own proof, the positions a prefix of each paper, the
  plaintexts, and each paper's reading of its published part.

What the vote's own count must then agree with (the trackers published, the papers
counted) is checked by the vote's app when its count arrives, through `sealed_vote`:
for elections, `asamblea.elections.recount`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asamblea import hooks
from asamblea.errors import VerificationFailed
from asamblea.record.verify import CheckContext
from asamblea.secrecy.bulletin import mix_context
from asamblea.secrecy.elgamal import Ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.threshold import ThresholdKey
from asamblea.secrecy.verify import (
    verify_cast,
    verify_cut_decryption,
    verify_decryption_shares,
    verify_key,
    verify_mix,
    verify_plaintexts,
)

_STATE = "secrecy"
# The fields that name the vote an entry is about, one per kind of secret vote.
VOTE_FIELDS = ("election", "motion", "referendum")


@dataclass
class SealedVote:
    """What the verification has established so far about one sealed vote."""

    context: str
    key: ThresholdKey
    codec: BallotCodec
    choices: list[str]
    trackers: list[str] = field(default_factory=list)
    cast: list[Ballot] | None = None
    opened: bool = False
    # The papers as read (codec indices; None: invalid), None until published.
    readings: list[tuple[int, ...] | None] | None = None
    # A vote whose box is opened in parts (a referendum: one per published row), each
    # with its own cast list and opening under the vote's key; the part names it.
    parts: dict[str, SealedVote] = field(default_factory=dict)


def _vote(entry: Mapping[str, Any]) -> tuple[str, Any]:
    for name in VOTE_FIELDS:
        if name in entry:
            return name, entry[name]
    raise VerificationFailed("a secrecy entry names no vote")


def _votes(context: CheckContext) -> dict[tuple[str, Any], SealedVote]:
    votes: dict[tuple[str, Any], SealedVote] = context.state.setdefault(_STATE, {})
    return votes


def sealed_vote(context: CheckContext, kind: str, vote: Any) -> SealedVote | None:
    """The sealed vote `kind` (e.g. "election") number `vote`, if its key was published."""
    return _votes(context).get((kind, vote))


def _known(entry: Mapping[str, Any], context: CheckContext) -> SealedVote:
    found = _votes(context).get(_vote(entry))
    if found is None or found.context != entry.get("context"):
        raise VerificationFailed(f"{entry.get('context')!r}: no key was published for this vote")
    if "part" not in entry:
        if found.parts:
            raise VerificationFailed(f"{found.context}: a box opened in parts, and whole")
        return found
    part = entry["part"]
    if not isinstance(part, str) or found.cast is not None:
        raise VerificationFailed(f"{found.context}: a malformed part of the box")
    if part not in found.parts:
        found.parts[part] = SealedVote(found.context, found.key, found.codec, found.choices)
    return found.parts[part]


def _fail(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise VerificationFailed("; ".join(problems[:3]) + more)


def check_key(entry: Mapping[str, Any], context: CheckContext) -> None:
    votes = _votes(context)
    vote_context = entry["context"]
    if not isinstance(vote_context, str) or any(v.context == vote_context for v in votes.values()):
        raise VerificationFailed(f"the key of {vote_context!r} is published twice")
    key, problems = verify_key(vote_context, entry["key"])
    _fail(problems)
    if key is None:  # pragma: no cover - verify_key reports why
        raise VerificationFailed("key: malformed")
    try:
        codec = BallotCodec.from_description(entry["codec"])
    except (ValueError, KeyError, TypeError) as error:
        raise VerificationFailed(f"{vote_context}: malformed codec ({error})") from None
    choices = entry["choices"]
    if not isinstance(choices, list) or len(choices) != codec.candidates:
        raise VerificationFailed(f"{vote_context}: the codec's choices are not named")
    votes[_vote(entry)] = SealedVote(vote_context, key, codec, [str(c) for c in choices])


def check_cast(entry: Mapping[str, Any], context: CheckContext) -> None:
    vote = _known(entry, context)
    if vote.cast is not None:
        raise VerificationFailed(f"{vote.context}: the cast list is published twice")
    cast = entry["cast"]
    if not isinstance(cast, list):
        raise VerificationFailed(f"{vote.context}: the cast list is not a list")
    trackers = [item.get("tracker") if isinstance(item, dict) else None for item in cast]
    if len(set(trackers)) != len(trackers) or not all(isinstance(t, str) for t in trackers):
        raise VerificationFailed(f"{vote.context}: a cast ballot without a tracker, or one twice")
    ballots, problems = verify_cast(vote.context, vote.key.public, vote.codec.width, cast)
    _fail(problems)
    whole = _votes(context)[_vote(entry)]
    if whole is not vote:
        # The parts of one box: no tracker, and no ciphertext, in two of them.
        seen = {t for p in whole.parts.values() if p is not vote for t in p.trackers}
        firsts = {b[0].a.hex() for p in whole.parts.values() if p.cast for b in p.cast}
        if seen & set(trackers) or any(b[0].a.hex() in firsts for b in ballots):
            raise VerificationFailed(f"{vote.context}: a ballot cast in two parts of the box")
    vote.cast = ballots
    vote.trackers = [str(t) for t in trackers]


def check_opened(entry: Mapping[str, Any], context: CheckContext) -> None:
    vote = _known(entry, context)
    if vote.cast is None:
        raise VerificationFailed(f"{vote.context}: the box is opened before its cast list")
    if vote.opened:
        raise VerificationFailed(f"{vote.context}: the box is opened twice")
    mixes = entry["mixes"]
    if not isinstance(mixes, list) or (vote.cast and not mixes):
        raise VerificationFailed(f"{vote.context}: the ballots are not mixed before they are read")
    mixed_by = entry.get("mixed_by")
    if mixed_by is not None and mixed_by != ["server", "teller"][: len(mixes)]:
        raise VerificationFailed(f"{vote.context}: the mixes and who made them do not match")
    # Each mix's input is the previous one's output (mix 0's the cast list), and the
    # trustees' factors below are over the last one's output.
    ballots = vote.cast
    for m, mix in enumerate(mixes):
        ballots, problems = verify_mix(mix_context(vote.context, m), vote.key.public, ballots, mix)
        _fail(problems)
    vote.opened = True
    decryption = entry.get("decryption")
    if decryption is None:
        if ballots and "withheld" not in entry:
            raise VerificationFailed(f"{vote.context}: the mixed ballots are never decrypted")
        vote.readings = None if ballots else []
        return
    if not isinstance(decryption, dict):
        raise VerificationFailed(f"{vote.context}: malformed decryption")
    if "positions" in decryption:
        # Published factor by factor, for the positions the count read only.
        vote.readings, problems = verify_cut_decryption(
            vote.context, vote.key, vote.codec, ballots, decryption
        )
        _fail(problems)
        return
    shares, problems = verify_decryption_shares(
        vote.context, vote.key, ballots, decryption.get("shares")
    )
    _fail(problems)
    readings, problems = verify_plaintexts(vote.key, vote.codec, ballots, shares, decryption)
    _fail(problems)
    vote.readings = readings


hooks.verify_check.add("secrecy.key", check_key)
hooks.verify_check.add("secrecy.cast", check_cast)
hooks.verify_check.add("secrecy.opened", check_opened)
