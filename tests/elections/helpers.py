"""Elections test helpers: members with logins and an election opened by an officer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from asamblea.elections import services
from asamblea.elections.models import Election
from asamblea.federation.models import Delegation, Federation
from support.factories import MembershipFactory, UserFactory, body, make_officer


def voters(federation: Federation, base: str, n: int, prefix: str = "voter") -> list[Any]:
    """n verified members of `base`, each with a login."""
    users = []
    for number in range(1, n + 1):
        user = UserFactory(username=f"{prefix}-{base}-{number}")
        MembershipFactory(
            body=body(federation, base), full_name=f"{prefix.title()} {base} {number}", user=user
        )
        users.append(user)
    return users


def open_election(federation: Federation, base: str = "base-1", **kwargs: Any) -> Election:
    """An election of `base`'s delegates to its province, opened by its officer."""
    officer = kwargs.pop("officer", None) or make_officer(federation, base, f"officer-{base}-x")
    constituency = body(federation, base)
    delegation = kwargs.pop("delegation", None) or Delegation.objects.get(source=constituency)
    now = timezone.now()
    times = {
        "nominations_close_at": now + timedelta(hours=1),
        "voting_opens_at": now + timedelta(hours=1),
        "voting_closes_at": now + timedelta(hours=2),
    }
    times.update(kwargs.pop("times", {}))
    return services.do_open_election(
        officer, constituency, delegation=delegation, **times, **kwargs
    )
