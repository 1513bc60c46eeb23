"""QR codes drawn on the server, as inline SVG (no script, nothing fetched)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> str:
    """`text` as a QR code, an <svg> element to put in a page (drawn here: no script)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg
