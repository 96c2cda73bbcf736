"""Errors of the printing package, in the project's one error vocabulary.

They are ``models.errors.UserError`` (Chinese message for the clerk + English) and also
``ValueError``; ``printing`` imports nothing else from ``models`` but the protocol.
"""
from __future__ import annotations

from models.errors import UserError as _UserError


class PrintingError(_UserError, ValueError):
    code = "printing"


class LayoutError(PrintingError):
    """The content cannot be fitted on the chosen paper."""

    code = "layout"


class QRPayloadError(PrintingError):
    """A scanned text is not a valid receipt QR code."""

    code = "bad_qr"


class MissingGlyphError(PrintingError):
    """Strict rendering: some characters are in no available font."""

    code = "missing_glyph"

    def __init__(self, chars):
        self.chars = tuple(chars)
        shown = "、".join(f"{c}(U+{ord(c):04X})" for c in self.chars)
        super().__init__(f"以下字符在已安装的字体中均不存在，无法打印：{shown}",
                         "characters not in any installed font: "
                         + ", ".join(f"U+{ord(c):04X}" for c in self.chars))
