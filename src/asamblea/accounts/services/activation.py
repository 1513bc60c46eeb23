"""Activation codes: how a verified member gets a login without e-mail or SMS.

An officer verifies a member and hands them a one-time code (on paper, read aloud,
by any channel); with it the member chooses a login name and a password. A member
who lost their password gets a new code from an officer of any of their
assemblies: the old password stops working and their sessions end.

A code is 12 characters of Crockford's base32 (no I, L, O or U; about 60 bits),
shown in three groups of four. Only a keyed hash of it is kept (HMAC under
SECRET_KEY, which lives outside the database), so a copy of the database holds no
usable code. One outstanding code per person; it expires after ACTIVATION_DAYS
and is deleted when used, under a row lock, so a code sent twice at once makes one
login. Guessing is throttled by the activation page (per address and per code).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from asamblea.accounts.models import Account, ActivationCode, OfficerAction
from asamblea.accounts.services.trail import do_record_officer_action
from asamblea.errors import Conflict, InvalidField, NotFound
from asamblea.federation.membership import Login, User
from asamblea.federation.models import Body, Membership, Person
from asamblea.federation.services import require_officer

# Crockford's base32: digits and letters that cannot be mistaken for one another.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type instead, read back as Crockford reads it.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
GROUPS = 3
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH  # 60 bits
_CODE_SALT = "asamblea.accounts.activation_code"
_EMAIL_SALT = "asamblea.accounts.email"


@dataclass(frozen=True)
class Issued:
    """A code just made: shown once to the officer, never stored as it is."""

    code: str
    membership: Membership
    expires_at: datetime
    # The person had a login, whose password this code replaced.
    replaced_login: bool


@dataclass(frozen=True)
class Candidate:
    """A verified member on the officer's activation page."""

    membership: Membership
    has_login: bool
    code_expires_at: datetime | None

    @property
    def code_expired(self) -> bool:
        return self.code_expires_at is not None and self.code_expires_at <= timezone.now()


# ---------------------------------------------------------------- codes


