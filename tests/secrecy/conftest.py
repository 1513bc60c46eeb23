"""A whole small encrypted vote, from key ceremony to decrypted ballots."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asamblea.secrecy.bulletin import (
    cast_to_json,
    decryption_to_json,
    key_to_json,
    mix_context,
    mix_to_json,
)
from asamblea.secrecy.elgamal import Ballot, encrypt_ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import Scalar
from asamblea.secrecy.shuffle import shuffle
from asamblea.secrecy.threshold import combine_decryption, deal, joint_key, partial_decrypt

CONTEXT = "federation-1/election-7"


def run_vote(
    rankings: list[tuple[int, ...]], candidates: int, k: int, n: int, present: list[int], mixes: int
) -> tuple[dict[str, Any], dict[int, Scalar]]:
    """Every trustee deals; ballots cast, mixed `mixes` times, opened by `present`."""
    dealings = [deal(CONTEXT, d, k, n) for d in range(1, n + 1)]
    key = joint_key([dc for dc, _ in dealings], n)
    shares = {i: sum((sh[i] for _, sh in dealings[1:]), dealings[0][1][i]) for i in range(1, n + 1)}
    codec = BallotCodec(candidates, table_limit=100)
    cast = [encrypt_ballot(CONTEXT, key.public, codec.encode(r)) for r in rankings]
    ballots: list[Ballot] = [b for b, _ in cast]
    mix_docs = []
    for m in range(mixes):
        ballots, proof = shuffle(mix_context(CONTEXT, m), key.public, ballots)
        mix_docs.append(mix_to_json(ballots, proof))
    flat = [c for b in ballots for c in b]
    decs = [partial_decrypt(CONTEXT, key, i, shares[i], flat) for i in present]
    opened = combine_decryption(key, flat, decs)
    w = codec.width
    plaintexts = [opened[j * w : (j + 1) * w] for j in range(len(ballots))]
    document = {
        "version": 1,
        "context": CONTEXT,
        "codec": codec.describe(),
        "key": key_to_json(key, [dc for dc, _ in dealings]),
        "cast": [cast_to_json(b, p) for b, p in cast],
        "mixes": mix_docs,
        "decryption": decryption_to_json(decs, plaintexts, [codec.decode(p) for p in plaintexts]),
    }
    return json.loads(json.dumps(document)), shares


@pytest.fixture(scope="session")
def small_vote() -> dict[str, Any]:
    rankings = [(0, 1, 2), (2,), (1, 0), (3, 2, 1, 0), (0, 1, 2), ()]
    document, _ = run_vote(rankings, candidates=4, k=2, n=3, present=[1, 3], mixes=2)
    return document
