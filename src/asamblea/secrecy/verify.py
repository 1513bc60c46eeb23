"""The independent verifier of an encrypted vote, over plain JSON values.

Each function takes the values of the public document described in
`asamblea.secrecy.bulletin` (dicts, lists, hex strings, integers - what
`json.load` gives) and returns the problems it found, as sentences; an empty
list means verified. Nothing here trusts the server: every group element is
checked to be one, every proof is recomputed, and the plaintexts are
recomputed from the trustees' proven shares.

`verify_document` chains them: the key (each dealer's proof, and that the
published key and verification keys are what the dealings make), the cast
ballots (each sealed by its proof, none cast twice), every mix (each shuffles
the previous one's output), the trustees' decryption shares (each proven; at
least k of them), and the plaintexts and the ballots read from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asamblea.secrecy.bulletin import (
    ballot_from_json,
    ballots_from_json,
    factor_share_from_json,
    key_from_json,
    mix_context,
    points_from_json,
    share_from_json,
    shuffle_proof_from_json,
)
from asamblea.secrecy.elgamal import Ballot, BallotProof, verify_ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import Point
from asamblea.secrecy.shuffle import verify_shuffle
from asamblea.secrecy.threshold import (
    DecryptionShare,
    FactorShare,
    ThresholdKey,
    combine_decryption,
    joint_key,
    verify_dealer_commitment,
    verify_decryption_share,
    verify_factor_share,
)

__all__ = [
    "Verification",
    "verify_cast",
    "verify_cut_decryption",
    "verify_decryption_shares",
    "verify_document",
    "verify_key",
    "verify_mix",
    "verify_plaintexts",
]

JSON = Any
_MALFORMED = (ValueError, KeyError, TypeError, IndexError)


def _flat(ballots: list[Ballot]) -> list[Any]:
    return [c for b in ballots for c in b]


def verify_key(context: str, key_json: JSON) -> tuple[ThresholdKey | None, list[str]]:
    """The key is well formed, and is what the published dealings make."""
    try:
        key, dealers = key_from_json(key_json)
    except _MALFORMED as error:
        return None, [f"key: malformed ({error})"]
    problems = []
    if not dealers:
        problems.append("key: no dealing published, so nothing shows how the key was made")
    for dc in dealers:
        if not verify_dealer_commitment(context, dc):
            problems.append(f"key: dealer {dc.dealer}'s proof does not verify")
    if dealers:
        try:
            made = joint_key(dealers, key.trustees)
        except ValueError as error:
            problems.append(f"key: dealings inconsistent ({error})")
        else:
            if made.threshold != key.threshold or made.public != key.public:
                problems.append("key: the public key is not the one the dealings make")
            for i, h in made.verification_keys.items():
                if key.verification_keys[i] != h:
                    problems.append(f"key: trustee {i}'s verification key is not the dealt one")
    return key, problems


def verify_cast(
    context: str, public: Point, width: int, cast_json: JSON
) -> tuple[list[Ballot], list[str]]:
    """Each cast ballot has the codec's width, carries a valid proof, and is unique."""
    ballots: list[Ballot] = []
    problems = []
    seen: set[Point] = set()
    if not isinstance(cast_json, list):
        return [], ["cast: not a list"]
    for n, entry in enumerate(cast_json):
        try:
            ballot = ballot_from_json(entry["ballot"])
            proof = BallotProof.from_json(entry["proof"])
        except _MALFORMED as error:
            problems.append(f"cast ballot {n}: malformed ({error})")
            continue
        if len(ballot) != width:
            problems.append(f"cast ballot {n}: {len(ballot)} ciphertexts, not {width}")
        elif not verify_ballot(context, public, ballot, proof):
            problems.append(f"cast ballot {n}: its proof does not verify")
        elif any(c.a in seen for c in ballot):
            problems.append(f"cast ballot {n}: a copy of an earlier ballot")
        seen.update(c.a for c in ballot)
        ballots.append(ballot)
    return ballots, problems


