"""Trustees mode: a vote's key shared k of n among trustees, none of it on the server.

The ceremony (every trustee deals: the joint-Feldman DKG of `asamblea.secrecy.threshold`),
as /work/wt/TRUSTEES.md and docs/elections.md describe it, runs in the trustees'
browsers (ballots/static/ballots/trustee.js); the server only checks and relays:

1. each trustee posts the public key of a key pair made on their device
   (`post_device_key`);
2. when all n are in, each posts its dealing: the commitments to its polynomial with
   a proof of knowledge (checked here with `verify_dealer_commitment` before it is
   stored) and the n shares sealed each to one trustee's device key (`post_dealing`);
3. when all n dealings are in, each trustee's browser opens the shares addressed to
   it, checks them and posts a confirmation or a complaint (`post_check`). When all
   n confirmed, the joint key is made (`joint_key`) and the vote can open.
4. after the close (`mix_for_trustees`: the server's mix, mix 0; with a teller named
   (`set_teller`) the key waits in MIXING for the teller's mix, mix 1, made on their
   own computer and checked here against mix 0's output before it is stored
   (`post_teller_mix`); then TALLYING), each
   trustee posts its decryption factors over the last mix's output, each proven
   (`post_factor_share`, checked with `verify_factor_share` before it is stored).
   With k verified shares the vote's app opens the box (`open_by_trustees`).

Every function here is called inside the transaction of its caller, the key row
locked (`locked`). A second, different submission of a step is refused; the same one
sent again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.models import BallotKey, Trustee
from asamblea.ballots.sealing import (
    OpenedBox,
    codec_of,
    open_with_shares,
    public_key_of,
    vote_context,
    write_cancel_secret,
)
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import Login, User
from asamblea.secrecy.bulletin import (
    ballot_from_json,
    dealer_from_json,
    dealer_to_json,
    factor_share_from_json,
    factor_share_to_json,
    key_to_json,
    mix_context,
    mix_to_json,
    shuffle_proof_from_json,
)
from asamblea.secrecy.elgamal import Ballot, Ciphertext
from asamblea.secrecy.group import Point
from asamblea.secrecy.shuffle import shuffle
from asamblea.secrecy.threshold import (
    FactorShare,
    joint_key,
    verify_dealer_commitment,
    verify_factor_share,
)
from asamblea.secrecy.verify import verify_mix

JSON = Any
# The most trustees a vote may have (each deals to every other: n² envelopes).
MAX_TRUSTEES = 9
# An envelope is hex(R).hex(iv).hex(ct): 64 + 24 + 96 characters and two dots.
MAX_ENVELOPE_CHARS = 400


def default_threshold(trustees: int) -> int:
    """k = n // 2 + 1: a majority of the trustees opens the box."""
    return trustees // 2 + 1


def setup_trustees(
    *,
    federation_slug: str,
    scheme: str,
    vote_id: int,
    users: Sequence[Login],
    threshold: int,
) -> BallotKey:
    """Name the trustees of a vote (before it opens) and start its key ceremony; write
    the vote's key file, which holds only its cancel secret (`write_cancel_secret`).

    Naming them again replaces them while no trustee has dealt; after that the
    ceremony must be restarted first (`restart_ceremony`)."""
    n = len(users)
    if len({u.pk for u in users}) != n:
        raise InvalidInput(_("Name each trustee once."))
    if not 2 <= n <= MAX_TRUSTEES:
        raise InvalidInput(_("Name between 2 and %(most)s trustees.") % {"most": MAX_TRUSTEES})
    if not 1 <= threshold <= n:
        raise InvalidInput(
            _("The number of trustees needed to open the box must be between 1 and %(n)s.")
            % {"n": n}
        )
    context = vote_context(federation_slug, scheme, vote_id)
    key = BallotKey.objects.select_for_update().filter(scheme=scheme, vote_id=vote_id).first()
    if key is None:
        key = BallotKey.objects.create(
            scheme=scheme,
            vote_id=vote_id,
            mode=BallotKey.Mode.TRUSTEES,
            state=BallotKey.State.CEREMONY,
            context=context,
            codec={},
            choices=[],
            threshold=threshold,
            public={},
        )
    else:
        if key.mode != BallotKey.Mode.TRUSTEES or key.state != BallotKey.State.CEREMONY:
            raise Conflict(_("This vote's key is already made: its trustees cannot change."))
        if key.trustees.exclude(dealing=None).exists():
            raise Conflict(
                _("A trustee has already dealt: restart the ceremony to name other trustees.")
            )
        key.trustees.all().delete()
        key.threshold = threshold
        key.save(update_fields=["threshold"])
    Trustee.objects.bulk_create(
        [Trustee(key=key, index=i, user=u) for i, u in enumerate(users, start=1)]
    )
    # The key file of the ballots' cancel tags (a paper vote in the room cancels the online
    # ballot): no part of the key, which the server never holds. Kept when already there.
    write_cancel_secret(context)
    return key