def new_code() -> str:
    """A fresh code as it is shown: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise_code(typed: str) -> str:
    """The code as typed, without spaces or dashes, in capitals, lookalikes read back;
    "" when it cannot be a code at all."""
    plain = "".join(typed.split()).replace("-", "").upper().translate(LOOKALIKES)
    if len(plain) != CODE_LENGTH or any(c not in ALPHABET for c in plain):
        return ""
    return plain


def code_digest(typed: str) -> str:
    """The keyed hash a code is kept and looked up as ("" for what cannot be a code)."""
    plain = normalise_code(typed)
    if not plain:
        return ""
    return salted_hmac(_CODE_SALT, plain, algorithm="sha256").hexdigest()


def email_digest(email: str) -> str:
    """The keyed hash an e-mail address is kept as, to find a login by it."""
    plain = email.strip().casefold()
    if not plain:
        return ""
    return salted_hmac(_EMAIL_SALT, plain, algorithm="sha256").hexdigest()


def _refused_code() -> InvalidField:
    # One answer for a wrong, used or expired code: telling them apart would tell a
    # guesser which codes exist.
    return InvalidField(
        _(
            "This code does not work: it may be mistyped, already used or expired. Check it "
            "on your slip and type it again. If it still does not work, ask an officer of "
            "your assembly for a new code. If you have just activated your login, log in "
            "with the login name and password you chose."
        ),
        field="code",
    )


# ---------------------------------------------------------------- the officer's side


def _verified_membership(actor: User, body: Body, membership_id: int) -> Membership:
    require_officer(actor, body)
    membership = (
        Membership.objects.select_related("person", "body")
        .filter(pk=membership_id, body=body)
        .first()
    )
    if membership is None:
        raise NotFound(_("That member is not in %(body)s.") % {"body": body.name})
    if membership.status != Membership.Status.VERIFIED:
        raise Conflict(_("Only verified members get an activation code. Verify the member first."))
    return membership


def _issue(actor: User, body: Body, membership: Membership, code: str = "") -> Issued:
    """Make a code (`code`, else a fresh one) for the membership's person, replacing any
    they had; the caller holds the transaction and has checked that `actor` is an officer
    of `body`."""
    person = Person.objects.select_for_update().get(pk=membership.person_id)
    now = timezone.now()
    code = code or new_code()
    expires_at = now + timedelta(days=settings.ACTIVATION_DAYS)
    ActivationCode.objects.filter(person=person).delete()
    ActivationCode.objects.create(
        person=person,
        digest=code_digest(code),
        body=body,
        issued_by=actor if actor.is_authenticated else None,
        created_at=now,
        expires_at=expires_at,
    )
    replaced = person.user is not None
    if person.user is not None:
        # The old password stops working. A changed password changes the hash every
        # session keeps of it (Django's session verification), so every session ends.
        login = person.user
        login.set_unusable_password()
        login.save(update_fields=["password"])
        Account.objects.update_or_create(
            user=login, defaults={"replaced_at": now, "replaced_in": body}
        )
    do_record_officer_action(
        actor, body, OfficerAction.Kind.ISSUED_CODE, membership_number=membership.pk
    )
    return Issued(code, membership, expires_at, replaced_login=replaced)


@transaction.atomic
def do_issue_activation_code(actor: User, body: Body, membership_id: int) -> Issued:
    """An officer of `body` gives one of its verified members a new activation code.

    For a member who has a login (lost password), that login's password stops
    working and its sessions end; the member is told at their next login."""
    membership = _verified_membership(actor, body, membership_id)
    return _issue(actor, body, membership)


@transaction.atomic
def do_issue_activation_codes(
    actor: User, body: Body, membership_ids: list[int] | None = None
) -> list[Issued]:
    """New codes for `body`'s verified members who have no login yet (those of
    `membership_ids`, else all), for the printed slips; sorted by name."""
    require_officer(actor, body)
    memberships = Membership.objects.filter(
        body=body, status=Membership.Status.VERIFIED, person__user__isnull=True
    ).select_related("person")
    if membership_ids is not None:
        memberships = memberships.filter(pk__in=membership_ids)
    issued = [_issue(actor, body, m) for m in memberships]
    issued.sort(key=lambda i: i.membership.person.full_name.casefold())
    return issued


def issue_on_verify(actor: User, membership: Membership) -> Issued | None:
    """A code for a member just verified who has no login yet; inside the verification's
    transaction, after its permission check (None: they have a login already)."""
    if membership.status != Membership.Status.VERIFIED or membership.person.user_id is not None:
        return None
    return _issue(actor, membership.body, membership)


def access_activation_candidates(actor: User, body: Body) -> list[Candidate]:
    """The verified members of `body`, with whether they have a login and their code's
    expiry, for its officers; sorted by name (names are encrypted)."""
    require_officer(actor, body)
    memberships = list(
        Membership.objects.filter(body=body, status=Membership.Status.VERIFIED).select_related(
            "person"
        )
    )
    expiries = dict(
        ActivationCode.objects.filter(person_id__in=[m.person_id for m in memberships]).values_list(
            "person_id", "expires_at"
        )
    )
    found = [
        Candidate(m, m.person.user_id is not None, expiries.get(m.person_id)) for m in memberships
    ]
    found.sort(key=lambda c: c.membership.person.full_name.casefold())
    return found


# ---------------------------------------------------------------- the member's side


def _login_name(username: str, login: Login | None) -> str:
    user_model = get_user_model()
    username = user_model.normalize_username(username.strip())
    if not username:
        raise InvalidField(_("Choose a login name."), field="username")
    name_field = cast("Field[str, str]", user_model._meta.get_field(user_model.USERNAME_FIELD))
    try:
        name_field.run_validators(username)
    except ValidationError as error:
        raise InvalidField(" ".join(error.messages), field="username") from None
    taken = user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__iexact": username})
    if login is not None:
        taken = taken.exclude(pk=login.pk)
    if taken.exists():
        raise InvalidField(_taken_message(username), field="username")
    return username


def _taken_message(username: str) -> str:
    return _(
        "The login name “%(username)s” is taken. Choose another one: add a number or a "
        "word, for example."
    ) % {"username": username}


@transaction.atomic
def do_activate(code: str, username: str, password: str) -> Login:
    """Make (or remake) the login of the code's person: the login name and password
    chosen, checked by the site's validators; the code is used up.

    The code is checked first, so a login name is only ever said to be taken to
    someone holding a valid code. Raises InvalidField naming the field at fault;
    nothing is written then."""
    digest = code_digest(code)
    row = (
        ActivationCode.objects.select_for_update()
        .select_related("person")
        .filter(digest=digest, expires_at__gt=timezone.now())
        .first()
        if digest
        else None
    )
    if row is None:
        raise _refused_code()
    person = row.person
    login = person.user
    username = _login_name(username, login)
    user_model = get_user_model()
    candidate = login or user_model(**{user_model.USERNAME_FIELD: username})
    if not password:
        raise InvalidField(_("Choose a password."), field="password1")
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise InvalidField(
            _("Choose another password: %(reasons)s") % {"reasons": " ".join(error.messages)},
            field="password1",
        ) from None
    try:
        with transaction.atomic():
            if login is None:
                login = user_model.objects.create_user(username, password=password)
                person.user = login
                person.save(update_fields=["user"])
            else:
                setattr(login, user_model.USERNAME_FIELD, username)
                login.set_password(password)
                login.save()
    except IntegrityError:
        # The same name chosen at the same moment by someone else.
        raise InvalidField(_taken_message(username), field="username") from None
    Account.objects.update_or_create(
        user=login, defaults={"email_digest": email_digest(person.email)}
    )
    row.delete()
    return login


def take_replaced_notice(login: Login) -> tuple[datetime, str] | None:
    """When and in which body an officer replaced this login's password, if the member
    has not been told yet; clears it (they are told now)."""
    account = Account.objects.filter(user=login, replaced_at__isnull=False).first()
    if account is None or account.replaced_at is None:
        return None
    body = account.replaced_in.name if account.replaced_in is not None else ""
    when = account.replaced_at
    Account.objects.filter(pk=account.pk).update(replaced_at=None, replaced_in=None)
    return when, body
