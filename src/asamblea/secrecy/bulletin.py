"""The public document of an encrypted vote, as plain JSON values.

Everything a verifier needs, as dicts and lists of lowercase hex strings (32
bytes per point or scalar) and integers, so it can sit in the record and be
checked by `asamblea.secrecy.verify` with no other input:

    {
      "version": 1,
      "context": "<the vote's identifier: every proof is bound to it>",
      "codec": {"candidates": n, "ranks": R, "per_ciphertext": p},
      "key": {"threshold": k, "public": Y,
              "verification_keys": {"1": h_1, …, "n": h_n},
              "dealers": [{"dealer": d, "commitments": [C_0 …], "challenge": e, "response": s}]},
      "cast": [{"ballot": [[a, b], …], "proof": {"challenge": e, "responses": [s …]}}, …],
      "mixes": [{"output": [ballot …], "proof": {…}}, …],
      "decryption": {"shares": [{"trustee": i, "factors": [D …], "challenge": e,
                                 "response": s}, …],
                     "plaintexts": [[M …] per ballot],
                     "ballots": [[candidate index …] or null per ballot]}
    }

Mix m shuffles the output of mix m-1 (the first mixes the cast ballots) under
the context "<context>/mix/<m>"; the decryption opens the last output.
This module turns the library's values into that shape and back; parsing
raises ValueError (or KeyError/TypeError on a wrong shape) on anything that is
not a canonical group element or scalar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asamblea.secrecy.elgamal import Ballot, BallotProof, Ciphertext
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.shuffle import ShuffleProof
from asamblea.secrecy.threshold import DealerCommitment, DecryptionShare, FactorShare, ThresholdKey

__all__ = [
    "ballot_from_json",
    "ballot_to_json",
    "ballots_from_json",
    "ballots_to_json",
    "cast_to_json",
    "dealer_from_json",
    "dealer_to_json",
    "decryption_to_json",
    "key_from_json",
    "key_to_json",
    "mix_context",
    "mix_to_json",
    "points_from_json",
    "scalars_from_json",
    "share_from_json",
    "share_to_json",
    "shuffle_proof_from_json",
    "shuffle_proof_to_json",
]

JSON = Any


def mix_context(context: str, index: int) -> str:
    return f"{context}/mix/{index}"


def _list(value: JSON, what: str) -> list[JSON]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list")
    return value


def points_from_json(value: JSON) -> tuple[Point, ...]:
    return tuple(Point.from_hex(_str(v)) for v in _list(value, "points"))


def scalars_from_json(value: JSON) -> tuple[Scalar, ...]:
    return tuple(Scalar.from_hex(_str(v)) for v in _list(value, "scalars"))


def _str(value: JSON) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a hex string")
    return value


def _int(value: JSON) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected an integer")
    return value


def ballot_to_json(ballot: Ballot) -> list[list[str]]:
    return [c.to_json() for c in ballot]


def ballot_from_json(value: JSON) -> Ballot:
    return tuple(Ciphertext.from_json(c) for c in _list(value, "a ballot"))


def ballots_to_json(ballots: Sequence[Ballot]) -> list[list[list[str]]]:
    return [ballot_to_json(b) for b in ballots]


def ballots_from_json(value: JSON) -> list[Ballot]:
    return [ballot_from_json(b) for b in _list(value, "ballots")]


def cast_to_json(ballot: Ballot, proof: BallotProof) -> dict[str, JSON]:
    return {"ballot": ballot_to_json(ballot), "proof": proof.to_json()}


def shuffle_proof_to_json(proof: ShuffleProof) -> dict[str, JSON]:
    return {
        "commitments": [p.hex() for p in proof.commitments],
        "chain": [p.hex() for p in proof.chain],
        "challenge": proof.challenge.hex(),
        "s1": proof.s1.hex(),
        "s2": proof.s2.hex(),
        "s3": proof.s3.hex(),
        "s4": [s.hex() for s in proof.s4],
        "s_hat": [s.hex() for s in proof.s_hat],
        "s_prime": [s.hex() for s in proof.s_prime],
    }


def shuffle_proof_from_json(value: JSON) -> ShuffleProof:
    return ShuffleProof(
        commitments=points_from_json(value["commitments"]),
        chain=points_from_json(value["chain"]),
        challenge=Scalar.from_hex(_str(value["challenge"])),
        s1=Scalar.from_hex(_str(value["s1"])),
        s2=Scalar.from_hex(_str(value["s2"])),
        s3=Scalar.from_hex(_str(value["s3"])),
        s4=scalars_from_json(value["s4"]),
        s_hat=scalars_from_json(value["s_hat"]),
        s_prime=scalars_from_json(value["s_prime"]),
    )


def dealer_to_json(dc: DealerCommitment) -> dict[str, JSON]:
    return {
        "dealer": dc.dealer,
        "commitments": [p.hex() for p in dc.commitments],
        "challenge": dc.challenge.hex(),
        "response": dc.response.hex(),
    }


def dealer_from_json(value: JSON) -> DealerCommitment:
    return DealerCommitment(
        dealer=_int(value["dealer"]),
        commitments=points_from_json(value["commitments"]),
        challenge=Scalar.from_hex(_str(value["challenge"])),
        response=Scalar.from_hex(_str(value["response"])),
    )


def key_to_json(key: ThresholdKey, dealers: Sequence[DealerCommitment] = ()) -> dict[str, JSON]:
    return {
        "threshold": key.threshold,
        "public": key.public.hex(),
        "verification_keys": {str(i): h.hex() for i, h in sorted(key.verification_keys.items())},
        "dealers": [dealer_to_json(dc) for dc in dealers],
    }


def key_from_json(value: JSON) -> tuple[ThresholdKey, list[DealerCommitment]]:
    keys = value["verification_keys"]
    if not isinstance(keys, dict):
        raise ValueError("verification_keys must be an object")
    verification = {int(i): Point.from_hex(_str(h)) for i, h in keys.items()}
    if sorted(verification) != list(range(1, len(verification) + 1)):
        raise ValueError("trustees must be numbered 1 to n")
    threshold = _int(value["threshold"])
    if not 1 <= threshold <= len(verification):
        raise ValueError("the threshold must be between 1 and the number of trustees")
    key = ThresholdKey(threshold, Point.from_hex(_str(value["public"])), verification)
    if key.public.is_identity() or any(h.is_identity() for h in verification.values()):
        raise ValueError("the identity is not a public or verification key")
    return key, [dealer_from_json(d) for d in _list(value.get("dealers", []), "dealers")]


def share_to_json(share: DecryptionShare) -> dict[str, JSON]:
    return {
        "trustee": share.trustee,
        "factors": [p.hex() for p in share.factors],
        "challenge": share.challenge.hex(),
        "response": share.response.hex(),
    }


def share_from_json(value: JSON) -> DecryptionShare:
    return DecryptionShare(
        trustee=_int(value["trustee"]),
        factors=points_from_json(value["factors"]),
        challenge=Scalar.from_hex(_str(value["challenge"])),
        response=Scalar.from_hex(_str(value["response"])),
    )


def factor_share_to_json(share: FactorShare) -> dict[str, JSON]:
    return {
        "trustee": share.trustee,
        "factors": [p.hex() for p in share.factors],
        "challenges": [e.hex() for e in share.challenges],
        "responses": [r.hex() for r in share.responses],
    }


def factor_share_from_json(value: JSON) -> FactorShare:
    return FactorShare(
        trustee=_int(value["trustee"]),
        factors=points_from_json(value["factors"]),
        challenges=scalars_from_json(value["challenges"]),
        responses=scalars_from_json(value["responses"]),
    )


def mix_to_json(outputs: Sequence[Ballot], proof: ShuffleProof) -> dict[str, JSON]:
    return {"output": ballots_to_json(outputs), "proof": shuffle_proof_to_json(proof)}


def decryption_to_json(
    shares: Sequence[DecryptionShare],
    plaintexts: Sequence[Sequence[Point]],
    readings: Sequence[Sequence[int] | None],
) -> dict[str, JSON]:
    return {
        "shares": [share_to_json(s) for s in shares],
        "plaintexts": [[p.hex() for p in ballot] for ballot in plaintexts],
        "ballots": [None if r is None else list(r) for r in readings],
    }
