"""The second factor: an authenticator app (TOTP) and one-time recovery codes.

Built on django-otp's devices: a `TOTPDevice` per login (unconfirmed until the
person types a first code from their app) and a `StaticDevice` holding the
recovery codes. Recovery codes are kept as keyed hashes (the key is SECRET_KEY,
outside the database), so a copy of the database holds no usable code.

Wrong codes are slowed down per device by django-otp (1, 2, 4, 8... seconds
between tries), which makes guessing a six-digit code hopeless. The failure is
committed even though the action is refused: the `do_*` functions below check a
code in their own transaction and raise only after it.
"""

from __future__ import annotations

import math
import secrets
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.errors import AsambleaError, InvalidInput, PermissionDenied, TooManyRequests
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Federation
from asamblea.federation.services import is_federation_admin, needs_second_factor
from asamblea.record.services import Event, append_entries

RECOVERY_CODES = 10
# 31 letters and digits that cannot be mistaken for one another when copied by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10  # about 50 bits each
DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


@dataclass(frozen=True)
class Enrolled:
    """A confirmed authenticator and the recovery codes to show once."""

    device: TOTPDevice
    recovery_codes: list[str]


# ---------------------------------------------------------------- reads


def has_second_factor(user: Login) -> bool:
    """Whether `user` has a confirmed authenticator app."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def recovery_codes_left(user: Login) -> int:
    count: int = StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE_NAME
    ).count()
    return count


def secret_in_groups(device: TOTPDevice) -> str:
    """The device's key as an authenticator app takes it typed: base32 in groups of four."""
    secret = b32encode(unhexlify(device.key)).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_code(key_hex: str, *, at: float | None = None) -> str:
    """The six-digit code of a TOTP key at a moment (now by default), as an app shows it."""
    totp = TOTP(unhexlify(key_hex))
    totp.time = timezone.now().timestamp() if at is None else at
    return f"{totp.token():06d}"


# ---------------------------------------------------------------- codes


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_digest(code: str) -> str:
    # StaticToken.token holds 16 characters: 64 bits of the keyed hash are plenty to
    # tell ten codes apart, and useless without SECRET_KEY.
    return salted_hmac("asamblea.accounts.recovery", _normalise(code)).hexdigest()[:16]


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def _wrong_code() -> InvalidInput:
    return InvalidInput(
        _(
            "That code is not right. Type the six digits your app shows now, or one of "
            "your recovery codes."
        )
    )


def _too_many(device: Device) -> TooManyRequests | None:
    """The refusal for a device that is slowed down after wrong codes, or None."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return None
    seconds = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
    return TooManyRequests(
        ngettext(
            "Too many wrong codes: wait %(count)s second and try again.",
            "Too many wrong codes: wait %(count)s seconds and try again.",
            seconds,
        )
        % {"count": seconds},
        retry_after=seconds,
    )


@transaction.atomic
def _check_code(user: Login, code: str) -> Device | AsambleaError:
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        devices: list[Device] = list(
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        )
        token = code
    else:
        devices = list(
            StaticDevice.objects.select_for_update().filter(
                user=user, confirmed=True, name=RECOVERY_DEVICE_NAME
            )
        )
        token = _recovery_digest(code)
    refusal: AsambleaError = _wrong_code()
    for device in devices:
        slowed = _too_many(device)
        if slowed is not None:
            refusal = slowed
            continue
        if device.verify_token(token):
            return device
    return refusal


def do_verify_second_factor(user: Login, code: str) -> Device:
    """The device that accepts `code` (a TOTP code or a recovery code, which is then
    used up). InvalidInput for a wrong code, TooManyRequests while slowed down."""
    checked = _check_code(user, code)
    if isinstance(checked, AsambleaError):
        raise checked
    return checked


# ---------------------------------------------------------------- enrolment


@transaction.atomic
def do_start_totp_enrolment(user: Login) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (the same one until it is confirmed,
    so reloading the page keeps the secret the person may have scanned already)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _replace_recovery_codes(user: Login) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_new_recovery_code() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def _confirm_totp(user: Login, code: str) -> Enrolled | AsambleaError:
    pending = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if pending is None:
        return InvalidInput(_("Start again: open the page to set up your authenticator app."))
    slowed = _too_many(pending)
    if slowed is not None:
        return slowed
    if not pending.verify_token(_normalise(code)):
        return InvalidInput(
            _("That code is not right. Type the six digits your app shows for Asamblea now.")
        )
    # The new app replaces any earlier one (a lost or changed phone).
    TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    return Enrolled(pending, _replace_recovery_codes(user))


def do_confirm_totp_enrolment(user: Login, code: str) -> Enrolled:
    """Confirm the pending authenticator with a first code from the app; it replaces
    any earlier one, and new recovery codes replace the old. InvalidInput for a wrong
    code (which counts toward slowing guesses down)."""
    confirmed = _confirm_totp(user, code)
    if isinstance(confirmed, AsambleaError):
        raise confirmed
    return confirmed


@transaction.atomic
def do_new_recovery_codes(user: Login) -> list[str]:
    """Ten new recovery codes for a login with an authenticator; the old ones stop working."""
    if not has_second_factor(user):
        raise InvalidInput(_("Set up an authenticator app first."))
    return _replace_recovery_codes(user)


@transaction.atomic
def do_remove_second_factor(user: Login) -> None:
    """Remove the authenticator and recovery codes of a login whose roles do not need them."""
    if needs_second_factor(user):
        raise PermissionDenied(
            _("Your role needs a second factor: you can replace your authenticator, not remove it.")
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def do_enrol_known_key(user: Login, key_hex: str) -> TOTPDevice:
    """Give `user` a confirmed authenticator with a key chosen in advance (the demo's
    published key); idempotent. Never for real logins: a known key is no secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key_hex).first()
    if device is not None:
        return device
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key_hex, confirmed=True)


# ---------------------------------------------------------------- the federation's rule


def require_rule_admin(actor: User, federation: Federation) -> None:
    """Only an administrator of the federation (who gave their second factor in this
    session) sets its officers' second-factor rule."""
    if not is_federation_admin(actor, federation):
        raise PermissionDenied(_("Only an administrator of the federation can do this."))


@transaction.atomic
def do_set_second_factor_rule(actor: User, federation: Federation, required: bool) -> bool:
    """A federation administrator says whether the federation's officers must use a
    second factor; whether that changed anything.

    A change goes on the federation's public record (the rule, never who changed it:
    an administrator's login name is personal data), so members and officers can see
    when their officers' protection was lowered. The officers' trail belongs to one
    body, and this rule is the whole federation's."""
    require_rule_admin(actor, federation)
    locked = Federation.objects.select_for_update().get(pk=federation.pk)
    federation.officers_need_second_factor = required
    if locked.officers_need_second_factor == required:
        return False
    locked.officers_need_second_factor = required
    locked.save(update_fields=["officers_need_second_factor"])
    append_entries(
        locked,
        [Event("federation.second_factor_rule", {"officers_need_second_factor": required})],
    )
    return True
