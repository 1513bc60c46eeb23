"""The Spanish catalogs follow docs/glossary.md: one word per thing, usted, real plurals."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
SPANISH = sorted((ROOT / "src" / "asamblea").rglob("locale/es/LC_MESSAGES/django.po"))
IDS = [str(path.relative_to(ROOT / "src" / "asamblea")) for path in SPANISH]


def glossary_rows() -> list[dict[str, str]]:
    """The table of docs/glossary.md, one dict per term, keyed by column title."""
    lines = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("|")]
    head = [cell.strip() for cell in table[0].strip("|").split("|")]
    return [
        dict(zip(head, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in table[2:]
    ]


def forbidden_words() -> dict[str, str]:
    """Each word the glossary says not to use in Spanish, and the word to use instead."""
    words = {}
    for row in glossary_rows():
        for word in filter(None, (w.strip() for w in row["Not in Spanish"].split(","))):
            words[word] = row["Spanish"]
    return words


def translations(po_path: Path) -> list[tuple[str, str]]:
    """(msgid, each translated form) of a catalog."""
    found = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        found += [(entry.msgid, form) for form in forms]
    return found


# Words that only the tú voice uses; imperatives are caught where a sentence starts.
TU_WORDS = (
    "tú tu tus te ti contigo tuyo tuya tuyos tuyas puedes tienes eres estás quieres debes "
    "votaste votas perteneces apruebas propones guárdalo envíalo"
)
TU_IMPERATIVES = (
    "elige escribe indica revisa vota numera deja ordena recarga busca haz inicia informa "
    "pide di da"
)
TU = re.compile(
    rf"\b(?:{'|'.join(TU_WORDS.split())})\b"
    rf"|(?:^|[.:;!?¿¡]\s*)(?:{'|'.join(TU_IMPERATIVES.split())})\b",
    re.IGNORECASE,
)
PLURAL_HACK = re.compile(r"\w\((?:s|es)\)")


def test_the_glossary_gives_every_term_in_four_languages():
    rows = glossary_rows()
    assert len(rows) >= 30
    for row in rows:
        for column in ("English", "Spanish", "Quechua (draft, unreviewed)"):
            assert row[column], f"{row['English']}: no {column}"
        assert row["Aymara (draft, unreviewed)"], f"{row['English']}: no Aymara"


@pytest.mark.parametrize("po_path", SPANISH, ids=IDS)
def test_spanish_uses_the_glossary_words(po_path):
    words = forbidden_words()
    # A word or its plural: "socio" also catches "socios", "papeleta" "papeletas".
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")(?:s|es)?\b", re.I)
    wrong = [
        f"{match.group(0)!r} (say {words[match.group(1).lower()]!r}) in {text!r}"
        for _msgid, text in translations(po_path)
        for match in pattern.finditer(text)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("po_path", SPANISH, ids=IDS)
def test_spanish_says_usted_not_tu(po_path):
    wrong = [text for _msgid, text in translations(po_path) if TU.search(text)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("po_path", SPANISH, ids=IDS)
def test_plurals_are_written_out_not_bracketed(po_path):
    wrong = [
        text
        for msgid, text in translations(po_path)
        if PLURAL_HACK.search(text) or PLURAL_HACK.search(msgid)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_tu_check_catches_what_it_should():
    assert TU.search("Puedes cambiar tu voto hasta el cierre.")
    assert TU.search("votación abierta: vota ahora")
    assert not TU.search("Cada miembro vota una sola vez.")
    assert not TU.search("Puede cambiar su voto hasta el cierre.")


def test_a_membership_status_quoted_in_a_sentence_agrees_with_it():
    """ "la afiliación ahora está «Verificado»" mixes genders: the sentences speak of the
    status (el estado, masculine) and every status word agrees with it."""
    from django.utils import translation

    from asamblea.federation.models import Membership

    with translation.override("es"):
        done = translation.gettext("Done: the membership is now “%(status)s”.")
        already = translation.gettext(
            "This membership is already “%(status)s”: nothing was changed."
        )
        labels = [str(label) for label in Membership.Status.labels]
    assert "el estado" in done and "el estado" in already
    for label in labels:
        assert re.fullmatch(r"[A-ZÁÉÍÓÚ][a-záéíóúñ]+[oe]", label), label
