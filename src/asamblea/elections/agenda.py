"""What awaits a member in elections, for their "Mis asambleas" page
(asamblea.hooks.member_agenda): votes they have not cast, nominations they may
stand in, and, for an officer, delegations with seats to fill. Three queries,
whatever the size of the federation.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea import hooks
from asamblea.elections.models import Candidacy, Election, RollEntry, Seat, VoteCast
from asamblea.elections.services import election_title
from asamblea.federation.agenda import Member
from asamblea.federation.models import Body, Delegation

# An election that is under way: a delegation with one needs no new one.
UNDER_WAY = (Election.Status.NOMINATIONS, Election.Status.READY, Election.Status.VOTING)


def _where(election: Election) -> str:
    return _("%(title)s, in %(body)s") % {
        "title": election_title(election),
        "body": election.constituency.name,
    }


@hooks.member_agenda.register(name="elections", order=20)
def elections_agenda(member: Member) -> list[hooks.AgendaItem]:
    items: list[hooks.AgendaItem] = []
    person = member.person
    if person is not None:
        # Votes open to them (on the roll frozen at the opening) that they have not cast;
        # recall votes are the recall app's to say.
        to_vote = (
            Election.objects.filter(status=Election.Status.VOTING)
            .exclude(kind=Election.Kind.RECALL)
            .filter(Exists(RollEntry.objects.filter(election=OuterRef("pk"), person=person)))
            .exclude(Exists(VoteCast.objects.filter(election=OuterRef("pk"), person=person)))
            .select_related("federation", "constituency", "delegation__council", "command")
            .order_by("voting_closes_at")
        )
        items += [
            hooks.AgendaItem(
                text=_("Vote: %(what)s.") % {"what": _where(election)},
                url=reverse("ballot", args=[election.federation.slug, election.pk]),
                action=_("Vote"),
                key=f"vote-{election.pk}",
                due=election.voting_closes_at,
            )
            for election in to_vote
        ]
        # Nominations open in their bodies, where they do not stand yet.
        if member.body_ids:
            to_stand = (
                Election.objects.filter(
                    status=Election.Status.NOMINATIONS, constituency_id__in=member.body_ids
                )
                .exclude(kind=Election.Kind.RECALL)
                .exclude(Exists(Candidacy.objects.filter(election=OuterRef("pk"), person=person)))
                .select_related("federation", "constituency", "delegation__council", "command")
                .order_by("nominations_close_at")
            )
            items += [
                hooks.AgendaItem(
                    text=(
                        _("By-election: you may stand, %(what)s.")
                        if election.kind == Election.Kind.BY_ELECTION
                        else _("Nominations are open, you may stand: %(what)s.")
                    )
                    % {"what": _where(election)},
                    url=reverse("election", args=[election.federation.slug, election.pk]),
                    action=_("Stand"),
                    key=f"stand-{election.pk}",
                    due=election.nominations_close_at,
                )
                for election in to_stand
            ]
    if member.officer_of:
        items += _seats_to_fill(member)
    return items


def _seats_to_fill(member: Member) -> list[hooks.AgendaItem]:
    """For an officer: delegations of their bodies with fewer holders than seats and no
    election under way (one query)."""
    short = (
        Delegation.objects.filter(source_id__in=member.officer_ids)
        .annotate(
            held=Count("seat_holders", filter=Q(seat_holders__status=Seat.Status.HELD)),
        )
        .filter(held__lt=F("next_seats"))
        .exclude(
            Exists(
                Election.objects.filter(delegation=OuterRef("pk"), status__in=UNDER_WAY).exclude(
                    kind=Election.Kind.RECALL
                )
            )
        )
        .select_related("source__federation", "council")
        .order_by("source__name", "council__name")
    )
    return [
        hooks.AgendaItem(
            text=ngettext(
                "%(body)s has %(empty)d of its %(seats)d seat in %(council)s to fill.",
                "%(body)s has %(empty)d of its %(seats)d seats in %(council)s to fill.",
                delegation.next_seats,
            )
            % {
                "body": delegation.source.name,
                "empty": delegation.next_seats - delegation.held,
                "seats": delegation.next_seats,
                "council": delegation.council.name,
            },
            url=reverse(
                "election_new", args=[delegation.source.federation.slug, delegation.source.slug]
            ),
            action=_("Open an election"),
            key=f"fill-{delegation.pk}",
        )
        for delegation in short
    ]


@hooks.body_now.register(name="elections", order=20)
def elections_now(body: Body) -> list[hooks.AgendaItem]:
    """On a body's page: its elections open to votes or to candidates (one query)."""
    under_way = (
        Election.objects.filter(
            constituency=body, status__in=(Election.Status.VOTING, Election.Status.NOMINATIONS)
        )
        .exclude(kind=Election.Kind.RECALL)
        .select_related("federation", "constituency", "delegation__council", "command")
        .order_by("-status", "voting_closes_at", "pk")  # voting before nominations
    )
    items = []
    for election in under_way:
        voting = election.status == Election.Status.VOTING
        items.append(
            hooks.AgendaItem(
                text=(
                    _("Vote: %(what)s.")
                    if voting
                    else _("Nominations are open, you may stand: %(what)s.")
                )
                # On the body's own page: what it fills, without "in <the body>".
                % {"what": election_title(election)},
                url=reverse(
                    "ballot" if voting else "election", args=[election.federation.slug, election.pk]
                ),
                action=_("Vote") if voting else _("Stand"),
                key=f"election-{election.pk}",
                due=election.voting_closes_at if voting else election.nominations_close_at,
            )
        )
    return items
