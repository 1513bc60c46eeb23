"""The demo's second factor: the demo federation asks its officers for one, as the Peru
template does, so its administrator and officers log in with a code too.

They all share one published key, printed by `asamblea demo` (to add to an
authenticator app) and turned into the current code by `asamblea demo-code` (for
whoever has no app at hand). Published, so no secret: demo logins only.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from asamblea.accounts.models import ActivationCode, OfficerAction
from asamblea.accounts.services import activation
from asamblea.accounts.services.second_factor import do_enrol_known_key, totp_code
from asamblea.federation.models import Body, FederationAdmin, Officer
from asamblea.federation.services import (
    do_apply_for_membership,
    do_verify_membership,
    find_login,
)

# 20 bytes, as django-otp makes them: "asamblea demo secret" in hex.
DEMO_TOTP_KEY = "6173616d626c65612064656d6f20736563726574"


def demo_secret() -> str:
    """The demo key as authenticator apps take it typed (base32)."""
    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode("ascii")


def demo_otpauth_uri() -> str:
    return f"otpauth://totp/{quote('Asamblea demo')}?secret={demo_secret()}&issuer=Asamblea"


def demo_code() -> str:
    return totp_code(DEMO_TOTP_KEY)


def load_second_factor_demo(federation_slug: str = "peru") -> int:
    """Give the demo federation's administrators and officers the demo key; idempotent.
    How many logins have it."""
    user_ids = set(
        FederationAdmin.objects.filter(federation__slug=federation_slug).values_list(
            "user_id", flat=True
        )
    ) | set(
        Officer.objects.filter(body__federation__slug=federation_slug).values_list(
            "user_id", flat=True
        )
    )
    users = get_user_model().objects.filter(pk__in=user_ids).order_by("pk")
    for user in users:
        do_enrol_known_key(user, DEMO_TOTP_KEY)
    return len(user_ids)


# ---------------------------------------------------------------- an activation to try

# A member the demo's officer has just verified, who has no login yet: the activation
# code is published (printed by `asamblea demo`), as the demo password is. Demo only.
DEMO_NEWCOMER = "Nélida Ccahuana Yupanqui"
DEMO_NEWCOMER_BODY = "sutep-huamanga"
DEMO_ACTIVATION_CODE = "DEM0-AKT1-VAR2"


@dataclass(frozen=True)
class DemoActivation:
    body_name: str
    code: str
    usable: bool  # False once the newcomer made their login (or the code expired)


def load_activation_demo(federation_slug: str = "peru") -> DemoActivation | None:
    """The newcomer, verified by their base's officer, and their published code; loaded
    once (a second run changes nothing). None without the demo federation."""
    body = (
        Body.objects.filter(federation__slug=federation_slug, slug=DEMO_NEWCOMER_BODY)
        .select_related("federation", "sector")
        .first()
    )
    officer = find_login(f"dirigente-{DEMO_NEWCOMER_BODY}")
    if body is None or officer is None:
        return None
    # The officers' trail says whether the demo gave its code already.
    if not OfficerAction.objects.filter(body=body, kind=OfficerAction.Kind.ISSUED_CODE).exists():
        with transaction.atomic():
            membership = do_apply_for_membership(body, full_name=DEMO_NEWCOMER, sector=body.sector)
            do_verify_membership(officer, body, membership.pk)
            # The one place a code is chosen rather than drawn: the demo publishes it.
            activation._issue(officer, body, membership, code=DEMO_ACTIVATION_CODE)
    usable = ActivationCode.objects.filter(
        digest=activation.code_digest(DEMO_ACTIVATION_CODE), expires_at__gt=timezone.now()
    ).exists()
    return DemoActivation(body.name, DEMO_ACTIVATION_CODE, usable)
