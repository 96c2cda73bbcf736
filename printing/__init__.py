"""Receipt (受理回执) and notice (答复告知单 / 重办通知 / 督办通知) PDFs.

Pure reportlab: nothing here imports Qt or ``ui/``.  Qt printing glue lives in
``ui/printing_qt.py``.  Inputs are plain dicts (see ``printing.samples`` for the shape).
"""
from .fonts import (FontStatus, MissingGlyphError, MissingGlyphWarning, configure_fonts,
                    font_status, missing_glyphs)
from .layout import PAPERS, LayoutError
from .qr import QRPayloadError, parse_qr, qr_payload
from .receipts import render_receipt

__all__ = [
    "FontStatus", "MissingGlyphError", "MissingGlyphWarning", "configure_fonts",
    "font_status", "missing_glyphs", "PAPERS", "LayoutError", "QRPayloadError",
    "parse_qr", "qr_payload", "render_receipt",
]
from .notices import render_escalation_notice, render_reply_notice, render_rework_notice  # noqa: E402

__all__ += ["render_reply_notice", "render_rework_notice", "render_escalation_notice"]
from .archive import archive_path, archive_pdf  # noqa: E402

__all__ += ["archive_path", "archive_pdf"]
