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
