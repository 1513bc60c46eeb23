"""Contact details never join people: a phone or e-mail typed into the public form
attaches nobody to anybody, and the form answers the same for known and unknown
contacts (security review, issue 11, findings 1 and 2)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from asamblea.federation.models import Federation, Membership, Person
from support.factories import add_member, make_officer, make_user
from support.language import english
from support.people import person_named

ONCE = re.compile(r'name="once" value="([^"]+)"')
A_PHONE = "+51 900 111 222"


def _apply(client: Client, slug: str, name: str, phone: str = "", email: str = "") -> Any:
    url = f"/f/test/b/{slug}/join/"
    html = english(client).get(url).content.decode()
    return client.post(
        url,
        {
            "once": ONCE.findall(html)[0],
            "full_name": name,
            "phone": phone,
            "email": email,
            "sector": _territorial(slug),
        },
    )


def _territorial(slug: str) -> int:
    from asamblea.federation.models import Body

    return Body.objects.get(slug=slug).sector_id


def test_a_strangers_application_with_a_known_phone_is_a_new_applicant(
    federation: Federation,
) -> None:
    add_member(federation, "base-1", "Ana Real", phone=A_PHONE, email="ana@example.org")
    make_officer(federation, "base-2")
    answer = _apply(english(Client()), "base-2", "Nombre Falso", phone="+51900111222")
    assert answer.status_code == 200
    # Ana is still a member of base-1 only; the stranger is someone else.
    ana = person_named("Ana Real")
    assert list(ana.memberships.values_list("body__slug", flat=True)) == ["base-1"]
    stranger = Membership.objects.get(body__slug="base-2").person
    assert stranger.pk != ana.pk
    assert stranger.full_name == "Nombre Falso"
    # base-2's officer sees what was typed into base-2's form, never Ana's details.
    officer = english(Client())
    officer.force_login(_login("officer-base-2"))
    page = officer.get("/f/test/b/base-2/members/").content.decode()
    assert "Nombre Falso" in page
    assert "Ana Real" not in page
    assert "ana@example.org" not in page


def _login(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_the_join_form_answers_the_same_for_known_and_unknown_contacts(
    federation: Federation,
) -> None:
    add_member(federation, "base-1", "Ana Real", phone=A_PHONE, email="ana@example.org")
    known = _apply(english(Client()), "base-1", "Ana Real", phone=A_PHONE, email="ana@example.org")
    unknown = _apply(english(Client()), "base-1", "Otra Persona", phone="+51 900 333 444")
    assert known.status_code == unknown.status_code == 200

    def without_tokens(html: str) -> str:
        html = re.sub(r'value="[^"]{20,}"', 'value=""', html)
        html = re.sub(r'"[A-Za-z0-9]{40,}"', '""', html)  # the CSRF token in the htmx headers
        return html.replace("Ana Real", "NAME").replace("Otra Persona", "NAME")

    assert without_tokens(known.content.decode()) == without_tokens(unknown.content.decode())


def test_a_logged_in_person_applies_as_themselves(federation: Federation) -> None:
    user = make_user("rosa")
    add_member(federation, "base-1", "Rosa Mamani", user=user, phone=A_PHONE)
    client = english(Client())
    client.force_login(user)
    assert _apply(client, "base-2", "Rosa M.").status_code == 200
    rosa = Person.objects.get(user=user)
    assert sorted(rosa.memberships.values_list("body__slug", flat=True)) == ["base-1", "base-2"]
    assert Person.objects.filter(federation=federation).count() == 1
