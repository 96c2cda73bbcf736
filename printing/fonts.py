"""CJK fonts for receipts and notices.

The PDF embeds (a subset of) a CJK *TrueType* font so that a receipt prints the same on
any machine.  The main font is chosen from, in order:

1. a configured path (``configure_fonts(path=...)`` from the settings, or the
   ``QYSQ_CJK_FONT`` environment variable);
2. the operating system's CJK TrueType fonts (Windows, Linux, macOS locations);
3. reportlab's built-in CID font ``STSong-Light`` — it is *not* embedded, the PDF then
   relies on the viewer's fonts, and ``font_status().self_contained`` is False so that
   ``selftest`` and the settings view can warn.

Fallback fonts (e.g. HanaMin for CJK Extension B, SimSun-ExtB on Windows) are loaded
lazily, only when a string contains a character the main font lacks.  A character that
no font has is never drawn as a silent blank box: :func:`missing_glyphs` reports it and
the renderers draw a visible ``[U+XXXXX]`` placeholder and warn
(:class:`MissingGlyphWarning`) or raise (:class:`MissingGlyphError`) when asked to be
strict.

Only TrueType-outline fonts (``glyf``) can be embedded by reportlab; CFF/OTF fonts such
as Noto Sans CJK are skipped.  On Debian the README's ``scripts/system-packages.sh``
installs ``fonts-wqy-microhei`` (main) and ``fonts-hanazono`` (fallback, Extension A/B).
"""
from __future__ import annotations

import glob
import os
import sys
import threading
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics

from .errors import MissingGlyphError

__all__ = [
    "FontStatus", "MissingGlyphError", "MissingGlyphWarning", "configure_fonts",
    "font_status", "missing_glyphs", "main_font_name", "runs", "string_width",
    "CID_FONT", "ENV_VAR",
]

ENV_VAR = "QYSQ_CJK_FONT"
CID_FONT = "STSong-Light"
MAIN_NAME = "QYSQ-CJK"

# A font is only accepted as the main font when it has all of these.
_PROBE = "企业诉求受理回执编号统一社会信用代码牵头单位协办首接负责人监督电话暂定补打：（）"


class MissingGlyphWarning(UserWarning):
    """Some characters are in no available font; a placeholder was printed instead."""

    def __init__(self, chars):
        self.chars = tuple(chars)
        shown = "、".join(f"{c}(U+{ord(c):04X})" for c in self.chars)
        super().__init__(f"以下字符在已安装的字体中均不存在，已打印为编码占位符：{shown}")


@dataclass(frozen=True)
class FontStatus:
    """What the renderers use; shown by selftest and the settings view."""

    self_contained: bool          # True: the main font is embedded TrueType
    source: str                   # "configured" | "system" | "cid"
    main_font: str                # reportlab font name
    main_path: str | None         # file of the main font (None for the CID font)
    fallback_paths: tuple[str, ...] = ()
    warning: str | None = None    # Chinese message for the user when not self-contained
    rejected: tuple[str, ...] = field(default=())   # candidates tried and why they failed

    def as_dict(self) -> dict:
        return {
            "self_contained": self.self_contained, "source": self.source,
            "main_font": self.main_font, "main_path": self.main_path,
            "fallback_paths": list(self.fallback_paths), "warning": self.warning,
            "rejected": list(self.rejected),
        }


# -- reportlab fix: ToUnicode entries for characters beyond the BMP ---------------------
# reportlab writes "<00> <20000>" for U+20000, which is not valid UTF-16BE: viewers and
# text extraction (search, copy, our tests) lose such characters (CJK Extension B names).
# The destination must be the UTF-16BE surrogate pair "<D840DC00>".

def _utf16_hex(cp: int) -> str:
    if cp < 0x10000:
        return "%04X" % cp
    cp -= 0x10000
    return "%04X%04X" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))