def locked(key: BallotKey) -> BallotKey:
    return BallotKey.objects.select_for_update().get(pk=key.pk)


def trustee_of(key: BallotKey, user: User) -> Trustee | None:
    if not user.is_authenticated:
        return None
    return Trustee.objects.filter(key=key, user=user).first()


def trustees_of(key: BallotKey) -> list[Trustee]:
    return list(Trustee.objects.filter(key=key).order_by("index"))


def _in_ceremony(key: BallotKey) -> None:
    if key.mode != BallotKey.Mode.TRUSTEES or key.state != BallotKey.State.CEREMONY:
        raise Conflict(_("The key ceremony of this vote is over."))


def _point(value: JSON) -> Point:
    try:
        if not isinstance(value, str) or len(value) != 64:
            raise ValueError(value)
        return Point.from_hex(value)
    except (ValueError, TypeError):
        raise InvalidInput(_("Your device's key could not be read. Reload the page.")) from None


def post_device_key(key: BallotKey, trustee: Trustee, public_hex: JSON) -> Trustee:
    """Step 1: the public key of the trustee's device."""
    _in_ceremony(key)
    point = _point(public_hex)
    if trustee.device_public:
        if trustee.device_public == point.hex():
            return trustee
        raise Conflict(
            _(
                "Your device's key is already registered from another device or browser. "
                "Use that one, or ask an officer to restart the ceremony."
            )
        )
    trustee.device_public = point.hex()
    trustee.device_at = timezone.now()
    trustee.save(update_fields=["device_public", "device_at"])
    return trustee


def device_publics(trustees: Sequence[Trustee]) -> dict[str, str] | None:
    """{"1": D_1, ...} once every trustee's device key is in; None before."""
    if any(not t.device_public for t in trustees):
        return None
    return {str(t.index): t.device_public for t in trustees}


def post_dealing(key: BallotKey, trustee: Trustee, posted: JSON) -> Trustee:
    """Step 2: the trustee's dealing, its proof checked before it is stored."""
    _in_ceremony(key)
    everyone = trustees_of(key)
    if device_publics(everyone) is None:
        raise Conflict(_("Not every trustee has registered their device yet."))
    problem = InvalidInput(_("Your device's dealing could not be checked. Reload the page."))
    try:
        dealer = dealer_from_json(posted["dealer"])
        envelopes = posted["envelopes"]
        if not isinstance(envelopes, dict):
            raise TypeError("envelopes")
    except (KeyError, TypeError, ValueError, IndexError):
        raise problem from None
    names = {str(t.index) for t in everyone}
    if (
        dealer.dealer != trustee.index
        or len(dealer.commitments) != key.threshold
        or set(envelopes) != names
        or not all(
            isinstance(e, str) and 0 < len(e) <= MAX_ENVELOPE_CHARS for e in envelopes.values()
        )
        or not verify_dealer_commitment(key.context, dealer)
    ):
        raise problem
    dealing = {
        "dealer": dealer_to_json(dealer),
        "envelopes": {name: envelopes[name] for name in sorted(names, key=int)},
    }
    if trustee.dealing is not None:
        if json.dumps(trustee.dealing, sort_keys=True) == json.dumps(dealing, sort_keys=True):
            return trustee
        raise Conflict(
            _("You have already dealt in this ceremony; a second, different dealing is refused.")
        )
    trustee.dealing = dealing
    trustee.dealt_at = timezone.now()
    trustee.save(update_fields=["dealing", "dealt_at"])
    return trustee


def dealings_for(trustees: Sequence[Trustee], index: int) -> list[dict[str, JSON]] | None:
    """Every dealer's commitment with the envelope addressed to trustee `index`, once
    all n dealings are in; None before."""
    if any(t.dealing is None for t in trustees):
        return None
    return [
        {"dealer": t.dealing["dealer"], "envelope": t.dealing["envelopes"][str(index)]}
        for t in trustees
        if t.dealing is not None
    ]


def post_check(key: BallotKey, trustee: Trustee, posted: JSON) -> BallotKey:
    """Step 3: the trustee confirms every share it received, or names the dealers whose
    share did not check. When all n confirmed, the joint key is made."""
    _in_ceremony(key)
    everyone = trustees_of(key)
    if dealings_for(everyone, trustee.index) is None:
        raise Conflict(_("Not every trustee has dealt yet."))
    complaints: list[int] = []
    if isinstance(posted, dict) and posted.get("confirm") is True:
        check = Trustee.Check.CONFIRMED
    elif isinstance(posted, dict) and isinstance(posted.get("complaints"), list):
        complaints = sorted({int(d) for d in posted["complaints"] if str(d).isdigit()})
        if not complaints:
            raise InvalidInput(_("Say which dealings did not check."))
        check = Trustee.Check.COMPLAINT
    else:
        raise InvalidInput(_("Your device's check could not be read. Reload the page."))
    if trustee.checked:
        if trustee.checked == check and trustee.complaints == complaints:
            return key
        raise Conflict(_("You have already given your check in this ceremony."))
    trustee.checked = check
    trustee.complaints = complaints
    trustee.checked_at = timezone.now()
    trustee.save(update_fields=["checked", "complaints", "checked_at"])
    everyone = trustees_of(key)
    if all(t.checked == Trustee.Check.CONFIRMED for t in everyone):
        dealers = [dealer_from_json(t.dealing["dealer"]) for t in everyone if t.dealing]
        threshold_key = joint_key(dealers, len(everyone))
        key.public = key_to_json(threshold_key, dealers)
        key.state = BallotKey.State.READY
        key.save(update_fields=["public", "state"])
    return key


def restart_ceremony(key: BallotKey) -> BallotKey:
    """Start the ceremony again with the same trustees (after a complaint, or a lost
    device): every device key, dealing and check is forgotten."""
    _in_ceremony(key)
    key.trustees.update(
        device_public="",
        dealing=None,
        checked="",
        complaints=[],
        device_at=None,
        dealt_at=None,
        checked_at=None,
    )
    return key


def ceremony_step(trustee: Trustee) -> str:
    """Where one trustee is: "device", "deal", "check", "done" (the step to do next)."""
    if not trustee.device_public:
        return "device"
    if trustee.dealing is None:
        return "deal"
    if not trustee.checked:
        return "check"
    return "done"


# ---------------------------------------------------------------- the close


def set_teller(key: BallotKey, user: Login | None) -> BallotKey:
    """Name the teller who makes the second mix (None: the server's mix only). Before
    the vote opens (the caller checks), while the key is in its ceremony or ready."""
    if key.mode != BallotKey.Mode.TRUSTEES or key.state not in (
        BallotKey.State.CEREMONY,
        BallotKey.State.READY,
    ):
        raise Conflict(_("The vote has opened: its teller can no longer change."))
    key.teller = user
    key.save(update_fields=["teller"])
    return key


def mix_for_trustees(key: BallotKey, cast: Sequence[JSON]) -> BallotKey:
    """At the close of a trustees-mode vote: the server's mix (mix 0) of the cast list,
    kept for the trustees to decrypt; the key waits in TALLYING, or in MIXING for the
    teller's mix when the vote has a teller (and ballots to mix)."""
    if key.mode != BallotKey.Mode.TRUSTEES or key.state != BallotKey.State.READY:
        raise Conflict(_("This vote's key is not ready to be opened by its trustees."))
    mixes: list[JSON] = []
    if cast:
        inputs: list[Ballot] = [ballot_from_json(item["ballot"]) for item in cast]
        outputs, proof = shuffle(mix_context(key.context, 0), public_key_of(key).public, inputs)
        mixes.append(mix_to_json(outputs, proof))
    key.mixed = {"mixes": mixes}
    waits = key.teller_id is not None and bool(mixes)
    key.state = BallotKey.State.MIXING if waits else BallotKey.State.TALLYING
    key.save(update_fields=["mixed", "state"])
    return key


def mixers(key: BallotKey) -> list[str]:
    """Who made each mix, in order: "server" (mix 0), then "teller" (mix 1) if any."""
    mixes = (key.mixed or {}).get("mixes") or []
    return ["server", "teller"][: len(mixes)]


def mix_document(key: BallotKey, cast: Sequence[JSON]) -> dict[str, JSON]:
    """What the teller's computer needs to make mix 1: the vote's context and public key,
    the cast list (mix 0's input, the sealed ballots as cast), mix 0 with its proof, and
    the input of mix 1 (mix 0's output). `cast`: the vote's cast list, as at the close."""
    mixes = (key.mixed or {}).get("mixes") or []
    if key.mode != BallotKey.Mode.TRUSTEES or not mixes:
        raise Conflict(_("The vote has not closed yet: there is nothing to mix."))
    return {
        "context": key.context,
        "public_key": public_key_of(key).public.hex(),
        "index": 1,
        "state": key.state,
        "cast": [item["ballot"] for item in cast],
        "mixes": mixes[:1],
        "input": mixes[0]["output"],
        "mixed": len(mixes) > 1,
    }


@dataclass(frozen=True)
class CheckedMix:
    """A posted mix 1 verified against mix 0's output `input` (`check_teller_mix`)."""

    input: JSON
    outputs: list[Ballot]
    problems: list[str]


def check_teller_mix(key: BallotKey, posted: JSON) -> CheckedMix | None:
    """Verify a posted mix 1 against mix 0's output, without a lock: the slow part (about
    4 ms a ballot), done before the transaction that stores it (`post_teller_mix` uses
    it if mix 0 is still the same). None when there is no mix 0 or nothing to check."""
    mixes = (key.mixed or {}).get("mixes") or []
    if not mixes or not isinstance(posted, dict):
        return None
    outputs, problems = verify_mix(
        mix_context(key.context, 1), public_key_of(key).public, last_outputs_of(mixes[:1]), posted
    )
    return CheckedMix(mixes[0]["output"], outputs, problems)


def post_teller_mix(
    key: BallotKey, user: User, posted: JSON, checked: CheckedMix | None = None
) -> BallotKey:
    """The teller's mix (mix 1) of mix 0's output, checked with `verify_mix` before it is
    stored; the key then waits for the trustees (TALLYING). The same mix sent again
    changes nothing; a second, different one is refused. `checked`: the verification
    already made (`check_teller_mix`), used if it was made against this mix 0."""
    if key.mode != BallotKey.Mode.TRUSTEES or key.teller_id is None:
        raise PermissionDenied(_("This vote has no teller: the server's mix is the only one."))
    if key.teller_id != user.pk:
        raise PermissionDenied(_("Only this vote's teller can send its second mix."))
    mixes = (key.mixed or {}).get("mixes") or []
    if key.state in (BallotKey.State.CEREMONY, BallotKey.State.READY) or not mixes:
        raise Conflict(_("The vote has not closed yet: there is nothing to mix."))
    problem = InvalidInput(
        _(
            "The mix does not check against the server's mix (its proof fails, or it "
            "mixes other ballots), so it was not taken."
        )
    )
    if not isinstance(posted, dict):
        raise problem
    if checked is None or checked.input != mixes[0]["output"]:
        checked = check_teller_mix(key, posted)
    if checked is None:  # pragma: no cover - mixes and posted were checked above
        raise problem
    outputs, problems = checked.outputs, checked.problems
    if len(mixes) > 1:
        if not problems and mixes[1] == _normal(outputs, posted):
            return key
        raise Conflict(
            _("The second mix of this vote is already in; a second, different mix is refused.")
        )
    if key.state != BallotKey.State.MIXING:
        raise Conflict(_("This vote is not waiting for a second mix."))
    if problems:
        raise problem
    key.mixed = {**(key.mixed or {}), "mixes": [*mixes, _normal(outputs, posted)]}
    key.state = BallotKey.State.TALLYING
    key.save(update_fields=["mixed", "state"])
    return key


