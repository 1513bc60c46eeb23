"""A seat that falls tells its holder, for each seat the cascade takes."""

from __future__ import annotations

from asamblea.notices import kinds
from asamblea.notices.models import Notice
from asamblea.recall import services as recall
from notices.helpers import run_queued_tasks
from recall.world import build_world


def test_a_delegate_who_resigns_hears_of_every_seat_the_cascade_takes(db: None) -> None:
    world = build_world()
    run_queued_tasks()
    ana = world.users["ana"]
    seat = world.seat("ana", "base-1", "prov-a1")
    recall.do_vacate_seat(ana, seat, "resigned")
    run_queued_tasks()
    fell = Notice.objects.filter(recipient=ana, kind=kinds.SEAT_FELL)
    by_reason = sorted((n.params["reason"], n.params["place"]) for n in fell)
    assert ("resigned", "Base 1 → Province A1") in by_reason
    assert ("cascade", "Province A1 → Region A") in by_reason
    assert all(reason in ("resigned", "cascade") for reason, _place in by_reason)
    # Nobody else is told their seat fell.
    assert not Notice.objects.filter(kind=kinds.SEAT_FELL).exclude(recipient=ana).exists()
