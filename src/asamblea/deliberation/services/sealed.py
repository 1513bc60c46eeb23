"""Sealed secret motion votes and referendums (server mode; `asamblea.ballots.sealing`).

A secret motion vote in an assembly, and every referendum, opened from now on
is sealed: its key is made when the vote opens, each ballot is encrypted on the
server when it is cast (only the sealed ballot is written, the plaintext
`choice`/`ranking` columns stay empty), and the box is opened (mixed, then
decrypted with proofs) only at the close. Votes opened before sealing existed
have no `BallotKey` and keep their plaintext columns.

A ballot is sealed as indices into the vote's choices, fixed when it opens:
"yes", "no", "abstain" (a mandate vote: "yes", "no", "free"; ranked options: the
option labels, the ranking in order; a referendum: "yes", "no", "abstain").
"""

from __future__ import annotations

from collections.abc import Sequence

from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import Reading, key_for, open_server_key, seal_choices
from asamblea.deliberation import rules
from asamblea.deliberation.models import Motion, MotionBallot, Referendum, ReferendumBallot
from asamblea.deliberation.services.motions import option_labels
from asamblea.federation.models import Body
from asamblea.secrecy.encoding import BallotCodec

REFERENDUM_CHOICES = tuple(c.value for c in rules.Choice)


# ---------------------------------------------------------------- secret motion votes


def motion_is_sealed_kind(motion: Motion) -> bool:
    """Whether the motion's vote is one that is sealed: a secret vote of an assembly."""
    return bool(motion.secret) and motion.body.kind == Body.Kind.BASE


def motion_choices(motion: Motion) -> list[str]:
    """What each index of a motion vote's codec stands for."""
    if motion.kind == Motion.Kind.OPTIONS:
        return option_labels(motion)
    if motion.kind == Motion.Kind.MANDATE:
        return [c.value for c in rules.MandateChoice]
    return [c.value for c in rules.Choice]


def open_motion_key(motion: Motion) -> BallotKey | None:
    """Make the key of a secret motion vote opening now (inside the opening's transaction)."""
    if not motion_is_sealed_kind(motion):
        return None
    choices = motion_choices(motion)
    ranked = motion.kind == Motion.Kind.OPTIONS
    return open_server_key(
        federation_slug=motion.body.federation.slug,
        scheme=MotionBallot.TRACKER_SCHEME,
        vote_id=motion.pk,
        codec=BallotCodec(len(choices)) if ranked else BallotCodec(len(choices), 1),
        choices=choices,
    )


def motion_key(motion: Motion) -> BallotKey | None:
    """The key of a sealed motion vote (None: not secret, or opened before sealing)."""
    return key_for(MotionBallot.TRACKER_SCHEME, motion.pk)


def seal_motion_choice(
    key: BallotKey, choice: str, ranking: Sequence[str] | None
) -> dict[str, object]:
    """A checked choice (or ranking of options) sealed on the server."""
    choices = list(key.choices)
    picked = list(ranking) if ranking else [choice]
    return seal_choices(key, [choices.index(c) for c in picked])


def motion_paper(key: BallotKey, ranked: bool, reading: Reading) -> str | list[str] | None:
    """A paper read at the close as the count takes it (a choice, or a ranking of option
    labels); None when it is not a valid ballot of the vote."""
    if reading is None or not reading:
        return None
    choices = [str(c) for c in key.choices]
    if any(not 0 <= i < len(choices) for i in reading):
        return None
    if ranked:
        return [choices[i] for i in reading]
    if len(reading) != 1:
        return None
    return choices[reading[0]]


# ---------------------------------------------------------------- referendums


def open_referendum_key(referendum: Referendum) -> BallotKey:
    """Make the key of a referendum opening now (inside the opening's transaction)."""
    return open_server_key(
        federation_slug=referendum.federation.slug,
        scheme=ReferendumBallot.TRACKER_SCHEME,
        vote_id=referendum.pk,
        codec=BallotCodec(len(REFERENDUM_CHOICES), 1),
        choices=REFERENDUM_CHOICES,
    )


def referendum_key(referendum: Referendum) -> BallotKey | None:
    return key_for(ReferendumBallot.TRACKER_SCHEME, referendum.pk)


def seal_referendum_choice(key: BallotKey, choice: str) -> dict[str, object]:
    return seal_choices(key, [list(key.choices).index(choice)])


def referendum_paper(key: BallotKey, reading: Reading) -> str | None:
    """The answer of a paper read at the close; None when invalid."""
    if reading is None or len(reading) != 1 or not 0 <= reading[0] < len(key.choices):
        return None
    return str(key.choices[reading[0]])
