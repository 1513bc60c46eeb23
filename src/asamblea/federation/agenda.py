"""What a logged-in person belongs to, and what awaits them now ("Mis asambleas").

`member_of(user)` loads the person's roles once (a fixed handful of queries): their
memberships, the seats they hold (in delegations to councils, in commands) and the
bodies they are an officer of. Every app's `asamblea.hooks.member_agenda` provider
reads this `Member` instead of asking again, and adds a constant number of queries
of its own: the page costs the same in a federation of ten bodies or ten thousand.
The federation's own provider (applications waiting for an officer) is here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.federation.membership import SEAT_HELD, Login
from asamblea.federation.models import Body, Delegation, Membership, Officer, Person


@dataclass(frozen=True)
class HeldSeat:
    """A seat the person holds: in a delegation (source → council) or in a command."""

    seat_id: int
    delegation: Delegation | None
    command: Body | None

    @property
    def body(self) -> Body:
        """The body the seat sits in (the council, or the command)."""
        if self.delegation is not None:
            return self.delegation.council
        assert self.command is not None
        return self.command


@dataclass
class Member:
    """A logged-in person's roles, loaded once for the providers of `member_agenda`."""

    user: Login
    person: Person | None
    memberships: list[Membership] = field(default_factory=list)
    seats: list[HeldSeat] = field(default_factory=list)
    officer_of: list[Body] = field(default_factory=list)

    @property
    def base_ids(self) -> set[int]:
        """The base assemblies where the person is a verified member."""
        return {m.body_id for m in self.memberships if m.status == Membership.Status.VERIFIED}

    @property
    def seat_body_ids(self) -> set[int]:
        """The councils and commands where the person holds a seat."""
        return {seat.body.pk for seat in self.seats}

    @property
    def body_ids(self) -> set[int]:
        """Every body the person is a member of (votes, stands, signs in)."""
        return self.base_ids | self.seat_body_ids

    @property
    def officer_ids(self) -> set[int]:
        return {body.pk for body in self.officer_of}


def member_of(user: Login, *, with_details: bool = False) -> Member:
    """The roles of `user`: five queries, however many bodies they hold roles in.

    The person's name and contacts are decrypted only `with_details` (their own-data
    page): what awaits them needs neither."""
    people = Person.objects.filter(user=user).select_related("federation")
    if not with_details:
        people = people.defer("full_name", "phone", "email")
    person = people.first()
    member = Member(user=user, person=person)
    member.officer_of = [
        officer.body
        for officer in Officer.objects.filter(user=user)
        .select_related("body__federation")
        .order_by("body__name")
    ]
    if person is None:
        return member
    member.memberships = list(
        Membership.objects.filter(person=person)
        .exclude(status=Membership.Status.REJECTED)
        .select_related("body__federation", "sector")
        .order_by("body__name")
    )
    # Seats belong to the elections app, above this one: read through the relations'
    # names (`seat_holders`, `command_seats`), never by importing its models.
    # The annotation reuses the filter's join: the id of the very seat held.
    for delegation in (
        Delegation.objects.filter(seat_holders__holder=person, seat_holders__status=SEAT_HELD)
        .annotate(held_seat_id=F("seat_holders__id"))
        .select_related("source__federation", "council__federation")
        .order_by("council__name")
    ):
        member.seats.append(HeldSeat(delegation.held_seat_id, delegation, None))
    for command in (
        Body.objects.filter(command_seats__holder=person, command_seats__status=SEAT_HELD)
        .annotate(held_seat_id=F("command_seats__id"))
        .select_related("federation")
        .order_by("name")
    ):
        member.seats.append(HeldSeat(command.held_seat_id, None, command))
    return member


@dataclass(frozen=True)
class Role:
    """One body on "Mis asambleas", with what the person is there."""

    body: Body
    roles: list[str]
    # The membership in a base assembly, for its status and the leave link.
    membership: Membership | None = None


def roles_of(member: Member) -> list[Role]:
    """The person's bodies with their roles, in the order: bases, councils, officer roles."""
    found: dict[int, Role] = {}

    def add(body: Body, role: str, membership: Membership | None = None) -> None:
        if body.pk not in found:
            found[body.pk] = Role(body, [], membership)
        found[body.pk].roles.append(role)

    labels = {
        Membership.Status.VERIFIED: _("Member"),
        Membership.Status.APPLIED: _("Application waiting for an officer"),
        Membership.Status.SUSPENDED: _("Suspended member"),
    }
    for membership in member.memberships:
        if membership.status in labels:
            add(membership.body, labels[Membership.Status(membership.status)], membership)
    for seat in member.seats:
        if seat.delegation is not None:
            add(
                seat.delegation.council,
                _("Delegate of %(body)s") % {"body": seat.delegation.source.name},
            )
        else:
            add(seat.body, _("Member of the command"))
    for body in member.officer_of:
        add(body, _("Officer"))
    return list(found.values())


def agenda(member: Member) -> list[hooks.AgendaItem]:
    """Everything that awaits the person, soonest due first (no due date last)."""
    items = [item for provider in hooks.member_agenda for item in provider(member)]
    return sorted(
        items, key=lambda item: (item.due is None, item.due.timestamp() if item.due else 0)
    )


# A list on a body's page longer than this folds under a line that counts it (<details>),
# so that the page stays a few phone screens long however big the body.
FOLD_AT = 8


def body_now(body: Body) -> list[hooks.AgendaItem]:
    """What is happening in `body` now, for the top of its page: every app's
    `asamblea.hooks.body_now` items, in the providers' order."""
    return [item for provider in hooks.body_now for item in provider(body)]


@hooks.member_agenda.register(name="federation", order=10)
def applications_waiting(member: Member) -> list[hooks.AgendaItem]:
    """For an officer: the applications waiting in each of their bodies (one query)."""
    if not member.officer_of:
        return []
    bodies = {body.pk: body for body in member.officer_of}
    waiting = (
        Membership.objects.filter(body_id__in=bodies, status=Membership.Status.APPLIED)
        .values("body_id")
        .annotate(n=Count("id"))
        .order_by("body_id")
    )
    items = []
    for row in waiting:
        body = bodies[row["body_id"]]
        items.append(
            hooks.AgendaItem(
                text=ngettext(
                    "%(n)d application is waiting for a decision in %(body)s.",
                    "%(n)d applications are waiting for a decision in %(body)s.",
                    row["n"],
                )
                % {"n": row["n"], "body": body.name},
                url=reverse("members", args=[body.federation.slug, body.slug]),
                action=_("Decide"),
                key=f"applications-{body.slug}",
            )
        )
    return items
