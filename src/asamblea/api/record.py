"""The public record in the API: `/api/v1/record/...` and `/api/v1/federations/{slug}/record/...`.

Public reads, no personal data (entries hold none). Hashes are lower-case hex,
as in the export; proofs are RFC 9162's, so any RFC 9162 / RFC 6962 library
can check them against a signed checkpoint. Mounted by asamblea.api.main; here, not in
record, because it looks up federations (the record sits below the federation).
"""

# No `from __future__ import annotations` here: ninja reads the parameter types of
# the views at import time.
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from asamblea.api.errors import ErrorOut
from asamblea.errors import InvalidInput
from asamblea.federation.services import access_federation
from asamblea.record import services
from asamblea.record.models import Checkpoint

router = Router(tags=["record"])

READ_ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut}
HEX_HASH = r"^[0-9a-fA-F]{64}$"


class PublicKeyOut(Schema):
    algorithm: str = Field(description="Always ed25519.")
    public_key: str = Field(description='"ed25519:" and the base64 of the 32-byte key.')
    fingerprint: str = Field(description="First 16 hex digits of SHA-256 of the key, in fours.")
    pem: str = Field(description="The same key as a PEM SubjectPublicKeyInfo block.")


class CheckpointOut(Schema):
    kind: str = Field(description='Always "checkpoint" (as in the export).')
    log: str = Field(description="The federation's identifier.")
    size: int = Field(description="Entries the signed tree covers.")
    root: str = Field(description="RFC 9162 root hash of those entries, hex.")
    time: str = Field(description="When it was signed, UTC.")
    public_key: str
    signature: str = Field(
        description="Base64 Ed25519 signature of "
        '"asamblea checkpoint v1\\n" + canonical JSON of {log, root, size, time}.'
    )


class EntryOut(Schema):
    index: int
    type: str
    leaf_hash: str = Field(description="SHA-256(0x00 || canonical JSON of entry), hex.")
    entry: dict[str, Any] = Field(description="The entry; its canonical JSON is what is hashed.")


class EntriesOut(Schema):
    log: str
    tree_size: int = Field(description="Entries covered by the latest signed checkpoint.")
    start: int
    entries: list[EntryOut]


class InclusionProofOut(Schema):
    log: str
    index: int
    tree_size: int
    leaf_hash: str
    root: str = Field(description="Root hash of the tree of tree_size entries.")
    audit_path: list[str] = Field(description="RFC 9162 PATH(index, D[tree_size]), leaf upwards.")
    checkpoint: CheckpointOut | None = Field(
        description="The signed checkpoint of tree_size, if one was issued at that size."
    )


class ConsistencyProofOut(Schema):
    log: str
    first: int
    second: int
    first_root: str
    second_root: str
    consistency_path: list[str] = Field(description="RFC 9162 PROOF(first, D[second]).")


class EntriesQuery(Schema):
    start: int = Field(0, ge=0, description="First index.")
    end: int | None = Field(
        None,
        ge=0,
        description=f"Index after the last (at most start + {services.MAX_ENTRIES_PER_READ}).",
    )


class CheckpointQuery(Schema):
    size: int | None = Field(None, ge=0, description="A past checkpoint's size; default latest.")


class InclusionQuery(Schema):
    index: int | None = Field(None, ge=0, description="The entry's index.")
    leaf_hash: str | None = Field(None, pattern=HEX_HASH, description="Or its leaf hash.")
    tree_size: int | None = Field(None, ge=1, description="Default: the latest checkpoint's.")


class ConsistencyQuery(Schema):
    first: int = Field(..., ge=1, description="The earlier tree size.")
    second: int | None = Field(None, ge=1, description="The later one; default the latest.")


def _checkpoint(checkpoint: Checkpoint, log: str) -> dict[str, Any]:
    return services.checkpoint_json(checkpoint, log)


@router.get("/record/public-key", response=PublicKeyOut)
def get_public_key(request: HttpRequest) -> Any:
    """The installation's Ed25519 key that signs every checkpoint of every federation."""
    key = services.public_key()
    return {
        "algorithm": "ed25519",
        "public_key": key.to_text(),
        "fingerprint": key.fingerprint,
        "pem": key.to_pem(),
    }


@router.get("/federations/{slug}/record/checkpoint", response={200: CheckpointOut, **READ_ERRORS})
def get_checkpoint(request: HttpRequest, slug: str, query: Query[CheckpointQuery]) -> Any:
    """The latest signed checkpoint (tree head) of the federation's log, or the one of `size`."""
    federation = access_federation(slug)
    return _checkpoint(services.access_checkpoint(federation, query.size), federation.slug)


@router.get("/federations/{slug}/record/entries", response={200: EntriesOut, **READ_ERRORS})
def list_entries(request: HttpRequest, slug: str, query: Query[EntriesQuery]) -> Any:
    """Entries start <= index < end of the signed log, in order (the export has them all)."""
    federation = access_federation(slug)
    entries = services.entries_between(federation, query.start, query.end)
    return {
        "log": federation.slug,
        "tree_size": services.published_size(federation),
        "start": query.start,
        "entries": [
            {
                "index": entry.index,
                "type": entry.type,
                "leaf_hash": entry.leaf_hash,
                "entry": services.entry_object(entry),
            }
            for entry in entries
        ],
    }


@router.get(
    "/federations/{slug}/record/proofs/inclusion",
    response={200: InclusionProofOut, **READ_ERRORS},
)
def get_inclusion_proof(request: HttpRequest, slug: str, query: Query[InclusionQuery]) -> Any:
    """That an entry (by `index` or `leaf_hash`) is in the tree of `tree_size` entries."""
    federation = access_federation(slug)
    if (query.index is None) == (query.leaf_hash is None):
        raise InvalidInput(_("Give one of the two: the index of the entry, or its leaf_hash."))
    if query.index is not None:
        proof = services.inclusion_proof(federation, query.index, query.tree_size)
    else:
        assert query.leaf_hash is not None
        proof = services.inclusion_proof_by_hash(federation, query.leaf_hash, query.tree_size)
    checkpoint = Checkpoint.objects.filter(federation=federation, size=proof.tree_size).first()
    return {
        "log": proof.log,
        "index": proof.index,
        "tree_size": proof.tree_size,
        "leaf_hash": proof.leaf_hash.hex(),
        "root": proof.root.hex(),
        "audit_path": [node.hex() for node in proof.path],
        "checkpoint": None if checkpoint is None else _checkpoint(checkpoint, federation.slug),
    }


@router.get(
    "/federations/{slug}/record/proofs/consistency",
    response={200: ConsistencyProofOut, **READ_ERRORS},
)
def get_consistency_proof(request: HttpRequest, slug: str, query: Query[ConsistencyQuery]) -> Any:
    """That the tree of `second` entries extends the tree of `first` entries."""
    federation = access_federation(slug)
    proof = services.consistency_proof(federation, query.first, query.second)
    return {
        "log": proof.log,
        "first": proof.first,
        "second": proof.second,
        "first_root": proof.first_root.hex(),
        "second_root": proof.second_root.hex(),
        "consistency_path": [node.hex() for node in proof.path],
    }
