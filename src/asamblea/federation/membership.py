"""Who the acting user is in a federation: the one `User` type and `person_of`.

Every app that asks "who is acting, and may they?" imports from here, so there
is one definition of the acting user and of the person behind a login.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Login

from asamblea.federation.models import Federation, Person

__all__ = ["Login", "User", "person_of"]

# The acting user as Django hands it to a view (`request.user`): a login or nobody.
# A login is Django's own user model, as settings.AUTH_USER_MODEL leaves it.
User: TypeAlias = Login | AnonymousUser


def person_of(user: User, federation: Federation) -> Person | None:
    """The person a logged-in user is in this federation, if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, federation=federation).first()
