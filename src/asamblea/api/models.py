"""API tokens: a user's credential for scripts, limited to named capabilities.

Only a SHA-256 digest of the secret is stored: the secret is shown once, when
the token is issued. A token's secret is 256 random bits, so a fast hash is as
safe here as a slow one is for passwords (the GitHub and PyPI practice).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # A label the owner chooses ("secretary's script"), shown only to the owner.
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, so the owner can tell tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    # Capability keys (see asamblea.api.tokens.CAPABILITIES) this token may use.
    capabilities = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… #{self.pk}"
