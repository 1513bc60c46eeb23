"""Version 1 of the API: `/api/v1/...`. Thin: parse → access → do → answer.

Reads are public. Write actions declare their capability (`write_auth`) and
call a `do_*` service, which decides whether this user may do it.
"""

# No `from __future__ import annotations` here: ninja reads the parameter types of
# the views at import time, and `Query[...]` must be a real type then.
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination, paginate

from asamblea.accounts.models import OfficerAction
from asamblea.accounts.services import trail
from asamblea.api import reads, schemas, tokens
from asamblea.api.auth import AuthenticatedRequest, session_only, write_auth
from asamblea.api.errors import ErrorOut
from asamblea.federation import services

router = Router()

PAGE_MAX = 500
# Past any list this site could hold, and far inside what a database can count
# (an offset past 2**63 was a 500): larger is refused as malformed, with a 400.
OFFSET_MAX = 1_000_000_000


class Pages(LimitOffsetPagination):
    """ninja's limit and offset, the offset bounded (see OFFSET_MAX)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1)
        offset: int = Field(0, ge=0, le=OFFSET_MAX)


READ_ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


class BodyFilters(Schema):
    level: str | None = None
    kind: schemas.BodyKind | None = None
    sector: str | None = None
    q: str | None = None


class DelegationFilters(Schema):
    council: str | None = None
    source: str | None = None


class SeatFilters(Schema):
    council: str | None = None


# ---------------------------------------------------------------- public reads


@router.get("/federations", response=list[schemas.FederationOut], tags=["federations"])
def list_federations(request: HttpRequest) -> Any:
    """Every federation of this installation."""
    return reads.federations()


@router.get(
    "/federations/{slug}",
    response={200: schemas.FederationDetail, **READ_ERRORS},
    tags=["federations"],
)
def get_federation(request: HttpRequest, slug: str) -> Any:
    """A federation with its levels, sectors and top councils."""
    return reads.federation_detail(services.access_federation(slug))


@router.get(
    "/federations/{slug}/bodies",
    response={200: list[schemas.BodySummary], **READ_ERRORS},
    tags=["bodies"],
)
@paginate(Pages, max_limit=PAGE_MAX)
def list_bodies(request: HttpRequest, slug: str, filters: Query[BodyFilters]) -> Any:
    """The federation's bodies, top tier first; filter by level, kind, sector or text."""
    federation = services.access_federation(slug)
    return reads.bodies(federation, **filters.dict())


@router.get(
    "/federations/{slug}/bodies/{body}",
    response={200: schemas.BodyDetail, **READ_ERRORS},
    tags=["bodies"],
)
def get_body(request: HttpRequest, slug: str, body: str) -> Any:
    """A body: level, sector, parent councils, child bodies, verified count, seats, command."""
    federation = services.access_federation(slug)
    return reads.body_detail(services.access_body(federation, body))


@router.get(
    "/federations/{slug}/delegations",
    response={200: list[schemas.DelegationOut], **READ_ERRORS},
    tags=["seats"],
)
@paginate(Pages, max_limit=PAGE_MAX)
def list_delegations(request: HttpRequest, slug: str, filters: Query[DelegationFilters]) -> Any:
    """Every delegation with its seats now and at the next election, by council."""
    federation = services.access_federation(slug)
    return reads.delegations(federation, **filters.dict())


@router.get(
    "/federations/{slug}/seats",
    response={200: list[schemas.CouncilSeats], **READ_ERRORS},
    tags=["seats"],
)
def get_seats(request: HttpRequest, slug: str, filters: Query[SeatFilters]) -> Any:
    """Every council's apportionment: its rule and the seats of each delegation into it."""
    federation = services.access_federation(slug)
    return reads.seats(federation, **filters.dict())


# ---------------------------------------------------------------- write actions


@router.post(
    "/federations/{slug}/bodies/{body}/memberships/{membership_id}/decision",
    response={200: schemas.MembershipDecided, **WRITE_ERRORS},
    auth=write_auth("memberships.decide"),
    tags=["memberships"],
)
def decide_membership(
    request: AuthenticatedRequest,
    slug: str,
    body: str,
    membership_id: int,
    decision: schemas.DecisionIn,
) -> Any:
    """An officer of the body verifies, rejects, suspends or removes a membership.

    Capability `memberships.decide`. Reject, suspend and remove need a reason.
    Counts and seats above the body follow in the same transaction."""
    federation = services.access_federation(slug)
    target = services.access_body(federation, body)
    with transaction.atomic():
        membership = services.do_decide_membership(
            request.auth, target, membership_id, decision.action, decision.reason
        )
        trail.do_record_officer_action(
            request.auth,
            target,
            OfficerAction.Kind.DECIDED,
            decision=decision.action,
            membership_number=membership.pk,
        )
    after = services.access_body(federation, body)
    return {
        "membership": membership.pk,
        "status": membership.status,
        "decided_at": membership.decided_at,
        "body": after,
        "delegations": reads.delegations_up(after),
    }


# ---------------------------------------------------------------- API tokens


@router.get("/capabilities", response=list[schemas.CapabilityOut], tags=["tokens"])
def list_capabilities(request: HttpRequest) -> Any:
    """The capabilities an API token can carry, one per kind of write action."""
    return [{"key": key, "description": str(text)} for key, text in tokens.CAPABILITIES.items()]


@router.get(
    "/tokens",
    response={200: list[schemas.TokenOut], 401: ErrorOut},
    auth=session_only,
    tags=["tokens"],
)
def list_tokens(request: AuthenticatedRequest) -> Any:
    """Your API tokens (logged-in session only; secrets are never shown again)."""
    return tokens.access_tokens(request.auth)


@router.post(
    "/tokens",
    response={201: schemas.TokenIssued, **WRITE_ERRORS},
    auth=session_only,
    tags=["tokens"],
)
def issue_token(request: AuthenticatedRequest, new: schemas.TokenIn) -> Any:
    """Issue an API token for yourself (logged-in session with CSRF only).

    The answer holds the secret once: send it as `Authorization: Bearer <secret>`."""
    issued = tokens.do_issue_api_token(
        request.auth, name=new.name, capabilities=new.capabilities, days=new.days
    )
    token = issued.token
    return Status(201, {**_token_facts(token), "secret": issued.secret})


@router.delete(
    "/tokens/{token_id}",
    response={200: schemas.TokenOut, **WRITE_ERRORS},
    auth=session_only,
    tags=["tokens"],
)
def revoke_token(request: AuthenticatedRequest, token_id: int) -> Any:
    """Revoke one of your API tokens; it stops working at once."""
    return tokens.do_revoke_api_token(request.auth, token_id)


def _token_facts(token: Any) -> dict[str, Any]:
    return {field: getattr(token, field) for field in schemas.TokenOut.model_fields}
