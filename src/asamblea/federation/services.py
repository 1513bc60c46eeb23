"""Every state change of the federation app, one transaction each (`do_*`),
and the reads that check permission (`access_*`).

Views, the API and the CLI call these; none of them writes models directly.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.counting.apportionment import apportion
from asamblea.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SecondFactorNeeded,
)
from asamblea.federation.membership import SEAT_HELD, Login, User
from asamblea.federation.models import (
    Body,
    Delegation,
    Federation,
    FederationAdmin,
    Membership,
    Officer,
    Person,
    Sector,
)
from asamblea.record.services import Event, append_entries
from asamblea.web.l10n import collation_key

# ---------------------------------------------------------------- permissions


def session_verified(user: User) -> bool:
    """Whether this login gave its second factor (django-otp's `is_verified`).

    Every web request's user carries `is_verified` (OTPMiddleware). A user object
    without it was not authenticated by a browser session: an API token's (which
    only a verified session can issue, see `api.tokens`) or code run in the
    operator's shell; those count as verified."""
    is_verified = getattr(user, "is_verified", None)
    return True if is_verified is None else bool(is_verified())


def _holds_admin_role(user: Login, federation: Federation) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return FederationAdmin.objects.filter(user=user, federation=federation).exists()


def _holds_officer_role(user: Login, body: Body) -> bool:
    return Officer.objects.filter(user=user, body=body).exists()


def is_federation_admin(user: User, federation: Federation) -> bool:
    """An administrator of `federation` who gave a second factor in this session."""
    if not user.is_authenticated:
        return False
    return _holds_admin_role(user, federation) and session_verified(user)


def is_officer(user: User, body: Body) -> bool:
    """An officer of `body` (or an administrator of its federation) who may act now:
    with a second factor in this session where the federation asks officers for one."""
    if not user.is_authenticated:
        return False
    if _holds_officer_role(user, body) and (
        not body.federation.officers_need_second_factor or session_verified(user)
    ):
        return True
    return is_federation_admin(user, body.federation)


def needs_second_factor(user: User) -> bool:
    """Whether this login must use a second factor: every administrator (and superuser),
    and officers of a federation that asks its officers for one."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False) or FederationAdmin.objects.filter(user=user).exists():
        return True
    return Officer.objects.filter(
        user=user, body__federation__officers_need_second_factor=True
    ).exists()


def _refuse_unverified(user: User, body: Body) -> None:
    """Raise SecondFactorNeeded if the user holds a role in `body` that this session
    may not use yet, so the person is told what to do rather than that they are nobody."""
    if not user.is_authenticated or session_verified(user):
        return
    if _holds_officer_role(user, body) or _holds_admin_role(user, body.federation):
        raise SecondFactorNeeded(
            _(
                "You are an officer of %(body)s, but you have not confirmed this login "
                "with your second factor. Set it up or give its code on the “Second "
                "factor” page (your name, at the top of every page), then try again."
            )
            % {"body": body.name}
        )


def is_verified_member(user: User, body: Body) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        person__user=user, body=body, status=Membership.Status.VERIFIED
    ).exists()


def require_officer(user: User, body: Body) -> None:
    if not is_officer(user, body):
        _refuse_unverified(user, body)
        raise PermissionDenied(_("Only an officer of %(body)s can do this.") % {"body": body.name})


# ---------------------------------------------------------------- reads


def access_federation(slug: str) -> Federation:
    try:
        return Federation.objects.get(slug=slug)
    except Federation.DoesNotExist:
        raise NotFound(_("There is no federation called “%(slug)s”.") % {"slug": slug}) from None


def access_body(federation: Federation, slug: str) -> Body:
    """A body's public facts: anyone may read them."""
    try:
        return Body.objects.select_related("level", "sector", "federation", "command_of").get(
            federation=federation, slug=slug
        )
    except Body.DoesNotExist:
        raise NotFound(_("There is no assembly called “%(slug)s”.") % {"slug": slug}) from None


def access_member_list(user: User, body: Body) -> list[Membership]:
    """The members of a body: every application and membership for its officers; only
    the verified members for its own verified members (never who was rejected or left).
    By status, then name (sorted here: the database holds names encrypted)."""
    officer = is_officer(user, body)
    if not (officer or is_verified_member(user, body)):
        _refuse_unverified(user, body)
        raise PermissionDenied(
            _("Only the members and officers of %(body)s can see its members.")
            % {"body": body.name}
        )
    memberships = Membership.objects.filter(body=body)
    if not officer:
        memberships = memberships.filter(status=Membership.Status.VERIFIED)
    found = list(memberships.select_related("person", "sector"))
    found.sort(key=lambda m: (m.status, name_order(m.person.full_name)))
    return found