def verify_mix(
    context: str, public: Point, inputs: list[Ballot], mix_json: JSON, *, workers: int = 1
) -> tuple[list[Ballot], list[str]]:
    """One mix: its output is a re-encrypted permutation of `inputs`."""
    try:
        outputs = ballots_from_json(mix_json["output"])
        proof = shuffle_proof_from_json(mix_json["proof"])
    except _MALFORMED as error:
        return [], [f"{context}: malformed ({error})"]
    if len(outputs) != len(inputs):
        return outputs, [f"{context}: {len(outputs)} ballots out for {len(inputs)} in"]
    if not verify_shuffle(context, public, inputs, outputs, proof, workers=workers):
        return outputs, [f"{context}: the proof of shuffle does not verify"]
    return outputs, []


def verify_decryption_shares(
    context: str, key: ThresholdKey, ballots: list[Ballot], shares_json: JSON
) -> tuple[list[DecryptionShare], list[str]]:
    """Each trustee's factors are proven; returns the verified shares."""
    ciphertexts = _flat(ballots)
    good: list[DecryptionShare] = []
    problems = []
    if not isinstance(shares_json, list):
        return [], ["decryption: shares is not a list"]
    for n, entry in enumerate(shares_json):
        try:
            share = share_from_json(entry)
        except _MALFORMED as error:
            problems.append(f"decryption share {n}: malformed ({error})")
            continue
        if any(s.trustee == share.trustee for s in good):
            problems.append(f"decryption share {n}: trustee {share.trustee} twice")
        elif not verify_decryption_share(context, key, ciphertexts, share):
            problems.append(f"decryption share of trustee {share.trustee}: proof fails")
        else:
            good.append(share)
    if len(good) < key.threshold:
        problems.append(f"decryption: {len(good)} verified trustee shares, {key.threshold} needed")
    return good, problems


def verify_plaintexts(
    key: ThresholdKey,
    codec: BallotCodec,
    ballots: list[Ballot],
    shares: list[DecryptionShare],
    decryption_json: JSON,
) -> tuple[list[tuple[int, ...] | None], list[str]]:
    """The published plaintexts are what the verified shares open, and read as published."""
    try:
        plaintexts = [points_from_json(p) for p in decryption_json["plaintexts"]]
        readings = decryption_json["ballots"]
        if not isinstance(readings, list):
            raise ValueError("ballots must be a list")
    except _MALFORMED as error:
        return [], [f"decryption: malformed ({error})"]
    if len(plaintexts) != len(ballots) or len(readings) != len(ballots):
        return [], [f"decryption: {len(plaintexts)} plaintexts for {len(ballots)} ballots"]
    if len(shares) < key.threshold:
        return [], []  # already reported by verify_decryption_shares
    opened = combine_decryption(key, _flat(ballots), shares)
    problems = []
    counted: list[tuple[int, ...] | None] = []
    for n, (ballot, published, reading) in enumerate(
        zip(ballots, plaintexts, readings, strict=True)
    ):
        mine = tuple(opened[n * len(ballot) : (n + 1) * len(ballot)])
        if mine != published:
            problems.append(f"decrypted ballot {n}: the plaintext is not what the shares open")
            counted.append(None)
            continue
        if reading is None:
            if codec.decode(mine) is not None:
                problems.append(f"decrypted ballot {n}: a valid paper published as invalid")
            counted.append(None)
            continue
        same = False
        if isinstance(reading, list) and all(
            isinstance(c, int) and not isinstance(c, bool) for c in reading
        ):
            ranking = tuple(reading)
            try:
                same = codec.encode(ranking) == mine
            except ValueError:
                same = False
        if not same:
            problems.append(f"decrypted ballot {n}: does not read as published")
            counted.append(None)
        else:
            counted.append(ranking)
    return counted, problems


