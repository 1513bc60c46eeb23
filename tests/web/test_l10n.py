"""Numbers, dates and alphabetical order in the reader's language."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import date_format

from asamblea.web.l10n import decimal_text, percent_text, sorted_by_name

REGIONS = ["Ucayali", "Áncash", "Amazonas", "Apurímac", "Arequipa", "Ayacucho", "Cusco"]


def test_accented_names_sort_with_their_letter_not_after_z():
    assert sorted_by_name(REGIONS) == [
        "Amazonas",
        "Áncash",
        "Apurímac",
        "Arequipa",
        "Ayacucho",
        "Cusco",
        "Ucayali",
    ]


def test_enie_is_a_letter_of_its_own_between_n_and_o():
    assert sorted_by_name(["Oyón", "Ñuñoa", "Nuevo", "nazca"]) == [
        "nazca",
        "Nuevo",
        "Ñuñoa",
        "Oyón",
    ]


def test_sorting_takes_a_name_from_each_item():
    items = [(2, "Ucayali"), (1, "Áncash")]
    assert sorted_by_name(items, lambda item: item[1]) == [(1, "Áncash"), (2, "Ucayali")]


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        pytest.param("es", "10.52942", "10,52942", id="es-decimal-comma"),
        pytest.param("en", "10.52942", "10.52942", id="en-decimal-point"),
        pytest.param("es", "12.00000", "12", id="whole-numbers-lose-their-zeros"),
        pytest.param("es", None, "", id="nothing-is-empty"),
        pytest.param("es", "—", "—", id="not-a-number-stays-as-is"),
    ],
)
def test_counts_are_written_as_the_language_writes_numbers(language, value, shown):
    with translation.override(language):
        assert decimal_text(value) == shown


def test_percentages_use_the_decimal_comma_in_spanish():
    with translation.override("es"):
        assert percent_text(Decimal("0.125")) == "12,5%"
        assert percent_text(Decimal("0.25")) == "25%"
    with translation.override("en"):
        assert percent_text(Decimal("0.125")) == "12.5%"


@pytest.mark.parametrize(
    ("language", "date", "when"),
    [
        pytest.param("es", "5 dic 2026", "5 dic 2026, 14:30", id="es"),
        pytest.param("en", "5 Dec 2026", "5 Dec 2026, 14:30", id="en"),
    ],
)
def test_dates_read_as_the_language_writes_them(language, date, when):
    moment = datetime(2026, 12, 5, 14, 30)  # noqa: DTZ001 (a wall-clock time, no zone needed)
    with translation.override(language):
        assert date_format(moment, "DATE_FORMAT") == date
        assert date_format(moment, "DATETIME_FORMAT") == when
