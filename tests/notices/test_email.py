"""Notices by e-mail, received by a real SMTP server: in the member's language, with a
one-click unsubscribe, retried when the server is away, never with others' data."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from asamblea import scheduler
from asamblea.federation import services as federation_services
from asamblea.federation.importing import do_import_federation
from asamblea.federation.models import Federation, Membership, Person
from asamblea.notices import services
from asamblea.notices.models import Delivery, Notice, NoticeChoice
from asamblea.recall import services as recall
from elections.helpers import open_election
from notices.helpers import SmtpServer, run_queued_tasks
from recall.world import World, member, run_election
from support.factories import add_member, body, make_federation, make_officer, make_user, small_federation_spec

ADDRESS = "rosa@correo.test"


def federation_in(language: str) -> Federation:
    spec = small_federation_spec(f"fed-{language}")
    spec.language = language
    return do_import_federation(spec)


def member_who_hears(
    federation: Federation, base: str = "base-1", *, kinds: tuple[str, ...], mode: str = "immediate"
) -> Any:
    """Rosa: a verified member of `base` with a login and an e-mail, opted in to `kinds`."""
    user = make_user("rosa")
    add_member(federation, base, "Rosa Mamani", user=user, email=ADDRESS, phone="+51 999 111 222")
    run_queued_tasks()  # the notice of her own verification, before she opted in
    services.do_set_notice_choices(user, "email", {kind: mode for kind in kinds})
    return user


def others(federation: Federation, base: str = "base-1") -> None:
    """Two other members whose personal data must never reach Rosa."""
    add_member(federation, base, "Teodora Huanca", email="teodora@correo.test", phone="+51 988 000 001")
    add_member(federation, base, "Julián Condori", email="julian@correo.test", phone="+51 988 000 002")


def assert_no_one_elses_data(smtp: SmtpServer, recipient: str = ADDRESS) -> None:
    """No name, phone or e-mail of any person in any message (the recipient's own address
    only in its To header)."""
    raw = b"\n".join(smtp.inbox.raw).decode("utf-8", "replace")
    for person in Person.objects.all():
        for value in (person.full_name, person.phone, person.email):
            if value and value != recipient:
                assert value not in raw, f"{value!r} is in a message"
    for message in smtp.messages:
        assert recipient not in message.get_content()
        assert recipient not in subject(message)


def subject(message: Any) -> str:
    """The subject as one line (a long one comes folded)."""
    return " ".join(str(message["Subject"]).split())


def test_an_election_opened_is_mailed_in_spanish(smtp: SmtpServer, db: None) -> None:
    federation = make_federation()
    assert federation.language == "es"
    member_who_hears(federation, kinds=("election_opened",))
    others(federation)
    election = open_election(federation)
    assert smtp.messages == []  # nothing is sent in the officer's request
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    assert subject(message) == (
        "Asamblea: Se abrió una elección en Base 1: vea quién se presenta y cuándo vota."
    )
    text = message.get_content()
    assert f"https://asamblea.test/f/test/e/{election.pk}/" in text
    assert "Para dejar de recibir estos mensajes" in text
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://asamblea.test/notices/stop/")
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert_no_one_elses_data(smtp)


def test_an_application_decided_is_mailed_in_english(smtp: SmtpServer, db: None) -> None:
    federation = federation_in("en")
    user = make_user("rosa")
    add_member(federation, "base-1", "Rosa Mamani", user=user, email=ADDRESS)
    run_queued_tasks()
    services.do_set_notice_choices(user, "email", {"membership_decided": "immediate"})
    others(federation, "base-2")
    applied = federation_services.do_apply_for_membership(
        body(federation, "base-2"), full_name="Rosa Mamani", sector=body(federation, "base-2").sector, user=user
    )
    officer = make_officer(federation, "base-2")
    federation_services.do_decide_membership(
        officer, applied.body, applied.pk, "reject", "Not the right assembly"
    )
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    assert subject(message) == (
        "Asamblea: Your application to Base 2 was not accepted: its officers can tell you why."
    )
    assert "Not the right assembly" not in message.get_content()  # the reason stays in the app
    assert "To stop these messages, open: https://asamblea.test/notices/stop/" in message.get_content()
    assert_no_one_elses_data(smtp)


