"""Archive printed PDFs under the data directory.

Layout::

    <data_dir>/receipts/<receipt_no>.pdf               original receipt
    <data_dir>/receipts/<receipt_no>-补打2.pdf          second reprint
    <data_dir>/notices/<receipt_no>-答复告知单.pdf       notices (重办通知, 督办通知, 催办通知)

Writes are atomic (temp file, fsync, rename): a power cut leaves the old file or the new
one, never half a PDF.
"""
from __future__ import annotations

import os
from pathlib import Path

from .common import write_out
from .errors import PrintingError
from .qr import RECEIPT_NO_RE

KINDS = {
    "receipt": ("receipts", ""),
    "reply": ("notices", "答复告知单"),
    "rework": ("notices", "重办通知"),
    "escalation": ("notices", "督办通知"),
    "urge": ("notices", "催办通知"),
}


def archive_path(data_dir, receipt_no: str, *, kind: str = "receipt", reprint: int = 0) -> Path:
    if not RECEIPT_NO_RE.match(receipt_no or ""):
        # also keeps path separators and ".." out of file names
        raise PrintingError(f"回执编号格式不正确：{receipt_no!r}")
    if kind not in KINDS:
        raise PrintingError(f"未知文书类型：{kind!r}（可选 {', '.join(KINDS)}）")
    sub, label = KINDS[kind]
    name = receipt_no + (f"-{label}" if label else "")
    if reprint and int(reprint) > 0:
        name += f"-补打{int(reprint)}"
    return Path(os.fspath(data_dir)) / sub / f"{name}.pdf"


def archive_pdf(data_dir, receipt_no: str, pdf: bytes, *, kind: str = "receipt",
                reprint: int = 0) -> Path:
    """Write ``pdf`` to its archive path (creating folders) and return the path."""
    if not pdf.startswith(b"%PDF-"):
        raise PrintingError("不是 PDF 数据")
    p = archive_path(data_dir, receipt_no, kind=kind, reprint=reprint)
    write_out(pdf, p)
    return p
