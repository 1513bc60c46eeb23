"""Sealed ballots: the key of a secret vote, sealing a ballot, opening the box at the close.

Every kind of secret vote uses the same steps (elections first; secret motion
votes and referendums next), with the pure library `asamblea.secrecy`
(decision 0003) and the plan of decision 0004:

1. **Opening**: `open_server_key` makes the vote's key in server mode - one
   dealing of one share (k = n = 1) by the server - writes the share to a file
   in BALLOT_KEY_DIR (mode 0600, named by a hash of the vote's context), and
   keeps the public side in a `BallotKey` row. The record publishes it
   (`key_facts`, entry "secrecy.key").
2. **Casting**: a ballot is sealed when it is cast - in the browser
   (`accept_sealed` checks what the page posted: its proof, its width) or, without
   JavaScript, on the server in the request (`seal_choices`). Only the sealed
   ballot is written (`SecretBallot.sealed`, `seal_hash`): no plaintext reaches
   the database, its write-ahead log, its dumps or backups.
3. **The close**: `open_box` takes the cast list (in tracker order), mixes it
   once on the server with a proof of shuffle, decrypts the mix's output with
   the server's share - one proof per decryption factor
   (`threshold.partial_decrypt_each`) - and reads each paper (an ill-formed one
   reads as invalid) through `open_with_shares`, the one function that opens a
   mixed box with any k trustees' verified factors. The permutation and the
   re-encryption randomness live only in the process's memory, and so does the
   whole decryption: what is kept and published is `OpenedBox.published` (a
   ranked election's papers as far as its count read them, the rest sealed) or
   `OpenedBox.facts` (every paper whole, for the methods that read every mark).
   `forget_key_on_commit` deletes the key file once the count's publication is
   committed, so a later seizure of the machine opens no closed vote.

What the record carries (`cast_facts`, `opened_facts`) is the public document
of `asamblea.secrecy.bulletin`, which `asamblea record verify` checks
(`asamblea.ballots.recount`) without trusting the server.

Trustees mode (the key shared k of n among trustees, none of it on the server) uses
the same rows and entries with `BallotKey.Mode.TRUSTEES`: `asamblea.ballots.trustees`
runs its ceremony and keeps the mix for the trustees, and `open_with_shares` opens
the box with their factors. Its key file (`write_cancel_secret`) holds only the secret of
the ballots' cancel tags, no share, and is deleted at the publication as in server mode.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from asamblea.ballots.models import BallotKey
from asamblea.errors import Conflict, InvalidInput
from asamblea.secrecy.bulletin import (
    ballot_from_json,
    cast_to_json,
    factor_share_to_json,
    key_from_json,
    key_to_json,
    mix_context,
    mix_to_json,
)
from asamblea.secrecy.elgamal import Ballot, BallotProof, encrypt_ballot, verify_ballot
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.shuffle import shuffle
from asamblea.secrecy.threshold import (
    FactorShare,
    ThresholdKey,
    combine_decryption,
    deal,
    joint_key,
    partial_decrypt_each,
    verify_factor_share,
)

# The server is trustee 1 of 1 in server mode.
SERVER_TRUSTEE = 1
DOCUMENT_VERSION = 1
# The decryption published ciphertext by ciphertext, each factor with its own proof,
# and only for the positions a count read ("form" of "secrecy.opened"'s decryption).
CUT_FORM = "factors-v1"
# A sealed ballot as posted is a few kilobytes; refuse anything far larger unread.
MAX_SEALED_CHARS = 64_000

JSON = Any
Reading = tuple[int, ...] | None


def vote_context(federation_slug: str, scheme: str, vote_id: int) -> str:
    """The string every proof of one vote binds: "<federation slug>/<scheme>/<vote id>"."""
    return f"{federation_slug}/{scheme}/{vote_id}"


def key_path(context: str) -> Path:
    """Where the server's share of a vote's key is kept: named by a hash, not by the vote."""
    name = hashlib.sha256(f"asamblea-ballot-key-v1:{context}".encode()).hexdigest()
    return Path(settings.BALLOT_KEY_DIR) / f"{name}.key"


@lru_cache(maxsize=64)
def _codec(candidates: int, ranks: int, per_ciphertext: int) -> BallotCodec:
    # Cached per process: the decoding table of a codec takes up to a second to build.
    return BallotCodec.from_description(
        {"candidates": candidates, "ranks": ranks, "per_ciphertext": per_ciphertext}
    )


def codec_of(key: BallotKey) -> BallotCodec:
    d = key.codec
    return _codec(int(d["candidates"]), int(d["ranks"]), int(d["per_ciphertext"]))


def public_key_of(key: BallotKey) -> ThresholdKey:
    threshold_key, _dealers = key_from_json(key.public)
    return threshold_key


def key_for(scheme: str, vote_id: int) -> BallotKey | None:
    """The key of a vote, or None for a vote that is not sealed."""
    return BallotKey.objects.filter(scheme=scheme, vote_id=vote_id).first()


def _write_key_file(path: Path, data: dict[str, str | int]) -> None:
    """Write a key file at once (a crash leaves no half file), 0600 in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.new")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(data).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _write_share(path: Path, context: str, share: Scalar) -> None:
    """The server's share of the key (server mode), with a fresh secret for the ballots'
    cancel tags (`cancel_tag`) beside it."""
    _write_key_file(
        path,
        {
            "context": context,
            "trustee": SERVER_TRUSTEE,
            "share": share.hex(),
            "cancel": secrets.token_hex(32),
        },
    )


