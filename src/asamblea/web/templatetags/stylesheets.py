"""Stylesheets written into the page (`{% stylesheet 'asamblea/asamblea.css' %}`).

On slow 3G each request costs a round trip (400 ms) before its first byte: a linked
stylesheet, which the browser waits for before it paints, makes that two for every
first visit. The site's CSS is a few kilobytes, so each page carries what it uses,
minified, and paints as soon as it arrives (docs/performance.md). The Content-Security-
Policy allows inline styles (style-src 'unsafe-inline'), not inline scripts.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

COMMENT = re.compile(r"/\*.*?\*/", re.S)
SPACE = re.compile(r"\s+")
AROUND_PUNCTUATION = re.compile(r" ?([{};,>]) ?")


def minify(css: str) -> str:
    """Comments and spaces the browser does not need taken out (the rules unchanged)."""
    css = SPACE.sub(" ", COMMENT.sub("", css))
    return AROUND_PUNCTUATION.sub(r"\1", css).replace(";}", "}").strip()


def _read(path: str) -> str:
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise template.TemplateSyntaxError(f"no stylesheet {path!r} among the static files")
    css = minify(Path(found).read_text(encoding="utf-8"))
    if "</" in css:
        raise template.TemplateSyntaxError(f"{path} cannot be written into a <style> element")
    return css


_cached_read = cache(_read)


@register.simple_tag
def stylesheet(path: str, media: str = "") -> SafeString:
    """A <style> element with the static file `path`'s rules (for `media` only, if given)."""
    css = _read(path) if settings.DEBUG else _cached_read(path)
    if media:
        css = f"@media {media}{{{css}}}"
    return mark_safe(f"<style>{css}</style>")  # noqa: S308 - our own static file, checked above