def name_order(name: str) -> tuple[str, str]:
    """A sort key for people's names, as a reader expects them (Édgar beside Edgar, beto
    beside Beto): names are encrypted, so they are sorted here, not by the database."""
    return collation_key(name)


def access_membership_as_officer(user: User, body: Body, membership_id: int) -> Membership:
    """A membership of `body` that `user`, an officer of `body`, is about to decide on."""
    require_officer(user, body)
    try:
        return Membership.objects.select_related("person").get(pk=membership_id, body=body)
    except Membership.DoesNotExist:
        # A forged id from another body lands here too: it is not in this body.
        raise NotFound(_("That application is not in %(body)s.") % {"body": body.name}) from None


# ---------------------------------------------------------------- the delegation graph


class Graph:
    """The federation's delegation edges, loaded once per operation (one query)."""

    def __init__(self, federation: Federation) -> None:
        self.up: dict[int, list[int]] = defaultdict(list)
        self.down: dict[int, list[int]] = defaultdict(list)
        for source_id, council_id in Delegation.objects.filter(federation=federation).values_list(
            "source_id", "council_id"
        ):
            self.up[source_id].append(council_id)
            self.down[council_id].append(source_id)

    def ancestors(self, body_id: int) -> set[int]:
        return self._reach(body_id, self.up)

    def descendants(self, body_id: int) -> set[int]:
        return self._reach(body_id, self.down)

    @staticmethod
    def _reach(start: int, edges: dict[int, list[int]]) -> set[int]:
        seen: set[int] = set()
        queue = deque(edges.get(start, ()))
        while queue:
            node = queue.popleft()
            if node not in seen:
                seen.add(node)
                queue.extend(edges.get(node, ()))
        return seen


def would_create_cycle(graph: Graph, source_id: int, council_id: int) -> bool:
    """Whether a delegation source → council closes a loop (the council sends to the source)."""
    return source_id == council_id or source_id in graph.ancestors(council_id)


# ---------------------------------------------------------------- counts and seats


def _count_events(changed: dict[Body, tuple[int, int]]) -> list[Event]:
    return [
        Event(
            "body.verified_members",
            {"body": body.slug, "verified_members": new, "previous": old},
            body=body,
        )
        for body, (old, new) in changed.items()
    ]


def _shift_counts(membership: Membership, delta: int) -> dict[Body, tuple[int, int]]:
    """Add `delta` (+1/-1) to the verified count of the member's body and of each
    council above it that the person does not reach through another verified
    membership (a person counts once per council, however many bodies they join)."""
    body = membership.body
    graph = Graph(body.federation)
    other_bodies = (
        Membership.objects.filter(person_id=membership.person_id, status=Membership.Status.VERIFIED)
        .exclude(body_id=body.id)
        .values_list("body_id", flat=True)
    )
    still_reached: set[int] = set()
    for other in other_bodies:
        still_reached |= graph.ancestors(other) | {other}
    targets = ({body.id} | graph.ancestors(body.id)) - still_reached
    changed: dict[Body, tuple[int, int]] = {}
    for target in Body.objects.select_for_update().filter(id__in=targets).order_by("id"):
        old = target.verified_members
        target.verified_members = max(0, old + delta)
        target.save(update_fields=["verified_members"])
        changed[target] = (old, target.verified_members)
    return changed