def write_cancel_secret(context: str) -> None:
    """The key file of a vote whose key the server does not hold (trustees mode): only the
    secret of the ballots' cancel tags, no share - nothing in it decrypts a ballot.

    Idempotent: a file of this vote already there keeps its secret (a setup done again,
    or a vote opening after its trustees were named), so tags computed before still match;
    one holding a share (left by a server-mode opening rolled back) is replaced, share and
    all. Call inside the transaction that makes the vote's key row."""
    data = _read_key_file(context)
    if (
        data is not None
        and data.get("context") == context
        and "cancel" in data
        and "share" not in data
    ):
        return
    _write_key_file(key_path(context), {"context": context, "cancel": secrets.token_hex(32)})


def _read_key_file(context: str) -> dict[str, Any] | None:
    """The vote's key file as written by `_write_share` or `write_cancel_secret`; None
    when it is not there."""
    try:
        data: dict[str, Any] = json.loads(key_path(context).read_text(encoding="ascii"))
    except FileNotFoundError:
        return None
    return data


def _read_share(context: str) -> Scalar:
    path = key_path(context)
    data = _read_key_file(context)
    if data is None:
        raise Conflict(
            _(
                "The key that opens this vote's sealed ballots is missing from the server "
                "(%(path)s): the ballots cannot be counted without it."
            )
            % {"path": path}
        ) from None
    if data.get("context") != context:
        raise Conflict(_("The key file of this vote belongs to another vote."))
    if "share" not in data:
        raise Conflict(
            _(
                "The key file of this vote (%(path)s) holds no share of its key, only the "
                "secret of its cancel tags: the server cannot open these ballots."
            )
            % {"path": path}
        )
    return Scalar.from_hex(data["share"])


def open_server_key(
    *,
    federation_slug: str,
    scheme: str,
    vote_id: int,
    codec: BallotCodec,
    choices: Sequence[str],
) -> BallotKey:
    """Make a vote's key in server mode (one dealing, k = n = 1) and keep its share in a file.

    Call inside the transaction that opens the vote. Opening the same vote again
    (an opening rolled back and redone) writes a new file over the old one.
    """
    context = vote_context(federation_slug, scheme, vote_id)
    dealing, shares = deal(context, SERVER_TRUSTEE, 1, 1)
    threshold_key = joint_key([dealing], 1)
    _write_share(key_path(context), context, shares[SERVER_TRUSTEE])
    return BallotKey.objects.create(
        scheme=scheme,
        vote_id=vote_id,
        mode=BallotKey.Mode.SERVER,
        context=context,
        codec=codec.describe(),
        choices=list(choices),
        threshold=1,
        public=key_to_json(threshold_key, [dealing]),
    )


