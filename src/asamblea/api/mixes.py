"""The teller's second mix of a sealed election in trustees mode (docs/elections.md).

`GET .../elections/{election_id}/mix` gives the named teller what their computer mixes
(`asamblea secrecy mix URL`); `POST` the same address takes mix 1's output and proof,
verified against mix 0's output before it is stored. Only the teller, with a session
or an API token carrying `secrecy.mix`.
"""

# No `from __future__ import annotations` here: ninja reads the parameter types of
# the views at import time.
from typing import Any

from ninja import Field, Router, Schema

from asamblea.api.auth import AuthenticatedRequest, write_auth
from asamblea.api.errors import ErrorOut
from asamblea.elections.services import access_election_by_slug
from asamblea.elections.services import trustees as election_trustees

router = Router()

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}
Ciphertext = list[str]
SealedBallot = list[Ciphertext]


class MixIn(Schema):
    """One mix as `asamblea.secrecy.bulletin.mix_to_json` writes it."""

    output: list[SealedBallot] = Field(
        description="The re-encrypted, permuted ballots: per ballot, [a, b] hex pairs."
    )
    proof: dict[str, Any] = Field(description="The proof of shuffle (hex points and scalars).")


class MixDocument(Schema):
    context: str = Field(description="The vote's context: every proof is bound to it.")
    public_key: str = Field(description="The vote's public key (hex ristretto255 point).")
    index: int = Field(description="The mix to make: 1, the teller's (mix 0 is the server's).")
    state: str = Field(description='"mixing" while mix 1 is awaited, then "tallying"...')
    cast: list[SealedBallot] = Field(description="The sealed ballots as cast: mix 0's input.")
    mixes: list[MixIn] = Field(description="Mix 0, the server's, with its proof.")
    input: list[SealedBallot] = Field(description="Mix 1's input: mix 0's output.")
    mixed: bool = Field(description="Whether mix 1 is already in.")


class MixTaken(Schema):
    context: str
    index: int
    ballots: int = Field(description="How many ballots the mix holds.")
    state: str = Field(description='The key\'s state now: "tallying" (the trustees decrypt).')


PATH = "/federations/{slug}/elections/{election_id}/mix"


@router.get(
    PATH,
    response={200: MixDocument, **ERRORS},
    auth=write_auth("secrecy.mix"),
    tags=["secrecy"],
)
def get_mix(request: AuthenticatedRequest, slug: str, election_id: int) -> Any:
    """What the election's teller mixes: mix 0 (the server's) and its input, the cast list.

    Only the teller named for the election; after the close. Capability `secrecy.mix`."""
    election = access_election_by_slug(request.auth, slug, election_id)
    return election_trustees.mix_document(request.auth, election)


@router.post(
    PATH,
    response={200: MixTaken, **ERRORS},
    auth=write_auth("secrecy.mix"),
    tags=["secrecy"],
)
def post_mix(request: AuthenticatedRequest, slug: str, election_id: int, mix: MixIn) -> Any:
    """The teller's mix (mix 1) of mix 0's output, with its proof of shuffle.

    Verified against mix 0's output before it is stored; the trustees then decrypt its
    output. Once: the same mix again changes nothing, a different one is refused (409).
    Capability `secrecy.mix`."""
    election = access_election_by_slug(request.auth, slug, election_id)
    key = election_trustees.do_teller_mix(request.auth, election, mix.dict())
    return {
        "context": key.context,
        "index": 1,
        "ballots": len((key.mixed or {})["mixes"][-1]["output"]),
        "state": key.state,
    }
