"""Notices in the app: who gets them (in bulk, in the background), the header's unread
count, the notices page, marking read, and the preferences page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from asamblea.notices import kinds, services
from asamblea.notices.models import Notice, NoticeChoice
from asamblea.notices.services.fanout import Announcement, announcement_for_entry, do_announce
from asamblea.record.models import Entry
from elections.helpers import open_election, voters
from notices.helpers import run_queued_tasks
from support.factories import add_member, make_federation, make_user


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_election_opened_tells_every_member_with_a_login_once(db: None) -> None:
    federation = make_federation()
    members = voters(federation, "base-1", 4)
    outsiders = voters(federation, "base-2", 2)
    add_member(federation, "base-1", "No Login")  # no login: nobody to tell in the app
    run_queued_tasks()
    Notice.objects.all().delete()
    election = open_election(federation)
    # The officer's request only queued a task: no notice yet.
    assert not Notice.objects.exists()
    run_queued_tasks()
    told = Notice.objects.filter(kind=kinds.ELECTION_OPENED)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        u.username for u in members
    )
    assert not told.filter(recipient__in=outsiders).exists()
    notice = told.first()
    assert notice is not None
    assert notice.link == f"/f/test/e/{election.pk}/"
    assert notice.params == {"body": "Base 1", "election_kind": "delegation"}
    # The same announcement again (a task run twice) makes no second notice.
    entry = Entry.objects.get(federation=federation, type="election.opened")
    announcement = announcement_for_entry(federation.pk, entry.index)
    assert announcement is not None
    do_announce(announcement)
    assert told.count() == 4


def test_the_fan_out_costs_the_same_queries_for_few_members_or_many(db: None) -> None:
    federation = make_federation()
    voters(federation, "base-1", 3)
    voters(federation, "base-2", 40)
    for user_id in Notice.objects.values_list("recipient_id", flat=True)[:10]:
        NoticeChoice.objects.create(user_id=user_id, channel="email", kind=kinds.ELECTION_OPENED)
    run_queued_tasks()
    counts = []
    for base in ("base-1", "base-2"):
        open_election(federation, base)
        entry = Entry.objects.filter(type="election.opened").order_by("-index").first()
        assert entry is not None
        announcement = announcement_for_entry(federation.pk, entry.index)
        assert announcement is not None
        with CaptureQueriesContext(connection) as queries:
            told, _due = do_announce(announcement)
        counts.append(len(queries))
        assert told in (3, 40)
    assert counts[0] == counts[1], counts


def login_with_notices(n: int) -> Any:
    """A member with `n` unread notices: her verification, then elections opened."""
    federation = make_federation()
    [user] = voters(federation, "base-1", 1)
    run_queued_tasks()  # her own verification
    for number in range(n - 1):
        do_announce(
            Announcement(
                kinds.ELECTION_OPENED,
                {"body": "Base 1", "election_kind": "delegation"},
                "/f/test/b/base-1/",
                f"test:{number}",
                [get_user_model().objects.filter(pk=user.pk).values_list("pk", flat=True)],
            )
        )
    return user


def test_the_header_shows_the_unread_count_with_one_query(db: None) -> None:
    user = login_with_notices(3)
    assert services.unread_count(user) == 3
    client = logged_in(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")
    on_notices = [q for q in queries.captured_queries if "notices_notice" in q["sql"]]
    assert len(on_notices) == 1
    assert '<span class="badge" title="sin leer">3</span>' in page.text
    assert Client().get("/").text.count('class="badge"') == 0  # nobody logged in: no count


def test_the_notices_page_lists_them_in_the_readers_language_and_opening_one_marks_it_read(
    db: None,
) -> None:
    user = login_with_notices(2)
    client = logged_in(user)
    page = client.get("/notices/")
    assert page.status_code == 200
    assert "Se abrió una elección en Base 1" in page.text
    assert "Su afiliación a Base 1 está verificada" in page.text
    client.post("/i18n/setlang/", {"language": "en", "next": "/notices/"})
    english = client.get("/notices/")
    assert "An election opened in Base 1" in english.text
    notice = Notice.objects.filter(recipient=user, kind=kinds.ELECTION_OPENED).first()
    assert notice is not None
    opened = client.get(f"/notices/{notice.pk}/")
    assert opened.status_code == 302 and opened["Location"] == notice.link
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert services.unread_count(user) == 1


def test_someone_elses_notice_cannot_be_opened(db: None) -> None:
    user = login_with_notices(1)
    other = make_user("other")
    notice = Notice.objects.get(recipient=user)
    assert logged_in(other).get(f"/notices/{notice.pk}/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_and_pages_of_twenty(db: None) -> None:
    user = login_with_notices(23)
    client = logged_in(user)
    first = client.get("/notices/")
    assert first.text.count('class="notice unread"') == 20
    assert "Página 1 de 2" in first.text
    second = client.get("/notices/?page=2")
    assert second.text.count('class="notice unread"') == 3
    form = client.get("/notices/")
    token = form.text.split('name="once" value="')[1].split('"')[0]
    done = client.post("/notices/read/", {"once": token}, follow=True)
    assert "Todos sus avisos están marcados como leídos." in done.text
    assert services.unread_count(user) == 0
    again = client.post("/notices/read/", {"once": token})
    assert again.status_code == 409  # the same form twice is done once


def test_the_preferences_page_saves_choices_per_kind(db: None, settings: Any) -> None:
    settings.EMAIL_HOST = "127.0.0.1"
    user = login_with_notices(1)
    client = logged_in(user)
    page = client.get("/me/notices/")
    assert page.status_code == 200
    assert "Se abre una elección en su asamblea o consejo" in page.text
    assert "Usted no dio una dirección para esto" in page.text  # no e-mail given
    token = page.text.split('name="once" value="')[1].split('"')[0]
    saved = client.post(
        "/me/notices/",
        {"once": token, "email-election_opened": "digest", "email-recall_petition": "immediate"},
        follow=True,
    )
    assert "Sus preferencias están guardadas." in saved.text
    assert dict(NoticeChoice.objects.filter(user=user).values_list("kind", "mode")) == {
        "election_opened": "digest",
        "recall_petition": "immediate",
    }


def test_a_bad_choice_is_refused_with_a_message_and_nothing_saved(db: None, settings: Any) -> None:
    settings.EMAIL_HOST = "127.0.0.1"
    user = login_with_notices(1)
    client = logged_in(user)
    page = client.get("/me/notices/")
    token = page.text.split('name="once" value="')[1].split('"')[0]
    refused = client.post(
        "/me/notices/",
        {"once": token, "email-election_opened": "immediate", "email-seat_fell": "hourly"},
    )
    assert refused.status_code == 400
    assert "Elija de inmediato, en un resumen diario o nunca." in refused.text
    assert not NoticeChoice.objects.filter(user=user).exists()


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_kind_has_a_sentence_and_a_label(language: str) -> None:
    params = {
        "body": "Base 1",
        "place": "Base 1 → Province A1",
        "council": "Region A",
        "title": "Paro",
        "reason": "cascade",
        "action": "verify",
        "election_kind": "delegation",
    }
    with translation.override(language):
        for kind in kinds.KINDS.values():
            assert "%(" not in kinds.sentence(kind.key, params)
            assert str(kind.label)
        assert kinds.sentence("unknown", {}) != ""
        assert kinds.sentence(kinds.ELECTION_OPENED, {}) == kinds.sentence("unknown", {})


def test_the_deploy_check_warns_of_mail_links_that_lead_nowhere(settings: Any) -> None:
    from asamblea.notices.checks import check_email_settings

    settings.EMAIL_HOST = ""
    assert check_email_settings(None) == []
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_SECURITY = "none"
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in check_email_settings(None)] == ["notices.W001", "notices.W002"]
    settings.SITE_URL = "https://asamblea.example.org"
    settings.EMAIL_SECURITY = "starttls"
    assert check_email_settings(None) == []
