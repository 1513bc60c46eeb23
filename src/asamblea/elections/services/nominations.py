"""Candidacies: standing, nominating, accepting a nomination, withdrawing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.elections.models import Candidacy, Election
from asamblea.elections.services._common import PARITY_GROUPS, _locked
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import (
    User,
    is_eligible,
    not_a_member,
    person_of,
    require_member,
    require_person,
)
from asamblea.federation.models import Person
from asamblea.federation.services import is_officer


def _require_nominations_open(election: Election) -> None:
    if election.kind == Election.Kind.RECALL:
        raise InvalidInput(_("A recall vote has no candidates."))
    if (
        election.status != Election.Status.NOMINATIONS
        or timezone.now() >= election.nominations_close_at
    ):
        raise Conflict(_("Nominations are closed for this election."))


def _clean_group(election: Election, group: str) -> str:
    group = group.strip()
    if not election.parity:
        return ""
    if group not in PARITY_GROUPS:
        raise InvalidInput(
            _("This election applies the parity rule: say whether you stand among women or men.")
        )
    return group


def _clean_public_name(
    election: Election, person: Person, public_name: str, exclude: int | None
) -> str:
    name = " ".join((public_name or person.full_name).split())[:200]
    if not name:
        raise InvalidInput(_("Give the name to print on the ballot."))
    clash = election.candidacies.exclude(status=Candidacy.Status.WITHDRAWN).filter(
        public_name__iexact=name
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(
            _("Another candidate stands as “%(name)s”: choose a name that tells you apart.")
            % {"name": name}
        )
    return name


@transaction.atomic
def do_stand(
    actor: User, election: Election, *, group: str = "", public_name: str = ""
) -> Candidacy:
    """An eligible member of the constituency stands as a candidate (accepted at once)."""
    election = _locked(election)
    person = require_person(actor, election.constituency)
    _require_nominations_open(election)
    if not is_eligible(person, election.constituency):
        raise PermissionDenied(not_a_member(election.constituency))
    existing = Candidacy.objects.filter(election=election, person=person).first()
    if existing is not None and existing.status == Candidacy.Status.ACCEPTED:
        raise Conflict(_("You already stand in this election."))
    name = _clean_public_name(election, person, public_name, existing.pk if existing else None)
    group = _clean_group(election, group)
    if existing is None:
        return Candidacy.objects.create(
            election=election,
            person=person,
            public_name=name,
            group=group,
            status=Candidacy.Status.ACCEPTED,
        )
    existing.public_name, existing.group, existing.status = name, group, Candidacy.Status.ACCEPTED
    existing.save(update_fields=["public_name", "group", "status"])
    return existing


@transaction.atomic
def do_nominate(
    actor: User, election: Election, person: Person, *, group: str = "", public_name: str = ""
) -> Candidacy:
    """An officer or an eligible voter nominates an eligible person, who then accepts or not."""
    election = _locked(election)
    _require_nominations_open(election)
    body = election.constituency
    if not is_officer(actor, body):
        require_member(actor, body)
    if person.federation_id != election.federation_id or not is_eligible(person, body):
        raise InvalidInput(
            _("Only someone who may stand in %(body)s can be nominated.") % {"body": body.name}
        )
    if Candidacy.objects.filter(election=election, person=person).exists():
        raise Conflict(_("That person is already nominated or standing."))
    return Candidacy.objects.create(
        election=election,
        person=person,
        public_name=_clean_public_name(election, person, public_name, None),
        group=_clean_group(election, group) if group or election.parity else "",
        status=Candidacy.Status.NOMINATED,
    )


@transaction.atomic
def do_accept_nomination(
    actor: User, candidacy: Candidacy, *, public_name: str = "", group: str | None = None
) -> Candidacy:
    """The nominee accepts: from now on they stand."""
    election = _locked(candidacy.election)
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    person = require_person(actor, election.constituency)
    if candidacy.person_id != person.pk:
        raise PermissionDenied(_("Only the person nominated can accept the nomination."))
    _require_nominations_open(election)
    if candidacy.status != Candidacy.Status.NOMINATED:
        raise Conflict(_("This nomination is not waiting for an answer."))
    if not is_eligible(person, election.constituency):
        raise PermissionDenied(not_a_member(election.constituency))
    if public_name:
        candidacy.public_name = _clean_public_name(election, person, public_name, candidacy.pk)
    if group is not None or election.parity:
        candidacy.group = _clean_group(election, group if group is not None else candidacy.group)
    candidacy.status = Candidacy.Status.ACCEPTED
    candidacy.save(update_fields=["public_name", "group", "status"])
    return candidacy


@transaction.atomic
def do_withdraw(actor: User, candidacy: Candidacy) -> Candidacy:
    """The candidate (or an officer) withdraws a candidacy before the vote opens."""
    election = _locked(candidacy.election)
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    person = person_of(actor, election.federation)
    if not (
        (person is not None and candidacy.person_id == person.pk)
        or is_officer(actor, election.constituency)
    ):
        raise PermissionDenied(_("Only the candidate or an officer can withdraw a candidacy."))
    if election.status not in (Election.Status.NOMINATIONS, Election.Status.READY):
        raise Conflict(_("The vote has opened: the ballot can no longer change."))
    if candidacy.status == Candidacy.Status.WITHDRAWN:
        raise Conflict(_("This candidacy is already withdrawn."))
    candidacy.status = Candidacy.Status.WITHDRAWN
    candidacy.save(update_fields=["status"])
    return candidacy
