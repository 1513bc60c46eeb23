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


# The draft Quechua and Aymara catalogs (issue 14) use the glossary's terms too: where an
# English source string names one of these things, its translation holds the glossary's
# word for it. A word is matched by its stem (the term less its last letter), so that
# suffixes and Aymara's dropped final vowels ("khitatax", "tama masïtawa") still match.
CHECKED_TERMS = (
    "assembly (body)",
    "delegate",
    "officer",
    "member",
    "seat",
    "election",
    "by-election",
    "recall petition",
    "ballot tracker (public)",
    "ballot code (secret)",
    "motion",
    "resolution",
    "mandate",
    "referendum",
    "call to action",
    "meeting",
    "public record",
    "federation",
)
DRAFT_COLUMNS = {"qu": "Quechua (draft, unreviewed)", "ay": "Aymara (draft, unreviewed)"}
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def folded(text: str) -> str:
    """Lower case, without the diaeresis Aymara writes on long vowels (ï, ä, ü)."""
    return text.lower().translate(str.maketrans("ïäü", "iau"))


def english_pattern(term: str) -> re.Pattern[str]:
    words = term.split(" (")[0]
    return re.compile(rf"\b{re.escape(words)}s?\b", re.IGNORECASE)


def draft_catalogs() -> list[tuple[str, Path]]:
    root = ROOT / "src" / "asamblea"
    return [
        (language, path)
        for language in DRAFT_COLUMNS
        for path in sorted(root.rglob(f"locale/{language}/LC_MESSAGES/django.po"))
    ]


@pytest.mark.parametrize(
    ("language", "po_path"),
    draft_catalogs(),
    ids=[f"{lang}:{p.relative_to(ROOT / 'src' / 'asamblea')}" for lang, p in draft_catalogs()],
)
def test_quechua_and_aymara_use_the_glossary_words(language: str, po_path: Path) -> None:
    rows = {row["English"]: row for row in glossary_rows()}
    terms = [
        (english_pattern(term), folded(rows[term][DRAFT_COLUMNS[language]])[:-1])
        for term in CHECKED_TERMS
    ]
    wrong = []
    for msgid, text in translations(po_path):
        source = PLACEHOLDERS.sub(" ", msgid)
        for english, stem in terms:
            if english.search(source) and stem not in folded(text):
                wrong.append(f"{english.pattern} -> {stem!r} missing in {text!r}")
    assert not wrong, "\n".join(wrong)


def test_every_draft_catalog_exists_for_every_spanish_one() -> None:
    """Quechua and Aymara cover every app that has a Spanish catalog."""
    root = ROOT / "src" / "asamblea"
    for spanish in SPANISH:
        for language in DRAFT_COLUMNS:
            draft = root / str(spanish.relative_to(root)).replace("/es/", f"/{language}/")
            assert draft.exists(), f"no {language} catalog beside {spanish}"
