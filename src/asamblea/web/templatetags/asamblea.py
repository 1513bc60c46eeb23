"""Template helpers shared by every app's pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from asamblea.web.once import issue_once_token

register = template.Library()


@register.simple_tag(takes_context=True)
def once_token(context: template.Context) -> SafeString:
    """A hidden one-time token: the form it sits in is done at most once."""
    return format_html(
        '<input type="hidden" name="once" value="{}">', issue_once_token(context["request"])
    )


@register.filter
def nbsp(value: str) -> SafeString:
    return mark_safe(str(value).replace(" ", "&nbsp;"))  # noqa: S308 - only spaces replaced
