"""Numbers and lists in the reader's language: decimal comma in Spanish, and names sorted
as the language sorts them (Áncash with the A's, not after Ucayali).

Sorting happens in Python for lists a page shows: the database's own order differs
between SQLite (by code point) and PostgreSQL (by its collation)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils.formats import number_format

T = TypeVar("T")


def collation_key(text: str) -> tuple[str, str]:
    """Sorts Spanish and English names: accents and case set aside first ("Áncash" next
    to "Ancón"), then used to break ties; "ñ" stays a letter of its own, after "n"."""
    folded = []
    for char in text.casefold():
        if char == "ñ":
            folded.append("n\uffff")  # after every other n
            continue
        base = unicodedata.normalize("NFD", char)
        folded.append("".join(c for c in base if not unicodedata.combining(c)))
    return "".join(folded), text


def sorted_by_name(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """`items` in the order of the reader's alphabet, by `name`."""
    return sorted(items, key=lambda item: collation_key(name(item)))


def decimal_text(value: Any) -> str:
    """A count as the reader writes it: "10,52942" in Spanish; whole numbers without
    decimals ("12", not "12.00000"). Anything that is not a number is returned as text."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return number_format(int(number))
    return number_format(number.normalize())


def percent_text(share: Any) -> str:
    """A share (0.25) as a percentage in the reader's language: "25%", "33,3%"."""
    return decimal_text(Decimal(str(share)) * 100) + "%"
