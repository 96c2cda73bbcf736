"""Subcommands contributed to ``main.py`` (loaded by ``main._load_extra_commands``).

* ``fonts`` — which CJK font receipts embed (JSON); exit 2 when receipts would not be
  self-contained (reportlab's CID font, not embedded).
* ``receipt RECEIPT_NO`` — (re)print a stored case's receipt PDF into the archive
  (``<data_dir>/receipts``) or ``--out DIR``; ``--reprint N`` prints 补打（第N次）.
  Accepts a scanned QR text in place of the number.
"""
from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_FAILED = 0, 2


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _say(msg: str) -> None:
    sys.stderr.write(msg.rstrip("\n") + "\n")


def cmd_fonts(args) -> int:
    from . import fonts
    if getattr(args, "font", None):
        st = fonts.configure_fonts(args.font)
    else:
        st = fonts.font_status()
    d = st.as_dict()
    d["ok"] = st.self_contained
    _emit(d)
    if st.warning:
        _say(st.warning)
    return EXIT_OK if st.self_contained else EXIT_FAILED


def cmd_receipt(args) -> int:
    from pathlib import Path

    from models.errors import UserError
    from models.store import Store

    from .qr import parse_qr
    from .receipts import write_receipt_for_store

    no = args.receipt_no.strip()
    if no.upper().startswith("QYSQ1"):
        no = parse_qr(no)
    store = Store.open(args.data_dir)
    try:
        case = store.case_by_receipt(no)
        if case is None:
            raise UserError(f"找不到回执编号为 {no} 的诉求件", f"no case with receipt number {no}",
                            code="not_found")
        out = Path(args.out) if args.out else Path(store.data_dir) / "receipts"
        out.mkdir(parents=True, exist_ok=True)
        path = write_receipt_for_store(store, case, out, reprint=args.reprint, paper=args.paper)
    finally:
        store.close()
    _emit({"ok": True, "receipt_no": no, "receipt_pdf": str(path), "reprint": args.reprint})
    return EXIT_OK


def register_commands(add) -> None:
    p = add("fonts", cmd_fonts, "show the CJK font receipts embed (exit 2 if not self-contained)")
    p.add_argument("--font", help="try this font file (path or path#index) instead")
    p = add("receipt", cmd_receipt, "write a stored case's receipt PDF (reprints say 补打)")
    p.add_argument("receipt_no", help="receipt number, or the text scanned from its QR code")
    p.add_argument("--paper", choices=["a4", "a5", "thermal80"], default=None,
                   help="default: the window's setting")
    p.add_argument("--reprint", type=int, default=0, metavar="N", help="reprint count (补打第N次)")
    p.add_argument("--out", metavar="DIR", help="default: <data_dir>/receipts")
