"""Who the acting user is in a federation, and who belongs to a body.

The one `User` type, `person_of`, and eligibility: every app that asks "who is
acting, and may they?" imports from here, so there is one definition of the
acting user, of the person behind a login and of a body's members.

A body's members (who votes, stands, proposes and signs in it): in a base
assembly its verified members; in a council the delegates, i.e. the holders of
seats in delegations into it; in a command the holders of its offices.
"""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Login
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from asamblea.errors import NotFound, PermissionDenied
from asamblea.federation.models import Body, Federation, Membership, Person

__all__ = [
    "SEAT_HELD",
    "Login",
    "User",
    "eligible_people",
    "is_eligible",
    "is_member",
    "not_a_member",
    "person_of",
    "public_row",
    "require_member",
    "require_person",
]

# The acting user as Django hands it to a view (`request.user`): a login or nobody.
# A login is Django's own user model, as settings.AUTH_USER_MODEL leaves it.
User: TypeAlias = Login | AnonymousUser

M = TypeVar("M", bound=Model)

# A held seat's status (the elections app's Seat.Status.HELD). Seats are reached
# through the people's `seats` relation, so this module imports no app above it.
SEAT_HELD = "held"


def person_of(user: User, federation: Federation | int) -> Person | None:
    """The person a logged-in user is in this federation (given or by id), if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, federation=federation).first()


def public_row(rows: QuerySet[M], not_found: str, **lookup: Any) -> M:
    """The one row of `rows` that `lookup` finds, which anyone may read, or NotFound."""
    row = rows.filter(**lookup).first()
    if row is None:
        raise NotFound(not_found)
    return row


def eligible_people(body: Body) -> QuerySet[Person]:
    """The members of `body` (see the module docstring): who votes and stands in it."""
    if body.kind == Body.Kind.BASE:
        return Person.objects.filter(
            memberships__body=body, memberships__status=Membership.Status.VERIFIED
        ).distinct()
    if body.kind == Body.Kind.COUNCIL:
        return Person.objects.filter(
            seats__status=SEAT_HELD, seats__delegation__council=body
        ).distinct()
    return Person.objects.filter(seats__status=SEAT_HELD, seats__command=body).distinct()


def is_eligible(person: Person | None, body: Body) -> bool:
    """Whether `person` is a member of `body`."""
    return person is not None and eligible_people(body).filter(pk=person.pk).exists()


def is_member(user: User, body: Body) -> bool:
    """Whether the acting user is a member of `body`."""
    return is_eligible(person_of(user, body.federation_id), body)


def not_a_member(body: Body) -> str:
    """What a refusal says to someone who is not a member of `body`."""
    if body.kind == Body.Kind.COUNCIL:
        return _("Only the delegates seated in %(body)s can do this.") % {"body": body.name}
    if body.kind == Body.Kind.COMMAND:
        return _("Only the members of %(body)s can do this.") % {"body": body.name}
    return _("Only verified members of %(body)s can do this.") % {"body": body.name}


def require_person(user: User, body: Body) -> Person:
    """The acting user's person in `body`'s federation, or PermissionDenied saying who may act."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    person = person_of(user, body.federation_id)
    if person is None:
        raise PermissionDenied(not_a_member(body))
    return person


def require_member(user: User, body: Body) -> Person:
    """The acting user's person if they are a member of `body`, else PermissionDenied."""
    person = require_person(user, body)
    if not is_eligible(person, body):
        raise PermissionDenied(not_a_member(body))
    return person
