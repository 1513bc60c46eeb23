"""Sections that apps add to a body's page, or to a federation's, without the federation
app knowing them.

An app registers `func(request, body) -> str | None` (rendered HTML) for a body's
page, or `func(request, federation) -> str | None` for a federation's page; the
page shows each in order. This keeps the dependency pointing one way: record,
elections, recall and deliberation know the federation, not the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Section = Callable[[Any, Any], "str | None"]
_SECTIONS: list[tuple[int, Section]] = []
_FEDERATION_SECTIONS: list[tuple[int, Section]] = []


def _register(registry: list[tuple[int, Section]], order: int) -> Callable[[Section], Section]:
    def decorator(func: Section) -> Section:
        registry.append((order, func))
        registry.sort(key=lambda item: item[0])
        return func

    return decorator


def register_body_section(order: int) -> Callable[[Section], Section]:
    return _register(_SECTIONS, order)


def register_federation_section(order: int) -> Callable[[Section], Section]:
    return _register(_FEDERATION_SECTIONS, order)


def body_sections(request: Any, body: Any) -> list[str]:
    return [html for _order, func in _SECTIONS if (html := func(request, body))]


def federation_sections(request: Any, federation: Any) -> list[str]:
    return [html for _order, func in _FEDERATION_SECTIONS if (html := func(request, federation))]
