"""Ballot codes and trackers, without the database.

The voter gets a random secret, the ballot code; the ballot is stored under
`tracker = SHA-256("<scheme>:<vote>:<person>:<code>")`. Only someone holding
the code can find the ballot again, and only while logged in as the same
person (the person's id is in the hash), so a coercer who takes the code
cannot replace the voter's ballot from their own account; the operator, who
knows every person id but no code, cannot work out which tracker is whose.

The code is drawn from the ballot form's one-time token (`code_from_form`):
a keyed hash (the server's SECRET_KEY) of the token, the vote and the person.
The token exists only in the page the voter holds (the server keeps its hash
alone), so the server cannot work the code out afterwards, and the voter who
sends the same form again after a lost answer is shown the same code. A code
made without a form (`new_ballot_code`) is plain random.

Each kind of vote has its own scheme (the prefix), so a code can never find a
ballot of another kind of vote. The schemes are part of the published record's
meaning: never change one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from asamblea.errors import InvalidInput

ELECTION = "asamblea-ballot-v1"
MOTION = "asamblea-motion-ballot-v1"
REFERENDUM = "asamblea-referendum-v1"

CODE_BYTES = 15  # 120 bits: 24 base32 characters, shown in groups of four
_NOT_BASE32 = re.compile(r"[^A-Z2-7]")
# Characters a person may read or type for base32 ones that look alike.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_ballot_code() -> str:
    """A fresh ballot code for the voter to keep, e.g. ABCD-EFGH-IJKL-MNOP-QRST-UVWX."""
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def code_from_form(scheme: str, vote_id: int, person_id: int, form_token: str) -> str:
    """The ballot code of the ballot `person` casts in a vote from the form `form_token`:
    the same every time that form is sent, and unknown to anyone without the token."""
    digest = salted_hmac(
        "asamblea.ballots.code_from_form",
        f"{scheme}:{vote_id}:{person_id}:{form_token}",
        algorithm="sha256",
    ).digest()
    return _grouped(base64.b32encode(digest[:CODE_BYTES]).decode("ascii"))


def _grouped(text: str) -> str:
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_ballot_code(text: str) -> str:
    """The canonical form of a typed ballot code (case, spaces, dashes and look-alikes forgiven)."""
    letters = _NOT_BASE32.sub("", text.upper().translate(_LOOKALIKES))
    if len(letters) != CODE_BYTES * 8 // 5:
        raise InvalidInput(
            _("A ballot code has 24 letters and digits (six groups of four); check what you typed.")
        )
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def tracker_for(scheme: str, vote_id: int, person_id: int, code: str) -> str:
    """The public tracker (64 hex digits) of the ballot `person` cast in a vote with `code`."""
    material = f"{scheme}:{vote_id}:{person_id}:{normalise_ballot_code(code)}"
    return hashlib.sha256(material.encode("ascii")).hexdigest()
