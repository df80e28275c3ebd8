"""QR codes as inline SVG (segno), for the ticket, the survey link and the booking slip.

Why one function: every printed or shown QR in MPP must scan the same way (error
correction M, a 2-module quiet zone) and scale with CSS (viewBox only, class "qr").
"""

from __future__ import annotations

import segno

QR_ERROR = "m"  # medium error correction: survives a smudged thermal print
QR_BORDER = 2


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url`, sized by CSS (viewBox, no width/height). segno
    escapes what it draws, so the result is safe to mark_safe."""
    code = segno.make(url, error=QR_ERROR, micro=False)
    return code.svg_inline(scale=1, border=QR_BORDER, omitsize=True, svgclass="qr")
