"""Elections' tests: the factory federation, English messages and fast password hashing
(`support.fixtures`; tests/ballots takes them from here)."""

from __future__ import annotations

from support.fixtures import english, fast_passwords, federation

__all__ = ["english", "fast_passwords", "federation"]