def _apportion_councils(federation: Federation, council_ids: Iterable[int]) -> list[Event]:
    """Recompute `next_seats` of the apportioned delegations into these councils."""
    events: list[Event] = []
    councils = Body.objects.filter(federation=federation, id__in=list(council_ids)).order_by("id")
    for council in councils:
        delegations = list(
            Delegation.objects.select_for_update()
            .filter(council=council, fixed_seats__isnull=True)
            .select_related("source")
            .order_by("source__slug")
        )
        if not delegations or not council.seat_total:
            continue
        populations = {d.source.slug: d.source.verified_members for d in delegations}
        if sum(populations.values()) == 0:
            # Nobody verified yet: share the seats evenly rather than give none.
            populations = dict.fromkeys(populations, 1)
        # Every body keeps its minimum: a council with more bodies than its minimums
        # allow grows to fit them rather than leave a body without a voice.
        total = max(council.seat_total, council.seat_min * len(delegations))
        result = apportion(
            populations,
            total,
            council.seat_method or "dhondt",
            min_seats=council.seat_min,
            max_seats=council.seat_max,
        )
        for delegation in delegations:
            new = result.seats[delegation.source.slug]
            if new != delegation.next_seats:
                old = delegation.next_seats
                delegation.next_seats = new
                delegation.save(update_fields=["next_seats"])
                events.append(
                    Event(
                        "delegation.seats",
                        {
                            "council": council.slug,
                            "source": delegation.source.slug,
                            "next_seats": new,
                            "previous_next_seats": old,
                            "seats_now": delegation.seats,
                            "method": result.method,
                        },
                        body=council,
                    )
                )
    return events


def _after_count_change(federation: Federation, changed: dict[Body, tuple[int, int]]) -> None:
    councils = {
        council_id
        for council_id in Delegation.objects.filter(
            source__in=[b for b, (old, new) in changed.items() if old != new]
        ).values_list("council_id", flat=True)
    }
    events = _count_events({b: c for b, c in changed.items() if c[0] != c[1]})
    events += _apportion_councils(federation, councils)
    append_entries(federation, events)


@transaction.atomic
def do_recompute_seats(federation: Federation) -> int:
    """Recount every body's distinct verified members from scratch and re-apportion
    every council. Returns how many delegations' next seats changed."""
    graph = Graph(federation)
    bodies = list(Body.objects.select_for_update().filter(federation=federation).order_by("id"))
    verified = defaultdict(set)
    for body_id, person_id in Membership.objects.filter(
        body__federation=federation, status=Membership.Status.VERIFIED
    ).values_list("body_id", "person_id"):
        verified[body_id].add(person_id)
    changed: dict[Body, tuple[int, int]] = {}
    for body in bodies:
        people: set[int] = set(verified.get(body.id, ()))
        for below in graph.descendants(body.id):
            people |= verified.get(below, set())
        if body.verified_members != len(people):
            changed[body] = (body.verified_members, len(people))
            body.verified_members = len(people)
            body.save(update_fields=["verified_members"])
    events = _count_events(changed)
    seat_events = _apportion_councils(
        federation, [b.id for b in bodies if b.kind != Body.Kind.BASE]
    )
    append_entries(federation, events + seat_events)
    return len(seat_events)


# ---------------------------------------------------------------- membership


PHONE_CHARS = re.compile(r"[^\d+]")


def normalise_phone(phone: str) -> str:
    digits = PHONE_CHARS.sub("", phone.strip())
    if phone.strip() and len(digits.lstrip("+")) < 6:
        raise InvalidInput(_("The phone number looks too short: give the whole number."))
    return digits


def _applicant(
    federation: Federation, full_name: str, phone: str, email: str, user: User | None
) -> tuple[Person, bool]:
    """The person an application is from, and whether they are new.

    A logged-in person applies as themselves. Anyone else is always a new applicant:
    contact details never join people, or typing someone's phone number into the
    public form would attach a stranger to them (and show the stranger's real name
    and contacts to the officers of an assembly they never approached)."""
    if user is not None and user.is_authenticated:
        person = Person.objects.filter(user=user, federation=federation).first()
        if person is not None:
            return person, False
    if not full_name:
        raise InvalidInput(_("Write your name."))
    person = Person.objects.create(
        federation=federation,
        full_name=full_name,
        phone=phone,
        email=email,
        user=user if user is not None and user.is_authenticated else None,
    )
    return person, True


