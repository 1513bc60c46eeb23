"""The acta as a PDF: the same content as the acta's page (meetings/acta.html), laid out
with fpdf2 (pure Python) in the reader's language, on A4 or Letter.

The text comes from the same gettext messages as the page, so a translated page gives a
translated PDF. The font is DejaVu Sans, shipped in `data/fonts` (a subset covering the
Latin letters of Spanish, Quechua and Aymara, with its licence); fpdf2 embeds only the
glyphs the acta uses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from asamblea.meetings.models import Acta, ActaSignature

FONTS = Path(__file__).resolve().parent / "data" / "fonts"
FAMILY = "DejaVu"
# The page's print CSS: 18 mm margins.
MARGIN_MM = 18.0
PAPERS = {"A4": "A4", "letter": "letter"}
# fontTools reports each glyph it keeps at INFO: not news for the server's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def _when(moment: datetime) -> str:
    """As the page's `date:"j F Y, H:i"`, in the current time zone and language."""
    return str(date_format(timezone.localtime(moment), "j F Y, H:i"))


def _counted(item: dict[str, Any]) -> str:
    counted = item.get("counted")
    if not counted:
        return _("voted in the app")
    if counted["method"] == "hands":
        rounds = counted["rounds"]
        return ngettext(
            "counted by show of hands by two tellers, in %(r)s count",
            "counted by show of hands by two tellers, in %(r)s counts",
            rounds,
        ) % {"r": rounds}
    return _("roll call, seat by seat")


def _decision(item: dict[str, Any]) -> str:
    result = item.get("result")
    if not result:
        return _("not voted in this meeting")
    text = _("Passed") if result.get("passed") else _("Not passed")
    text += " (" + _("yes %(y)s, no %(n)s, abstain %(a)s") % {
        "y": result.get("yes"),
        "n": result.get("no"),
        "a": result.get("abstain"),
    }
    text += ")"
    if item.get("resolution"):
        text += " · " + _("Resolution %(n)s") % {"n": item["resolution"]}
    return text + " · " + _counted(item)


class _Acta(FPDF):
    def __init__(self, paper: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=PAPERS[paper])
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.footer_text = ""

    def footer(self) -> None:
        self.set_y(-MARGIN_MM + 6)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: float = 13) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FAMILY, "", 10)

    def para(self, text: str, *, bold: bool = False, size: float = 10) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 10)

    def numbered(self, lines: Sequence[tuple[str, str]]) -> None:
        """An ordered list: each entry a bold lead (may be empty) and its text."""
        for number, (lead, text) in enumerate(lines, start=1):
            self.set_x(self.l_margin)
            self.set_font(FAMILY, "", 10)
            self.cell(8, 5, f"{number}.")
            if lead:
                self.set_font(FAMILY, "B", 10)
                self.write(5, lead + ": ")
                self.set_font(FAMILY, "", 10)
            self.write(5, text)
            self.ln(6)

    def bullets(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.set_x(self.l_margin)
            self.cell(5, 5, "•")
            self.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_acta_pdf(
    acta: Acta,
    *,
    body_name: str,
    starts_at: datetime,
    internal: bool,
    paper: str,
    signatures: Sequence[ActaSignature],
) -> bytes:
    """The acta's public copy, or the internal one with names (the caller decides who
    may have it, as for the page), on A4 or Letter, in the active language."""
    minutes: dict[str, Any] = acta.internal if internal else acta.public
    pdf = _Acta(paper)
    title = _("Acta") + ": " + str(minutes["title"])
    copy = _("Internal copy: with names") if internal else _("Public copy")
    pdf.set_title(title)
    pdf.set_subject(copy)
    pdf.set_creator("Asamblea")
    pdf.set_lang(get_language() or "es")
    pdf.set_creation_date(acta.generated_at)
    pdf.footer_text = f"{title} · {copy}"
    pdf.add_page()

    pdf.heading(title, 16)
    pdf.para(f"{body_name} · {_when(starts_at)} · {copy}", bold=internal)

    attendance = minutes["attendance"]
    pdf.heading(_("Attendance"))
    pdf.para(
        _("Checked in: %(n)s · most present at once: %(p)s · of %(s)s · quorum: %(q)s")
        % {
            "n": attendance["checked_in"],
            "p": attendance["peak"],
            "s": attendance["size"],
            "q": attendance["quorum_needed"],
        }
    )
    pdf.para(
        _("By the meeting's code: %(c)s · by an officer: %(o)s")
        % {"c": attendance["by_code"], "o": attendance["by_officer"]}
    )
    seats = attendance.get("seats_present") or []
    if seats:
        pdf.bullets(
            [
                str(s["delegate"])
                + (f" — {_('alternate')}: {s['alternate']}" if s.get("alternate") else "")
                for s in seats
            ]
        )
    if internal and minutes.get("attendees"):
        pdf.ln(2)
        pdf.set_font(FAMILY, "", 9)
        with pdf.table(
            col_widths=(70, 60, 20, 20),
            text_align=("LEFT", "LEFT", "CENTER", "CENTER"),
            line_height=5,
        ) as table:
            header = table.row()
            for label in (_("Name"), _("Seat"), _("In"), _("Out")):
                header.cell(label)
            for a in minutes["attendees"]:
                row = table.row()
                row.cell(str(a["name"]))
                row.cell(str(a["seat"]) + (f" ({_('alternate')})" if a.get("alternate") else ""))
                row.cell(str(a["in"])[11:16])
                row.cell(str(a["out"])[11:16] if a.get("out") else "—")
        pdf.set_font(FAMILY, "", 10)

    pdf.heading(_("Agenda and decisions"))
    pdf.numbered([(str(it["title"]), _decision(it)) for it in minutes["agenda"]])

    pdf.heading(_("Speakers"))
    speakers = minutes["speakers"]
    if speakers:
        pdf.numbered(
            [
                (
                    "",
                    (s.get("name") or _("A member"))
                    + (f" ({_('point of order')})" if s.get("kind") == "order" else "")
                    + " · "
                    + _("%(n)s s") % {"n": s["seconds"]},
                )
                for s in speakers
            ]
        )
    else:
        pdf.para(_("Nobody took the floor."))

    if minutes.get("notes"):
        pdf.heading(_("Secretary's notes"))
        pdf.para(str(minutes["notes"]))

    pdf.heading(_("Signatures"))
    if signatures:
        pdf.bullets([f"{s.public_name} · {_when(s.signed_at)}" for s in signatures])
    else:
        pdf.para(_("Not signed yet."))
    pdf.ln(2)
    on_record = f" · {_('on the public record')}" if acta.published_at else ""
    pdf.para(f"{_('Hash of the public copy (SHA-256)')}: {acta.public_hash}{on_record}", size=9)
    return bytes(pdf.output())
