"""Every page of the demo, read in Spanish, says nothing in English.

The demo is crawled from the home page, as a visitor, a member and an officer (bounded:
a few pages of each kind of address). On each page the visible text (text, and the
placeholder, label, title and alt a reader meets) is split into words; a word that is in
our catalogs' English source strings and in none of their Spanish translations is
English showing through. Names (of assemblies, people, motions: what the demo's users
wrote) and what a page marks translate="no" (hashes, the record's exact text) are
not checked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import polib
import pytest
from django.test import Client

from asamblea.deliberation.models import CallToAction, Motion
from asamblea.federation.models import Body, Federation
from support.language import in_language
from support.second_factor import log_in_verified

SRC = Path(__file__).resolve().parents[2] / "src" / "asamblea"
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+")
TOKEN = re.compile(r"\w+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w*\}|<[^>]+>")

# Words of our English strings that are also Spanish, or names (of methods, standards,
# tools) that both languages write the same way.
SAME_IN_BOTH = set(
    [
        "a",
        "api",
        "csrf",
        "csv",
        "e",
        "gauss",
        "hare",
        "https",
        "id",
        "json",
        "meek",
        "ok",
        "openssl",
        "qr",
        "rfc",
        "sha",
        "schulze",
        "sainte",
        "laguë",
        "d",
        "hondt",
        "huntington",
        "hill",
        "droop",
        "stv",
        "totp",
        "url",
        "x",
        "y",
        "de",
        "del",
        "la",
        "el",
        "en",
        "son",
    ]
)
SKIP_PATHS = ("/static/", "/admin/", "/api/", "/logout", "/accounts/logout")
PER_KIND = 3  # pages fetched for each kind of address (/f/peru/b/<slug>/, /e/<n>/, ...)
MAX_PAGES = 400


def catalog_words() -> tuple[set[str], set[str]]:
    english: set[str] = set()
    spanish: set[str] = set()
    for po_path in SRC.rglob("locale/es/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)).translated_entries():
            sources = [entry.msgid, entry.msgid_plural or ""]
            translated = list(entry.msgstr_plural.values()) or [entry.msgstr]
            for text in sources:
                english |= {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", text))}
            for text in translated:
                spanish |= {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", text))}
    return english, spanish


class VisibleText(HTMLParser):
    """The text a reader sees, outside <script>, <style> and translate="no"."""

    HIDDEN = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SEEN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.stack: list[bool] = []  # per open element: is its content hidden?

    def hidden(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        hide = tag in self.HIDDEN or values.get("translate") == "no"
        if not self.hidden() and not hide:
            self.parts += [values[a] or "" for a in self.SEEN_ATTRIBUTES if values.get(a)]
            if tag == "input" and values.get("type") in {"submit", "button"}:
                self.parts.append(values.get("value") or "")
        if tag not in self.VOID:
            self.stack.append(hide)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden():
            self.parts.append(data)


def kind_of(path: str) -> str:
    """/f/peru/b/sutep-huamanga/members/ -> /f/peru/b/*/members/ ; numbers -> N."""
    segments = path.split("/")
    for i in range(1, len(segments)):
        if segments[i - 1] in {"b", "f"} and segments[i]:
            segments[i] = "*"
    return re.sub(r"\d+", "N", "/".join(segments))


def crawl(client: Client, starts: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(path, visible text, links) of each page reached from `starts`, within bounds."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = list(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or kinds[kind_of(path)] >= PER_KIND:
            continue
        seen.add(path)
        kinds[kind_of(path)] += 1
        response = client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        yield path, " ".join(parser.parts), parser.links
        for href in parser.links:
            link = urldefrag(href).url
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.query:
                continue
            if not parts.path.startswith(SKIP_PATHS) and parts.path not in seen:
                queue.append(parts.path)


def words_of(text: str) -> Iterator[str]:
    """The words of a text, leaving out runs with digits (hashes, trackers, codes)."""
    for token in TOKEN.findall(text):
        if not any(ch.isdigit() for ch in token):
            yield from filter(None, token.split("_"))


def names_in_the_demo(federation: Federation) -> set[str]:
    """Words of what people named: assemblies, candidates, delegates, motions, calls."""
    from asamblea.deliberation.models import CallToAction, Motion
    from asamblea.elections.models import Candidacy, Seat

    texts = [federation.name]
    texts += Body.objects.filter(federation=federation).values_list("name", flat=True)
    texts += Candidacy.objects.values_list("public_name", flat=True)
    texts += Seat.objects.values_list("public_name", flat=True)
    for motion in Motion.objects.all():
        texts += [motion.title, motion.text]
    texts += CallToAction.objects.values_list("title", flat=True)
    return {w.lower() for text in texts for w in WORD.findall(text)}


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


def test_no_english_shows_on_any_page_of_the_demo_in_spanish(demo: Federation) -> None:
    from asamblea.federation import services

    english, spanish = catalog_words()
    english_only = english - spanish - SAME_IN_BOTH - names_in_the_demo(demo)
    member = services.find_login("miembro-sutep-huamanga-1")
    officer = services.find_login("dirigente-sutep-huamanga")
    visitors = {
        "visitor": in_language(Client(), "es"),
        "member": in_language(Client(), "es"),
        "officer": in_language(Client(), "es"),
    }
    visitors["member"].force_login(member)
    log_in_verified(visitors["officer"], officer)
    starts = ["/", "/f/peru/", "/f/peru/b/sutep-huamanga/", "/f/peru/b/nacional/"]
    found: list[str] = []
    pages = 0
    for who, client in visitors.items():
        for path, text, _links in crawl(client, starts):
            pages += 1
            words = {w for w in words_of(text) if w.lower() in english_only}
            if words:
                hits = []
                for word in sorted(words):
                    at = text.find(word)
                    hits.append(
                        f"{word!r} in “…{' '.join(text[max(0, at - 40) : at + 40].split())}…”"
                    )
                found.append(f"{who} {path}: " + "; ".join(hits))
    assert pages > 60, f"only {pages} pages were reached"
    assert not found, "\n".join(found)


def test_the_national_assemblys_regions_are_in_alphabetical_order(demo: Federation) -> None:
    page = in_language(Client(), "es").get("/f/peru/b/nacional/").content.decode()
    at = {name: page.find(f"Asamblea Regional de {name}<") for name in REGIONS_IN_ORDER}
    assert all(place > 0 for place in at.values()), at
    assert sorted(at, key=at.__getitem__) == REGIONS_IN_ORDER


REGIONS_IN_ORDER = ["Amazonas", "Áncash", "Apurímac", "Arequipa", "Ucayali"]


def test_dates_on_the_record_read_as_spanish_writes_them(demo: Federation) -> None:
    parser = VisibleText()
    parser.feed(in_language(Client(), "es").get("/record/peru/").content.decode())
    text = " ".join(parser.parts)
    months = "ene feb mar abr may jun jul ago sep oct nov dic"
    assert re.search(rf"\b\d{{1,2}} ({months.replace(' ', '|')}) \d{{4}}, \d\d:\d\d\b", text)
    assert not re.search(r"\b\d{1,2} (Ene|Feb|Mar|Abr|May|Jun|Jul|Ago|Sep|Oct|Nov|Dic) \d{4}", text)


def first_of(demo: Federation, kind: str) -> str:
    """The page of the demo's first motion ("m") or call to action ("c"): by the lowest
    number, since PostgreSQL's numbers need not start at 1 in the demo's copy."""
    model = {"m": Motion, "c": CallToAction}[kind]
    first = model.objects.filter(federation=demo).order_by("pk").first()
    assert first is not None
    return f"/f/peru/{kind}/{first.pk}/"


@pytest.mark.parametrize("kind", ["m", "c"], ids=["motion", "call"])
def test_a_table_that_scrolls_can_be_reached_by_keyboard_and_says_so(
    demo: Federation, kind: str
) -> None:
    html = in_language(Client(), "es").get(first_of(demo, kind)).content.decode()
    boxes = re.findall(r'<div class="scroll"[^>]*>', html)
    assert boxes, "the page has a wide table"
    for box in boxes:
        assert 'tabindex="0"' in box and 'role="region"' in box
        assert 'aria-label="Tabla: deslice hacia el lado para verla entera"' in box


def test_a_motions_result_states_its_rule_not_a_fixed_number_of_yes_votes(
    demo: Federation,
) -> None:
    html = in_language(Client(), "es").get(first_of(demo, "m")).content.decode()
    assert "La regla: más votos por el sí que por el no" in html
    assert "Votos sí necesarios" not in html
