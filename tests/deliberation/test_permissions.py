"""Who may do what, both ways, for every action: the allowed actor succeeds; a member of
another body, a non-delegate in a council, a delegate whose seat was recalled mid-vote,
an officer of another body and an anonymous visitor are refused, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from asamblea.deliberation import services
from asamblea.deliberation.models import Motion, Referendum, Uptake
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.record.models import Entry
from deliberation.helpers import member, recall
from support.factories import body, make_officer

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


def refused(action: Callable[[Any], Any], *actors: Any, error: type = PermissionDenied) -> None:
    """Every actor is refused with `error`, and the public record does not grow."""
    before = Entry.objects.count()
    for actor in actors:
        with pytest.raises(error):
            action(actor)
    assert Entry.objects.count() == before


@pytest.fixture
def officers(tree):
    f = tree.federation
    return {
        slug: make_officer(f, slug)
        for slug in ("national", "region-a", "region-b", "base-1", "base-4")
    }


def national(tree):
    return body(tree.federation, "national")


def proposed(tree):
    return services.do_propose_motion(tree.users["rosa"], national(tree), title="T", text="Texto")


def tabled(tree):
    return services.do_second_motion(tree.users["vilma"], proposed(tree))


def voting(tree, officers):
    return services.do_open_vote(officers["national"], tabled(tree))


def recall_tito(tree):
    """Region A's delegates recall Tito from the national assembly (petition, vote)."""
    recall(tree, "tito", "national", petitioner="luis", voters=["luis", "rosa"])


# ---------------------------------------------------------------- members' actions


def test_propose(tree):
    u = tree.users
    # plain holds no seat (a non-delegate in a council); luis sits in region-a, not here.
    refused(
        lambda a: services.do_propose_motion(a, national(tree), title="T", text="x"),
        u["plain"],
        u["luis"],
        ANONYMOUS,
    )
    assert services.do_propose_motion(u["rosa"], national(tree), title="T", text="x").pk
    # In a base assembly: its verified members, not a member of another base.
    refused(
        lambda a: services.do_propose_motion(
            a, body(tree.federation, "base-4"), title="T", text="x"
        ),
        u["rosa"],
    )
    assert services.do_propose_motion(
        u["vilma"], body(tree.federation, "base-4"), title="T", text="x"
    ).pk


def test_second(tree):
    u = tree.users
    motion = proposed(tree)
    refused(lambda a: services.do_second_motion(a, motion), u["plain"], u["luis"], ANONYMOUS)
    assert services.do_second_motion(u["tito"], motion).status == Motion.Status.TABLED


def test_amend(tree):
    u = tree.users
    motion = tabled(tree)
    refused(
        lambda a: services.do_propose_amendment(a, motion, text="Otro"),
        u["plain"],
        u["luis"],
        ANONYMOUS,
    )
    assert services.do_propose_amendment(u["tito"], motion, text="Otro").amends_id == motion.pk


def test_comment(tree):
    u = tree.users
    motion = tabled(tree)
    refused(lambda a: services.do_comment(a, motion, "Hola"), u["plain"], u["luis"], ANONYMOUS)
    assert services.do_comment(u["tito"], motion, "Hola").pk


def test_withdraw(tree):
    u = tree.users
    motion = tabled(tree)
    refused(lambda a: services.do_withdraw_motion(a, motion), u["vilma"], u["plain"], ANONYMOUS)
    assert services.do_withdraw_motion(u["rosa"], motion).status == Motion.Status.WITHDRAWN


def test_vote_and_a_seat_recalled_mid_vote(tree, officers):
    u = tree.users
    motion = voting(tree, officers)
    services.do_cast_vote(u["tito"], motion, "yes")
    recall_tito(tree)
    refused(
        lambda a: services.do_cast_vote(a, motion, "yes"),
        u["plain"],
        u["luis"],
        u["tito"],
        officers["national"],
        ANONYMOUS,
    )
    assert services.do_cast_vote(u["rosa"], motion, "yes") is None
    # The recalled delegate may not propose any more either.
    refused(lambda a: services.do_propose_motion(a, national(tree), title="T", text="x"), u["tito"])


# ---------------------------------------------------------------- officers' actions


def test_open_and_close_a_vote(tree, officers):
    u = tree.users
    motion = tabled(tree)
    refused(lambda a: services.do_open_vote(a, motion), u["rosa"], officers["region-a"], ANONYMOUS)
    services.do_open_vote(officers["national"], motion)
    refused(lambda a: services.do_close_vote(a, motion), u["rosa"], officers["region-a"], ANONYMOUS)
    refused(lambda a: services.do_close_vote(None, motion), None, error=Conflict)  # no time set
    assert services.do_close_vote(officers["national"], motion).status == Motion.Status.REJECTED


