"""What the API answers: public facts only, named field by field.

Each schema lists the fields it publishes (an allow-list): a field added to a
model never reaches the API by accident. No schema has a field for a person's
name, contact details, user name or a list of members; verified member COUNTS
are public.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from asamblea.federation.models import APPORTIONMENT_METHODS

BodyKind = Literal["base", "council", "command"]
if TYPE_CHECKING:
    # A method's key; at run time the Literal of the keys, so the OpenAPI schema lists them.
    SeatMethod = str
else:
    SeatMethod = Literal[tuple(key for key, _label in APPORTIONMENT_METHODS)]
Action = Literal["verify", "reject", "suspend", "remove"]
MembershipStatus = Literal["applied", "verified", "rejected", "suspended", "left"]


class LevelOut(Schema):
    key: str
    name: str
    rank: int = Field(description="0 is the top tier (national); higher numbers sit lower.")


class SectorOut(Schema):
    key: str
    name: str


class BodyRef(Schema):
    """A body in a list or as the end of a delegation."""

    slug: str
    name: str
    kind: BodyKind
    level: str = Field(description="The level's key.")
    sector: str = Field(description="The sector's key.")
    verified_members: int = Field(
        description="Distinct verified members at or under this body (a count, never a list)."
    )

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return str(obj.level.key)

    @staticmethod
    def resolve_sector(obj: Any) -> str:
        return str(obj.sector.key)


class BodySummary(BodyRef):
    code: str = Field(description="External code (e.g. Peru's UBIGEO), may be empty.")


class FederationOut(Schema):
    slug: str
    name: str
    description: str
    language: str
    bodies: int = Field(description="How many bodies the federation has.")


class FederationDetail(FederationOut):
    levels: list[LevelOut]
    sectors: list[SectorOut]
    top: list[BodyRef] = Field(description="The councils that send no delegation higher up.")


class SeatRule(Schema):
    """How a council apportions the seats of the apportioned delegations into it."""

    method: SeatMethod | None
    total: int | None = Field(description="Seats shared among the apportioned delegations.")
    min: int = Field(description="Seats each apportioned delegation gets at least.")
    max: int | None


class DelegationSeats(Schema):
    fixed_seats: int | None = Field(description="A fixed seat count, or null if apportioned.")
    seats: int = Field(description="Seats of the current term (filled by the last election).")
    next_seats: int = Field(
        description="Seats the apportionment gives now: they take effect at the next election."
    )
    changes_at_next_election: bool


class DelegationUp(DelegationSeats):
    """A delegation this body sends to a council."""

    council: BodyRef


class DelegationDown(DelegationSeats):
    """A delegation a body below sends into this council."""

    source: BodyRef


class BodyDetail(Schema):
    slug: str
    name: str
    kind: BodyKind
    code: str
    level: LevelOut
    sector: SectorOut
    verified_members: int = Field(
        description="Distinct verified members at or under this body (a count, never a list)."
    )
    seat_rule: SeatRule | None = Field(description="For councils: how their seats are shared.")
    command_of: BodyRef | None = Field(description="For a command: the body it serves.")
    command: BodyRef | None = Field(description="The body's command, if it has one.")
    parents: list[DelegationUp] = Field(description="Councils this body sends delegates to.")
    children: list[DelegationDown] = Field(description="Bodies that send delegates here.")


class DelegationOut(DelegationSeats):
    source: str = Field(description="Slug of the body that sends the delegates.")
    source_name: str
    council: str = Field(description="Slug of the council they sit in.")
    council_name: str

    @staticmethod
    def resolve_source(obj: Any) -> str:
        return str(obj.source.slug)

    @staticmethod
    def resolve_source_name(obj: Any) -> str:
        return str(obj.source.name)

    @staticmethod
    def resolve_council(obj: Any) -> str:
        return str(obj.council.slug)

    @staticmethod
    def resolve_council_name(obj: Any) -> str:
        return str(obj.council.name)


class ApportionedSeat(DelegationSeats):
    source: BodyRef


class CouncilSeats(Schema):
    """One council's apportionment: its rule and the seats of every delegation into it."""

    council: BodyRef
    rule: SeatRule
    seats: int = Field(description="Seats of the current term, all delegations together.")
    next_seats: int = Field(description="Seats after the next elections, all together.")
    delegations: list[ApportionedSeat]


class DecisionIn(Schema):
    action: Action
    reason: str = Field("", max_length=500, description="Required to reject, suspend or remove.")


class MembershipDecided(Schema):
    """The outcome of a decision: the membership's new status and the public counts after it."""

    membership: int = Field(description="The membership's id.")
    status: MembershipStatus
    decided_at: datetime | None
    body: BodyRef
    delegations: list[DelegationUp] = Field(description="The body's delegations after the change.")


class CapabilityOut(Schema):
    key: str
    description: str


class TokenIn(Schema):
    name: str = Field(max_length=100)
    capabilities: list[str]
    days: int | None = Field(90, description="Days until the token expires; null: never.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to tell tokens apart.")
    capabilities: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenOut):
    secret: str = Field(description="Shown this once: keep it safe, the server keeps a hash.")
