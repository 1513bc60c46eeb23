"""Issuing, checking and revoking API tokens (`do_*` services, one transaction each).

A token acts as its user, but only for the capabilities it was issued with: a
script that decides memberships holds a token that can do that and nothing
else. What the user may do is still decided by the services (an officer of
body A cannot verify in body B, whatever the token says).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from asamblea.api.models import ApiToken
from asamblea.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SecondFactorNeeded
from asamblea.federation.membership import User
from asamblea.federation.services import needs_second_factor, session_verified

SECRET_PREFIX = "asb_"  # noqa: S105 - a marker that helps secret scanners, not a secret
# Each write action of the API names one of these; a token carries a subset.
CAPABILITIES: dict[str, Promise] = {
    "memberships.decide": gettext_lazy(
        "Verify, reject, suspend or remove members of the bodies where you are an officer."
    ),
    "secrecy.mix": gettext_lazy(
        "Fetch and send the second mix of the sealed votes where you are the teller."
    ),
}
MAX_DAYS = 366
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret: the only time the secret is known to the server."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _clean_capabilities(capabilities: list[str]) -> list[str]:
    wanted = sorted(set(capabilities))
    if not wanted:
        raise InvalidInput(
            _("Choose at least one capability for the token: %(known)s.")
            % {"known": ", ".join(CAPABILITIES)}
        )
    unknown = [c for c in wanted if c not in CAPABILITIES]
    if unknown:
        raise InvalidInput(
            _("Unknown capability “%(name)s”: the capabilities are %(known)s.")
            % {"name": unknown[0], "known": ", ".join(CAPABILITIES)}
        )
    return wanted


@transaction.atomic
def do_issue_api_token(
    user: User, *, name: str, capabilities: list[str], days: int | None = 90
) -> IssuedToken:
    """Issue a token for `user` (who must be an active, logged-in account)."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        raise PermissionDenied(_("Only an active account can hold an API token."))
    # A token acts without a second factor: only a login that gave one may issue it.
    if needs_second_factor(user) and not session_verified(user):
        raise SecondFactorNeeded(
            _(
                "Your role needs a second factor: log in with a code from your app "
                "before issuing an API token."
            )
        )
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_("Give the token a name, so you can tell it apart later."))
    if len(name) > 100:
        raise InvalidInput(_("The token's name is too long: 100 characters at most."))
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            _("A token lasts from 1 to %(max)s days; %(days)s is outside that.")
            % {"max": MAX_DAYS, "days": days}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(SECRET_PREFIX) + 6],
        digest=digest(secret),
        capabilities=_clean_capabilities(capabilities),
        expires_at=timezone.now() + timedelta(days=days) if days is not None else None,
    )
    return IssuedToken(token=token, secret=secret)


def access_tokens(user: User) -> list[ApiToken]:
    """The tokens of the logged-in user, newest first (never another user's)."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to see your API tokens."))
    return list(ApiToken.objects.filter(user=user))


@transaction.atomic
def do_revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to revoke an API token."))
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        # Another user's token id lands here too: it is not among yours.
        raise NotFound(_("You have no API token number %(id)s.") % {"id": token_id})
    if token.revoked_at is not None:
        raise Conflict(_("That token was already revoked: nothing was changed."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def access_token_by_secret(secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired, active user), or None."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
    now = timezone.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def require_capability(token: ApiToken, capability: str) -> None:
    if capability not in token.capabilities:
        raise PermissionDenied(
            _("This API token does not carry the capability “%(name)s”: issue one that does.")
            % {"name": capability}
        )