def test_mandate_vote(tree, officers):
    u = tree.users
    motion = tabled(tree)
    region_a = body(tree.federation, "region-a")
    refused(
        lambda a: services.do_open_mandate_vote(a, motion, region_a),
        officers["national"],
        officers["region-b"],
        u["rosa"],
        ANONYMOUS,
    )
    vote = services.do_open_mandate_vote(officers["region-a"], motion, region_a)
    refused(
        lambda a: services.do_cast_vote(a, vote, "yes"), u["vilma"], u["plain"], u["ana"], ANONYMOUS
    )
    assert services.do_cast_vote(u["luis"], vote, "yes") is None


def test_recall_for_a_breach(tree, officers):
    u = tree.users
    motion = tabled(tree)
    vote = services.do_open_mandate_vote(
        officers["region-a"], motion, body(tree.federation, "region-a")
    )
    for name in ("rosa", "luis"):
        services.do_cast_vote(u[name], vote, "no")
    services.do_close_vote(officers["region-a"], vote)
    services.do_open_vote(officers["national"], motion)
    for name in ("rosa", "tito", "vilma"):
        services.do_cast_vote(u[name], motion, "yes")
    motion = services.do_close_vote(officers["national"], motion)
    seat = tree.seats[("tito", "national")]
    # Only the constituency (region-a's delegates) may petition, and not Tito himself.
    refused(
        lambda a: services.do_recall_for_breach(a, motion, seat), u["vilma"], u["plain"], ANONYMOUS
    )
    refused(lambda a: services.do_recall_for_breach(a, motion, seat), u["tito"], error=InvalidInput)
    assert services.do_recall_for_breach(u["luis"], motion, seat).seat_id == seat.pk


def test_meetings(tree, officers):
    start = timezone.now()
    refused(
        lambda a: services.do_create_meeting(a, national(tree), title="M", starts_at=start),
        tree.users["rosa"],
        officers["region-a"],
        ANONYMOUS,
    )
    meeting = services.do_create_meeting(
        officers["national"], national(tree), title="M", starts_at=start
    )
    motion = tabled(tree)
    refused(lambda a: services.do_add_agenda_item(a, meeting, motion), tree.users["rosa"])
    refused(lambda a: services.do_set_meeting_status(a, meeting, "open"), tree.users["rosa"])
    services.do_add_agenda_item(officers["national"], meeting, motion)


# ---------------------------------------------------------------- referendums


def test_referendum(tree, officers):
    u = tree.users
    region_a = body(tree.federation, "region-a")
    motion = services.do_second_motion(
        u["luis"], services.do_propose_motion(u["rosa"], region_a, title="R", text="Texto")
    )
    closes = timezone.now() + timedelta(days=1)
    refused(
        lambda a: services.do_open_referendum(a, motion, closes_at=closes),
        u["rosa"],
        officers["national"],
        ANONYMOUS,
    )
    referendum = services.do_open_referendum(officers["region-a"], motion, closes_at=closes)
    late = member(tree.federation, "base-1", "late-joiner")
    # vilma is a member of base-4, under region-b; late joined after the roll was frozen.
    refused(
        lambda a: services.do_cast_referendum_ballot(a, referendum, "yes"),
        u["vilma"],
        late,
        ANONYMOUS,
    )
    assert services.do_cast_referendum_ballot(u["plain"], referendum, "yes").tracker
    refused(
        lambda a: services.do_close_referendum(a, referendum),
        u["rosa"],
        officers["national"],
        officers["base-1"],
        ANONYMOUS,
    )
    refused(lambda a: services.do_close_referendum(None, referendum), None, error=Conflict)
    done = services.do_close_referendum(officers["region-a"], referendum)
    assert done.status == Referendum.Status.CLOSED


# ---------------------------------------------------------------- calls to action


def test_calls_to_action(tree, officers):
    u = tree.users
    motion = voting(tree, officers)
    for name in ("rosa", "vilma"):
        services.do_cast_vote(u[name], motion, "yes")
    motion = services.do_close_vote(officers["national"], motion)
    resolution = motion.resolution
    start = timezone.now()
    region_a = body(tree.federation, "region-a")

    def issue(actor: Any) -> Any:
        return services.do_issue_call(
            actor,
            resolution,
            title="Paro",
            starts_at=start,
            ends_at=start + timedelta(hours=72),
            regions=[region_a],
        )

    refused(issue, u["rosa"], officers["region-a"], ANONYMOUS)
    call = issue(officers["national"])
    base_1, base_4 = body(tree.federation, "base-1"), body(tree.federation, "base-4")
    # base-4 is under region-b: outside the call's scope; rosa is a member, not an officer.
    refused(
        lambda a: services.do_acknowledge_call(a, call, base_1),
        u["rosa"],
        officers["base-4"],
        ANONYMOUS,
    )
    refused(lambda a: services.do_acknowledge_call(a, call, base_4), officers["base-4"])
    services.do_acknowledge_call(officers["base-1"], call, base_1)

    def report(actor: Any) -> Any:
        return services.do_report_uptake(actor, call, base_1, status="joined", number=40)

    refused(report, u["rosa"], officers["base-4"], ANONYMOUS)
    assert report(officers["base-1"]).status == Uptake.Status.JOINED
