"""A body's page on a phone: where it sits (the whole path up), and what counts first
(the rows of bodies with nobody verified yet fold into one line)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from asamblea.federation.models import Body, Delegation, Federation
from support.language import in_language


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def page(path: str) -> str:
    response = in_language(Client(), "es").get(path)
    assert response.status_code == 200
    return response.content.decode()


def breadcrumbs(html: str) -> list[str]:
    nav = re.search(r'<nav[^>]*id="breadcrumbs">(.*?)</nav>', html, re.S)
    assert nav, "the page says where the body sits"
    return re.findall(r">([^<]+)</a>", nav.group(1))


def test_a_base_assemblys_breadcrumbs_give_the_whole_path_up(demo: Federation) -> None:
    assert breadcrumbs(page("/f/peru/b/sutep-huamanga/")) == [
        demo.name,
        "Asamblea Nacional",
        "Asamblea Regional de Ayacucho",
        "Asamblea Provincial de Huamanga",
    ]


def test_a_command_hangs_under_its_body(demo: Federation) -> None:
    html = page("/f/peru/b/comando-nacional/")
    assert breadcrumbs(html) == [demo.name, "Asamblea Nacional"]
    # A command's members are delegates: it has no verified members of its own to count.
    assert 'id="verified-members"' not in html


def test_bodies_with_nobody_verified_fold_into_one_line(demo: Federation) -> None:
    national = Body.objects.get(federation=demo, slug="nacional")
    waiting = Delegation.objects.filter(
        council=national, seats=0, source__verified_members=0
    ).select_related("source")
    assert waiting.count() > 10
    html = page("/f/peru/b/nacional/")
    table = html.split('id="delegations-in"', 1)[1].split("</table>", 1)[0]
    folded = html.split('id="delegations-waiting"', 1)[1].split("</details>", 1)[0]
    for d in waiting:
        assert d.source.name + "<" not in table and d.source.name + "<" in folded
    assert f"{waiting.count()} asambleas más aún no tienen miembros verificados" in folded
    assert "en la primera elección" not in table
    # The bodies that count are listed in full, before the folded line.
    assert table.count('<tr id="in-') == Delegation.objects.filter(council=national).count() - (
        waiting.count()
    )
