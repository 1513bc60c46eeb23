"""Finding people by name in tests: names are encrypted, so the database cannot compare them."""

from __future__ import annotations

from asamblea.federation.models import Person


def people_named(full_name: str) -> list[Person]:
    """Every person whose registered name is `full_name` (decrypted and compared here)."""
    return [person for person in Person.objects.all() if person.full_name == full_name]


def person_named(full_name: str) -> Person:
    """The one person called `full_name`."""
    found = people_named(full_name)
    assert len(found) == 1, f"{len(found)} people are called {full_name!r}"
    return found[0]
