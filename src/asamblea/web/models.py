"""What the web layer itself keeps in the database: the one-time form tokens used."""

from __future__ import annotations

from django.db import models


class UsedFormToken(models.Model):
    """A one-time form token that has done its form's work; a second use is refused.

    The primary key makes the check atomic: of two requests carrying the same token
    at once (a double tap), the database lets one insert it and refuses the other.
    """

    token = models.CharField(primary_key=True, max_length=64)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"form token used at {self.used_at:%Y-%m-%d %H:%M}"
