"""Old names of the page-section hooks, now declared in asamblea.hooks.

`register_body_section(order)` is `hooks.body_section.register(order=order)`, and
`body_sections(request, body)` the HTML of every registered section, in order;
likewise for a federation's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asamblea import hooks

Section = hooks.Section


def register_body_section(order: int) -> Callable[[Section], Section]:
    return hooks.body_section.register(order=order)


def register_federation_section(order: int) -> Callable[[Section], Section]:
    return hooks.federation_section.register(order=order)


def render_sections(hook: hooks.Hook[Section], request: Any, subject: Any) -> list[str]:
    """The HTML of each section `hook` holds for `subject`, in order, skipping the empty."""
    return [html for section in hook if (html := section(request, subject))]


def body_sections(request: Any, body: Any) -> list[str]:
    return render_sections(hooks.body_section, request, body)


def federation_sections(request: Any, federation: Any) -> list[str]:
    return render_sections(hooks.federation_section, request, federation)
