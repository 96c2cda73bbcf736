"""One layout engine for the receipt and every notice.

A :class:`Doc` (header, a grid of labelled fields, flowing sections, small print,
signature lines) is laid out into *bands* — horizontal strips with their own drawing
operations — and the bands are placed into frames:

* ``a4``: a receipt's two copies in the two halves of one A4 sheet with a cut line; a
  notice flows over full A4 pages;
* ``a5``: each copy / notice on its own A5 page(s);
* ``thermal80``: each copy on its own 80 mm wide page whose height fits the content
  (72 mm printable width), printed without grid lines or shading.

A receipt must fit its frame: the one *flex* field (the petition excerpt) is shortened
with "…" and a note; every other wrapped field has a line cap.  Notices never lose
text: their sections continue on the next page under a continuation header.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import fonts, text
from .errors import LayoutError, PrintingError
from .qr import draw_qr

PAPERS = ("a4", "a5", "thermal80")




@dataclass
class Cell:
    label: str
    value: str
    flex: bool = False              # may be shortened to fit (receipt excerpt)
    max_lines: int | None = None    # cap for wrapped values (ellipsis beyond)
    note: str | None = None         # small print under the value, same cell
    big: bool = False               # value drawn bold


@dataclass
class Section:
    heading: str
    body: str


@dataclass
class Doc:
    org: str                         # 示范县政务服务中心
    title: str                       # 企业诉求受理回执
    number_label: str                # 回执编号
    number: str
    qr: str | None = None
    copy_label: str | None = None    # 第一联 企业留存
    reprint_label: str | None = None  # 补打（第1次）
    addressee: str | None = None     # 致：……（notices）
    intro: list[Section] = field(default_factory=list)    # before the grid
    rows: list[list[Cell]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    footer: str = ""
    truncated_note: str = "（内容较长，此处为节选，全文以系统登记为准）"


@dataclass(frozen=True)
class Style:
    grid: bool
    base: float
    label: float
    small: float
    title: float
    number: float
    org: float
    qr: float
    label_w: float
    pad: float
    leading: float = 1.32


STYLES = {
    "half": Style(True, 9.5, 9.0, 7.5, 17, 14, 10.5, 24 * mm, 28.5 * mm, 1.3 * mm),
    "a5": Style(True, 9.5, 9.0, 7.5, 17, 14, 10.5, 24 * mm, 22 * mm, 1.3 * mm),
    "full": Style(True, 11, 10.5, 8.5, 20, 15, 12, 26 * mm, 35 * mm, 1.8 * mm),
    "thermal": Style(False, 9, 9, 7.5, 14, 13, 10, 34 * mm, 0, 0.8 * mm),
}


# -- bands ------------------------------------------------------------------------------
# ops (y measured downwards from the band's top):
#   ("t", x, baseline_y, text, size, bold)
#   ("l", x1, y1, x2, y2, width, dash)
#   ("r", x, y_top, w, h, fill_gray|None, stroke)
#   ("q", x, y_top, size, payload)

@dataclass
class Band:
    height: float
    ops: list
    keep_with_next: bool = False


class _Builder:
    def __init__(self, st: Style, width: float):
        self.st = st
        self.w = width
        self.bands: list[Band] = []

    def lh(self, size: float) -> float:
        return size * self.st.leading

    # header ---------------------------------------------------------------------------
    def header(self, d: Doc):
        st, W = self.st, self.w
        ops = []
        if st.grid:
            y = 0.0
            q = st.qr if d.qr else 0.0
            side = 0.0
            if d.copy_label:
                s = st.small + 0.5
                cw = text.width(d.copy_label, s) + 2 * st.pad
                ops.append(("r", 0, 0, cw, s * 1.7, None, True))
                ops.append(("t", st.pad, s * 1.22, d.copy_label, s, False))
                side = s * 1.7
            if d.reprint_label:
                s = st.base + 0.5
                ops.append(("t", 0, side + s * 1.4, d.reprint_label, s, True))
            # centred org + title, kept clear of the QR code on the right
            avail = W - 2 * (q + 2 * mm)
            osz = text.fit_size(d.org, st.org, avail)
            y += osz * 1.15
            ops.append(("t", (W - text.width(d.org, osz)) / 2, y, d.org, osz, False))
            tsz = text.fit_size(d.title, st.title, avail)
            y += tsz * 1.35
            ops.append(("t", (W - text.width(d.title, tsz)) / 2, y, d.title, tsz, True))
            y += st.number * 0.6
            lab = d.number_label + "："
            lsz = st.base
            lw = text.width(lab, lsz)
            nsz = text.fit_size(d.number, st.number, W - q - lw - 4 * mm)
            y += nsz * 1.1
            ops.append(("t", 0, y, lab, lsz, False))
            ops.append(("t", lw, y, d.number, nsz, True))
            if d.qr:
                ops.append(("q", W - q, 0, q, d.qr))
            h = max(y + nsz * 0.35, q) + 1.5 * mm
            self.bands.append(Band(h, ops, keep_with_next=True))
        else:
            y = 0.0
            for s_text, size, bold in ((d.org, st.org, False), (d.title, st.title, True)):
                sz = text.fit_size(s_text, size, W)
                y += sz * 1.3
                ops.append(("t", (W - text.width(s_text, sz)) / 2, y, s_text, sz, bold))
            sub = "  ".join(x for x in (d.copy_label, d.reprint_label) if x)
            if sub:
                sz = text.fit_size(sub, st.base, W)
                y += sz * 1.45
                ops.append(("t", (W - text.width(sub, sz)) / 2, y, sub, sz, bool(d.reprint_label)))
            lab = d.number_label
            y += st.small * 1.6
            ops.append(("t", (W - text.width(lab, st.small)) / 2, y, lab, st.small, False))
            nsz = text.fit_size(d.number, st.number, W)
            y += nsz * 1.25
            ops.append(("t", (W - text.width(d.number, nsz)) / 2, y, d.number, nsz, True))
            y += 1.5 * mm
            ops.append(("l", 0, y, W, y, 0.6, (2, 2)))
            self.bands.append(Band(y + 1.5 * mm, ops, keep_with_next=True))
        if d.addressee:
            sz = st.base + 1
            lines = text.wrap(d.addressee, sz, W)
            self.paragraph_lines(lines, sz, bold=True)

    # grid -----------------------------------------------------------------------------
    def cell_lines(self, c: Cell, avail: float, flex_limit: int | None):
        st = self.st
        lines = text.wrap(c.value or "—", st.base, avail)
        cap = flex_limit if (c.flex and flex_limit is not None) else c.max_lines
        truncated = False
        if cap is not None and len(lines) > cap:
            lines = text.truncate(lines, cap, st.base, avail)
            truncated = True
        notes = []
        if c.note:
            notes = text.wrap(c.note, st.small, avail)
        if truncated and c.flex:
            notes = text.wrap(self.truncated_note, st.small, avail) + notes
        return lines, notes, truncated

    def grid_row(self, row: list[Cell], flex_limit: int | None):
        st, W = self.st, self.w
        pad = st.pad
        n = len(row)
        col_w = W / n
        lab_w = st.label_w
        ops = []
        heights = []
        cols = []
        truncated = False
        for i, c in enumerate(row):
            x0 = i * col_w
            val_w = col_w - lab_w - 2 * pad
            lines, notes, tr = self.cell_lines(c, val_w, flex_limit)
            truncated |= tr
            llines = text.wrap(c.label, st.label, lab_w - 2 * pad)
            h = max(len(lines) * self.lh(st.base) + len(notes) * self.lh(st.small),
                    len(llines) * self.lh(st.label)) + 2 * pad
            heights.append(h)
            cols.append((x0, lines, notes, llines, c))
        H = max(heights)
        for x0, lines, notes, llines, c in cols:
            ops.append(("r", x0, 0, lab_w, H, 0.92, True))
            ops.append(("r", x0 + lab_w, 0, col_w - lab_w, H, None, True))
            # label vertically centred
            lh = self.lh(st.label)
            ly = (H - len(llines) * lh) / 2 + st.label * 1.0
            for k, ln in enumerate(llines):
                ops.append(("t", x0 + pad, ly + k * lh, ln, st.label, False))
            body_h = len(lines) * self.lh(st.base) + len(notes) * self.lh(st.small)
            base = (H - body_h) / 2 + st.base * 1.02      # first baseline, centred
            for ln in lines:
                ops.append(("t", x0 + lab_w + pad, base, ln, st.base, c.big))
                base += self.lh(st.base)
            base += self.lh(st.small) - self.lh(st.base)
            for ln in notes:
                ops.append(("t", x0 + lab_w + pad, base, ln, st.small, False))
                base += self.lh(st.small)
        self.bands.append(Band(H, ops))
        return truncated

    def list_cell(self, c: Cell, flex_limit: int | None):
        st, W = self.st, self.w
        lab = c.label + "："
        lw = text.width(lab, st.base)
        lines = text.wrap(c.value or "—", st.base, W, first_avail=W - lw)
        cap = flex_limit if (c.flex and flex_limit is not None) else c.max_lines
        truncated = False
        if cap is not None and len(lines) > cap:
            lines = text.truncate(lines, cap, st.base, W - (lw if cap == 1 else 0))
            truncated = True
        lh = self.lh(st.base)
        for k, ln in enumerate(lines):
            ops = []
            if k == 0:
                ops.append(("t", 0, st.base * 1.05, lab, st.base, True))
                ops.append(("t", lw, st.base * 1.05, ln, st.base, c.big))
            else:
                ops.append(("t", 0, st.base * 1.05, ln, st.base, c.big))
            self.bands.append(Band(lh, ops))
        notes = []
        if truncated and c.flex:
            notes.append(self.truncated_note)
        if c.note:
            notes.append(c.note)
        for n in notes:
            self.paragraph_lines(text.wrap(n, st.small, W), st.small)
        return truncated

    # misc -----------------------------------------------------------------------------
    def paragraph_lines(self, lines, size, bold=False, indent=0.0, keep=False):
        lh = self.lh(size)
        for ln in lines:
            self.bands.append(Band(lh, [("t", indent, size * 1.05, ln, size, bold)], keep))

    def spacer(self, h):
        self.bands.append(Band(h, []))

    def section(self, s: Section):
        st, W = self.st, self.w
        hs = st.base + 0.5
        self.spacer(1.2 * mm)
        if s.heading:
            self.bands.append(Band(self.lh(hs), [("t", 0, hs * 1.05, s.heading, hs, True)],
                                   keep_with_next=True))
        body = s.body.strip() or "—"
        ind = 2 * st.base       # first-line indent of two characters
        for para in body.replace("\r\n", "\n").split("\n"):
            lines = text.wrap(para, st.base, W, first_avail=W - ind)
            for k, ln in enumerate(lines):
                x = ind if k == 0 else 0
                self.bands.append(Band(self.lh(st.base), [("t", x, st.base * 1.05, ln, st.base, False)]))

    def signatures(self, sigs):
        st, W = self.st, self.w
        if not sigs:
            return
        self.spacer(2.5 * mm if st.grid else 4 * mm)
        per = 2 if st.grid and len(sigs) > 1 else 1
        h = st.base * 2.6
        for i in range(0, len(sigs), per):
            ops = []
            chunk = sigs[i:i + per]
            cw = W / per
            for k, s in enumerate(chunk):
                x = k * cw
                ops.append(("t", x, h - st.base * 0.5, s, st.base, False))
                sw = text.width(s, st.base)
                ops.append(("l", x + sw + 1, h - st.base * 0.4, x + cw - 4 * mm, h - st.base * 0.4, 0.5, None))
            self.bands.append(Band(h, ops))


def build_bands(d: Doc, st: Style, width: float, flex_limit: int | None = None):
    """Bands of the whole doc; returns (bands, truncated)."""
    b = _Builder(st, width)
    b.truncated_note = d.truncated_note
    b.header(d)
    for s in d.intro:
        b.section(s)
    if d.intro:
        b.spacer(1.5 * mm)
    truncated = False
    for row in d.rows:
        if st.grid:
            truncated |= b.grid_row(row, flex_limit)
        else:
            for c in row:
                truncated |= b.list_cell(c, flex_limit)
    for s in d.sections:
        b.section(s)
    # the closing block (notes and signature lines) never stands alone on a page: it
    # moves together with the last line before it
    if b.bands:
        b.bands[-1].keep_with_next = True
    tail_start = len(b.bands)
    if d.notes:
        b.spacer(1.5 * mm)
        for n in d.notes:
            b.paragraph_lines(text.wrap(n, st.small + 0.5, width), st.small + 0.5)
    b.signatures(d.signatures)
    for band in b.bands[tail_start:-1]:
        band.keep_with_next = True
    if not st.grid and d.qr:
        b.spacer(3 * mm)
        q = st.qr
        b.bands.append(Band(q, [("q", (width - q) / 2, 0, q, d.qr)]))
        cap = "扫码查询办理进度"
        b.bands.append(Band(st.small * 1.8, [("t", (width - text.width(cap, st.small)) / 2,
                                              st.small * 1.4, cap, st.small, False)]))
    return b.bands, truncated


def _flex_lines(d: Doc, st: Style, width: float) -> int:
    """Number of lines the flex field wants when not shortened."""
    for row in d.rows:
        for c in row:
            if c.flex:
                if st.grid:
                    avail = width / len(row) - st.label_w - 2 * st.pad
                    n = len(text.wrap(c.value or "—", st.base, avail))
                else:
                    lw = text.width(c.label + "：", st.base)
                    n = len(text.wrap(c.value or "—", st.base, width, first_avail=width - lw))
                return min(n, c.max_lines) if c.max_lines else n
    return 0


def fit_bands(d: Doc, st: Style, width: float, height: float):
    """Bands that fit ``height`` by shortening the flex field (then tightening the
    spacing); LayoutError if impossible."""
    footer_h = _footer_h(d, st)
    avail = height - footer_h
    total = 0.0
    for style in (st, replace(st, pad=st.pad * 0.5, leading=1.2)):
        bands, _ = build_bands(d, style, width)
        total = sum(b.height for b in bands)
        if total <= avail + 1e-6:
            return bands
        want = _flex_lines(d, style, width)
        lh = style.base * style.leading
        limit = want
        while limit > 1:
            over = total - avail
            limit = max(1, min(limit - 1, want - math.ceil(over / lh)))
            bands, _ = build_bands(d, style, width, flex_limit=limit)
            total = sum(b.height for b in bands)
            if total <= avail + 1e-6:
                return bands
    raise LayoutError(f"内容过多，无法排入纸张（需要 {total / mm:.0f} mm，可用 {avail / mm:.0f} mm）",
                      "content does not fit the paper")


def _footer_h(d: Doc, st: Style) -> float:
    return (st.small * 1.8) if d.footer else 0.0


# -- drawing ------------------------------------------------------------------------------

def _draw_ops(c: Canvas, ops, x0: float, top: float, missing: list):
    for op in ops:
        k = op[0]
        if k == "t":
            _, x, y, s, size, bold = op
            c.setFillGray(0)
            text.draw(c, x0 + x, top - y, s, size, bold, missing)
        elif k == "l":
            _, x1, y1, x2, y2, w, dash = op
            c.setLineWidth(w)
            if dash:
                c.setDash(*dash) if isinstance(dash, tuple) else c.setDash(dash)
            c.line(x0 + x1, top - y1, x0 + x2, top - y2)
            if dash:
                c.setDash()
        elif k == "r":
            _, x, y, w, h, fill, stroke = op
            c.setLineWidth(0.6)
            if fill is not None:
                c.setFillGray(fill)
            c.rect(x0 + x, top - y - h, w, h, stroke=1 if stroke else 0,
                   fill=1 if fill is not None else 0)
            c.setFillGray(0)
        elif k == "q":
            _, x, y, size, payload = op
            draw_qr(c, x0 + x, top - y - size, size, payload)


def _draw_bands(c, bands, x0, top, missing):
    y = 0.0
    for b in bands:
        _draw_ops(c, b.ops, x0, top - y, missing)
        y += b.height
    return y


def _draw_footer(c, d: Doc, st: Style, x0, bottom, width, page_text, missing):
    size = st.small
    pw = text.width(page_text, size) if page_text else 0.0
    if d.footer:
        fs = text.fit_size(d.footer, size, width - pw - (4 * mm if pw else 0))
        text.draw(c, x0, bottom + size * 0.4, d.footer, fs, False, missing)
    if page_text:
        text.draw(c, x0 + width - pw, bottom + size * 0.4, page_text, size, False, missing)


def _paginate(bands: list[Band], avail: float) -> list[list[Band]]:
    pages: list[list[Band]] = [[]]
    used = 0.0
    i = 0
    while i < len(bands):
        # a keep-with-next band moves together with the band that follows it
        j = i
        grp = bands[i].height
        while bands[j].keep_with_next and j + 1 < len(bands):
            j += 1
            grp += bands[j].height
        if used + grp > avail + 1e-6 and pages[-1]:
            pages.append([])
            used = 0.0
        if grp > avail + 1e-6 and j > i:
            j = i           # a group taller than a page: give up keeping it together
            grp = bands[i].height
        if grp > avail + 1e-6:
            raise LayoutError("单行内容高于纸张可用高度", "a single line is taller than the page")
        pages[-1].extend(bands[i:j + 1])
        used += grp
        i = j + 1
    return pages


def _continuation(d: Doc, st: Style, width: float) -> list[Band]:
    s = f"{d.title}（续）  {d.number_label}：{d.number}"
    size = text.fit_size(s, st.base, width)
    return [Band(size * 2.0, [("t", 0, size * 1.2, s, size, True),
                              ("l", 0, size * 1.7, width, size * 1.7, 0.5, None)])]


def _new_canvas(buf, size, meta):
    c = Canvas(buf, pagesize=size, pageCompression=1)
    c.setTitle(meta.get("title", ""))
    c.setAuthor(meta.get("author", ""))
    c.setSubject(meta.get("subject", ""))
    c.setCreator("qiye-suqiu printing")
    return c


def render(docs: list[Doc], paper: str, *, fixed: bool, meta: dict | None = None) -> tuple[bytes, list[str]]:
    """Render docs to PDF bytes; returns (pdf, characters that no font had).

    ``fixed``: each doc must fit one frame (receipts; the flex field is shortened).
    Otherwise docs flow over as many pages as needed (notices).
    """
    if paper not in PAPERS:
        raise PrintingError(f"未知纸张：{paper!r}（可选 {', '.join(PAPERS)}）")
    meta = meta or {}
    missing: list[str] = []
    buf = io.BytesIO()
    if paper == "thermal80":
        st = STYLES["thermal"]
        pw = 80 * mm
        margin = 4 * mm
        width = pw - 2 * margin
        c = None
        for d in docs:
            bands, _ = build_bands(d, st, width)     # a roll is as long as it needs
            h = sum(b.height for b in bands) + _footer_h(d, st)
            ph = h + 2 * margin + 6 * mm   # tail room before the cutter
            if c is None:
                c = _new_canvas(buf, (pw, ph), meta)
            else:
                c.setPageSize((pw, ph))
            _draw_bands(c, bands, margin, ph - margin, missing)
            _draw_footer(c, d, st, margin, margin + 6 * mm, width, "", missing)
            c.showPage()
        c.save()
        return buf.getvalue(), missing

    if paper == "a4" and fixed:
        st = STYLES["half"]
        pw, ph = A4
        mx, mt, mb = 14 * mm, 9 * mm, 7 * mm
        width = pw - 2 * mx
        half = ph / 2
        c = _new_canvas(buf, A4, meta)
        for i in range(0, len(docs), 2):
            pair = docs[i:i + 2]
            for k, d in enumerate(pair):
                top = ph - k * half - mt
                bottom = ph - (k + 1) * half + mb
                bands = fit_bands(d, st, width, top - bottom)
                _draw_bands(c, bands, mx, top, missing)
                _draw_footer(c, d, st, mx, bottom, width, "", missing)
            # cut line
            c.setLineWidth(0.5)
            c.setStrokeGray(0.35)
            c.setDash(4, 3)
            label = "沿此线裁开"
            lw = text.width(label, 7.5) + 6
            c.line(8 * mm, half, pw / 2 - lw / 2, half)
            c.line(pw / 2 + lw / 2, half, pw - 8 * mm, half)
            c.setDash()
            c.setStrokeGray(0)
            c.setFillGray(0.35)
            text.draw(c, pw / 2 - lw / 2 + 3, half - 2.5, label, 7.5, False, missing)
            c.setFillGray(0)
            c.showPage()
        c.save()
        return buf.getvalue(), missing

    size = A4 if paper == "a4" else A5
    st = STYLES["a5"] if (paper == "a5") else STYLES["full"]
    pw, ph = size
    mx = 12 * mm if paper == "a5" else 20 * mm
    mt, mb = (10 * mm, 8 * mm) if paper == "a5" else (18 * mm, 14 * mm)
    width = pw - 2 * mx
    top, bottom = ph - mt, mb
    c = _new_canvas(buf, size, meta)
    for d in docs:
        avail = top - bottom - _footer_h(d, st) - 2 * mm
        if fixed:
            pages = [fit_bands(d, st, width, top - bottom - 2 * mm)]
        else:
            bands, _ = build_bands(d, st, width)
            pages = _paginate(bands, avail)
            if len(pages) > 1:
                cont = _continuation(d, st, width)
                ch = sum(b.height for b in cont)
                first = pages[0]
                rest = bands[len(first):]
                pages = [first] + [cont + p for p in _paginate(rest, avail - ch)]
        n = len(pages)
        for pi, bands in enumerate(pages):
            _draw_bands(c, bands, mx, top, missing)
            pt = f"第{pi + 1}页/共{n}页" if n > 1 else ""
            _draw_footer(c, d, st, mx, bottom, width, pt, missing)
            c.showPage()
    c.save()
    return buf.getvalue(), missing
