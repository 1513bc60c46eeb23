"""A sealed box opened only as far as the count read it, end to end: seal the papers one
preference per ciphertext, decrypt them with per-factor proofs (`sealing.open_with_shares`),
publish each paper's first ciphertexts as far as the count's depth
(`OpenedBox.published_as_read`), check that document as `asamblea record verify` does
(`secrecy.verify.verify_cut_decryption`), and recount the papers it reads: exactly the
same stages and result, on a Glasgow 2022 ward and on random profiles.

Each distinct ranking is sealed once and carries its number of papers (papers with one
ranking have one depth, so they are cut alike): the ward's 6,925 papers are 488 sealed
rankings, which keeps the test to seconds. Mixing is left out (tests/secrecy covers it):
the cut reads the mix's output whatever its order.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import open_with_shares
from asamblea.counting.ballots import build_profile
from asamblea.counting.blt import read_blt
from asamblea.counting.profile import Profile
from asamblea.counting.truncate import unique_papers
from asamblea.elections.publish import (
    aggregate_ballots,
    ballots_of,
    count_as_read,
    count_as_read_with_depths,
    count_published,
    profile_from_ballots,
)
from asamblea.secrecy.bulletin import key_to_json
from asamblea.secrecy.elgamal import encrypt
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.threshold import deal, joint_key, partial_decrypt_each
from asamblea.secrecy.verify import verify_cut_decryption

GLASGOW = Path(__file__).parent.parent / "counting" / "data" / "glasgow"
CONTEXT = "test/asamblea-ballot-v1/1"


def seal_open_and_recount(profile: Profile, method: str, seats: int, seed: int) -> dict[str, Any]:
    """Seal, open as far as the count read, verify the published document, recount it.
    Returns figures for the caller to compare."""
    names = list(profile.candidates)
    n = len(names)
    codec = BallotCodec(n, table_limit=n + 1)  # one preference per ciphertext
    dealing, shares = deal(CONTEXT, 1, 2, 3)  # 2 of 3 trustees: any two open the box
    dealing_2, shares_2 = deal(CONTEXT, 2, 2, 3)
    dealing_3, shares_3 = deal(CONTEXT, 3, 2, 3)
    threshold_key = joint_key([dealing, dealing_2, dealing_3], 3)
    secret = {i: shares[i] + shares_2[i] + shares_3[i] for i in (1, 2, 3)}
    key = BallotKey(
        scheme="test",
        vote_id=1,
        mode=BallotKey.Mode.TRUSTEES,
        context=CONTEXT,
        codec=codec.describe(),
        choices=names,
        threshold=2,
        public=key_to_json(threshold_key, [dealing, dealing_2, dealing_3]),
    )
    rows = [tuple(int(c) for c in row if c >= 0) for row in profile.rankings.tolist()]
    papers = profile.multiplicity.tolist()
    outputs = [tuple(encrypt(threshold_key.public, p) for p in codec.encode(row)) for row in rows]
    flat = [c for ballot in outputs for c in ballot]
    factor_shares = [
        partial_decrypt_each(CONTEXT, threshold_key, i, secret[i], flat) for i in (1, 3)
    ]
    box = open_with_shares(key, [], outputs, factor_shares)
    assert box.readings == rows

    inputs: dict[str, Any] = {
        "method": method,
        "seats": seats,
        "seed": seed,
        "candidates": names,
        "ballots": ballots_of(profile),
    }
    found = count_as_read_with_depths(inputs)
    assert found is not None
    result, cut, depths = found
    document = box.published_as_read([depths[tuple(names[c] for c in row)] for row in rows])
    decryption = document["decryption"]

    # What `asamblea record verify` reads of the document: every factor proven.
    readings, problems = verify_cut_decryption(CONTEXT, threshold_key, codec, outputs, decryption)
    assert problems == []
    assert len(decryption["shares"]) == 2
    shown = sum(len(p) for p in decryption["positions"])
    assert all(len(s["factors"]) == shown for s in decryption["shares"])

    published = aggregate_ballots(
        [names[c] for c in reading]
        for reading, count in zip(readings, papers, strict=True)
        if reading is not None
        for _ in range(count)
    )
    # The papers read are the cut papers the count publishes, and recount the same.
    assert Counter({tuple(b["ranking"]): b["count"] for b in published}) == Counter(
        {tuple(b["ranking"]): b["count"] for b in cut}
    )
    assert count_published({**inputs, "ballots": published}) == result
    again = count_as_read({**inputs, "ballots": published})
    assert again is not None and again == (result, cut)
    return {
        "ciphertexts": len(flat),
        "decrypted": shown,
        "unique_whole": unique_papers(profile),
        "unique_read": unique_papers(profile_from_ballots(names, published, seats=seats)),
    }


def test_a_glasgow_ward_opened_as_far_as_the_count_read_recounts_the_same() -> None:
    profile = read_blt(GLASGOW / "ward-11-hillhead.blt")
    assert profile.seats is not None
    figures = seal_open_and_recount(profile, "stv-scottish", profile.seats, seed=2022)
    assert figures["decrypted"] < figures["ciphertexts"] / 2
    assert figures["unique_read"] < figures["unique_whole"]


def test_a_glasgow_ward_counted_by_meek_opened_as_far_as_it_read_recounts_the_same() -> None:
    profile = read_blt(GLASGOW / "ward-12-victoria-park.blt")
    assert profile.seats is not None
    figures = seal_open_and_recount(profile, "stv-meek", profile.seats, seed=7)
    assert figures["decrypted"] < figures["ciphertexts"]


@st.composite
def profiles(draw: st.DrawFn) -> tuple[Profile, int]:
    n = draw(st.integers(2, 5))
    seats = draw(st.integers(1, n - 1))
    rankings = draw(
        st.lists(
            st.permutations(range(n)).flatmap(
                lambda p: st.integers(1, len(p)).map(lambda k: tuple(p[:k]))
            ),
            min_size=1,
            max_size=20,
        )
    )
    rows = Counter(rankings)
    matrix = np.full((len(rows), n), -1, dtype=np.int32)
    for r, ranking in enumerate(rows):
        matrix[r, : len(ranking)] = ranking
    profile = build_profile(
        candidates=tuple("ABCDE"[:n]),
        matrix=matrix,
        papers=np.array(list(rows.values()), dtype=np.int64),
        seats=seats,
    )
    return profile, seats


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=profiles(),
    method=st.sampled_from(["stv-scottish", "stv-meek", "irv"]),
    seed=st.integers(0, 2**31),
)
def test_random_profiles_opened_as_far_as_the_count_read_recount_the_same(
    drawn: tuple[Profile, int], method: str, seed: int
) -> None:
    profile, seats = drawn
    seal_open_and_recount(profile, method, 1 if method == "irv" else seats, seed)


def test_open_with_shares_refuses_a_factor_that_does_not_verify_and_too_few_trustees() -> None:
    from dataclasses import replace

    import pytest

    from asamblea.errors import Conflict
    from asamblea.secrecy.group import GENERATOR

    dealings = [deal(CONTEXT, d, 2, 3) for d in (1, 2, 3)]
    threshold_key = joint_key([dc for dc, _ in dealings], 3)
    secret = {i: dealings[0][1][i] + dealings[1][1][i] + dealings[2][1][i] for i in (1, 2, 3)}
    codec = BallotCodec(3, table_limit=4)
    key = BallotKey(
        scheme="test",
        vote_id=1,
        mode=BallotKey.Mode.TRUSTEES,
        context=CONTEXT,
        codec=codec.describe(),
        choices=["A", "B", "C"],
        threshold=2,
        public=key_to_json(threshold_key, [dc for dc, _ in dealings]),
    )
    outputs = [
        tuple(encrypt(threshold_key.public, p) for p in codec.encode(r)) for r in ([0, 1], [2])
    ]
    flat = [c for b in outputs for c in b]
    one, two = (partial_decrypt_each(CONTEXT, threshold_key, i, secret[i], flat) for i in (1, 2))
    assert open_with_shares(key, [], outputs, [one, two]).readings == [(0, 1), (2,)]
    wrong = replace(two, factors=(two.factors[0] + GENERATOR, *two.factors[1:]))
    with pytest.raises(Conflict, match="does not verify"):
        open_with_shares(key, [], outputs, [one, wrong])
    with pytest.raises(Conflict, match="2 trustees must decrypt"):
        open_with_shares(key, [], outputs, [one])
    with pytest.raises(Conflict, match="twice"):
        open_with_shares(key, [], outputs, [one, one])
