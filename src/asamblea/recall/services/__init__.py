"""Recall: every state change (`do_*`, one transaction each) and the reads that check
permission (`access_*`, `can_*`), one module per noun:

    settings     the federation's recall settings, who may change them
    seats        who is who around a seat: its constituency, its place
    reads        what the pages read of petitions and seats
    petitions    opening, signing and expiring petitions; the vote a petition opens
    votes        the close of a recall vote
    vacancies    vacating a seat, its cascade, refilling by countback or by-election

The services:

    do_open_recall_petition(actor, seat, reason) -> RecallPetition
        A verified member of the constituency that elected the seat (for a council,
        a delegate seated in it) opens a petition and is its first signature.
    do_sign_petition(actor, petition) -> RecallPetition
        Another member co-signs, once. At the threshold (frozen at the opening:
        ceil(share x electorate)) the recall vote opens at once: an election of
        kind "recall", yes/no, secret, in the constituency, for the federation's
        vote window.
    do_close_recall(election) -> RecallPetition
        Close a recall vote now (the scheduler does it on time through the
        elections app's close, which calls the same handler): the quorum and
        majority in force when the vote opened (frozen on the petition) decide; a
        recall that passes vacates the seat (`do_vacate_seat`'s cascade).
    do_vacate_seat(actor, seat, reason) -> VacancyReport
        Vacate a seat (recalled, resigned, deceased, expelled), run the whole
        cascade and refill every lost seat (countback by default, by-election as
        the federation chooses, or when the countback finds nobody): ONE
        transaction, every step on the public record.
    do_expire_petitions(now) -> int
        The scheduler's step: petitions past their deadline without enough
        signatures expire.

Importing this package registers the close of a recall vote (`votes`) and the
seat-ended cascade (`vacancies`) with `asamblea.hooks`.
"""

from asamblea.recall.services.petitions import (
    REASON_MAX,
    do_expire_petitions,
    do_open_recall_petition,
    do_sign_petition,
)
from asamblea.recall.services.reads import (
    access_petition,
    access_seat,
    active_petition,
    has_signed,
    petitions_in,
)
from asamblea.recall.services.seats import can_petition, constituency_of, seat_place
from asamblea.recall.services.settings import (
    can_change_recall_settings,
    do_update_recall_settings,
    recall_settings,
    require_recall_settings_admin,
)
from asamblea.recall.services.vacancies import (
    DIRECT_REASONS,
    REFILL_STEP_HOOKS,
    SEAT_VACATED,
    VacancyReport,
    do_vacate_seat,
    run_countback,
    seat_ended,
)
from asamblea.recall.services.votes import close_recall, do_close_recall

__all__ = [
    "DIRECT_REASONS",
    "REASON_MAX",
    "REFILL_STEP_HOOKS",
    "SEAT_VACATED",
    "VacancyReport",
    "access_petition",
    "access_seat",
    "active_petition",
    "can_change_recall_settings",
    "can_petition",
    "close_recall",
    "constituency_of",
    "do_close_recall",
    "do_expire_petitions",
    "do_open_recall_petition",
    "do_sign_petition",
    "do_update_recall_settings",
    "do_vacate_seat",
    "has_signed",
    "petitions_in",
    "recall_settings",
    "require_recall_settings_admin",
    "run_countback",
    "seat_ended",
    "seat_place",
]
