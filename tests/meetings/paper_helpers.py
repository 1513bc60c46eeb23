"""Paper-ballot test helpers: an election of base-2 voted in the room of its meeting."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from asamblea.elections import services as elections
from asamblea.elections.models import Election
from asamblea.federation.models import Federation
from asamblea.meetings import services
from asamblea.meetings.models import PaperVote, Room
from elections.helpers import open_election
from meetings.helpers import base_meeting, check_in
from support.factories import make_officer

NAMES = ["Ana", "Berta", "Carlos", "Delia"]


def paper_election(
    federation: Federation,
    *,
    n_members: int = 8,
    seats: int = 2,
    method: str | None = None,
    entry: str = PaperVote.Entry.PAPERS,
    base: str = "base-2",
    printed: int = 20,
) -> tuple[Room, Any, list[Any], Election, PaperVote, Any]:
    """base-2's meeting in session with everyone checked in; an election of base-2 whose
    candidates are users 0-3 (Ana, Berta, Carlos, Delia), voting open; its paper vote with
    `printed` papers; and a teller named for the meeting (besides the officer)."""
    room, officer, users, _motion = base_meeting(federation, n_members)
    check_in(room, users)
    kwargs: dict[str, Any] = {"seats": seats, "officer": officer}
    if method is not None:
        kwargs["method"] = method
    election = open_election(federation, base, **kwargs)
    for user, name in zip(users, NAMES, strict=False):
        elections.do_stand(user, election, public_name=name)
    election = elections.do_open_voting(election)
    vote = services.do_open_paper_vote(officer, room, election, entry)
    vote = services.do_print_papers(officer, vote, printed)
    teller = make_officer(federation, "base-1", "escrutadora")
    services.do_name_teller(officer, room, teller)
    return room, officer, users, election, vote, teller


def hand_out(officer: Any, vote: PaperVote, users: list[Any]) -> None:
    for user in users:
        services.do_mark_paper_voter(officer, vote, user.person.pk)


def enter_all(teller: Any, vote: PaperVote, papers: dict[int, str]) -> list[Any]:
    return [services.do_enter_paper(teller, vote, n, text) for n, text in papers.items()]


def forge_paper(key: str, by: int, kind: str = "") -> Callable[[Any], Any]:
    """An export's change (see `deliberation.helpers.export`): the `paper` figure `key` of
    every count (of an election or a motion: `kind`) moved by `by`."""

    def forge(entry: Any) -> Any:
        if "paper" in entry and (not kind or kind in entry):
            entry = json.loads(json.dumps(entry))
            entry["paper"][key] += by
        return entry

    return forge
