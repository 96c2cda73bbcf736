"""Receipt files for cases: the PDF is rendered by ``printing`` (no Qt there) into
``<data_dir>/receipts/``; sending it to a printer is ``ui/printing_qt.py``'s job (owned
by the printing engineer) — we call it when it is there and otherwise keep the PDF and
say where it is."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def receipt_dir(store) -> Path:
    folder = Path(store.data_dir) / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_receipt(store, case: dict, *, clerk_name: str | None = None, reprint: int = 0) -> Path:
    """Render the receipt PDF of ``case``; runs in a worker (reportlab takes ~100 ms)."""
    from printing import receipts

    case = dict(case)
    if case.get("deadline_provisional") and not case.get("provisional_reason"):
        start = dt.datetime.fromisoformat(case.get("period_start") or case["received_at"])
        case["provisional_reason"] = store.deadline(start, case["grade"],
                                                    case.get("extension_days") or 0).provisional_reason
    return Path(receipts.write_receipt_for_store(store, case, receipt_dir(store), clerk_name=clerk_name,
                                                 reprint=reprint))


def send_to_printer(path: Path, store, parent=None) -> None:
    """Print the PDF on this window's printer (ui/printing_qt.py, the printing
    engineer's glue).  A missing printer raises its ``PrinterError`` (a user error);
    the PDF stays in the receipts folder either way."""
    from . import printing_qt

    printing_qt.print_pdf(str(path), store.backend.get_setting("printer_name", None), parent,
                          copies=int(store.backend.get_setting("receipt_copies", 1) or 1))
