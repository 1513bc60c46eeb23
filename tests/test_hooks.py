"""asamblea.hooks: each extension point is declared once, runs what the apps registered in
the declared order, and each app's registrations are there once Django is ready."""

from __future__ import annotations

from datetime import datetime

import pytest

from asamblea import hooks
from asamblea.hooks import Hook, KeyedHook


def test_a_hook_runs_its_functions_by_order_then_by_registration() -> None:
    hook: Hook[hooks.TickStep] = Hook("test", "for the test")
    hook.register(order=20, name="late")(lambda now: 2)
    hook.register(order=10, name="first")(lambda now: 1)
    hook.register(order=20, name="later")(lambda now: 3)
    assert [name for name, _func in hook.named()] == ["first", "late", "later"]
    assert [func(datetime.now()) for func in hook] == [1, 2, 3]  # noqa: DTZ005


def test_registering_a_name_again_replaces_it_and_unregistering_removes_it() -> None:
    hook: Hook[hooks.TickStep] = Hook("test", "for the test")
    hook.register(name="step")(lambda now: 1)
    hook.register(name="step")(lambda now: 2)
    assert len(hook) == 1 and next(iter(hook))(datetime.now()) == 2  # noqa: DTZ005
    hook.unregister("step")
    assert len(hook) == 0


def test_a_keyed_hook_keeps_values_per_key_in_the_order_added() -> None:
    hook: KeyedHook[str] = KeyedHook("test", "for the test")
    hook.register("b", "a")("one")
    hook.add("a", "two")
    hook.add("a", "two")  # the same value twice is harmless (a module imported twice)
    assert hook.get("a") == ["one", "two"] and hook.get("b") == ["one"]
    assert hook.registered() == ["a", "b"] and hook.get("none") == []
    hook.remove("a", "one")
    assert hook.items() == [("b", ["one"]), ("a", ["two"])]


def test_a_single_keyed_hook_refuses_a_second_value_for_a_key() -> None:
    hook: KeyedHook[str] = KeyedHook("test", "for the test", single=True)
    hook.add("election.opened", "one")
    with pytest.raises(ValueError, match="registered already"):
        hook.add("election.opened", "two")
    assert hook.first("election.opened") == "one" and hook.first("other") is None


def test_every_hook_is_declared_with_a_docstring() -> None:
    declared = [value for value in vars(hooks).values() if isinstance(value, Hook | KeyedHook)]
    assert {hook.name for hook in declared} == {
        "tick",
        "body_section",
        "federation_section",
        "record_sentence",
        "verify_check",
        "election_closed",
        "seat_ended",
        "api_router",
        "page_language",
        "officer_action",
        "member_agenda",
        "body_now",
        "membership_verified",
        "motion_in_room",
        "meeting_section",
        "overdue",
        "recorded",
        "membership_decided",
        "notice_channel",
        "paper_ballots",
        "ballot_votes_over",
    }
    assert all(hook.__doc__ and len(hook.__doc__) > 60 for hook in declared)


def test_the_apps_register_their_tick_steps_in_order() -> None:
    assert [name for name, _step in hooks.tick.named()][:3] == [
        "elections",
        "recall",
        "deliberation",
    ]


def test_the_apps_register_their_page_sections_in_order() -> None:
    modules = [section.__module__ for section in hooks.body_section]
    assert modules == [
        "asamblea.deliberation.sections",  # a delegate's own seats, first
        "asamblea.elections.sections",
        "asamblea.recall.sections",
        "asamblea.elections.sections",
        "asamblea.deliberation.sections",
        "asamblea.federation.record_views",
    ]
    assert [s.__module__ for s in hooks.federation_section] == [
        "asamblea.recall.sections",
        "asamblea.accounts.sections",  # administrators only: the officers' second factor
    ]


def test_each_sealed_scheme_has_an_app_that_says_when_its_votes_are_over() -> None:
    from asamblea.ballots import codes

    owners = {
        scheme: votes_over.__module__
        for scheme in (codes.ELECTION, codes.MOTION, codes.REFERENDUM)
        if (votes_over := hooks.ballot_votes_over.first(scheme)) is not None
    }
    assert owners == {
        codes.ELECTION: "asamblea.elections.scheduler",
        codes.MOTION: "asamblea.deliberation.scheduler",
        codes.REFERENDUM: "asamblea.deliberation.scheduler",
    }


def test_each_app_tells_what_awaits_a_member_in_order() -> None:
    assert [name for name, _provider in hooks.member_agenda.named()] == [
        "federation",
        "accounts",
        "elections",
        "recall",
        "deliberation",
    ]


def test_each_app_writes_the_sentences_of_its_own_entries() -> None:
    owner = {
        "federation.created": "federation",
        "delegation.seats": "federation",
        "election.counted": "elections",
        "seat.filled": "elections",
        "seat.vacated": "recall",
        "recall.result": "recall",
        "motion.counted": "deliberation",
        "referendum.opened": "deliberation",
    }
    for entry_type, app in owner.items():
        writer = hooks.record_sentence.first(entry_type)
        assert writer is not None and writer.__module__ == f"asamblea.{app}.sentences"


def test_the_verifier_finds_every_apps_checks_by_discovery() -> None:
    found = hooks.autodiscover("recount")
    assert found == [
        "asamblea.ballots.recount",
        "asamblea.deliberation.recount",
        "asamblea.elections.recount",
        "asamblea.meetings.recount",
        "asamblea.recall.recount",
    ]
    assert {"election.counted", "motion.counted", "seat.refill"} <= set(
        hooks.verify_check.registered()
    )


def test_elections_and_recall_handle_the_close_of_their_own_kinds() -> None:
    modules = {
        kind: handler.__module__
        for kind, handlers in hooks.election_closed.items()
        for handler in handlers
    }
    assert modules == {
        "delegation": "asamblea.elections.services.seats",
        "command": "asamblea.elections.services.seats",
        "by-election": "asamblea.elections.services.seats",
        "recall": "asamblea.recall.services.votes",
    }
    assert [name for name, _handler in hooks.seat_ended.named()] == ["recall.cascade"]


def test_the_federation_tells_the_language_of_its_pages() -> None:
    assert [name for name, _language in hooks.page_language.named()] == ["federation"]


def test_the_officers_trail_hears_what_officers_do_through_a_hook() -> None:
    # federation's pages tell the hook; accounts (above federation) keeps the trail.
    assert [name for name, _record in hooks.officer_action.named()] == ["accounts.trail"]


def test_the_health_check_counts_what_is_overdue_in_each_timed_app() -> None:
    assert [name for name, _count in hooks.overdue.named()] == ["elections", "deliberation"]


def test_an_api_router_an_app_registers_is_mounted_by_the_api() -> None:
    # The API is built when the URLs load: a fresh build of it shows the mounting.
    import importlib

    from ninja import Router

    import asamblea.api.main as main

    router = Router(tags=["hook-test"])

    @router.get("/hook-test")
    def probe(request: object) -> dict[str, str]:
        return {"ok": "yes"}

    hooks.api_router.add("/v1/", router)
    try:
        fresh = importlib.reload(main)
        paths = fresh.api.get_openapi_schema()["paths"]
        assert "/api/v1/hook-test" in paths
    finally:
        hooks.api_router.remove("/v1/", router)
        importlib.reload(main)
