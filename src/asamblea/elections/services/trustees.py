"""Trustees mode for elections: who holds the key, the ceremony before the vote opens,
the trustees' decryption after it closes (`asamblea.ballots.trustees`; docs/elections.md).

By default (setting ELECTION_KEY_MODE=trustees, the shipped default) an election's
trustees are the first five officers with a login of its body (k = n // 2 + 1), when
it has at least three; an officer may name others among the body's officers, or the
threshold, before the vote opens. With fewer than three, with ELECTION_KEY_MODE=server,
inside `key_mode("server")` (the demo's loaders), or when the vote opens as the
election is made (a recall vote opened by its petition: no time for a ceremony), the
election is sealed in server mode. The vote cannot open until the ceremony is done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots import trustees as keys
from asamblea.ballots.box import BallotBox
from asamblea.ballots.models import BallotKey, Trustee
from asamblea.ballots.sealing import forget_key_on_commit, key_for
from asamblea.elections.models import Ballot, Election
from asamblea.elections.services._common import _locked
from asamblea.elections.services.closing import publish_count
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from asamblea.federation.membership import Login, User, eligible_people
from asamblea.federation.models import Body, Officer
from asamblea.federation.services import require_officer

# Fewer officers with a login than this: server mode (the page says why).
MIN_TRUSTEES = 3
# The default number of trustees: the first this many officers.
DEFAULT_TRUSTEES = 5
SETUP_STATUSES = (Election.Status.NOMINATIONS, Election.Status.READY)


def possible_trustees(body: Body) -> list[Login]:
    """The body's officers with a login that can sign in, in order of appointment."""
    officers = (
        Officer.objects.filter(body=body, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    seen: dict[int, Login] = {}
    for officer in officers:
        seen.setdefault(officer.user_id, officer.user)
    return list(seen.values())


KEY_MODES = ("server", "trustees")
_forced_mode: ContextVar[str | None] = ContextVar("election_key_mode", default=None)


@contextmanager
def key_mode(mode: str) -> Iterator[None]:
    """Elections made inside use `mode` by default, whatever ELECTION_KEY_MODE says.

    The demo's loaders use `key_mode("server")`: they open, vote and count their
    elections at once, where nobody could hold a ceremony."""
    if mode not in KEY_MODES:
        raise ValueError(f"key mode {mode!r}: server or trustees")
    token = _forced_mode.set(mode)
    try:
        yield
    finally:
        _forced_mode.reset(token)


def default_key_mode() -> str:
    """ELECTION_KEY_MODE, or the mode `key_mode` forces here."""
    return _forced_mode.get() or settings.ELECTION_KEY_MODE


def trustees_by_default(election: Election) -> bool:
    return default_key_mode() == "trustees" and (
        len(possible_trustees(election.constituency)) >= MIN_TRUSTEES
    )


def setup_default_trustees(election: Election) -> BallotKey | None:
    """When the election is made (announced): its trustees by default, if any, so they
    have until the vote opens for the ceremony (see module doc). A vote that opens as
    it is made (a recall vote, when its petition reaches the threshold) gets none."""
    if election.voting_opens_at <= timezone.now() or not trustees_by_default(election):
        return None
    users = possible_trustees(election.constituency)[:DEFAULT_TRUSTEES]
    return _setup(election, users, keys.default_threshold(len(users)))


def _setup(election: Election, users: Sequence[Login], threshold: int) -> BallotKey:
    return keys.setup_trustees(
        federation_slug=election.federation.slug,
        scheme=Ballot.TRACKER_SCHEME,
        vote_id=election.pk,
        users=users,
        threshold=threshold,
    )


def election_trustee_key(election: Election) -> BallotKey | None:
    """The election's key if it is held by trustees."""
    key = key_for(Ballot.TRACKER_SCHEME, election.pk)
    if key is None or key.mode != BallotKey.Mode.TRUSTEES:
        return None
    return key


@transaction.atomic
def do_set_trustees(
    actor: User, election: Election, user_ids: Sequence[int], threshold: int | None = None
) -> BallotKey:
    """An officer names the trustees (among the body's officers) and the threshold."""
    election = _locked(election)
    require_officer(actor, election.constituency)
    if election.status not in SETUP_STATUSES:
        raise Conflict(_("The vote has opened: its trustees can no longer change."))
    allowed = {u.pk: u for u in possible_trustees(election.constituency)}
    if any(pk not in allowed for pk in user_ids):
        raise InvalidInput(_("Trustees are chosen among the officers of the assembly."))
    users = [allowed[pk] for pk in dict.fromkeys(user_ids)]
    if threshold is None:
        threshold = keys.default_threshold(len(users))
    return _setup(election, users, threshold)


@transaction.atomic
def do_use_server_key(actor: User, election: Election) -> None:
    """An officer goes back to server mode before the vote opens (the ceremony dropped)."""
    election = _locked(election)
    require_officer(actor, election.constituency)
    if election.status not in SETUP_STATUSES:
        raise Conflict(_("The vote has opened: its trustees can no longer change."))
    key = election_trustee_key(election)
    if key is not None:
        key.delete()
        # Its file held only the cancel secret; the opening writes the server's own.
        forget_key_on_commit(key)


@transaction.atomic
def do_restart_ceremony(actor: User, election: Election) -> None:
    election = _locked(election)
    require_officer(actor, election.constituency)
    key = election_trustee_key(election)
    if key is None:
        raise NotFound(_("This election has no trustees."))
    keys.restart_ceremony(keys.locked(key))


def _mine(user: User, election: Election) -> tuple[BallotKey, Trustee]:
    key = election_trustee_key(election)
    trustee = keys.trustee_of(key, user) if key is not None else None
    if key is None or trustee is None:
        raise PermissionDenied(_("Only this vote's trustees can do this."))
    key = keys.locked(key)
    return key, Trustee.objects.select_for_update().get(pk=trustee.pk)


def trustee_view(user: User, election: Election) -> tuple[BallotKey, Trustee]:
    """The key and the acting user's trustee row; PermissionDenied for anyone else."""
    key = election_trustee_key(election)
    trustee = keys.trustee_of(key, user) if key is not None else None
    if key is None or trustee is None:
        raise PermissionDenied(_("Only this vote's trustees can do this."))
    return key, trustee


def ceremony_state(user: User, election: Election) -> dict[str, Any]:
    """What the trustee's page needs now (JSON)."""
    key, trustee = trustee_view(user, election)
    everyone = keys.trustees_of(key)
    return {
        "context": key.context,
        "index": trustee.index,
        "threshold": key.threshold,
        "trustees": len(everyone),
        "state": key.state,
        "step": keys.ceremony_step(trustee),
        "device_public": trustee.device_public,
        "devices": keys.device_publics(everyone),
        "dealings": keys.dealings_for(everyone, trustee.index),
        "verification_key": (key.public.get("verification_keys") or {}).get(str(trustee.index))
        if key.public
        else None,
        "steps": [{"index": t.index, "step": keys.ceremony_step(t)} for t in everyone],
        "teller": key.teller_id is not None,
    }


@transaction.atomic
def do_trustee_device(user: User, election: Election, public: Any) -> None:
    key, trustee = _mine(user, election)
    keys.post_device_key(key, trustee, public)


@transaction.atomic
def do_trustee_deal(user: User, election: Election, posted: Any) -> None:
    key, trustee = _mine(user, election)
    keys.post_dealing(key, trustee, posted)


@transaction.atomic
def do_trustee_check(user: User, election: Election, posted: Any) -> None:
    key, trustee = _mine(user, election)
    keys.post_check(key, trustee, posted)


def ciphertexts_for(user: User, election: Election) -> list[list[str]]:
    key, _trustee = trustee_view(user, election)
    keys.waiting_for_trustees(key)
    return [[c.a.hex(), c.b.hex()] for c in keys.ciphertexts_to_open(key)]


@transaction.atomic
def do_trustee_decrypt(
    user: User, election: Election, posted: Any, *, now: datetime | None = None
) -> Election:
    """A trustee's decryption factors, verified and stored; with k in, the box is opened,
    counted and published in this same transaction (as the close does in server mode)."""
    election = _locked(election)
    key, trustee = _mine(user, election)
    shares = keys.post_factor_share(key, trustee, posted)
    if election.status == Election.Status.TALLYING and len(shares) >= key.threshold:
        box = keys.open_by_trustees(key)
        if box is not None:
            election = publish_count(election, (key, box), now=now or timezone.now())
    return election


def tally_progress(election: Election) -> dict[str, int] | None:
    key = election_trustee_key(election)
    if key is None:
        return None
    return dict(keys.tally_progress(key))


# ---------------------------------------------------------------- the teller (mix 1)


def possible_tellers(body: Body) -> list[Login]:
    """Who may be named teller: the body's officers with a login, then its members with one."""
    found = {u.pk: u for u in possible_trustees(body)}
    for person in eligible_people(body).filter(user__is_active=True).select_related("user"):
        if person.user is not None:
            found.setdefault(person.user.pk, person.user)
    return list(found.values())


@transaction.atomic
def do_set_teller(actor: User, election: Election, user_id: int | None) -> BallotKey:
    """An officer names the teller who makes the second mix (None: no teller, one mix).

    Before the vote opens, in trustees mode; the teller is an officer or a member of
    the body, with a login (they send their mix with their API token)."""
    election = _locked(election)
    require_officer(actor, election.constituency)
    if election.status not in SETUP_STATUSES:
        raise Conflict(_("The vote has opened: its teller can no longer change."))
    key = election_trustee_key(election)
    if key is None:
        raise Conflict(_("Only a vote whose key is held by trustees can have a teller."))
    teller = None
    if user_id is not None:
        allowed = {u.pk: u for u in possible_tellers(election.constituency)}
        if user_id not in allowed:
            raise InvalidInput(
                _("The teller is chosen among the officers and members of the assembly.")
            )
        teller = allowed[user_id]
    return keys.set_teller(keys.locked(key), teller)


def _tellers_key(user: User, election: Election) -> BallotKey:
    key = election_trustee_key(election)
    if key is None or key.teller_id is None:
        raise PermissionDenied(_("This vote has no teller: the server's mix is the only one."))
    if not user.is_authenticated or key.teller_id != user.pk:
        raise PermissionDenied(_("Only this vote's teller can send its second mix."))
    return key


def mix_document(user: User, election: Election) -> dict[str, Any]:
    """What the teller's computer mixes (`asamblea secrecy mix`): see `keys.mix_document`."""
    key = _tellers_key(user, election)
    cast = [sealed for _tracker, sealed in BallotBox(Ballot, election).cast_list()]
    return keys.mix_document(key, cast)


def do_teller_mix(user: User, election: Election, posted: Any) -> BallotKey:
    """The teller's mix, verified against mix 0's output before it is stored.

    The proof is verified first, outside the transaction (seconds for thousands of
    ballots: no lock is held meanwhile; mix 0 never changes once written), then the
    transaction locks the election and the key and stores it (`keys.post_teller_mix`)."""
    checked = keys.check_teller_mix(_tellers_key(user, election), posted)
    with transaction.atomic():
        election = _locked(election)
        key = keys.locked(_tellers_key(user, election))
        return keys.post_teller_mix(key, user, posted, checked)