def _normal(outputs: Sequence[Ballot], posted: JSON) -> JSON:
    """A verified mix as `mix_to_json` writes it (lower-case hex, no other field)."""
    return mix_to_json(outputs, shuffle_proof_from_json(posted["proof"]))


def last_outputs_of(mixes: Sequence[JSON]) -> list[Ballot]:
    if not mixes:
        return []
    return [ballot_from_json(b) for b in mixes[-1]["output"]]


def last_outputs(key: BallotKey) -> list[Ballot]:
    return last_outputs_of((key.mixed or {}).get("mixes") or [])


def ciphertexts_to_open(key: BallotKey) -> list[Ciphertext]:
    return [c for ballot in last_outputs(key) for c in ballot]


def post_factor_share(key: BallotKey, trustee: Trustee, posted: JSON) -> list[FactorShare]:
    """Step 4: the trustee's decryption factors over the last mix's output, each proven;
    checked before stored. Returns every verified share now in."""
    waiting_for_trustees(key)
    problem = InvalidInput(
        _(
            "Your device's decryption could not be checked, so it was not taken. "
            "Check that the share is yours (passphrase or recovery code) and try again."
        )
    )
    try:
        share = factor_share_from_json(posted)
    except (KeyError, TypeError, ValueError, IndexError):
        raise problem from None
    if share.trustee != trustee.index or not verify_factor_share(
        key.context, public_key_of(key), ciphertexts_to_open(key), share
    ):
        raise problem
    stored = factor_share_to_json(share)
    if trustee.factor_share is not None:
        if trustee.factor_share != stored:
            raise Conflict(
                _("You have already sent your decryption; a second, different one is refused.")
            )
    else:
        trustee.factor_share = stored
        trustee.decrypted_at = timezone.now()
        trustee.save(update_fields=["factor_share", "decrypted_at"])
    return verified_shares(key)


def waiting_for_trustees(key: BallotKey) -> None:
    """Conflict unless the trustees can decrypt now (after the last mix)."""
    if key.mode == BallotKey.Mode.TRUSTEES and key.state == BallotKey.State.MIXING:
        raise Conflict(
            _(
                "Waiting for the second mix: the trustees can decrypt once the teller "
                "has mixed the ballots."
            )
        )
    if key.mode != BallotKey.Mode.TRUSTEES or key.state != BallotKey.State.TALLYING:
        raise Conflict(_("This vote is not waiting for its trustees."))


def verified_shares(key: BallotKey) -> list[FactorShare]:
    """The decryption shares in (each was verified before it was stored)."""
    return [
        factor_share_from_json(t.factor_share)
        for t in Trustee.objects.filter(key=key).exclude(factor_share=None).order_by("index")
    ]


def open_by_trustees(key: BallotKey) -> OpenedBox | None:
    """With k verified shares in, open the box in memory (inside the caller's
    transaction; the caller keeps what the count read, as server mode's close does);
    None while fewer than k are in."""
    shares = verified_shares(key)
    mixes = (key.mixed or {}).get("mixes") or []
    if mixes and len(shares) < key.threshold:
        return None
    key.state = BallotKey.State.COUNTED
    key.save(update_fields=["state"])
    if not mixes:
        return OpenedBox(codec_of(key), [], [], (), [], [])
    return open_with_shares(key, mixes, last_outputs(key), shares)


def tally_progress(key: BallotKey) -> Mapping[str, int]:
    """{"posted": shares in, "trustees": n, "needed": k}."""
    everyone = trustees_of(key)
    return {
        "posted": sum(1 for t in everyone if t.factor_share is not None),
        "trustees": len(everyone),
        "needed": key.threshold,
    }


__all__ = [
    "CheckedMix",
    "ceremony_step",
    "check_teller_mix",
    "ciphertexts_to_open",
    "dealings_for",
    "default_threshold",
    "device_publics",
    "locked",
    "mix_document",
    "mix_for_trustees",
    "mixers",
    "open_by_trustees",
    "post_check",
    "post_dealing",
    "post_device_key",
    "post_factor_share",
    "post_teller_mix",
    "restart_ceremony",
    "set_teller",
    "setup_trustees",
    "tally_progress",
    "trustee_of",
    "waiting_for_trustees",
]