def cancel_tag(key: BallotKey, person_id: int) -> str | None:
    """The tag of the ballot `person_id` casts in this sealed vote: HMAC-SHA256 of the vote's
    context and the person id under the cancel secret of the vote's key file.

    It lets the server at the table find, and delete unread, the online ballot of a member
    who votes on paper in the room (`BallotBox.cancel`), while the database alone (a
    stolen copy, a backup, its log) ties no tag to a person: the secret is only in the
    key file, outside the database, and is deleted with it at the publication. None when
    the file or its secret is not there (a vote opened before cancel tags existed, or
    already published): that ballot cannot be cancelled."""
    secret = _cancel_secret(key)
    if secret is None:
        return None
    message = f"asamblea-cancel-tag-v1:{key.context}:{person_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def can_cancel(key: BallotKey | None) -> bool:
    """Whether this vote's online ballots carry cancel tags the server can compute now."""
    return key is not None and _cancel_secret(key) is not None


def _cancel_secret(key: BallotKey) -> bytes | None:
    """The cancel secret of the vote's key file, whatever its mode (server mode: beside the
    share; trustees mode: alone, `write_cancel_secret`)."""
    data = _read_key_file(key.context)
    if data is None or data.get("context") != key.context or "cancel" not in data:
        return None
    return bytes.fromhex(data["cancel"])


def key_facts(key: BallotKey) -> dict[str, JSON]:
    """What the record publishes of a vote's key ("secrecy.key")."""
    return {
        "context": key.context,
        "mode": key.mode,
        "version": DOCUMENT_VERSION,
        "codec": key.codec,
        "choices": key.choices,
        "key": key.public,
    }


def seal_choices(key: BallotKey, indices: Sequence[int]) -> dict[str, JSON]:
    """Seal a checked ballot (codec indices, most preferred first) on the server."""
    messages = codec_of(key).encode(indices)
    ballot, proof = encrypt_ballot(key.context, public_key_of(key).public, messages)
    return cast_to_json(ballot, proof)


def accept_sealed(key: BallotKey, posted: str | JSON) -> dict[str, JSON]:
    """A ballot sealed in the voter's browser, checked: well formed, as wide as the
    vote's codec, and carrying a proof bound to this vote. InvalidInput otherwise.

    Its content cannot be checked (that is the point): an ill-formed ranking reads
    as an invalid paper at the count."""
    problem = InvalidInput(
        _(
            "Your phone's encrypted ballot could not be checked, so it was not cast. "
            "Reload the ballot page and vote again."
        )
    )
    value: JSON = posted
    if isinstance(posted, str):
        if len(posted) > MAX_SEALED_CHARS:
            raise problem
        try:
            value = json.loads(posted)
        except (ValueError, RecursionError):
            raise problem from None
    try:
        ballot = ballot_from_json(value["ballot"])
        proof = BallotProof.from_json(value["proof"])
    except (ValueError, KeyError, TypeError, IndexError):
        raise problem from None
    if len(ballot) != codec_of(key).width:
        raise problem
    if not verify_ballot(key.context, public_key_of(key).public, ballot, proof):
        raise problem
    return cast_to_json(ballot, proof)


def seal_hash(sealed: JSON) -> str:
    """SHA-256 of the ballot's first components: two casts of one ciphertext share it."""
    digest = hashlib.sha256(b"asamblea-seal-v1")
    for a, _b in sealed["ballot"]:
        digest.update(bytes.fromhex(a))
    return digest.hexdigest()


def refuse_copy() -> InvalidInput:
    return InvalidInput(
        _("This encrypted ballot has been cast already. Reload the ballot page and vote again.")
    )


