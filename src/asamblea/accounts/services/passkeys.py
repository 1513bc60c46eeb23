"""Passkeys (WebAuthn): a member logs in with their phone's screen lock instead of a
password, through the `webauthn` library (py_webauthn).

The browser does the cryptography; the server hands it a random challenge, kept in
the session until the answer comes back, and checks the answer against the site's
host name (the relying party) and origin. Only public keys are stored. A passkey
replaces the password, not the second factor: an officer with an authenticator app
still gives its code after it.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from asamblea.accounts.models import Passkey
from asamblea.errors import InvalidInput, NotFound
from asamblea.federation.membership import Login

RP_NAME = "Asamblea"


def refused() -> InvalidInput:
    return InvalidInput(
        _("The passkey was not accepted. Try again, or log in with your login name and password.")
    )


def registration_options(user: Login, rp_id: str) -> tuple[str, bytes]:
    """The options for the browser to make a passkey for `user` (JSON), and the challenge."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.get_username(),
        user_id=str(user.pk).encode(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=_bytes(p.credential_id))
            for p in Passkey.objects.filter(user=user)
        ],
    )
    return options_to_json(options), options.challenge


def authentication_options(rp_id: str) -> tuple[str, bytes]:
    """The options to log in with any passkey of this site (the browser offers its own)."""
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), options.challenge


def _bytes(base64url: str) -> bytes:
    return base64url_to_bytes(base64url)


@transaction.atomic
def do_add_passkey(
    user: Login, answer: dict[str, Any], *, challenge: bytes, rp_id: str, origin: str
) -> Passkey:
    """Keep the passkey the browser made for `user`, once its answer checks out."""
    try:
        verified = verify_registration_response(
            credential=json.dumps(answer),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise refused() from None
    credential_id = bytes_to_base64url(verified.credential_id)
    passkey, _created = Passkey.objects.get_or_create(
        credential_id=credential_id,
        defaults={
            "user": user,
            "public_key": verified.credential_public_key,
            "sign_count": verified.sign_count,
            "created_at": timezone.now(),
        },
    )
    if passkey.user_id != user.pk:
        raise refused()
    return passkey


@transaction.atomic
def do_log_in_with_passkey(
    answer: dict[str, Any], *, challenge: bytes, rp_id: str, origin: str
) -> Login:
    """The login whose passkey signed the challenge (InvalidInput if none did)."""
    credential_id = answer.get("id") if isinstance(answer, dict) else None
    passkey = (
        Passkey.objects.select_for_update()
        .select_related("user")
        .filter(credential_id=credential_id, user__is_active=True)
        .first()
        if isinstance(credential_id, str)
        else None
    )
    if passkey is None:
        raise refused()
    try:
        verified = verify_authentication_response(
            credential=json.dumps(answer),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise refused() from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey.user


def access_passkeys(user: Login) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user))


@transaction.atomic
def do_remove_passkey(user: Login, passkey_id: int) -> None:
    deleted, _count = Passkey.objects.filter(user=user, pk=passkey_id).delete()
    if not deleted:
        raise NotFound(_("That passkey is not yours, or was removed already."))
