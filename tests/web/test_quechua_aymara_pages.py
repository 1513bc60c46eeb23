"""Every page of the demo, read in Quechua and in Aymara, shows no string left untranslated.

The crawl is the Spanish pages test's (tests/web/test_spanish_pages.py): from the home
page, as a visitor, a member and an officer. A string missing from a draft catalog shows
in Spanish (Django falls back to the site's language) or, without a Spanish translation,
in English: so a word of our catalogs' English sources or Spanish translations that is
in no Quechua (or Aymara) translation is a missing string. Names the demo's users wrote,
and what a page marks translate="no", are not checked, as in the Spanish test.

Also: the language switcher names the two languages as drafts ("Runasimi — borrador").
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import polib
import pytest
from django.test import Client

from asamblea.federation.models import Federation
from support.language import in_language
from support.second_factor import log_in_verified

SRC = Path(__file__).resolve().parents[2] / "src" / "asamblea"


def _spanish_pages() -> ModuleType:
    """The Spanish pages test module, for its crawl: one crawl for every language."""
    path = Path(__file__).with_name("test_spanish_pages.py")
    spec = importlib.util.spec_from_file_location("asamblea_tests_spanish_pages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pages = _spanish_pages()

# Words that are the same in Quechua or Aymara as in Spanish or English source strings,
# beyond the Spanish test's list: loanwords the drafts keep, codes and names.
SAME_IN_DRAFTS = {"asamblea", "borrador", "runasimi", "aymar", "aru", "quechua", "aymara"}


def catalog_words(language: str) -> set[str]:
    """Every word of the translations in `language`'s catalogs."""
    words: set[str] = set()
    for po_path in SRC.rglob(f"locale/{language}/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)).translated_entries():
            for text in list(entry.msgstr_plural.values()) or [entry.msgstr]:
                cleaned = pages.PLACEHOLDER.sub(" ", text)
                words |= {w.lower() for w in pages.WORD.findall(cleaned)}
    return words


def what_the_demo_wrote(federation: Federation) -> set[str]:
    """Words of what the demo's people wrote in Spanish beyond the names the Spanish test
    leaves out: the federation's description, its levels and sectors, meeting titles and
    notes, signatures on actas, comments, options and uptake notes. They stay in the
    language they were written in whatever the reader chose."""
    from asamblea.deliberation.models import Comment, Meeting, MotionOption, Uptake
    from asamblea.federation.models import Level, Sector
    from asamblea.meetings.models import ActaSignature, Room

    texts = [federation.description]
    texts += Level.objects.values_list("name", flat=True)
    texts += Sector.objects.values_list("name", flat=True)
    texts += Meeting.objects.values_list("title", flat=True)
    texts += Room.objects.values_list("notes", flat=True)
    texts += ActaSignature.objects.values_list("public_name", flat=True)
    texts += Comment.objects.values_list("text", flat=True)
    texts += MotionOption.objects.values_list("label", flat=True)
    texts += Uptake.objects.values_list("note", flat=True)
    return {w.lower() for text in texts for w in pages.WORD.findall(text)}


def untranslated_words(language: str, federation: Federation) -> set[str]:
    """Words that show only when a string of `language` is missing."""
    english, spanish = pages.catalog_words()
    return (
        (english | spanish)
        - catalog_words(language)
        - pages.SAME_IN_BOTH
        - SAME_IN_DRAFTS
        - pages.names_in_the_demo(federation)
        - what_the_demo_wrote(federation)
    )


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    return Federation.objects.get(slug="peru")


@pytest.mark.parametrize("language", ["qu", "ay"], ids=["quechua", "aymara"])
def test_every_page_of_the_demo_is_translated(demo: Federation, language: str) -> None:
    from asamblea.federation import services

    missing_words = untranslated_words(language, demo)
    visitors = {who: in_language(Client(), language) for who in ("visitor", "member", "officer")}
    visitors["member"].force_login(services.find_login("miembro-sutep-huamanga-1"))
    log_in_verified(visitors["officer"], services.find_login("dirigente-sutep-huamanga"))
    starts = ["/", "/f/peru/", "/f/peru/b/sutep-huamanga/", "/f/peru/b/nacional/", "/me/"]
    found: list[str] = []
    reached = 0
    # The demo's login names (dirigente-…, miembro-…) are names, not our text.
    logins = re.compile(r"\b(?:dirigente|miembro)-[\w-]+")
    for who, client in visitors.items():
        for path, page_text, _links in pages.crawl(client, starts):
            reached += 1
            text = logins.sub(" ", page_text)
            words = sorted({w for w in pages.words_of(text) if w.lower() in missing_words})
            if words:
                hits = []
                for word in words:
                    at = text.find(word)
                    context = " ".join(text[max(0, at - 40) : at + 40].split())
                    hits.append(f"{word!r} in “…{context}…”")
                found.append(f"{who} {path}: " + "; ".join(hits))
    assert reached > 60, f"only {reached} pages were reached"
    assert not found, "\n".join(found)


def test_a_missing_string_would_be_found(demo: Federation) -> None:
    """The check above can fail: a Spanish word of a catalog is caught on a Quechua page."""
    missing_words = untranslated_words("qu", demo)
    assert {"votar", "miembro", "cédula"} <= missing_words
    page = in_language(Client(), "qu").get("/f/peru/").content.decode()
    assert 'lang="qu"' in page


@pytest.mark.parametrize(
    ("language", "label"),
    [("qu", "Runasimi — borrador"), ("ay", "Aymar aru — borrador")],
    ids=["quechua", "aymara"],
)
def test_the_switcher_marks_quechua_and_aymara_as_drafts(
    demo: Federation, language: str, label: str
) -> None:
    def switcher_label(reader: str, code: str) -> str:
        html = in_language(Client(), reader).get("/f/peru/").content.decode()
        button = re.search(rf'<button name="language" value="{code}"[^>]*>(.*?)</button>', html)
        assert button, f"no switcher button for {code}"
        return " ".join(re.sub(r"<[^>]+>", "", button.group(1)).split())

    assert switcher_label("es", language) == label
    assert switcher_label(language, language) == label
    assert switcher_label("es", "es") == "Español"
    # In English the mark is English; the language keeps its own name.
    assert switcher_label("en", language) == label.replace("borrador", "draft")


def test_a_member_can_choose_quechua_and_the_choice_reads_as_a_draft(demo: Federation) -> None:
    from asamblea.federation import services

    client = in_language(Client(), "es")
    client.force_login(services.find_login("miembro-sutep-huamanga-1"))
    page = client.get("/me/data/").content.decode()
    assert re.search(r'<option value="qu"[^>]*>Quechua sureño — borrador</option>', page)
    assert re.search(r'<option value="ay"[^>]*>Aimara — borrador</option>', page)