@dataclass(frozen=True)
class OpenedBox:
    """The box opened at the close, in the process's memory only: the mixes, their
    output, every trustee's verified factors and the papers as read.

    Nothing of it is written whole: `published` cuts it to the ciphertexts whose
    decryption the record shows (and the server keeps, `BallotKey.opened`); the
    factors and plaintexts of the others are dropped with this object.
    """

    codec: BallotCodec
    mixes: list[dict[str, JSON]]
    outputs: list[Ballot]
    shares: tuple[FactorShare, ...]
    plaintexts: list[tuple[Point, ...]]
    readings: list[Reading]  # per paper, in the mix's output order; None: invalid

    def reads(self, paper: int, elements: int) -> Reading:
        """What paper `paper`'s first `elements` plaintexts read (its reading if all)."""
        if elements == self.codec.width:
            return self.readings[paper]
        return self.codec.decode_prefix(self.plaintexts[paper][:elements])

    @property
    def facts(self) -> dict[str, JSON]:
        """The document with every paper decrypted whole (the methods that read every mark)."""
        return self.published([self.codec.width] * len(self.outputs))

    def published_as_read(self, preferences: Sequence[int]) -> dict[str, JSON]:
        """`published` with each paper n decrypted as far as shows its first
        `preferences[n]` preferences (the count's depth; at least one ciphertext), an
        ill-formed paper as far as shows it ill-formed (`BallotCodec.shown_by`)."""
        return self.published(
            [
                self.codec.shown_by(points, wanted)
                for points, wanted in zip(self.plaintexts, preferences, strict=True)
            ]
        )

    def published(self, shown: Sequence[int]) -> dict[str, JSON]:
        """The document of the record's "secrecy.opened": the mixes, and per paper n the
        decryption of its first `shown[n]` ciphertexts only - their positions, plaintexts
        and each trustee's factors with one proof per factor - and what they read
        (`BallotCodec.decode_prefix`)."""
        if not self.outputs:
            return {"mixes": [], "decryption": None}
        if len(shown) != len(self.outputs):
            raise ValueError("one depth per paper")
        width = self.codec.width
        positions = [list(range(min(max(k, 1), width))) for k in shown]
        flat = [n * width + m for n, kept in enumerate(positions) for m in kept]
        shares = [
            FactorShare(
                s.trustee,
                tuple(s.factors[m] for m in flat),
                tuple(s.challenges[m] for m in flat),
                tuple(s.responses[m] for m in flat),
            )
            for s in self.shares
        ]
        plaintexts = [[self.plaintexts[n][m] for m in kept] for n, kept in enumerate(positions)]
        return {
            "mixes": self.mixes,
            "decryption": {
                "form": CUT_FORM,
                "positions": positions,
                "shares": [factor_share_to_json(s) for s in shares],
                "plaintexts": [[p.hex() for p in paper] for paper in plaintexts],
                "ballots": [_listed(self.reads(n, len(kept))) for n, kept in enumerate(positions)],
            },
        }


def _listed(reading: Reading) -> list[int] | None:
    return None if reading is None else list(reading)


def open_with_shares(
    key: BallotKey,
    mixes: list[dict[str, JSON]],
    outputs: list[Ballot],
    shares: Sequence[FactorShare],
) -> OpenedBox:
    """Open a mixed box with trustees' decryption factors (any k of them, or the
    server's one share in server mode): each share is checked against the trustee's
    verification key (one proof per factor), k of them are combined, and each paper
    is read. Conflict when a share does not verify or fewer than k do.

    `mixes`: the published mixes (`mix_to_json`), the last one's output `outputs`;
    `shares`: `threshold.partial_decrypt_each` over `outputs` flattened in order.
    """
    threshold_key = public_key_of(key)
    codec = codec_of(key)
    if not outputs:
        return OpenedBox(codec, list(mixes), [], (), [], [])  # an empty box: nothing to open
    flat = [c for ballot in outputs for c in ballot]
    good: list[FactorShare] = []
    for share in shares:
        if any(s.trustee == share.trustee for s in good):
            raise Conflict(_("A trustee's decryption was given twice."))
        if not verify_factor_share(key.context, threshold_key, flat, share):
            raise Conflict(
                _("Trustee %(trustee)s's decryption does not verify: it was not used.")
                % {"trustee": share.trustee}
            )
        good.append(share)
    if len(good) < threshold_key.threshold:
        raise Conflict(
            _("%(needed)s trustees must decrypt the box; %(given)s did.")
            % {"needed": threshold_key.threshold, "given": len(good)}
        )
    opened = combine_decryption(threshold_key, flat, good)
    width = codec.width
    plaintexts = [tuple(opened[n * width : (n + 1) * width]) for n in range(len(outputs))]
    readings = [codec.decode(p) for p in plaintexts]
    return OpenedBox(codec, list(mixes), list(outputs), tuple(good), plaintexts, readings)


