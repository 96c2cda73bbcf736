"""Direct ESC/POS output for a configured 80 mm thermal printer (optional path).

Same content as the PDF receipt (built from :func:`printing.receipts.receipt_doc`),
printed with the printer's own Chinese font: text GB18030-encoded, ``FS &`` for the
Chinese mode most Chinese-market printers need, the QR code with the printer's
``GS ( k`` command, a partial cut after each copy.  The printer's built-in font usually
covers GBK only, so characters outside GBK (rare name characters such as 𠀀) are
printed as ``[U+XXXXX]`` and reported exactly as the PDF path does
(:class:`~printing.fonts.MissingGlyphWarning`, or :class:`MissingGlyphError` when
``strict``).  Where such names matter, print the PDF instead.

    data = receipt_escpos(case, county, clerk_name="张伟")
    send_escpos(data, "tcp://192.168.1.50:9100")   # or "/dev/usb/lp0", "\\\\.\\COM3"
"""
from __future__ import annotations

import os
import re
import socket
import unicodedata
from datetime import datetime

from . import common as cm
from .errors import PrintingError
from .layout import Doc
from .receipts import receipt_doc
from .text import NO_END, NO_START

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01"}
SIZE = {"normal": GS + b"!\x00", "double": GS + b"!\x11", "tall": GS + b"!\x01"}
BOLD = {True: ESC + b"E\x01", False: ESC + b"E\x00"}
CUT = GS + b"VB\x03"          # feed 3 lines and partial cut

_TOKEN = re.compile(r"[A-Za-z0-9@#&_+\-./:%*]+|\s+|.", re.S)


def char_cols(ch: str) -> int:
    """Columns a character takes in the printer's font (CJK and ambiguous: 2)."""
    if ch in "\n\r":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def cols(s: str) -> int:
    return sum(char_cols(c) for c in s)


def wrap_cols(s: str, width: int, first: int | None = None) -> list[str]:
    """Wrap to ``width`` columns (``first`` for the first line), Chinese line-break rules."""
    out: list[str] = []
    line, lw = "", 0
    lim = first if first is not None else width
    for tok in _TOKEN.findall(s.replace("\n", " ")):
        tw = cols(tok)
        if lw + tw <= lim:
            if line or not tok.isspace():
                line, lw = line + tok, lw + tw
            continue
        if tok.isspace():
            out.append(line.rstrip())
            line, lw, lim = "", 0, width
            continue
        if tw > width:                      # a token longer than a line: hard split
            for ch in tok:
                if lw + char_cols(ch) > lim:
                    out.append(line)
                    line, lw, lim = "", 0, width
                line, lw = line + ch, lw + char_cols(ch)
            continue
        carry = ""
        if tok[0] in NO_START and len(line) > 1:
            carry, line = line[-1], line[:-1]
        while len(line) > 1 and line[-1] in NO_END:
            carry, line = line[-1] + carry, line[:-1]
        out.append(line.rstrip())
        line, lw, lim = carry + tok, cols(carry + tok), width
    if line or not out:
        out.append(line.rstrip())
    return out


def _printable(s: str, missing: list[str]) -> str:
    """Replace characters the printer's GBK font cannot show with ``[U+XXXX]``."""
    out = []
    for ch in s:
        try:
            ch.encode("gbk")
            out.append(ch)
        except UnicodeEncodeError:
            if ch not in missing:
                missing.append(ch)
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


def _qr(payload: str, module: int = 6) -> bytes:
    data = payload.encode("ascii")
    n = len(data) + 3
    return b"".join([
        GS + b"(k\x04\x001A2\x00",                       # model 2
        GS + b"(k\x03\x001C" + bytes([module]),          # module size
        GS + b"(k\x03\x001E1",                           # error correction M
        GS + b"(k" + bytes([n & 0xFF, n >> 8]) + b"1P0" + data,   # store
        GS + b"(k\x03\x001Q0",                           # print
    ])


