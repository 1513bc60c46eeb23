"""Notices by e-mail, received by a real SMTP server: in the member's language, with a
one-click unsubscribe, retried when the server is away, never with others' data."""

from __future__ import annotations

import logging
import re
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
from support.factories import (
    add_member,
    body,
    make_federation,
    make_officer,
    make_user,
    small_federation_spec,
)

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
    add_member(
        federation, base, "Teodora Huanca", email="teodora@correo.test", phone="+51 988 000 001"
    )
    add_member(
        federation, base, "Julián Condori", email="julian@correo.test", phone="+51 988 000 002"
    )


def assert_no_one_elses_data(smtp: SmtpServer, recipient: str = ADDRESS) -> None:
    """No name, phone or e-mail of any person in any message, decoded (the recipient's own
    address only in its To header). Links are left out: a signed token is random letters."""
    assert smtp.messages
    for message in smtp.messages:
        headers = "\n".join(f"{k}: {v}" for k, v in message.items() if k != "To")
        text = re.sub(r"https?://\S+", "", headers + "\n" + message.get_content())
        for person in Person.objects.all():
            for value in (person.full_name, person.phone, person.email):
                if value:
                    assert not re.search(rf"\b{re.escape(value)}\b", text), f"{value!r} is in it"


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
        body(federation, "base-2"),
        full_name="Rosa Mamani",
        sector=body(federation, "base-2").sector,
        user=user,
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
    assert (
        "To stop these messages, open: https://asamblea.test/notices/stop/" in message.get_content()
    )
    assert_no_one_elses_data(smtp)


def test_a_recall_petition_against_your_delegate_is_mailed_without_names(
    smtp: SmtpServer, db: None
) -> None:
    federation = make_federation()
    world = World(federation)
    for name in ["ana", "fe", "gus"]:
        member(world, "base-1", name)
    run_election(
        world,
        "base-1",
        council="prov-a1",
        seats=1,
        candidates=["ana"],
        ballots=[("ana", ["ana"]), ("fe", ["ana"]), ("gus", ["ana"])],
    )
    rosa = member_who_hears(federation, kinds=("recall_petition",))
    seat = world.seat("ana", "base-1", "prov-a1")
    petition = recall.do_open_recall_petition(
        world.users["fe"], seat, "Votó contra el mandato de la asamblea"
    )
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    assert subject(message) == (
        "Asamblea: Su delegado por Base 1 → Province A1 enfrenta una petición de revocatoria: "
        "lea el motivo y decida si la firma."
    )
    text = message.get_content()
    assert f"https://asamblea.test/f/test/recall/{petition.pk}/" in text
    # Neither the delegate's name nor who opened it, nor the reason: the page tells those.
    assert "Votó contra" not in text
    assert not re.search(r"\b(Ana|Fe)\b", re.sub(r"https?://\S+", "", text))
    assert_no_one_elses_data(smtp)
    # The delegate is told nothing as "your delegate"; the other members hear it in the app.
    notices = Notice.objects.filter(kind="recall_petition")
    assert set(notices.values_list("recipient__username", flat=True)) == {"fe", "gus", "rosa"}
    assert rosa.notices.filter(kind="recall_petition").count() == 1


def test_the_unsubscribe_link_stops_that_kind_in_one_click(smtp: SmtpServer, db: None) -> None:
    federation = make_federation()
    rosa = member_who_hears(federation, kinds=("election_opened", "membership_decided"))
    open_election(federation)
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    link = str(message["List-Unsubscribe"]).strip()[1:-1].removeprefix("https://asamblea.test")
    # Opening the link asks first (mail scanners open links); nothing is stopped yet.
    page = Client().get(link)
    assert page.status_code == 200 and "¿Dejar de recibir los mensajes de" in page.text
    assert NoticeChoice.objects.filter(user=rosa, kind="election_opened").exists()
    # The mail program's one-click POST (RFC 8058): no login, no CSRF token.
    stopped = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
    assert stopped.status_code == 200
    assert not NoticeChoice.objects.filter(user=rosa, kind="election_opened").exists()
    assert NoticeChoice.objects.filter(user=rosa, kind="membership_decided").exists()
    forged = Client().post(link[:-5] + "xxxx/")
    assert forged.status_code == 404


