"""Qt glue for printing the PDFs that ``printing/`` makes: preview, printer choice,
direct printing of the PDF's pages.

The PDF is the single source of truth (it is what gets archived): its pages are
rasterised with PDFium (``pypdfium2``) at the printer's resolution and painted onto a
``QPrinter`` page of the same size — A4, A5 or the 80 mm roll's custom size.  Qt is
reached only through ``ui.qt``.

Errors the clerk can fix (no printer, printer unknown, PDF unreadable) are
``PrinterError`` with a Chinese message; the PDF stays archived either way.
"""
from __future__ import annotations

import os
from pathlib import Path

from models.errors import UserError
from ui.qt import (QImage, QMarginsF, QPageLayout, QPageSize, QPainter, QPrintDialog, QPrinter,
                   QPrinterInfo, QPrintPreviewDialog, QRectF, QSizeF)

__all__ = ["PrinterError", "available_printers", "default_printer_name", "make_printer",
           "print_pdf", "preview_pdf", "choose_printer", "page_images"]

MAX_DPI = 300       # thermal heads are 203 dpi, office lasers 300-600: 300 is plenty


class PrinterError(UserError):
    code = "printer"


def _pdf_bytes(pdf) -> bytes:
    if isinstance(pdf, (bytes, bytearray, memoryview)):
        return bytes(pdf)
    try:
        return Path(os.fspath(pdf)).read_bytes()
    except OSError as exc:
        raise PrinterError(f"无法读取待打印的文件：{pdf}", f"cannot read {pdf}: {exc}") from exc


def available_printers() -> list[str]:
    return [p.printerName() for p in QPrinterInfo.availablePrinters()]


def default_printer_name() -> str | None:
    info = QPrinterInfo.defaultPrinter()
    return None if info.isNull() else info.printerName()


def make_printer(printer_name: str | None = None) -> QPrinter:
    """A ``QPrinter`` for the named printer (the window's remembered one), else the
    system default.  Raises PrinterError when the named one is not installed or there is
    no printer at all."""
    if printer_name:
        info = QPrinterInfo.printerInfo(printer_name)
        if info.isNull():
            raise PrinterError(f"找不到打印机“{printer_name}”，请在设置中重新选择打印机。",
                               f"printer {printer_name!r} not found")
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    else:
        if QPrinterInfo.defaultPrinter().isNull():
            raise PrinterError("本机没有可用的打印机，回执已保存为 PDF，可稍后补打。",
                               "no printer installed")
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    return printer


def page_images(pdf, dpi: float = 150) -> list[tuple[QImage, tuple[float, float]]]:
    """Rasterise every page of ``pdf`` (bytes or path): (QImage at ``dpi``, page size in
    points) per page."""
    import pypdfium2 as pdfium

    data = _pdf_bytes(pdf)
    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:  # noqa: BLE001 - any PDFium failure means "unreadable"
        raise PrinterError("PDF 文件已损坏，无法打印，请重新生成。", f"unreadable PDF: {exc}") from exc
    out = []
    try:
        for i in range(len(doc)):
            bmp = doc[i].render(scale=dpi / 72.0, grayscale=True)
            pil = bmp.to_pil().convert("L")
            img = QImage(pil.tobytes(), pil.width, pil.height, pil.width,
                         QImage.Format.Format_Grayscale8).copy()
            out.append((img, doc[i].get_size()))
    finally:
        doc.close()
    return out


def _layout_for(size_pt) -> QPageLayout:
    w, h = size_pt
    ps = QPageSize(QSizeF(w, h), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    orient = QPageLayout.Orientation.Portrait
    return QPageLayout(ps, orient, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)


def paint_pdf(printer: QPrinter, pdf, *, copies: int = 1) -> int:
    """Paint the PDF's pages on ``printer`` (already set up); returns pages painted."""
    dpi = min(MAX_DPI, max(150, printer.resolution()))
    pages = page_images(pdf, dpi)
    if not pages:
        raise PrinterError("PDF 没有页面，无法打印。", "PDF has no pages")
    printer.setFullPage(True)
    printer.setPageLayout(_layout_for(pages[0][1]))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError("打印机无法开始打印，请检查打印机是否联机、是否缺纸。",
                           "printer refused to start")
    n = 0
    try:
        for c in range(max(1, copies)):
            for i, (img, size) in enumerate(pages):
                if n:
                    printer.setPageLayout(_layout_for(size))
                    if not printer.newPage():
                        raise PrinterError("打印机换页失败，请检查打印机。", "newPage failed")
                target = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
                painter.drawImage(target, img)
                n += 1
    finally:
        painter.end()
    return n


def print_pdf(pdf, printer_name: str | None = None, parent=None, *, copies: int = 1,
              printer: QPrinter | None = None, title: str = "企业诉求受理回执") -> int:
    """Print ``pdf`` (bytes or path) directly on the remembered printer (no dialog).

    ``printer`` may be given (e.g. a QPrinter set to PDF output); returns pages printed.
    """
    printer = printer or make_printer(printer_name)
    printer.setDocName(title)
    return paint_pdf(printer, pdf, copies=copies)


def preview_pdf(pdf, parent=None, printer_name: str | None = None) -> bool:
    """Modal print preview of ``pdf``; printing from it uses the chosen printer.
    Returns True when the clerk printed."""
    try:
        printer = make_printer(printer_name)
    except PrinterError:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)   # preview still works
    data = _pdf_bytes(pdf)
    dlg = QPrintPreviewDialog(printer, parent)
    dlg.setWindowTitle("打印预览")
    dlg.paintRequested.connect(lambda p: paint_pdf(p, data))
    return dlg.exec() == QPrintPreviewDialog.DialogCode.Accepted


def choose_printer(parent=None, current: str | None = None) -> str | None:
    """Let the clerk pick a printer; returns its name (to remember per window in the
    settings) or None when cancelled."""
    printer = QPrinter()
    if current:
        printer.setPrinterName(current)
    dlg = QPrintDialog(printer, parent)
    dlg.setWindowTitle("选择回执打印机")
    if dlg.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer.printerName() or None