def doc_ops(d: Doc, columns: int, missing: list[str]) -> list[tuple]:
    """Printer-independent ops: ("text", align, size, bold, line) / ("qr", payload) /
    ("feed", n) / ("cut",).  Each text line fits ``columns`` at its size."""
    ops: list[tuple] = []

    def centred(s, size="normal", bold=False):
        w = columns // (2 if size == "double" else 1)
        for ln in wrap_cols(_printable(s, missing), w):
            ops.append(("text", "center", size, bold, ln))

    def left(s, bold=False, first=None, label=""):
        lines = wrap_cols(_printable(s, missing), columns,
                          first=None if first is None else columns - cols(label))
        for k, ln in enumerate(lines):
            ops.append(("text", "left", "normal", bold, (label + ln) if k == 0 and label else ln))

    centred(d.org)
    centred(d.title, "double", True)
    sub = "  ".join(x for x in (d.copy_label, d.reprint_label) if x)
    if sub:
        centred(sub, bold=bool(d.reprint_label))
    centred(d.number_label)
    centred(d.number, "tall", True)
    ops.append(("text", "left", "normal", False, "-" * columns))
    if d.addressee:
        left(d.addressee, bold=True)
    for s in d.intro:
        left(s.body)
    for row in d.rows:
        for c in row:
            value = c.value or "—"
            lab = c.label + "："
            lines = wrap_cols(_printable(value, missing), columns, first=columns - cols(lab))
            cap = c.max_lines if not c.flex else 8
            if cap and len(lines) > cap:
                lines = lines[:cap]
                last = lines[-1]
                while last and cols(last) + 2 > columns - (cols(lab) if cap == 1 else 0):
                    last = last[:-1]
                lines[-1] = last + "…"
            for k, ln in enumerate(lines):
                ops.append(("text", "left", "normal", c.big, (lab + ln) if k == 0 else ln))
            if c.note:
                left(c.note)
    for s in d.sections:
        if s.heading:
            left(s.heading, bold=True)
        left(s.body)
    for n in d.notes:
        left(n)
    ops.append(("feed", 1))
    for sig in d.signatures:
        ops.append(("feed", 1))
        ops.append(("text", "left", "normal", False, sig + "_" * max(0, columns - cols(sig))))
    if d.qr:
        ops.append(("feed", 1))
        ops.append(("qr", d.qr))
        ops.append(("text", "center", "normal", False, "扫码查询办理进度"))
    if d.footer:
        left(d.footer)
    ops.append(("cut",))
    return ops


def encode_ops(ops: list[tuple], encoding: str = "gb18030") -> bytes:
    out = [INIT, CHINESE_ON]
    align = size = bold = None
    for op in ops:
        if op[0] == "text":
            _, a, s, b, line = op
            if a != align:
                out.append(ALIGN[a])
                align = a
            if s != size:
                out.append(SIZE[s])
                size = s
            if b != bold:
                out.append(BOLD[b])
                bold = b
            out.append(line.encode(encoding) + b"\n")
        elif op[0] == "qr":
            if align != "center":
                out.append(ALIGN["center"])
                align = "center"
            out.append(_qr(op[1]) + b"\n")
        elif op[0] == "feed":
            out.append(b"\n" * op[1])
        elif op[0] == "cut":
            out.append(CUT)
    out.append(SIZE["normal"] + BOLD[False] + ALIGN["left"])
    return b"".join(out)


def receipt_escpos(case: dict, county: dict, *, clerk_name: str | None = None, reprint: int = 0,
                   copies: tuple[str, ...] = ("enterprise", "archive"), columns: int = 48,
                   printed_at: datetime | None = None, strict: bool = False) -> bytes:
    """ESC/POS bytes of the receipt, one cut per copy.  ``columns``: 48 for an 80 mm
    printer's 12×24 font (42 on some models; 32 for 58 mm rolls)."""
    missing: list[str] = []
    ops: list[tuple] = []
    for c in copies:
        d = receipt_doc(case, county, copy=c, clerk_name=clerk_name, reprint=reprint,
                        printed_at=printed_at)
        ops += doc_ops(d, columns, missing)
    data = encode_ops(ops)
    return cm.finish(data, missing, strict)


def send_escpos(data: bytes, target: str, timeout: float = 5.0) -> None:
    """Send raw bytes to ``tcp://host[:port]`` (port 9100 by default) or a device path."""
    try:
        if target.startswith("tcp://"):
            hostport = target[6:]
            host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "9100")
            with socket.create_connection((host, int(port or 9100)), timeout=timeout) as s:
                s.sendall(data)
        else:
            fd = os.open(target, os.O_WRONLY | getattr(os, "O_BINARY", 0))
            try:
                view = memoryview(data)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
            finally:
                os.close(fd)
    except OSError as exc:
        raise PrintingError(f"无法连接热敏打印机（{target}），请检查打印机电源和连接。",
                            f"cannot reach ESC/POS printer {target}: {exc}") from exc
