"""The meetings' entries of the public record read as sentences.

Registered with `asamblea.hooks.record_sentence` when the app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from asamblea import hooks
from asamblea.record.sentences import Context, Sentence, as_names, as_number, as_title


@hooks.record_sentence.register("meeting.acta")
def _acta(facts: Mapping[str, Any], context: Context) -> Sentence:
    text = _(
        "The acta of the meeting “%(title)s” of %(body)s, signed by %(names)s (hash %(hash)s)"
    ) % {
        "title": as_title(facts["title"]),
        "body": context.name(facts["body"]),
        "names": ", ".join(as_names(facts["signed_by"])),
        "hash": str(facts["hash"])[:16],
    }
    return Sentence(text, context.url("meeting_acta", as_number(facts["meeting"])))
