"""Spanish is the default language: every catalog is complete and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "asamblea"
CATALOGS = sorted(SRC.rglob("locale/*/LC_MESSAGES/django.po"))


def test_there_is_a_spanish_catalog():
    assert any("/es/" in str(path) for path in CATALOGS)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(SRC)))
def test_every_string_is_translated_and_compiled(po_path):
    catalog = polib.pofile(str(po_path))
    missing = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not missing, f"untranslated in {po_path}: {missing[:10]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:10]}"
    with po_path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        e.msgid
        for e in catalog.translated_entries()
        if not e.msgid_plural and not e.msgctxt and compiled.gettext(e.msgid) != e.msgstr
    ]
    assert not stale, f"{po_path.with_suffix('.mo')} is older than its .po: {stale[:5]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(SRC)))
def test_plural_messages_are_translated_for_every_number(po_path):
    """A header announcing more plural forms than the entries give makes every count
    that falls in a missing form ("43 seats") silently show in English."""
    catalog = polib.pofile(str(po_path))
    with po_path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalog.translated_entries():
        if not entry.msgid_plural:
            continue
        translations = set(entry.msgstr_plural.values())
        for n in (0, 1, 2, 5, 43, 1_000_000):
            shown = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            assert shown in translations, f"{po_path}: n={n} shows {shown!r} for {entry.msgid!r}"


# Southern Quechua and Aymara (issue 14): draft catalogs, one plural form (CLDR's root
# rule), complete against the Spanish ones.
DRAFTS = ("qu", "ay")
SPANISH = sorted(SRC.rglob("locale/es/LC_MESSAGES/django.po"))


def beside(spanish: Path, language: str) -> Path:
    return SRC / str(spanish.relative_to(SRC)).replace("/es/", f"/{language}/")


@pytest.mark.parametrize("language", DRAFTS)
@pytest.mark.parametrize("spanish", SPANISH, ids=lambda p: str(p.relative_to(SRC)))
def test_draft_catalogs_cover_every_spanish_string(spanish: Path, language: str) -> None:
    """A string missing in Quechua or Aymara shows in Spanish on their pages."""
    draft = beside(spanish, language)
    assert draft.exists(), f"no {language} catalog beside {spanish}"
    translated = {(e.msgctxt, e.msgid) for e in polib.pofile(str(draft)).translated_entries()}
    missing = [
        e.msgid
        for e in polib.pofile(str(spanish))
        if not e.obsolete and (e.msgctxt, e.msgid) not in translated
    ]
    assert not missing, f"{len(missing)} strings missing in {draft}: {missing[:10]}"


@pytest.mark.parametrize("language", DRAFTS)
def test_a_catalog_says_draft_exactly_while_its_language_is_a_draft(language: str) -> None:
    from django.conf import settings
    from django.utils.translation import get_language_info

    is_draft = language in settings.DRAFT_LANGUAGES
    assert get_language_info(language)["draft"] is is_draft
    for spanish in SPANISH:
        catalog = polib.pofile(str(beside(spanish, language)))
        assert catalog.metadata["Language"] == language
        assert (catalog.metadata["X-Translation-Status"] == "draft") is is_draft
        assert ("DRAFT: machine-drafted, not reviewed" in catalog.header) is is_draft


@pytest.mark.parametrize("language", DRAFTS)
def test_quechua_and_aymara_have_cldrs_single_plural_form(language: str) -> None:
    for spanish in SPANISH:
        catalog = polib.pofile(str(beside(spanish, language)))
        assert catalog.metadata["Plural-Forms"] == "nplurals=1; plural=0;"


@pytest.mark.parametrize(
    ("language", "one", "five"),
    [
        ("qu", "1 chiqaqchasqa huñunakuy masi", "5 chiqaqchasqa huñunakuy masi"),
        ("ay", "1 chiqanchat tama masi", "5 chiqanchat tama masi"),
    ],
    ids=["quechua", "aymara"],
)
def test_plurals_read_right_for_one_and_for_five(language: str, one: str, five: str) -> None:
    from django.utils import translation

    with translation.override(language):
        shown = [
            translation.ngettext("%(n)s verified member", "%(n)s verified members", n) % {"n": n}
            for n in (1, 5)
        ]
        # An app's catalog too (elections), with the number placed inside the sentence.
        seats = translation.ngettext(
            "Mark at most %(seats)d candidate: this election fills %(seats)d seat.",
            "Mark at most %(seats)d candidates: this election fills %(seats)d seats.",
            5,
        ) % {"seats": 5}
    assert shown == [one, five]
    assert "5" in seats and "candidate" not in seats and "candidato" not in seats