def test_a_mail_server_that_is_down_breaks_nothing_and_the_notice_goes_later(
    smtp: SmtpServer, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    federation = make_federation()
    rosa = member_who_hears(federation, "base-2", kinds=("membership_decided",))
    applied = federation_services.do_apply_for_membership(
        body(federation, "base-1"),
        full_name="Rosa Mamani",
        sector=body(federation, "base-1").sector,
        user=rosa,
    )
    smtp.stop()
    officer = make_officer(federation, "base-1")
    decided = federation_services.do_decide_membership(officer, applied.body, applied.pk, "verify")
    assert decided.status == Membership.Status.VERIFIED
    with caplog.at_level(logging.INFO, logger="asamblea.notices"):
        run_queued_tasks()  # every task succeeds: the failure is the delivery's, kept to retry
    applied.refresh_from_db()
    assert applied.status == Membership.Status.VERIFIED  # the decision stands
    [delivery] = Delivery.objects.filter(notice__recipient=rosa)
    assert (delivery.state, delivery.attempts) == (Delivery.State.PENDING, 1)
    assert delivery.due_at > timezone.now()
    logged = caplog.text
    assert (
        f"notice delivery {delivery.pk} (email, 1 in all) failed, attempt 1, will retry" in logged
    )
    assert ADDRESS not in logged and "Rosa" not in logged
    [notice] = Notice.objects.filter(
        recipient=rosa, kind="membership_decided", params__body="Base 1"
    )
    assert notice.read_at is None  # in the app already
    # A tick before it is due again sends nothing; the tick after it does.
    smtp.start()
    assert scheduler.tick(timezone.now())["notices"] == 0
    assert scheduler.tick(delivery.due_at + timedelta(seconds=1))["notices"] == 1
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    assert subject(message) == (
        "Asamblea: Su afiliación a Base 1 está verificada: usted es miembro."
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.SENT, 2)


def test_the_worker_gives_up_after_the_last_attempt(
    smtp: SmtpServer, db: None, settings: Any
) -> None:
    settings.NOTICE_ATTEMPTS = 2
    federation = make_federation()
    member_who_hears(federation, kinds=("election_opened",))
    smtp.stop()
    open_election(federation)
    run_queued_tasks()
    [delivery] = Delivery.objects.all()
    scheduler.tick(delivery.due_at + timedelta(seconds=1))
    run_queued_tasks()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.FAILED, 2)
    assert scheduler.tick(delivery.due_at + timedelta(days=2))["notices"] == 0


def test_a_daily_digest_gathers_the_days_notices_in_one_message(
    smtp: SmtpServer, db: None, settings: Any
) -> None:
    settings.NOTICE_DIGEST_HOUR = 19
    federation = make_federation()
    member_who_hears(federation, kinds=("election_opened", "call_to_action"), mode="digest")
    open_election(federation, "base-1")
    run_queued_tasks()
    assert smtp.messages == []  # waits for the digest
    [delivery] = Delivery.objects.filter(digest=True)
    assert timezone.localtime(delivery.due_at).hour == 19
    # A second notice the same day joins the same digest.
    other = federation_services.do_apply_for_membership(
        body(federation, "base-2"),
        full_name="Rosa Mamani",
        sector=body(federation, "base-2").sector,
        user=Person.objects.get(federation=federation, user__username="rosa").user,
    )
    services.do_set_notice_choices(other.person.user, "email", {"membership_decided": "digest"})
    federation_services.do_decide_membership(
        make_officer(federation, "base-2"), other.body, other.pk, "verify"
    )
    run_queued_tasks()
    assert scheduler.tick(delivery.due_at + timedelta(minutes=1))["notices"] == 1
    run_queued_tasks()
    [message] = smtp.to(ADDRESS)
    assert subject(message) == "Asamblea: 2 avisos para usted"
    text = message.get_content()
    assert (
        "Se abrió una elección en Base 1" in text
        and "Su afiliación a Base 2 está verificada" in text
    )
    assert "Usted recibe este resumen diario" in text
    assert_no_one_elses_data(smtp)


def test_nothing_is_mailed_to_who_did_not_opt_in_or_gave_no_address(
    smtp: SmtpServer, db: None
) -> None:
    federation = make_federation()
    quiet = make_user("quiet")
    add_member(federation, "base-1", "Quieta", user=quiet, email="quieta@correo.test")
    no_mail = make_user("nomail")
    add_member(federation, "base-1", "Sin Correo", user=no_mail)
    run_queued_tasks()
    services.do_set_notice_choices(no_mail, "email", {"election_opened": "immediate"})
    open_election(federation)
    run_queued_tasks()
    assert smtp.messages == []
    assert quiet.notices.filter(kind="election_opened").count() == 1  # still in the app
    [delivery] = Delivery.objects.filter(notice__recipient=no_mail)
    assert delivery.state == Delivery.State.FAILED


def test_no_mail_server_configured_makes_no_deliveries(db: None, settings: Any) -> None:
    settings.EMAIL_HOST = ""
    federation = make_federation()
    user = make_user("rosa")
    add_member(federation, "base-1", "Rosa", user=user, email=ADDRESS)
    services.do_set_notice_choices(user, "email", {"election_opened": "immediate"})
    open_election(federation)
    run_queued_tasks()
    assert user.notices.filter(kind="election_opened").count() == 1
    assert not Delivery.objects.exists()
