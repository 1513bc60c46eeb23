"""The ballot box is tested through real votes: the elections' set-up serves here too."""

from __future__ import annotations

from elections.conftest import english, fast_passwords, federation

__all__ = ["english", "fast_passwords", "federation"]