def verify_cut_decryption(
    context: str,
    key: ThresholdKey,
    codec: BallotCodec,
    ballots: list[Ballot],
    decryption_json: JSON,
) -> tuple[list[tuple[int, ...] | None], list[str]]:
    """A decryption published factor by factor, for some positions of each paper only
    (the positions the count read; the others stay sealed).

    Per paper n, `positions[n]` are its first ciphertexts (0, 1, ... at least one);
    each trustee's share holds, for those ciphertexts of every paper in order, its
    factor and that factor's own proof, checked against the trustee's verification
    key (`threshold.verify_factor`). The plaintexts must be what k verified shares
    open, and each paper must read as published (`BallotCodec.decode_prefix`: the
    preferences its published plaintexts hold, None when they show it ill-formed).
    Returns the papers as read.
    """
    try:
        positions = decryption_json["positions"]
        plaintexts = [points_from_json(p) for p in decryption_json["plaintexts"]]
        readings = decryption_json["ballots"]
        shares_json = decryption_json["shares"]
        if not isinstance(positions, list) or not isinstance(readings, list):
            raise ValueError("positions and ballots must be lists")
        if not isinstance(shares_json, list):
            raise ValueError("shares must be a list")
    except _MALFORMED as error:
        return [], [f"decryption: malformed ({error})"]
    n = len(ballots)
    if not len(positions) == len(plaintexts) == len(readings) == n:
        return [], [f"decryption: {len(positions)} papers' positions for {n} ballots"]
    problems: list[str] = []
    for number, (kept, published) in enumerate(zip(positions, plaintexts, strict=True)):
        if (
            not isinstance(kept, list)
            or kept != list(range(len(kept)))
            or not 0 < len(kept) <= codec.width
            or len(published) != len(kept)
        ):
            problems.append(f"decrypted ballot {number}: its published positions are not a prefix")
    if problems:
        return [], problems
    chosen = [
        c for ballot, kept in zip(ballots, positions, strict=True) for c in ballot[: len(kept)]
    ]
    good: list[FactorShare] = []
    for number, entry in enumerate(shares_json):
        try:
            share = factor_share_from_json(entry)
        except _MALFORMED as error:
            problems.append(f"decryption share {number}: malformed ({error})")
            continue
        if any(s.trustee == share.trustee for s in good):
            problems.append(f"decryption share {number}: trustee {share.trustee} twice")
        elif not verify_factor_share(context, key, chosen, share):
            problems.append(f"decryption share of trustee {share.trustee}: a factor's proof fails")
        else:
            good.append(share)
    if len(good) < key.threshold:
        problems.append(f"decryption: {len(good)} verified trustee shares, {key.threshold} needed")
        return [], problems
    opened = combine_decryption(key, chosen, good)
    counted: list[tuple[int, ...] | None] = []
    start = 0
    for number, (published, reading) in enumerate(zip(plaintexts, readings, strict=True)):
        mine = tuple(opened[start : start + len(published)])
        start += len(published)
        if mine != published:
            problems.append(f"decrypted ballot {number}: the plaintext is not what the shares open")
            counted.append(None)
            continue
        read = codec.decode_prefix(mine)
        if (None if read is None else list(read)) != reading:
            problems.append(f"decrypted ballot {number}: does not read as published")
            counted.append(None)
        else:
            counted.append(read)
    return counted, problems


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    ballots: list[tuple[int, ...] | None] = field(default_factory=list)  # as counted

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_document(document: JSON, *, workers: int = 1) -> Verification:
    """Verify a whole encrypted vote (see `bulletin` for its shape).

    `workers`: processes to verify each mix with (the longest step)."""
    result = Verification()
    try:
        if document["version"] != 1:
            return Verification([f"unknown version {document['version']!r}"])
        context = document["context"]
        if not isinstance(context, str):
            raise ValueError("context must be a string")
        codec = BallotCodec.from_description(document["codec"])
        mixes = document["mixes"]
        if not isinstance(mixes, list) or not mixes:
            raise ValueError("at least one mix is needed before decryption")
        decryption = document["decryption"]
    except _MALFORMED as error:
        return Verification([f"malformed document ({error})"])
    key, problems = verify_key(context, document.get("key"))
    result.problems += problems
    if key is None:
        return result
    ballots, problems = verify_cast(context, key.public, codec.width, document.get("cast"))
    result.problems += problems
    for m, mix in enumerate(mixes):
        ballots, problems = verify_mix(
            mix_context(context, m), key.public, ballots, mix, workers=workers
        )
        result.problems += problems
        if problems:
            return result
    shares, problems = verify_decryption_shares(
        context, key, ballots, decryption.get("shares") if isinstance(decryption, dict) else None
    )
    result.problems += problems
    result.ballots, problems = verify_plaintexts(key, codec, ballots, shares, decryption)
    result.problems += problems
    return result