def open_box(key: BallotKey, cast: Sequence[JSON]) -> OpenedBox:
    """Mix the cast ballots once (the server, with its proof), decrypt the output with
    the server's share (one proof per factor, `open_with_shares`) and read each paper.

    `cast`: the sealed ballots in the order of the cast list (tracker order).
    """
    if key.mode != BallotKey.Mode.SERVER:
        raise Conflict(_("This vote's key is held by its trustees: they open the box."))
    threshold_key = public_key_of(key)
    if not cast:
        return open_with_shares(key, [], [], [])
    inputs: list[Ballot] = [ballot_from_json(item["ballot"]) for item in cast]
    outputs, proof = shuffle(mix_context(key.context, 0), threshold_key.public, inputs)
    flat = [c for ballot in outputs for c in ballot]
    share = partial_decrypt_each(
        key.context, threshold_key, SERVER_TRUSTEE, _read_share(key.context), flat
    )
    return open_with_shares(key, [mix_to_json(outputs, proof)], outputs, [share])


def readings_of(key: BallotKey) -> list[Reading]:
    """The papers of an opened box as read (codec indices; None for an invalid paper):
    as far as the record shows them, or further where the close kept more for a
    countback ("kept", unpublished: `elections.services.closing._keep_as_read`)."""
    if key.opened is not None and "kept" in key.opened:
        return [None if r is None else tuple(r) for r in key.opened["kept"]]
    if key.opened is None or key.opened.get("decryption") is None:
        return []
    return [None if r is None else tuple(r) for r in key.opened["decryption"]["ballots"]]


def forget_key_on_commit(key: BallotKey) -> None:
    """Delete the vote's key file (the server's share and the cancel secret; in trustees
    mode the cancel secret alone) once this transaction commits (never before: a close
    rolled back must still find the key to be redone)."""
    path = key_path(key.context)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def open_and_keep(key: BallotKey, cast_list: Sequence[tuple[str, JSON]]) -> BallotKey:
    """Open a sealed vote's box inside the close's transaction (`open_box` over the
    cast list, `BallotBox.cast_list`) and keep the opened document on its key, for the
    count and the record."""
    key.opened = open_box(key, [sealed for _tracker, sealed in cast_list]).facts
    key.save(update_fields=["opened"])
    return key


def secrecy_facts(
    key: BallotKey,
    cast_list: Sequence[tuple[str, JSON]],
    *,
    withheld: str | None = None,
    opened: JSON = None,
) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """The facts of the entries "secrecy.cast" (the sealed ballots as cast, with their
    trackers) and "secrecy.opened" (the mix and the decryption) of an opened box; the
    caller adds the vote's name. `withheld`: why the decryption is not published
    (too few ballots: it would show how each of the few voted). `opened`: the opened
    document of one part of a box opened in parts (default: the key's)."""
    cast = [{"tracker": tracker, **sealed} for tracker, sealed in cast_list]
    opened = opened or key.opened or {"mixes": [], "decryption": None}
    shown: dict[str, JSON] = {"mixes": opened["mixes"], "decryption": opened["decryption"]}
    if key.mode == BallotKey.Mode.TRUSTEES:
        # Who made each mix: the server (mix 0), then the teller (mix 1). One mix says
        # that the vote had no teller, and that the server alone could link voters to papers.
        shown["mixed_by"] = ["server", "teller"][: len(opened["mixes"])]
    if withheld is not None and opened["decryption"] is not None:
        shown["decryption"] = None
        shown["withheld"] = withheld
    head = {"context": key.context}
    return {**head, "cast": cast}, {**head, **shown}
