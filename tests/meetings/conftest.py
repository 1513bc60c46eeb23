"""Meetings' tests: the fixtures are shared with tests/deliberation (`support.fixtures`)."""

from __future__ import annotations

from support.fixtures import breakdown_of_one, english, fast_passwords, federation, tree

__all__ = ["breakdown_of_one", "english", "fast_passwords", "federation", "tree"]