@transaction.atomic
def do_apply_for_membership(
    body: Body,
    *,
    full_name: str,
    sector: Sector,
    phone: str = "",
    email: str = "",
    user: User | None = None,
) -> Membership:
    """A person asks to join a base assembly.

    An anonymous application always makes a new applicant, known contact details or
    not, and gets the same answer either way; a logged-in person applies as the
    person they already are."""
    if not body.is_base:
        raise InvalidInput(
            _("%(body)s is not a base assembly: people join base assemblies.") % {"body": body.name}
        )
    if sector.federation_id != body.federation_id:
        raise InvalidInput(_("That sector does not belong to this federation."))
    full_name = " ".join(full_name.split())
    phone = normalise_phone(phone) if phone else ""
    email = email.strip().lower()
    person, new = _applicant(body.federation, full_name, phone, email, user)
    if not new and Membership.objects.filter(person=person, body=body).exists():
        raise Conflict(
            _("There is already an application or membership for you in %(body)s.")
            % {"body": body.name}
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(person=person, body=body, sector=sector)
    except IntegrityError:
        raise Conflict(
            _("There is already an application or membership for you in %(body)s.")
            % {"body": body.name}
        ) from None


_ALLOWED = {
    # action: (allowed from statuses, new status)
    "verify": (
        {Membership.Status.APPLIED, Membership.Status.SUSPENDED},
        Membership.Status.VERIFIED,
    ),
    "reject": ({Membership.Status.APPLIED}, Membership.Status.REJECTED),
    "suspend": ({Membership.Status.VERIFIED}, Membership.Status.SUSPENDED),
    "remove": (
        {Membership.Status.VERIFIED, Membership.Status.SUSPENDED, Membership.Status.APPLIED},
        Membership.Status.LEFT,
    ),
}


@transaction.atomic
def do_decide_membership(
    actor: User, body: Body, membership_id: int, action: str, reason: str = ""
) -> Membership:
    """An officer verifies, rejects, suspends or removes a membership of their body.

    Counts and seats above the body follow in the same transaction."""
    if action not in _ALLOWED:
        raise InvalidInput(_("Unknown action."))
    access_membership_as_officer(actor, body, membership_id)
    membership = (
        Membership.objects.select_for_update()
        .select_related("body__federation")
        .get(pk=membership_id)
    )
    allowed_from, new_status = _ALLOWED[action]
    if membership.status not in allowed_from:
        raise Conflict(
            _("This membership is already “%(status)s”: nothing was changed.")
            % {"status": membership.get_status_display()}
        )
    if action in {"reject", "suspend", "remove"} and not reason.strip():
        raise InvalidInput(_("Give a reason: the person will be able to read it."))
    was_verified = membership.status == Membership.Status.VERIFIED
    membership.status = new_status
    membership.reason = reason.strip()[:500]
    membership.decided_at = timezone.now()
    membership.decided_by = actor if actor.is_authenticated else None
    membership.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    is_verified = new_status == Membership.Status.VERIFIED
    if was_verified != is_verified:
        changed = _shift_counts(membership, +1 if is_verified else -1)
        _after_count_change(body.federation, changed)
    for handler in hooks.membership_decided:
        handler(membership, action)
    return membership


def do_verify_membership(actor: User, body: Body, membership_id: int) -> Membership:
    return do_decide_membership(actor, body, membership_id, "verify")


# ---------------------------------------------------------------- roles


@transaction.atomic
def do_appoint_officer(actor: User, body: Body, user: Login) -> Officer:
    """An admin, or an officer of the same body, appoints an officer of `body`."""
    require_officer(actor, body)
    officer, created = Officer.objects.get_or_create(
        user=user,
        body=body,
        defaults={"appointed_by": actor if actor.is_authenticated else None},
    )
    if not created:
        raise Conflict(_("That person is already an officer of %(body)s.") % {"body": body.name})
    return officer


@transaction.atomic
def do_remove_officer(actor: User, body: Body, user: Login) -> None:
    require_officer(actor, body)
    deleted, _count = Officer.objects.filter(user=user, body=body).delete()
    if not deleted:
        raise NotFound(_("That person is not an officer of %(body)s.") % {"body": body.name})


# ---------------------------------------------------------------- federation administrators
#
# Operator actions, run from the machine's own shell (`asamblea admin`): whoever can run
# them can already read and write the database, so they take no actor and check no role.
# They write nothing to the public record: an administrator is known by a login name,
# which is personal data.


@dataclass(frozen=True)
class AdminAdded:
    """What `do_add_federation_admin` did: made the login, and/or gave the role."""

    admin: FederationAdmin
    login_created: bool
    role_created: bool


def _login_name(username: str) -> str:
    """A login name as it is stored: no surrounding spaces, Unicode NFKC (as Django does)."""
    return get_user_model().normalize_username(username.strip())


def find_login(username: str) -> Login | None:
    """The login called `username`, or None.

    A name with a NUL character is no login's (Django's forms refuse them) and is never
    looked up: PostgreSQL refuses NUL in text, which made the room's teller form a 500
    (found by tests/web/test_officer_form_fuzz.py, issue 11)."""
    if "\x00" in username:
        return None
    user_model = get_user_model()
    return user_model.objects.filter(**{user_model.USERNAME_FIELD: _login_name(username)}).first()


def access_federation_admins(federation: Federation) -> list[str]:
    """The login names of the federation's administrators, sorted. Operator read, no actor."""
    user_model = get_user_model()
    field = f"user__{user_model.USERNAME_FIELD}"
    return list(
        FederationAdmin.objects.filter(federation=federation)
        .order_by(field)
        .values_list(field, flat=True)
    )


def _new_login(username: str, password: str) -> Login:
    user_model = get_user_model()
    username = _login_name(username)
    if not username:
        raise InvalidInput(_("Give a user name."))
    # The login name is a column, never a relation: get_field's type also allows a relation.
    name_field = cast("Field[str, str]", user_model._meta.get_field(user_model.USERNAME_FIELD))
    try:
        name_field.run_validators(username)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None
    if not password:
        raise InvalidInput(_("The password is empty."))
    candidate = user_model(**{user_model.USERNAME_FIELD: username})
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise InvalidInput(
            _("That password cannot be used: %(reasons)s") % {"reasons": " ".join(error.messages)}
        ) from None
    try:
        with transaction.atomic():
            return user_model.objects.create_user(username, password=password)
    except IntegrityError:
        raise Conflict(
            _("The user “%(username)s” was created at the same moment: run the command again.")
            % {"username": username}
        ) from None


@transaction.atomic
def do_add_federation_admin(
    federation: Federation, username: str, password: str | None = None
) -> AdminAdded:
    """Make the login `username` an administrator of `federation`; idempotent.

    An operator action (see above): no actor, no permission check. A login that
    does not exist yet is created with `password`, which must pass the site's
    password validators (InvalidInput otherwise, and nothing is created); the
    password of an existing login is never read nor changed.
    """
    user = find_login(username)
    login_created = user is None
    if user is None:
        if password is None:
            raise InvalidInput(
                _("There is no user called “%(username)s”: give a password to create it.")
                % {"username": username}
            )
        user = _new_login(username, password)
    admin, role_created = FederationAdmin.objects.get_or_create(user=user, federation=federation)
    return AdminAdded(admin, login_created=login_created, role_created=role_created)


@transaction.atomic
def do_remove_federation_admin(federation: Federation, username: str) -> bool:
    """Take the administrator role in `federation` away from `username`; the login stays.

    An operator action (see above): no actor, no permission check. False when the
    login was not an administrator there (nothing changed).
    """
    user = find_login(username)
    if user is None:
        return False
    deleted, _count = FederationAdmin.objects.filter(user=user, federation=federation).delete()
    return bool(deleted)


def access_log_federation(slug: str | None) -> Federation:
    """The federation whose log to export: by slug, or the only one there is."""
    if slug:
        try:
            return Federation.objects.get(slug=slug)
        except Federation.DoesNotExist:
            raise NotFound(
                _("There is no federation called “%(slug)s”.") % {"slug": slug}
            ) from None
    slugs = list(Federation.objects.order_by("slug").values_list("slug", flat=True)[:50])
    if len(slugs) == 1:
        return Federation.objects.get(slug=slugs[0])
    if not slugs:
        raise NotFound(_("There is no federation on this installation yet."))
    raise InvalidInput(
        _("There are several federations; say which with --federation: %(slugs)s")
        % {"slugs": ", ".join(slugs)}
    )


# ---------------------------------------------------------------- the member's own data


def _own_person(user: User) -> Person:
    """The person behind the acting login, locked for the change about to be made."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    person = Person.objects.select_for_update().filter(user=user).first()
    if person is None:
        raise NotFound(
            _("This login belongs to no member of an assembly: there is no personal data to show.")
        )
    return person


def _held_seat_bodies(person: Person) -> list[tuple[int, str]]:
    """(constituency id, name of the body sat in) of every seat the person holds.

    Seats belong to the elections app, above this one: read through the relations'
    names, never by importing its models."""
    rows: list[tuple[int, str]] = []
    for source_id, council_name in Delegation.objects.filter(
        seat_holders__holder=person, seat_holders__status=SEAT_HELD
    ).values_list("source_id", "council__name"):
        rows.append((source_id, council_name))
    for command_of_id, name in Body.objects.filter(
        command_seats__holder=person, command_seats__status=SEAT_HELD
    ).values_list("command_of_id", "name"):
        rows.append((command_of_id, name))
    return rows


@transaction.atomic
def do_correct_own_details(user: User, *, full_name: str, phone: str, email: str) -> Person:
    """A member corrects their own name and contact details (stored encrypted)."""
    person = _own_person(user)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise InvalidInput(_("Write your name."))
    person.full_name = full_name[:200]
    person.phone = normalise_phone(phone) if phone.strip() else ""
    person.email = email.strip().lower()
    person.save(update_fields=["full_name", "phone", "email"])
    return person


def language_codes() -> set[str]:
    """The languages a person may choose for the pages (settings.LANGUAGES)."""
    return {code for code, _name in settings.LANGUAGES}


@transaction.atomic
def do_set_own_language(user: User, language: str) -> Person:
    """A member chooses the language of their pages; "" is the federation's language."""
    if language and language not in language_codes():
        raise InvalidInput(_("Choose one of the languages offered."))
    person = _own_person(user)
    person.language = language
    person.save(update_fields=["language"])
    return person


STILL_A_MEMBER = (
    Membership.Status.APPLIED,
    Membership.Status.VERIFIED,
    Membership.Status.SUSPENDED,
)


def _leave(person: Person, membership: Membership) -> None:
    """End one membership as the member's own choice; counts and seats above follow."""
    was_verified = membership.status == Membership.Status.VERIFIED
    membership.status = Membership.Status.LEFT
    membership.reason = ""
    membership.decided_at = timezone.now()
    membership.decided_by = None
    membership.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    if was_verified:
        changed = _shift_counts(membership, -1)
        _after_count_change(membership.body.federation, changed)


def _refuse_while_seated(person: Person, body_ids: set[int]) -> None:
    for constituency_id, seat_body in _held_seat_bodies(person):
        if constituency_id in body_ids:
            raise Conflict(
                _(
                    "You hold a seat in %(body)s that this assembly elected you to. Give "
                    "it up first (on the seat's page, “Vacate”), so that it is refilled; "
                    "then you can leave."
                )
                % {"body": seat_body}
            )


@transaction.atomic
def do_leave_assembly(user: User, membership_id: int) -> Membership:
    """A member leaves a base assembly (or withdraws an application): the membership
    becomes "left", and the verified counts and seats above it follow."""
    person = _own_person(user)
    membership = (
        Membership.objects.select_for_update()
        .select_related("body__federation")
        .filter(pk=membership_id, person=person)
        .first()
    )
    if membership is None:
        raise NotFound(_("That membership is not yours."))
    if membership.status not in STILL_A_MEMBER:
        raise Conflict(
            _("You are no longer a member of %(body)s: nothing was changed.")
            % {"body": membership.body.name}
        )
    _refuse_while_seated(person, {membership.body_id})
    _leave(person, membership)
    return membership


@transaction.atomic
def do_delete_own_account(user: User, password: str) -> None:
    """A member deletes their login, and their name and contact details with it.

    Every current membership ends ("left", counts and seats follow), the person's
    name, phone, e-mail and language are erased, and the login is deleted (its
    officer roles and second factors with it). What stays holds nothing personal:
    the person's row (so that "this person voted" rows keep votes one per person),
    anonymous ballots, and the public record."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    if not password or not user.check_password(password):
        raise InvalidInput(_("That is not your password: nothing was deleted."))
    if user.is_superuser or FederationAdmin.objects.filter(user=user).exists():
        raise Conflict(
            _(
                "You are an administrator: the operator of the server first takes that "
                "role away (asamblea admin remove), so that no federation is left "
                "without one; then you can delete your account."
            )
        )
    person = Person.objects.select_for_update().filter(user=user).first()
    if person is not None:
        memberships = list(
            Membership.objects.select_for_update()
            .select_related("body__federation")
            .filter(person=person, status__in=STILL_A_MEMBER)
        )
        if _held_seat_bodies(person):
            raise Conflict(
                _(
                    "You hold a seat: give it up first (on the seat's page, “Vacate”), "
                    "so that it is refilled; then you can delete your account."
                )
            )
        for membership in memberships:
            _leave(person, membership)
        Membership.objects.filter(person=person).update(reason="")
        person.full_name = ""
        person.phone = ""
        person.email = ""
        person.language = ""
        person.user = None
        person.save(update_fields=["full_name", "phone", "email", "language", "user"])
    get_user_model().objects.filter(pk=user.pk).delete()
