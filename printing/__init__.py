"""Receipt (受理回执) and notice (答复告知单 / 重办通知 / 督办通知) PDFs.

Pure reportlab: nothing here imports Qt or ``ui/``.  Qt printing glue lives in
``ui/printing_qt.py``.  Inputs are plain dicts (see ``printing.samples`` for the shape).

    render_receipt(case, county, *, paper="a4"|"a5"|"thermal80", clerk_name, reprint=0,
                   out_path=None, copies=("enterprise", "archive"), strict=False) -> bytes
    render_reply_notice(case, county, reply, *, paper, ...) -> bytes
    render_rework_notice(case, county, evaluation, new_due_at, *, paper, ...) -> bytes
    render_escalation_notice(case, county, *, kind="督办"|"催办", reason, overdue_days, ...) -> bytes
    archive_pdf(data_dir, receipt_no, pdf, *, kind="receipt", reprint=0) -> Path
    qr_payload(receipt_no) -> str;  parse_qr(text) -> receipt_no
    font_status() -> FontStatus;  configure_fonts(path=None, fallbacks=()) -> FontStatus
    missing_glyphs(text) -> list[str]
"""
from .archive import archive_path, archive_pdf
from .errors import LayoutError, MissingGlyphError, PrintingError, QRPayloadError
from .fonts import FontStatus, MissingGlyphWarning, configure_fonts, font_status, missing_glyphs
from .layout import PAPERS
from .notices import render_escalation_notice, render_reply_notice, render_rework_notice
from .qr import parse_qr, qr_payload
from .receipts import render_receipt

__all__ = [
    "FontStatus", "MissingGlyphError", "MissingGlyphWarning", "configure_fonts",
    "font_status", "missing_glyphs", "PAPERS", "LayoutError", "PrintingError", "QRPayloadError",
    "parse_qr", "qr_payload", "render_receipt", "render_reply_notice", "render_rework_notice",
    "render_escalation_notice", "archive_path", "archive_pdf",
]
