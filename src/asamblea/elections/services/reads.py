"""Reading elections: the public facts of one, a body's list, the ballot, turnout, titles."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from asamblea.elections.models import Candidacy, Election, VoteCast
from asamblea.errors import NotFound
from asamblea.federation.membership import User
from asamblea.federation.models import Body, Federation
from asamblea.federation.services import access_federation


def _public_facts(**lookup: Any) -> Election:
    """One election with what its pages show (federation, constituency, what it fills).

    Only the joins the pages need: each outer join adds to PostgreSQL's planning
    time, which is most of this read's cost."""
    try:
        election = Election.objects.select_related(
            "federation", "constituency", "delegation__council", "command"
        ).get(**lookup)
    except Election.DoesNotExist:
        raise NotFound(_("There is no election number %(id)s.") % {"id": lookup["pk"]}) from None
    if election.constituency.federation_id == election.federation_id:
        election.constituency.federation = election.federation  # the same row, read once
    return election


def access_election(user: User, federation: Federation, election_id: int) -> Election:
    """An election's public facts: anyone may read them, logged in or not."""
    return _public_facts(federation=federation, pk=election_id)


def access_election_by_slug(user: User, federation_slug: str, election_id: int) -> Election:
    """`access_election` from the federation's slug, federation and all in one query."""
    try:
        return _public_facts(federation__slug=federation_slug, pk=election_id)
    except NotFound:
        access_federation(federation_slug)  # an unknown federation is said as such
        raise


def elections_of(body: Body) -> QuerySet[Election]:
    return (
        Election.objects.filter(constituency=body)
        .select_related("delegation__council", "command")
        .order_by("-created_at")
    )


def standing(election: Election) -> list[Candidacy]:
    """The accepted candidacies, in ballot order (by public name).

    Once the vote is open the ballot can no longer change (standing, accepting and
    withdrawing all end before it), so for an election read while voting the list
    is kept on that instance: a page and the cast it shows, or many casts given the
    same instance, read the candidates once.
    """
    kept = getattr(election, "_standing_while_voting", None)
    if kept is not None:
        return list(kept)
    candidates = list(
        election.candidacies.filter(status=Candidacy.Status.ACCEPTED).order_by("public_name", "id")
    )
    if election.status == Election.Status.VOTING:
        election._standing_while_voting = tuple(candidates)  # type: ignore[attr-defined]
    return candidates


def turnout(election: Election) -> tuple[int, int]:
    """(ballots cast, people on the roll); the roll is 0 until the vote opens."""
    return election.casts.count(), election.roll.count()


def has_voted(user: User, election: Election) -> bool:
    if not user.is_authenticated:
        return False
    return VoteCast.objects.filter(
        election=election, person__user=user, person__federation_id=election.federation_id
    ).exists()


def election_title(election: Election) -> str:
    """A short human title: what the election fills."""
    if election.kind == Election.Kind.RECALL:
        return _("Recall vote")
    # Reading an unset foreign key gives None without a query, as testing its id did.
    if election.delegation is not None:
        return _("Delegates to %(council)s") % {"council": election.delegation.council.name}
    if election.command is not None:
        return _("%(command)s") % {"command": election.command.name}
    return election.get_kind_display()
