"""QR payload of a receipt: ``QYSQ1|<receipt_no>|<check>``.

``check`` is the first 8 hex digits (upper case) of HMAC-SHA256(key, receipt_no).  It is a
*check value*, not a signature: it tells a scan of our receipt from any other QR code (a
business licence scanned at the wrong prompt, a mistyped number) before the store is
searched.  The key defaults to an application constant so that every window — offline
ones included — can verify any county's receipt.

Scanners in keyboard-wedge mode may deliver full-width characters, lower case or a
trailing newline; :func:`parse_qr` normalises these first.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from .errors import QRPayloadError

PREFIX = "QYSQ1"
DEFAULT_KEY = b"qysq-receipt-check-v1"
RECEIPT_NO_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*-\d{8}-\d{4}$")

__all__ = ["PREFIX", "QRPayloadError", "qr_payload", "parse_qr", "check_value", "qr_matrix"]




def check_value(receipt_no: str, key: bytes = DEFAULT_KEY) -> str:
    return hmac.new(key, receipt_no.encode("utf-8"), hashlib.sha256).hexdigest()[:8].upper()


def qr_payload(receipt_no: str, key: bytes = DEFAULT_KEY) -> str:
    if not RECEIPT_NO_RE.match(receipt_no or ""):
        raise QRPayloadError(f"回执编号格式不正确：{receipt_no!r}")
    return f"{PREFIX}|{receipt_no}|{check_value(receipt_no, key)}"


def parse_qr(text: str, key: bytes = DEFAULT_KEY) -> str:
    """Validate a scanned receipt QR text and return its receipt number.

    Raises :class:`QRPayloadError` when the text is not ours or the check value fails.
    """
    if not isinstance(text, str):
        raise QRPayloadError("二维码内容为空")
    t = unicodedata.normalize("NFKC", text).strip().replace("｜", "|")
    parts = t.split("|")
    if len(parts) != 3 or parts[0].upper() != PREFIX:
        raise QRPayloadError("不是本系统的受理回执二维码")
    no = parts[1].strip().upper()
    chk = parts[2].strip().upper()
    if not RECEIPT_NO_RE.match(no):
        raise QRPayloadError(f"回执编号格式不正确：{parts[1]}")
    if not hmac.compare_digest(chk, check_value(no, key)):
        raise QRPayloadError("二维码校验失败，请重新扫描或手工输入回执编号")
    return no


_matrix_cache: dict[str, list[list[bool]]] = {}


def qr_matrix(payload: str) -> list[list[bool]]:
    """Module matrix (True = dark), without the quiet zone; error correction M."""
    m = _matrix_cache.get(payload)
    if m is None:
        import qrcode
        from qrcode.constants import ERROR_CORRECT_M
        q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
        q.add_data(payload)
        q.make(fit=True)
        m = q.get_matrix()
        if len(_matrix_cache) > 256:
            _matrix_cache.clear()
        _matrix_cache[payload] = m
    return m


def draw_qr(canvas, x: float, y: float, size: float, payload: str) -> None:
    """Draw the code as vector squares; (x, y) is the lower-left corner, size excludes
    the quiet zone (keep ≥ 4 modules of white around it)."""
    m = qr_matrix(payload)
    n = len(m)
    mod = size / n
    p = canvas.beginPath()
    for r, row in enumerate(m):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # slight overlap avoids hairline gaps between modules in some rasterisers
                p.rect(x + start * mod, y + size - (r + 1) * mod, (c - start) * mod + 0.01,
                       mod + 0.01)
            else:
                c += 1
    canvas.setFillGray(0)
    canvas.drawPath(p, stroke=0, fill=1)
