"""Sections that apps add to a body's page, without the federation app knowing them.

An app registers `func(request, body) -> str | None` (rendered HTML); the body
page shows each in order. This keeps the dependency pointing one way: record,
elections and deliberation know the federation, not the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BodySection = Callable[[Any, Any], "str | None"]
_SECTIONS: list[tuple[int, BodySection]] = []


def register_body_section(order: int) -> Callable[[BodySection], BodySection]:
    def decorator(func: BodySection) -> BodySection:
        _SECTIONS.append((order, func))
        _SECTIONS.sort(key=lambda item: item[0])
        return func

    return decorator


def body_sections(request: Any, body: Any) -> list[str]:
    return [html for _order, func in _SECTIONS if (html := func(request, body))]
