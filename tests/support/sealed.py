"""Reading a sealed election ballot in a test, with the server's key file.

Only for tests that check what a cast stored: it decrypts one ballot row's
ciphertexts with the share the server keeps in BALLOT_KEY_DIR while the vote is
open (which is exactly what a seized running server could do, and what
docs/security.md says server mode does not protect against).
"""

from __future__ import annotations

from typing import Any

from asamblea.ballots.sealing import _read_share, codec_of
from asamblea.elections.models import Ballot
from asamblea.elections.services.reads import standing
from asamblea.elections.services.sealed import election_key, paper_of
from asamblea.secrecy.bulletin import ballot_from_json
from asamblea.secrecy.elgamal import decrypt


def ballot_says(ballot: Ballot) -> Any:
    """What a sealed ballot row says, as a plaintext row would store it (candidacy ids,
    or ["yes"]/["no"]); a row that is not sealed says its `ranking`."""
    if ballot.sealed is None:
        return ballot.ranking
    election = ballot.election
    key = election_key(election)
    assert key is not None, "a sealed ballot in an election without a key"
    share = _read_share(key.context)
    points = [decrypt(share, c) for c in ballot_from_json(ballot.sealed["ballot"])]
    return paper_of(election, standing(election), codec_of(key).decode(points))


def box_says(election: Any) -> list[Any]:
    """What every ballot row of an election says, in tracker order."""
    return [ballot_says(b) for b in Ballot.objects.filter(election=election).order_by("tracker")]


def _read(key: Any, sealed: Any) -> Any:
    share = _read_share(key.context)
    points = [decrypt(share, c) for c in ballot_from_json(sealed["ballot"])]
    return codec_of(key).decode(points)


def motion_ballot_says(ballot: Any) -> Any:
    """What a secret motion ballot row says: its choice (or ranking of option labels);
    a row that is not sealed says its plaintext columns."""
    from asamblea.deliberation.models import Motion
    from asamblea.deliberation.services.sealed import motion_key, motion_paper

    if ballot.sealed is None:
        return ballot.ranking or ballot.choice
    key = motion_key(ballot.motion)
    assert key is not None, "a sealed ballot in a motion vote without a key"
    return motion_paper(key, ballot.motion.kind == Motion.Kind.OPTIONS, _read(key, ballot.sealed))


def referendum_ballot_says(ballot: Any) -> Any:
    """What a referendum ballot row says (yes, no or abstain)."""
    from asamblea.deliberation.services.sealed import referendum_key, referendum_paper

    if ballot.sealed is None:
        return ballot.choice
    key = referendum_key(ballot.referendum)
    assert key is not None, "a sealed ballot in a referendum without a key"
    return referendum_paper(key, _read(key, ballot.sealed))
