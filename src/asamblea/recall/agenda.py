"""What awaits a member in recalls, for their "Mis asambleas" page
(asamblea.hooks.member_agenda): petitions open in their constituencies that they
have not signed, a petition against a seat they hold, and recall votes they have
not cast. Two queries, whatever the size of the federation.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.elections.models import Election, RollEntry, VoteCast
from asamblea.federation.agenda import Member
from asamblea.federation.models import Body
from asamblea.recall.models import PetitionSignature, RecallPetition
from asamblea.recall.services import seat_place


@hooks.member_agenda.register(name="recall", order=30)
def recall_agenda(member: Member) -> list[hooks.AgendaItem]:
    person = member.person
    if person is None:
        return []
    items: list[hooks.AgendaItem] = []
    petitions = (
        RecallPetition.objects.filter(
            Q(status=RecallPetition.Status.OPEN, constituency_id__in=member.body_ids)
            | Q(status__in=RecallPetition.ACTIVE, seat__holder=person)
        )
        .annotate(
            signed=Exists(PetitionSignature.objects.filter(petition=OuterRef("pk"), person=person))
        )
        .select_related(
            "federation", "seat__delegation__source", "seat__delegation__council", "seat__command"
        )
        .order_by("closes_at")
    )
    for petition in petitions:
        url = reverse("recall_petition", args=[petition.federation.slug, petition.pk])
        place = seat_place(petition.seat)
        if petition.seat.holder_id == person.pk:
            items.append(
                hooks.AgendaItem(
                    text=_("A recall petition against your seat (%(place)s) is open.")
                    % {"place": place},
                    url=url,
                    action=_("See the petition"),
                    key=f"petition-{petition.pk}",
                    due=petition.closes_at
                    if petition.status == RecallPetition.Status.OPEN
                    else None,
                )
            )
        elif not petition.signed:
            items.append(
                hooks.AgendaItem(
                    text=_(
                        "A petition to recall %(name)s (%(place)s) is collecting signatures: "
                        "%(signatures)d of %(threshold)d."
                    )
                    % {
                        "name": petition.seat.public_name,
                        "place": place,
                        "signatures": petition.signatures,
                        "threshold": petition.threshold,
                    },
                    url=url,
                    action=_("Read and sign"),
                    key=f"petition-{petition.pk}",
                    due=petition.closes_at,
                )
            )
    # Recall votes open to them (on the frozen roll) that they have not cast.
    votes = (
        Election.objects.filter(status=Election.Status.VOTING, kind=Election.Kind.RECALL)
        .filter(Exists(RollEntry.objects.filter(election=OuterRef("pk"), person=person)))
        .exclude(Exists(VoteCast.objects.filter(election=OuterRef("pk"), person=person)))
        .select_related(
            "federation", "seat__delegation__source", "seat__delegation__council", "seat__command"
        )
        .order_by("voting_closes_at")
    )
    for election in votes:
        assert election.seat is not None  # a recall vote is about one seat
        items.append(
            hooks.AgendaItem(
                text=_("Recall vote: does %(name)s keep the seat (%(place)s)?")
                % {"name": election.seat.public_name, "place": seat_place(election.seat)},
                url=reverse("ballot", args=[election.federation.slug, election.pk]),
                action=_("Vote"),
                key=f"recall-vote-{election.pk}",
                due=election.voting_closes_at,
            )
        )
    return items


@hooks.body_now.register(name="recall", order=30)
def recall_now(body: Body) -> list[hooks.AgendaItem]:
    """On a body's page: the recall votes open in it and the petitions collecting
    signatures among its members (two queries)."""
    items: list[hooks.AgendaItem] = []
    votes = (
        Election.objects.filter(
            constituency=body, status=Election.Status.VOTING, kind=Election.Kind.RECALL
        )
        .select_related(
            "federation", "seat__delegation__source", "seat__delegation__council", "seat__command"
        )
        .order_by("voting_closes_at", "pk")
    )
    for election in votes:
        assert election.seat is not None  # a recall vote is about one seat
        items.append(
            hooks.AgendaItem(
                text=_("Recall vote: does %(name)s keep the seat (%(place)s)?")
                % {"name": election.seat.public_name, "place": seat_place(election.seat)},
                url=reverse("ballot", args=[election.federation.slug, election.pk]),
                action=_("Vote"),
                key=f"recall-vote-{election.pk}",
                due=election.voting_closes_at,
            )
        )
    petitions = (
        RecallPetition.objects.filter(constituency=body, status=RecallPetition.Status.OPEN)
        .select_related(
            "federation", "seat__delegation__source", "seat__delegation__council", "seat__command"
        )
        .order_by("closes_at", "pk")
    )
    for petition in petitions:
        items.append(
            hooks.AgendaItem(
                text=_(
                    "A petition to recall %(name)s (%(place)s) is collecting signatures: "
                    "%(signatures)d of %(threshold)d."
                )
                % {
                    "name": petition.seat.public_name,
                    "place": seat_place(petition.seat),
                    "signatures": petition.signatures,
                    "threshold": petition.threshold,
                },
                url=reverse("recall_petition", args=[petition.federation.slug, petition.pk]),
                action=_("Read and sign"),
                key=f"petition-{petition.pk}",
                due=petition.closes_at,
            )
        )
    return items
