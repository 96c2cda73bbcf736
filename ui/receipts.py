"""Receipt files for cases: the PDF is rendered by ``printing`` (no Qt there) into
``<data_dir>/receipts/``; sending it to a printer is ``ui/printing_qt.py``'s job (owned
by the printing engineer) — we call it when it is there and otherwise keep the PDF and
say where it is."""
from __future__ import annotations

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

    paper = store.backend.get_setting("receipt_paper", "a4")
    suffix = f"-补打{reprint}" if reprint else ""
    target = receipt_dir(store) / f"{case['receipt_no']}{suffix}.pdf"
    writer = getattr(receipts, "write_receipt_for_store", None)
    if writer is not None and not reprint and clerk_name is None:
        try:
            return Path(writer(store, case, receipt_dir(store)))
        except TypeError:  # a different signature than expected: fall back to ours
            log.debug("write_receipt_for_store signature differs; rendering directly")
    county = store.county.to_json()
    case = dict(case)
    if case.get("deadline_provisional") and not case.get("provisional_reason"):
        deadline = store.deadline(_parse(case["period_start"] or case["received_at"]), case["grade"],
                                  case.get("extension_days") or 0)
        case["provisional_reason"] = deadline.provisional_reason
    receipts.render_receipt(case, county, paper=paper, clerk_name=clerk_name, reprint=reprint,
                            out_path=str(target))
    return target


def _parse(value: str):
    import datetime as dt

    return dt.datetime.fromisoformat(value)


def send_to_printer(path: Path, store, parent=None) -> str | None:
    """Hand the PDF to the Qt print glue if it exists; returns a message when it does not
    print (the PDF itself is kept either way)."""
    try:
        from . import printing_qt  # owned by the printing engineer
    except ImportError:
        return None
    printer = store.backend.get_setting("printer_name", None)
    for name in ("print_pdf", "print_receipt_pdf", "print_file"):
        fn = getattr(printing_qt, name, None)
        if fn is None:
            continue
        try:
            fn(str(path), printer_name=printer, parent=parent)
        except TypeError:
            fn(str(path))
        return None
    return None
