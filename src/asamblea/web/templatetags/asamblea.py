"""Template helpers shared by every app's pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html, format_html_join
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


def _page_url(context: template.Context, path: str | None) -> str:
    """The absolute address of `path` (by default this page's), without its query."""
    request = context["request"]
    return str(request.build_absolute_uri(path or request.path))


@register.simple_tag(takes_context=True)
def share_meta(
    context: template.Context, title: str, description: str, path: str | None = None
) -> SafeString:
    """OpenGraph and Twitter tags, so a shared link shows a preview (title, one line,
    address). Public facts only: the caller passes no personal data."""
    url = _page_url(context, path)
    tags = [
        ("property", "og:type", "website"),
        ("property", "og:site_name", "Asamblea"),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
    ]
    return format_html_join("\n", '<meta {}="{}" content="{}">', tags)


@register.inclusion_tag("web/_share.html", takes_context=True)
def share_links(context: template.Context, text: str, path: str | None = None) -> dict[str, str]:
    """Plain links that open WhatsApp or Telegram with this page's address and a line of
    text (no JavaScript needed). Public facts only: the caller passes no personal data."""
    url = _page_url(context, path)
    return {
        "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
        "telegram": "https://t.me/share/url?" + urlencode({"url": url, "text": text}),
    }
