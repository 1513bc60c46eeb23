"""Activation codes: issued by officers, stored as keyed hashes, used once, expiring; and
the activation page's refusals, throttling and silence about who exists."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from asamblea.accounts.models import Account, ActivationCode, OfficerAction
from asamblea.accounts.services import activation
from asamblea.errors import Conflict, InvalidField, PermissionDenied
from asamblea.federation import agenda
from asamblea.federation.models import Federation, Membership, Person
from support.factories import add_member, body, make_federation, make_officer, make_user
from support.language import english

GOOD_PASSWORD = "a long good password"
REFUSED_CODE = "This code does not work"


@pytest.fixture
def federation(db: None) -> Federation:
    return make_federation()


@pytest.fixture
def officer(federation: Federation) -> User:
    user: User = make_officer(federation, "base-1")
    return user


@pytest.fixture
def member(federation: Federation) -> Membership:
    return add_member(federation, "base-1", "Rosa Mamani", email="Rosa@Example.org")


def issue(officer: User, member: Membership) -> activation.Issued:
    return activation.do_issue_activation_code(officer, member.body, member.pk)


def activate_page(client: Client, code: str, username: str, password: str = GOOD_PASSWORD) -> Any:
    page = client.get("/accounts/activate/")
    once = re.search(r'name="once" value="([^"]+)"', page.content.decode())
    assert once is not None
    return client.post(
        "/accounts/activate/",
        {
            "code": code,
            "username": username,
            "password1": password,
            "password2": password,
            "once": once.group(1),
        },
    )


# ---------------------------------------------------------------- the code itself


def test_a_code_is_three_groups_of_four_unambiguous_characters() -> None:
    code = activation.new_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert len(activation.ALPHABET) ** activation.CODE_LENGTH >= 2**60


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        pytest.param("7kq2 m9xh 4trw", "7KQ2M9XH4TRW", id="lower-case-with-spaces"),
        pytest.param("7KQ2-M9XH-4TRW", "7KQ2M9XH4TRW", id="as-printed"),
        pytest.param("OIL2-M9XH-4TRW", "0112M9XH4TRW", id="lookalike-letters-read-as-digits"),
        pytest.param("7KQ2-M9XH-4TR", "", id="too-short"),
        pytest.param("7KQ2-M9XH-4TRU", "", id="u-is-not-in-the-alphabet"),
    ],
)
def test_a_typed_code_is_read_as_crockford_reads_it(typed: str, plain: str) -> None:
    assert activation.normalise_code(typed) == plain


def test_verifying_nothing_but_an_officer_issues_a_code_kept_only_as_a_keyed_hash(
    officer: User, member: Membership, settings: Any
) -> None:
    settings.ACTIVATION_DAYS = 3
    issued = issue(officer, member)
    row = ActivationCode.objects.get(person=member.person)
    stored = " ".join(str(v) for v in vars(row).values())
    assert issued.code not in stored and activation.normalise_code(issued.code) not in stored
    assert row.digest == activation.code_digest(issued.code.lower())
    assert abs(row.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    assert OfficerAction.objects.filter(kind=OfficerAction.Kind.ISSUED_CODE).count() == 1


def test_a_new_code_replaces_the_last_one(officer: User, member: Membership) -> None:
    first = issue(officer, member)
    second = issue(officer, member)
    assert ActivationCode.objects.filter(person=member.person).count() == 1
    with pytest.raises(InvalidField):
        activation.do_activate(first.code, "rosa", GOOD_PASSWORD)
    assert activation.do_activate(second.code, "rosa", GOOD_PASSWORD).username == "rosa"


def test_only_an_officer_of_the_members_body_issues_codes(
    federation: Federation, member: Membership
) -> None:
    stranger = make_officer(federation, "base-2")
    with pytest.raises(PermissionDenied):
        issue(stranger, member)
    pending = add_member(federation, "base-1", "Juan Quispe", verified=False)
    with pytest.raises(Conflict):
        issue(make_officer(federation, "base-1"), pending)
    assert not ActivationCode.objects.exists()


def test_slips_give_codes_only_to_the_verified_members_without_a_login(
    federation: Federation, officer: User, member: Membership
) -> None:
    add_member(federation, "base-1", "Juan Quispe", user=make_user("juan"))
    add_member(federation, "base-1", "Luz Condori", verified=False)
    issued = activation.do_issue_activation_codes(officer, body(federation, "base-1"))
    assert [i.membership.person.full_name for i in issued] == ["Rosa Mamani"]


# ---------------------------------------------------------------- activating


def test_a_code_makes_one_login_for_its_person_then_is_gone(
    officer: User, member: Membership
) -> None:
    issued = issue(officer, member)
    login = activation.do_activate(f" {issued.code.lower()} ", "la-rosa", GOOD_PASSWORD)
    person = Person.objects.get(pk=member.person_id)
    assert person.user == login and login.check_password(GOOD_PASSWORD)
    assert not ActivationCode.objects.exists()
    assert Account.objects.get(user=login).email_digest == activation.email_digest(
        "rosa@example.org"
    )
    with pytest.raises(InvalidField) as refused:
        activation.do_activate(issued.code, "otra-rosa", GOOD_PASSWORD)
    assert refused.value.field == "code"
    assert User.objects.filter(username="otra-rosa").count() == 0


def test_wrong_used_and_expired_codes_get_the_same_answer(
    federation: Federation, officer: User, member: Membership
) -> None:
    used = issue(officer, member)
    activation.do_activate(used.code, "rosa", GOOD_PASSWORD)
    other = add_member(federation, "base-1", "Juan Quispe")
    expired = issue(officer, other)
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    answers = set()
    for code in (used.code, expired.code, activation.new_code(), "nonsense"):
        with pytest.raises(InvalidField) as refused:
            activation.do_activate(code, "someone", GOOD_PASSWORD)
        answers.add((refused.value.field, refused.value.message))
    assert len(answers) == 1
    assert User.objects.filter(username="someone").count() == 0


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        pytest.param("rosa", "short", "password1", id="too-short-password"),
        pytest.param("rosa", "password123", "password1", id="common-password"),
        pytest.param("TAKEN", GOOD_PASSWORD, "username", id="taken-login-name-any-case"),
        pytest.param("has space", GOOD_PASSWORD, "username", id="bad-login-name"),
        pytest.param("", GOOD_PASSWORD, "username", id="no-login-name"),
    ],
)
def test_a_refused_activation_writes_nothing_and_keeps_the_code(
    officer: User, member: Membership, username: str, password: str, field: str
) -> None:
    make_user("taken")
    issued = issue(officer, member)
    with pytest.raises(InvalidField) as refused:
        activation.do_activate(issued.code, username, password)
    assert refused.value.field == field
    assert User.objects.count() == 3  # the officer, the superuser who verified, "taken"
    assert Person.objects.get(pk=member.person_id).user is None
    assert activation.do_activate(issued.code, "rosa", GOOD_PASSWORD).username == "rosa"


def test_the_activation_page_logs_the_member_in_and_keeps_what_was_typed_on_a_refusal(
    client: Client, officer: User, member: Membership
) -> None:
    issued = issue(officer, member)
    shown = client.get(f"/accounts/activate/?code={issued.code}")
    assert issued.code in shown.content.decode()
    refused = activate_page(client, issued.code, "rosa", "qz7")
    page = refused.content.decode()
    assert refused.status_code == 400
    assert issued.code in page and 'value="rosa"' in page and "qz7" not in page
    assert "Elija otra contraseña" in page  # Spanish by default, saying what to do
    done = activate_page(client, issued.code, "rosa")
    assert done.status_code == 302
    assert client.get("/").context["user"].username == "rosa"


def test_the_activation_page_speaks_english_to_an_english_reader(
    client: Client, officer: User, member: Membership
) -> None:
    english(client)
    refused = activate_page(client, activation.new_code(), "rosa")
    assert refused.status_code == 400
    assert REFUSED_CODE in refused.content.decode()


def test_guessing_is_throttled_per_address_then_refused_even_with_the_right_code(
    client: Client, officer: User, member: Membership, settings: Any
) -> None:
    settings.RATE_ACTIVATE = "3/h"
    issued = issue(officer, member)
    for _try in range(3):
        assert activate_page(client, activation.new_code(), "rosa").status_code == 400
    throttled = activate_page(client, issued.code, "rosa")
    assert throttled.status_code == 429
    assert issued.code in throttled.content.decode()  # on the same page, as typed
    assert Person.objects.get(pk=member.person_id).user is None


def test_probing_login_names_with_one_code_is_throttled_per_code(
    officer: User, member: Membership, settings: Any
) -> None:
    settings.RATE_ACTIVATE_CODE = "2/h"
    make_user("taken")
    issued = issue(officer, member)
    for address in ("10.0.0.1", "10.0.0.2"):
        answer = activate_page(Client(REMOTE_ADDR=address), issued.code, "taken")
        assert answer.status_code == 400
    answer = activate_page(Client(REMOTE_ADDR="10.0.0.3"), issued.code, "free-name")
    assert answer.status_code == 429
    assert Person.objects.get(pk=member.person_id).user is None


# ---------------------------------------------------------------- a lost password


def test_a_new_code_for_a_member_with_a_login_ends_their_password_and_sessions(
    client: Client, federation: Federation, officer: User
) -> None:
    login = make_user("rosa")
    member = add_member(federation, "base-1", "Rosa Mamani", user=login)
    client.force_login(login)
    assert client.get("/").context["user"].is_authenticated
    issued = issue(officer, member)
    assert issued.replaced_login
    login.refresh_from_db()
    assert not login.has_usable_password()
    assert not client.get("/").context["user"].is_authenticated  # the session ended
    fresh = Client()
    answer = activate_page(fresh, issued.code, "rosa")
    assert answer.status_code == 302
    told = fresh.get(answer["Location"]).content.decode()
    assert "le dio un nuevo código de activación" in told
    assert "le dio un nuevo código" not in fresh.get("/").content.decode()  # told once
    login.refresh_from_db()
    assert login.check_password(GOOD_PASSWORD) and User.objects.filter(pk=login.pk).exists()


def test_an_officer_of_another_of_the_persons_assemblies_may_give_the_code(
    federation: Federation,
) -> None:
    login = make_user("rosa")
    add_member(federation, "base-1", "Rosa Mamani", user=login)
    second = add_member(federation, "base-2", "", user=login)
    issued = activation.do_issue_activation_code(
        make_officer(federation, "base-2"), second.body, second.pk
    )
    assert activation.do_activate(issued.code, "rosa2", GOOD_PASSWORD) == login


# ---------------------------------------------------------------- password reset by e-mail


def test_a_reset_by_e_mail_answers_the_same_and_writes_only_to_a_known_address(
    client: Client, officer: User, member: Membership
) -> None:
    activation.do_activate(issue(officer, member).code, "rosa", GOOD_PASSWORD)
    known = client.post("/accounts/password_reset/", {"email": "ROSA@example.org"})
    unknown = client.post("/accounts/password_reset/", {"email": "nadie@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["ROSA@example.org"]]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)
    assert link is not None and "rosa" in mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    answer = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another good password", "new_password2": "another good password"},
    )
    assert answer.status_code == 302
    assert User.objects.get(username="rosa").check_password("another good password")


def test_no_plain_e_mail_is_kept_with_logins(officer: User, member: Membership) -> None:
    login = activation.do_activate(issue(officer, member).code, "rosa", GOOD_PASSWORD)
    assert login.email == ""
    assert "example.org" not in " ".join(str(v) for v in vars(Account.objects.get()).values())


def test_a_member_changes_their_password(client: Client, officer: User, member: Membership) -> None:
    activation.do_activate(issue(officer, member).code, "rosa", GOOD_PASSWORD)
    client.force_login(User.objects.get(username="rosa"))
    assert client.get("/accounts/password_change/").status_code == 200
    answer = client.post(
        "/accounts/password_change/",
        {
            "old_password": GOOD_PASSWORD,
            "new_password1": "a newer long password",
            "new_password2": "a newer long password",
        },
    )
    assert answer.status_code == 302
    assert User.objects.get(username="rosa").check_password("a newer long password")


# ---------------------------------------------------------------- the officer's pages


def _once(client: Client, path: str) -> str:
    found = re.search(r'name="once" value="([^"]+)"', client.get(path).content.decode())
    assert found is not None
    return found.group(1)


def _code_in(html: str) -> str:
    found = re.search(r'data-code="([0-9A-Z-]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("htmx", [True, False], ids=["with-htmx", "without-javascript"])
def test_verifying_a_member_shows_their_code_once_with_a_link_and_qr(
    client: Client, federation: Federation, officer: User, htmx: bool
) -> None:
    pending = add_member(federation, "base-1", "Juan Quispe", verified=False)
    client.force_login(officer)
    members = "/f/test/b/base-1/members/"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    answer = client.post(
        f"{members}{pending.pk}/decide/",
        {"action": "verify", "once": _once(client, members)},
        **headers,
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and "Juan Quispe" in html and "<svg" in html
    code = _code_in(html)
    assert f"/accounts/activate/?code={code}" in html
    assert activation.do_activate(code, "juan", GOOD_PASSWORD).username == "juan"


def test_the_slip_page_gives_each_ticked_member_a_code(
    client: Client, federation: Federation, officer: User, member: Membership
) -> None:
    other = add_member(federation, "base-1", "Juan Quispe")
    add_member(federation, "base-1", "Luz Condori")
    client.force_login(officer)
    page = "/f/test/b/base-1/members/activation/"
    listed = client.get(page).content.decode()
    assert "Rosa Mamani" in listed and "Luz Condori" in listed
    answer = client.post(
        f"{page}slips/",
        {"membership": [str(member.pk), str(other.pk)], "once": _once(client, page)},
    )
    html = answer.content.decode()
    assert html.count('class="slip"') == 2 and "Luz Condori" not in html
    codes = re.findall(r'data-code="([0-9A-Z-]+)"', html)
    assert len(set(codes)) == 2
    for n, code in enumerate(codes):
        activation.do_activate(code, f"member-{n}", GOOD_PASSWORD)
    assert Person.objects.filter(user__username__startswith="member-").count() == 2


def test_only_the_bodys_officers_see_the_activation_page(
    client: Client, federation: Federation, member: Membership
) -> None:
    client.force_login(make_user("rosa"))
    assert client.get("/f/test/b/base-1/members/activation/").status_code == 403
    client.force_login(make_officer(federation, "base-2"))
    assert client.get("/f/test/b/base-1/members/activation/").status_code == 403
    assert not ActivationCode.objects.exists()


def test_an_officer_gives_a_new_code_for_a_lost_password(
    client: Client, federation: Federation, officer: User
) -> None:
    login = make_user("rosa")
    member = add_member(federation, "base-1", "Rosa Mamani", user=login)
    client.force_login(officer)
    page = "/f/test/b/base-1/members/activation/"
    answer = client.post(
        f"/f/test/b/base-1/members/{member.pk}/activation/", {"once": _once(client, page)}
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert activation.do_activate(_code_in(html), "rosa", GOOD_PASSWORD) == login


def test_an_officer_is_told_of_verified_members_with_no_way_in_until_each_has_a_working_code(
    federation: Federation, officer: User, member: Membership
) -> None:
    def waiting() -> dict[str, str]:
        with translation.override("en"):
            items = agenda.agenda(agenda.member_of(officer))
        return {item.key: item.text for item in items if item.key.startswith("activation-")}

    other = add_member(federation, "base-1", "Juan Quispe")
    assert waiting() == {
        "activation-base-1": "2 verified members of Base 1 have no login and no activation "
        "code that works (none given yet, or expired)."
    }
    issue(officer, member)
    assert waiting()["activation-base-1"].startswith("1 verified member of Base 1 has")
    issue(officer, other)
    assert waiting() == {}
    ActivationCode.objects.filter(person=other.person).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert waiting()["activation-base-1"].startswith("1 verified member of Base 1 has")
