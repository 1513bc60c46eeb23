"""Writes tests/secrecy/vectors.json: fixed inputs and what the Python library makes of them.

    PYTHONPATH=src:tests python -m support.seal_vectors

The browser's `seal.js` (src/asamblea/ballots/static/ballots/) must give the same
bytes for every entry: tests/browser/test_seal_script.py runs it on this file in
Chromium, and tests/secrecy/test_vectors.py checks that the file still is what the
library makes (so a change on either side shows). Every "random" value is a hash
of a label, so the file only changes when the library's output does.

Transcript parts are written as [type, value]: "s" a string, "i" an integer, "P" a
point (hex), "S" a scalar (hex), "b" bytes (hex).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asamblea.secrecy.bulletin import cast_to_json
from asamblea.secrecy.elgamal import BallotProof, _ballot_transcript, encrypt
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import GENERATOR, IDENTITY, Point, Scalar, Transcript, hash_to_scalar

PATH = Path(__file__).resolve().parent.parent / "secrecy" / "vectors.json"

Part = bytes | str | int | Point | Scalar


def fixed_scalar(label: str, index: int = 0) -> Scalar:
    """A scalar nobody chose, the same on every run."""
    return hash_to_scalar("test-vector", label, index)


def part_to_json(part: Part) -> list[Any]:
    if isinstance(part, str):
        return ["s", part]
    if isinstance(part, int):
        return ["i", part]
    if isinstance(part, Point):
        return ["P", part.hex()]
    if isinstance(part, Scalar):
        return ["S", part.hex()]
    return ["b", part.hex()]


def part_from_json(value: list[Any]) -> Part:
    kind, text = value
    parsers = {
        "s": str,
        "i": int,
        "P": Point.from_hex,
        "S": Scalar.from_hex,
        "b": bytes.fromhex,
    }
    part: Part = parsers[kind](text)
    return part


TRANSCRIPTS: list[tuple[str, list[Part]]] = [
    ("empty", []),
    ("plaintext", [8, 5, 0]),
    ("plaintext", [8, 5, 59048]),
    ("strings", ["", "federation-1/election/7", "Año ñandú — 選挙 ✓"]),
    ("integers", [0, 1, -1, 255, 256, 2**53 + 1, 2**63 - 1, -(2**63)]),
    ("points", [GENERATOR, IDENTITY, GENERATOR + GENERATOR]),
    ("scalars", [Scalar.from_int(0), Scalar.from_int(1), fixed_scalar("scalar part")]),
    ("bytes", [b"", b"\x00", bytes(range(200))]),
    ("mixed", ["a", 1, b"a", GENERATOR, Scalar.from_int(1)]),
]


def transcript_vectors() -> list[dict[str, Any]]:
    vectors = []
    for tag, parts in TRANSCRIPTS:
        t = Transcript(tag).add(*parts)
        vectors.append(
            {
                "tag": tag,
                "parts": [part_to_json(p) for p in parts],
                "digest": t.digest().hex(),
                "scalar": t.scalar().hex(),
                "point": t.point().hex(),
            }
        )
    return vectors


CODECS: list[tuple[BallotCodec, list[list[int]]]] = [
    (BallotCodec(1), [[], [0]]),
    (BallotCodec(2, ranks=1), [[0], [1]]),  # a yes/no vote
    (BallotCodec(5, ranks=2), [[], [4], [1, 3]]),  # plurality, two seats
    (BallotCodec(8), [[], [7], [2, 0, 5], [7, 6, 5, 4, 3, 2, 1, 0]]),  # p = 5, w = 2
    (BallotCodec(20), [[19], list(range(20)), [3, 17, 0, 11, 5, 9, 2]]),  # p = 3, w = 7
    (BallotCodec(6, table_limit=7), [[5, 4, 3], [0, 1, 2, 3, 4, 5]]),  # one per element
    # Packed values above 2**53: the JavaScript must not count them in floating point.
    (
        BallotCodec.from_description({"candidates": 40, "ranks": 10, "per_ciphertext": 10}),
        [[39, 38, 37, 36, 35, 34, 33, 32, 31, 30], [0]],
    ),
]


def encoding_vectors() -> list[dict[str, Any]]:
    return [
        {
            "codec": codec.describe(),
            "ranking": ranking,
            "points": [p.hex() for p in codec.encode(ranking)],
        }
        for codec, rankings in CODECS
        for ranking in rankings
    ]


BALLOTS: list[tuple[str, BallotCodec, list[int]]] = [
    ("fed-1/election/7", BallotCodec(8), [2, 0, 5]),
    ("fed-1/election/8", BallotCodec(2, ranks=1), [1]),
    ("fed-1/election/9", BallotCodec(20), [3, 17, 0, 11, 5, 9, 2, 19]),
]


def ballot_vectors() -> list[dict[str, Any]]:
    vectors = []
    for number, (context, codec, ranking) in enumerate(BALLOTS):
        secret = fixed_scalar("secret key", number)
        public = Point.base_times(secret)
        messages = codec.encode(ranking)
        randomness = [fixed_scalar(f"randomness {number}", k) for k in range(len(messages))]
        nonces = [fixed_scalar(f"nonce {number}", k) for k in range(len(messages))]
        ballot = tuple(encrypt(public, m, r) for m, r in zip(messages, randomness, strict=True))
        # elgamal.prove_ballot with these nonces instead of fresh random ones.
        t = _ballot_transcript(context, public, ballot)
        t.add_points(Point.base_times(w) for w in nonces)
        e = t.scalar()
        proof = BallotProof(e, tuple(w - e * r for w, r in zip(nonces, randomness, strict=True)))
        vectors.append(
            {
                "context": context,
                "secret": secret.hex(),
                "public": public.hex(),
                "codec": codec.describe(),
                "ranking": ranking,
                "randomness": [r.hex() for r in randomness],
                "nonces": [w.hex() for w in nonces],
                "cast": cast_to_json(ballot, proof),
            }
        )
    return vectors


# What both sides refuse: a public key that is no group element, or is the identity;
# a ranking the codec cannot carry.
REFUSED_KEYS = [
    IDENTITY.hex(),
    "ff" * 32,  # not canonical (above the field's prime)
    "01" + "00" * 31,  # a field element that is no ristretto255 encoding (odd)
    GENERATOR.hex()[:62],  # too short
]
REFUSED_RANKINGS: list[tuple[dict[str, int], list[int]]] = [
    ({"candidates": 5, "ranks": 2, "per_ciphertext": 2}, [0, 1, 2]),  # too many
    ({"candidates": 5, "ranks": 5, "per_ciphertext": 2}, [1, 1]),  # twice
    ({"candidates": 5, "ranks": 5, "per_ciphertext": 2}, [5]),  # no such candidate
    ({"candidates": 5, "ranks": 5, "per_ciphertext": 2}, [-1]),
]


def build() -> dict[str, Any]:
    """The whole file, as JSON values."""
    document = {
        "about": "Made by tests/support/seal_vectors.py from asamblea.secrecy; see its docstring.",
        "transcripts": transcript_vectors(),
        "encodings": encoding_vectors(),
        "ballots": ballot_vectors(),
        "refused": {
            "public_keys": REFUSED_KEYS,
            "rankings": [{"codec": c, "ranking": r} for c, r in REFUSED_RANKINGS],
        },
    }
    return json_values(document)


def json_values(document: dict[str, Any]) -> dict[str, Any]:
    """The document as it reads back from its file (tuples become lists)."""
    parsed: dict[str, Any] = json.loads(json.dumps(document))
    return parsed


def as_file(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def render() -> str:
    return as_file(build())


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    write(PATH, render())
