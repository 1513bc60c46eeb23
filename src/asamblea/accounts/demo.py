"""The demo's second factor: the demo federation asks its officers for one, as the Peru
template does, so its administrator and officers log in with a code too.

They all share one published key, printed by `asamblea demo` (to add to an
authenticator app) and turned into the current code by `asamblea demo-code` (for
whoever has no app at hand). Published, so no secret: demo logins only.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote

from django.contrib.auth import get_user_model

from asamblea.accounts.services.second_factor import do_enrol_known_key, totp_code
from asamblea.federation.models import FederationAdmin, Officer

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
