"""Measuring, wrapping and drawing mixed Chinese/Latin text with per-character fonts.

Line breaking follows the usual rules for Chinese (GB/T 15834 habits, "禁则"):
a break is allowed between any two CJK characters; runs of Latin letters and digits
(receipt numbers, credit codes, phone numbers) stay together unless a run is wider than
the line; closing punctuation never starts a line and opening punctuation never ends one.
"""
from __future__ import annotations

import re

from . import fonts

# punctuation that must not start a line / must not end a line
NO_START = set("，。、；：？！）》」』】〉〕］｝”’…—·.,;:?!)]}%％‰℃")
NO_END = set("（《「『【〈〔［｛“‘([{")

_TOKEN = re.compile(r"[A-Za-z0-9@#&_+\-./:%]+|\s+|.", re.S)
ELLIPSIS = "…"


def width(text: str, size: float) -> float:
    return fonts.string_width(text, size)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _split_long(tok: str, size: float, avail: float) -> list[str]:
    """Break a token wider than ``avail`` at character boundaries."""
    parts, cur, w = [], "", 0.0
    for ch in tok:
        cw = fonts.char_width(ch, size)
        if cur and w + cw > avail:
            parts.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += cw
    if cur:
        parts.append(cur)
    return parts


def wrap(text: str, size: float, avail: float, first_avail: float | None = None) -> list[str]:
    """Wrap ``text`` into lines no wider than ``avail`` points.

    Explicit newlines start new lines.  ``first_avail`` (if given) is the width of the
    first line (e.g. after an inline label).
    """
    lines: list[str] = []
    for para in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lim = first_avail if (first_avail is not None and not lines) else avail
        lines.extend(_wrap_para(para, size, avail, lim))
    return lines


def _wrap_para(text: str, size: float, avail: float, first: float) -> list[str]:
    if not text:
        return [""]
    toks = _tokens(text)
    out: list[str] = []
    line: list[str] = []   # tokens
    lw = 0.0
    lim = first
    i = 0
    while i < len(toks):
        tok = toks[i]
        tw = width(tok, size)
        if lw + tw <= lim + 1e-6:
            if not line and tok.isspace():
                i += 1      # no leading spaces on a wrapped line
                continue
            line.append(tok)
            lw += tw
            i += 1
            continue
        # does not fit
        if tok.isspace():
            i += 1
            if i < len(toks) and toks[i][:1] in NO_START:
                continue    # drop the space: the punctuation after it is pulled back below
            out.append("".join(line).rstrip())
            line, lw, lim = [], 0.0, avail
            continue
        if not line:
            # a single token wider than the line: split it
            parts = _split_long(tok, size, lim)
            toks[i:i + 1] = parts
            tok = parts[0]
            line.append(tok)
            lw = width(tok, size)
            i += 1
            continue
        carry: list[str] = []
        # closing punctuation must not start the next line: pull back one token
        if tok[0] in NO_START:
            while True:
                if len(line) > 1:
                    carry.insert(0, line.pop())
                elif len(line[0]) > 1:
                    carry.insert(0, line[0][-1])
                    line[0] = line[0][:-1]
                else:
                    break
                if carry[0][0] not in NO_START:
                    break
        # opening punctuation must not end this line, as long as what moves down still
        # fits on the next line with the token that did not fit (a run of nothing but
        # opening quotes would otherwise move down whole and overflow)
        while (len(line) > 1 and line[-1] and line[-1][-1] in NO_END
               and width("".join([line[-1], *carry, tok]), size) <= avail + 1e-6):
            carry.insert(0, line.pop())
        out.append("".join(line).rstrip())
        line = carry
        lw = sum(width(t, size) for t in line)
        lim = avail
        if lw > lim:            # pathological: carried text itself too wide
            out.append("".join(line))
            line, lw = [], 0.0
    out.append("".join(line).rstrip())
    return out


def truncate(lines: list[str], n: int, size: float, avail: float) -> list[str]:
    """Keep ``n`` lines; the last one ends with an ellipsis and fits ``avail``."""
    if len(lines) <= n:
        return lines
    if n <= 0:
        return []
    keep = lines[:n]
    last = keep[-1].rstrip()
    ew = width(ELLIPSIS, size)
    while last and width(last, size) + ew > avail:
        last = last[:-1]
    # do not end on opening punctuation or half a surrogate
    while last and last[-1] in NO_END:
        last = last[:-1]
    keep[-1] = last + ELLIPSIS
    return keep


def fit_size(text: str, size: float, avail: float, min_size: float = 6.0) -> float:
    """Largest size ≤ ``size`` at which ``text`` fits on one line of ``avail`` points."""
    w = width(text, size)
    if w <= avail:
        return size
    return max(min_size, size * avail / w * 0.999)


def draw(canvas, x: float, y: float, text: str, size: float, bold: bool = False,
         missing: list[str] | None = None) -> float:
    """Draw ``text`` with its baseline at ``y``; returns the width drawn.

    Characters in no font are drawn as a visible ``[U+XXXX]`` placeholder and appended
    to ``missing``.
    """
    if not text:
        return 0.0
    t = canvas.beginText(x, y)
    if bold:
        t.setTextRenderMode(2)
        canvas.setLineWidth(size * 0.035)
    total = 0.0
    for name, s in fonts.runs(text):
        if name is None:
            for ch in s:
                ph = fonts.placeholder(ch)
                t.setFont("Helvetica", size * 0.7)
                t.textOut(ph)
                if missing is not None and ch not in missing:
                    missing.append(ch)
            total += sum(fonts.placeholder_width(c, size) for c in s)
            continue
        t.setFont(name, size)
        t.textOut(s)
        total += fonts.string_width(s, size)
    if bold:
        t.setTextRenderMode(0)
    canvas.drawText(t)
    return total