def _make_to_unicode_cmap(fontname, subset):
    cmap = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo", "<< /Registry (%s)" % fontname, "/Ordering (%s)" % fontname,
        "/Supplement 0", ">> def", "/CMapName /%s def" % fontname, "/CMapType 2 def",
        "1 begincodespacerange", "<00> <%02X>" % (len(subset) - 1), "endcodespacerange",
        "%d beginbfchar" % len(subset),
    ] + ["<%02X> <%s>" % (i, _utf16_hex(v)) for i, v in enumerate(subset)] + [
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    return "\n".join(cmap)


def _patch_reportlab():
    from reportlab.pdfbase import ttfonts
    if getattr(ttfonts.makeToUnicodeCMap, "__name__", "") != "_make_to_unicode_cmap":
        ttfonts.makeToUnicodeCMap = _make_to_unicode_cmap


_patch_reportlab()


# -- candidate locations ---------------------------------------------------------------
# (path, subfont index).  Order matters: the first usable one wins.

def _windows_dirs() -> list[str]:
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot") or r"C:\Windows"
    dirs = [os.path.join(windir, "Fonts")]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(os.path.join(local, "Microsoft", "Windows", "Fonts"))
    return dirs


def main_candidates() -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if sys.platform.startswith("win"):
        for d in _windows_dirs():
            for name in ("simsun.ttc", "msyh.ttc", "simhei.ttf", "simkai.ttf",
                         "simfang.ttf", "msyh.ttf", "Deng.ttf", "simsun.ttf"):
                out.append((os.path.join(d, name), 0))
    elif sys.platform == "darwin":
        for p in ("/System/Library/Fonts/STHeiti Light.ttc",
                  "/System/Library/Fonts/STHeiti Medium.ttc",
                  "/System/Library/Fonts/Supplemental/Songti.ttc",
                  "/Library/Fonts/Songti.ttc",
                  "/System/Library/Fonts/Hiragino Sans GB.ttc",
                  "/Library/Fonts/Arial Unicode.ttf",
                  "/System/Library/Fonts/Supplemental/Arial Unicode.ttf"):
            out.append((p, 0))
    # Linux / BSD (also checked elsewhere: harmless when absent)
    home = os.path.expanduser("~")
    roots = ["/usr/share/fonts", "/usr/local/share/fonts",
             os.path.join(home, ".local/share/fonts"), os.path.join(home, ".fonts")]
    for root in roots:
        for rel in ("truetype/wqy/wqy-microhei.ttc", "wqy-microhei/wqy-microhei.ttc",
                    "truetype/wqy/wqy-zenhei.ttc", "wqy-zenhei/wqy-zenhei.ttc",
                    "truetype/arphic/uming.ttc", "truetype/arphic/ukai.ttc",
                    "truetype/droid/DroidSansFallbackFull.ttf",
                    "truetype/arphic-gbsn00lp/gbsn00lp.ttf",
                    "truetype/hanazono/HanaMinA.ttf"):
            out.append((os.path.join(root, rel), 0))
    return out


def fallback_candidates() -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if sys.platform.startswith("win"):
        for d in _windows_dirs():
            for name in ("simsunb.ttf", "SimsunExtG.ttf", "mingliub.ttc", "msyh.ttc",
                         "simsun.ttc", "simhei.ttf"):
                out.append((os.path.join(d, name), 0))
    elif sys.platform == "darwin":
        for p in ("/System/Library/Fonts/Supplemental/Songti.ttc",
                  "/System/Library/Fonts/STHeiti Light.ttc",
                  "/Library/Fonts/Arial Unicode.ttf"):
            out.append((p, 0))
    home = os.path.expanduser("~")
    for root in ("/usr/share/fonts", "/usr/local/share/fonts",
                 os.path.join(home, ".local/share/fonts"), os.path.join(home, ".fonts")):
        for rel in ("truetype/hanazono/HanaMinA.ttf", "truetype/hanazono/HanaMinB.ttf",
                    "truetype/arphic/uming.ttc", "truetype/wqy/wqy-zenhei.ttc",
                    "truetype/droid/DroidSansFallbackFull.ttf",
                    "truetype/dejavu/DejaVuSans.ttf"):
            out.append((os.path.join(root, rel), 0))
    return out


def _scan_dirs() -> list[tuple[str, int]]:
    """Last resort on Linux: any *.ttf/*.ttc whose name hints at CJK."""
    hints = ("cjk", "wqy", "hei", "song", "ming", "kai", "fang", "han", "gb", "zh", "droid")
    out = []
    for root in ("/usr/share/fonts", "/usr/local/share/fonts",
                 os.path.expanduser("~/.local/share/fonts")):
        for p in sorted(glob.glob(os.path.join(root, "**", "*.tt[cf]"), recursive=True)):
            base = os.path.basename(p).lower()
            if any(h in base for h in hints):
                out.append((p, 0))
    return out


# -- state -----------------------------------------------------------------------------

class _Font:
    """A registered font and its character coverage."""

    __slots__ = ("name", "path", "cmap", "widths", "rl", "is_cid")

    def __init__(self, name, path, cmap, rl, is_cid=False):
        self.name = name
        self.path = path
        self.cmap = cmap          # dict-like: code point -> glyph (None for CID)
        self.widths: dict[str, float] = {}
        self.rl = rl
        self.is_cid = is_cid

    def has(self, ch: str) -> bool:
        if self.is_cid:
            o = ord(ch)
            # UniGB-UCS2-H covers the BMP only; control chars have no glyph.
            return 0x20 <= o < 0xD800 or 0xE000 <= o <= 0xFFFF
        return ord(ch) in self.cmap

    def width(self, ch: str) -> float:
        """Advance width of one character at 1 pt."""
        w = self.widths.get(ch)
        if w is None:
            w = self.widths[ch] = pdfmetrics.stringWidth(ch, self.name, 1000) / 1000.0
        return w


_lock = threading.RLock()
_configured: tuple[str | None, tuple[str, ...]] = (None, ())
_main: _Font | None = None
_status: FontStatus | None = None
_fallback_paths: list[tuple[str, int]] | None = None
_fallbacks: list[_Font] = []          # loaded fallbacks, in order
_fallback_next = 0                     # index into _fallback_paths of next to load
_font_for: dict[str, str | None] = {}  # char -> font name (None: missing everywhere)
_registered: dict[tuple[str, int], _Font] = {}
_use_system = True


def configure_fonts(path: str | None = None, fallbacks: list[str] | tuple[str, ...] = (),
                    *, system: bool = True) -> FontStatus:
    """Set the configured main font (and extra fallbacks), reset caches, load and report.

    ``path`` may be ``"file.ttc#1"`` to choose a subfont of a collection.
    ``system=False`` uses only the configured fonts (then the CID font), never the OS's.
    """
    global _configured, _use_system
    with _lock:
        _configured = (path, tuple(fallbacks))
        _use_system = system
        _reset()
        return font_status()


def _reset():
    global _main, _status, _fallback_paths, _fallbacks, _fallback_next
    _main = None
    _status = None
    _fallback_paths = None
    _fallbacks = []
    _fallback_next = 0
    _font_for.clear()


def _split_index(spec: str) -> tuple[str, int]:
    if "#" in spec:
        p, _, i = spec.rpartition("#")
        if i.isdigit():
            return p, int(i)
    return spec, 0


def _load_ttf(path: str, index: int, name: str) -> _Font:
    """Register a TrueType font (raises on failure: missing, CFF outlines, restricted)."""
    key = (os.path.realpath(path), index)
    f = _registered.get(key)
    if f is not None:
        return f
    from reportlab.pdfbase.ttfonts import TTFont
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    rl = TTFont(name, path, subfontIndex=index)
    pdfmetrics.registerFont(rl)
    f = _Font(name, path, rl.face.charToGlyph, rl)
    _registered[key] = f
    return f


def _load_main() -> None:
    global _main, _status
    if _main is not None:
        return
    rejected: list[str] = []
    conf_path, _ = _configured
    conf_path = conf_path or os.environ.get(ENV_VAR) or None
    tried = set()
    attempts: list[tuple[str, int, str]] = []
    if conf_path:
        p, i = _split_index(conf_path)
        attempts.append((p, i, "configured"))
    if _use_system:
        for p, i in main_candidates():
            attempts.append((p, i, "system"))
    scanned = not _use_system
    n = 0
    while True:
        if n >= len(attempts):
            if scanned:
                break
            scanned = True
            attempts.extend((p, i, "system") for p, i in _scan_dirs())
            if n >= len(attempts):
                break
        p, i, source = attempts[n]
        n += 1
        key = (p, i)
        if key in tried or (source == "system" and not os.path.isfile(p)):
            continue
        tried.add(key)
        try:
            f = _load_ttf(p, i, f"{MAIN_NAME}-{len(_registered)}")
        except Exception as e:  # noqa: BLE001 - any failure means "not usable"
            rejected.append(f"{p}#{i}: {type(e).__name__}: {e}")
            continue
        lacking = [c for c in _PROBE if not f.has(c)]
        if lacking:
            rejected.append(f"{p}#{i}: 缺少常用汉字 {''.join(lacking[:5])}")
            continue
        _main = f
        warning = None
        if source != "configured" and conf_path:
            warning = f"配置的字体不可用，已改用系统字体 {os.path.basename(p)}"
        _status = FontStatus(True, source, f.name, p, (), warning, tuple(rejected))
        return
    # CID fallback: not embedded.
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    try:
        pdfmetrics.getFont(CID_FONT)
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    _main = _Font(CID_FONT, None, None, pdfmetrics.getFont(CID_FONT), is_cid=True)
    _status = FontStatus(
        False, "cid", CID_FONT, None, (),
        "未找到可嵌入的中文 TrueType 字体，回执使用打印机/阅读器自带字体，换一台电脑打印可能"
        "显示不全。请安装字体（Debian: fonts-wqy-microhei）或在设置中指定字体文件。",
        tuple(rejected))


def _all_fallback_paths() -> list[tuple[str, int]]:
    global _fallback_paths
    if _fallback_paths is None:
        _, extra = _configured
        seen = set()
        out = []
        cands = fallback_candidates() if _use_system else []
        for p, i in [_split_index(x) for x in extra] + cands:
            key = (os.path.realpath(p), i)
            if key in seen or not os.path.isfile(p):
                continue
            if _main is not None and _main.path and key == (os.path.realpath(_main.path), 0):
                continue
            seen.add(key)
            out.append((p, i))
        _fallback_paths = out
    return _fallback_paths


def _next_fallback() -> _Font | None:
    """Load the next fallback font; None when there are no more."""
    global _fallback_next
    paths = _all_fallback_paths()
    while _fallback_next < len(paths):
        p, i = paths[_fallback_next]
        _fallback_next += 1
        try:
            f = _load_ttf(p, i, f"QYSQ-FB-{len(_registered)}")
        except Exception:  # noqa: BLE001
            continue
        _fallbacks.append(f)
        return f
    return None


def _resolve(ch: str) -> str | None:
    """Font name that has ``ch`` (main first, then fallbacks), or None."""
    r = _font_for.get(ch, False)
    if r is not False:
        return r
    with _lock:
        _load_main()
        if _main.has(ch):
            _font_for[ch] = _main.name
            return _main.name
        for f in _fallbacks:
            if f.has(ch):
                _font_for[ch] = f.name
                return f.name
        while True:
            f = _next_fallback()
            if f is None:
                break
            if f.has(ch):
                _font_for[ch] = f.name
                return f.name
        _font_for[ch] = None
        return None


def font_status() -> FontStatus:
    """Load the main font if needed and say whether receipts are self-contained."""
    with _lock:
        _load_main()
        paths = tuple(f.path for f in _fallbacks)
        if paths != _status.fallback_paths:
            return FontStatus(_status.self_contained, _status.source, _status.main_font,
                              _status.main_path, paths, _status.warning, _status.rejected)
        return _status


def main_font_name() -> str:
    with _lock:
        _load_main()
        return _main.name


def _font(name: str) -> _Font:
    if _main is not None and name == _main.name:
        return _main
    for f in _fallbacks:
        if f.name == name:
            return f
    raise KeyError(name)


_IGNORABLE = frozenset("\n\r\t\u200b\ufeff")


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no available font can draw (distinct, in order)."""
    _load_main_once()
    cmap = _main.cmap
    out: list[str] = []
    for ch in text:
        if cmap is not None and ord(ch) in cmap:
            continue
        if ch in _IGNORABLE or ch in out:
            continue
        if _resolve(ch) is None:
            out.append(ch)
    return out


def _load_main_once():
    if _main is None:
        with _lock:
            _load_main()


def runs(text: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into (font name, substring) runs; font None = no font has it."""
    _load_main_once()
    main = _main
    cmap = main.cmap
    if cmap is not None:
        # fast path: everything in the main font
        for ch in text:
            if ord(ch) not in cmap:
                break
        else:
            return [(main.name, text)] if text else []
    out: list[tuple[str | None, str]] = []
    cur: str | None | bool = False
    buf: list[str] = []
    for ch in text:
        if cmap is not None and ord(ch) in cmap:
            f = main.name
        else:
            f = _resolve(ch)
        if f != cur and buf:
            out.append((cur, "".join(buf)))
            buf = []
        cur = f
        buf.append(ch)
    if buf:
        out.append((cur, "".join(buf)))
    return out


def char_width(ch: str, size: float) -> float:
    """Advance of one character in points (placeholder width for missing chars)."""
    name = _resolve(ch)
    if name is None:
        return placeholder_width(ch, size)
    return _font(name).width(ch) * size


def placeholder(ch: str) -> str:
    return f"[U+{ord(ch):04X}]"


def placeholder_width(ch: str, size: float) -> float:
    return pdfmetrics.stringWidth(placeholder(ch), "Helvetica", size * 0.7)


def string_width(text: str, size: float) -> float:
    """Width of ``text`` in points, following the per-character font choice."""
    total = 0.0
    for name, s in runs(text):
        if name is None:
            total += sum(placeholder_width(c, size) for c in s)
            continue
        f = _font(name)
        w = f.widths
        acc = 0.0
        for ch in s:
            v = w.get(ch)
            if v is None:
                v = f.width(ch)
            acc += v
        total += acc * size
    return total
