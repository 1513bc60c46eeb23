"""Approval voting (`count_approval`): every candidate marked on a paper gets one vote.

A ranked paper is read as a set of approvals: the order does not matter, every
standing candidate on it gets one vote. The candidates with the most votes
fill the seats; a tie for the last seat(s) is settled by a seeded lot that the
result records.
"""

from __future__ import annotations

from asamblea.counting.plurality import count_marks, resolve_seats
from asamblea.counting.profile import Profile
from asamblea.counting.result import CountResult

METHOD = "approval"


def count_approval(
    profile: Profile, *, seats: int | None = None, seed: int | None = None
) -> CountResult:
    """Count `profile` by approval; `seats` defaults to the profile's, else one."""
    return count_marks(profile, resolve_seats(profile, seats), seed, depth=None, method=METHOD)
