"""Qt print path: the PDF's pages painted through QPrinter.

The only stand-in is the printer itself: a real QPrinter whose output format is PDF,
so the painted pages can be read back and their QR codes decoded.
"""
from __future__ import annotations

import io
import shutil
import subprocess

import pypdf
import pytest
from PIL import Image

from printing import parse_qr, render_receipt, render_reply_notice, samples

pytestmark = pytest.mark.gui
MM = 72 / 25.4


@pytest.fixture
def pdf_printer(qapp, tmp_path):
    from ui.qt import QPrinter

    def make(name="out.pdf"):
        p = QPrinter(QPrinter.PrinterMode.HighResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(tmp_path / name))
        return p, tmp_path / name
    return make


def _decode(pdf_path, page):
    import zxingcpp
    png = subprocess.run(["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-png",
                          str(pdf_path)], capture_output=True, check=True).stdout
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("paper,pages,width_mm", [("a4", 1, 210), ("a5", 2, 148), ("thermal80", 2, 80)])
def test_print_pdf_pages_through_qt(pdf_printer, paper, pages, width_mm):
    from ui.printing_qt import print_pdf

    pdf = render_receipt(samples.case(), samples.county(), paper=paper, clerk_name="张伟")
    printer, out = pdf_printer()
    assert print_pdf(pdf, printer=printer) == pages
    r = pypdf.PdfReader(str(out))
    assert len(r.pages) == pages
    for pg in r.pages:
        assert float(pg.mediabox.width) == pytest.approx(width_mm * MM, abs=1.5)
    codes = [t for i in range(1, pages + 1) for t in _decode(out, i)]
    assert [parse_qr(t) for t in codes] == [samples.CASE["receipt_no"]] * 2


def test_print_from_path_and_copies(pdf_printer, tmp_path):
    from ui.printing_qt import print_pdf

    src = tmp_path / "notice.pdf"
    src.write_bytes(render_reply_notice(samples.case(), samples.county(), samples.REPLY))
    printer, out = pdf_printer()
    assert print_pdf(src, printer=printer, copies=2) == 2
    assert len(pypdf.PdfReader(str(out)).pages) == 2


def test_unknown_printer_and_bad_pdf_are_user_errors(qapp, tmp_path):
    from models.errors import is_user_error
    from ui.printing_qt import PrinterError, make_printer, page_images

    with pytest.raises(PrinterError) as e:
        make_printer("不存在的打印机-xyz")
    assert "找不到打印机" in e.value.zh and is_user_error(e.value)
    with pytest.raises(PrinterError):
        page_images(b"%PDF-1.4 broken")
    with pytest.raises(PrinterError):
        page_images(tmp_path / "missing.pdf")
