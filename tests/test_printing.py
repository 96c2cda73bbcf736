"""Receipts and notices: real PDFs read back with pypdf, QR codes decoded with zxing-cpp."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import warnings

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from PIL import Image

import printing
from printing import fonts, samples, text
from printing.common import mask_phone
from printing.notices import render_escalation_notice, render_reply_notice, render_rework_notice
from printing.qr import QRPayloadError, check_value, parse_qr, qr_payload
from printing.receipts import render_receipt

MM = 72 / 25.4
PAPER_SIZES = {"a4": (595.27, 841.89), "a5": (419.53, 595.27)}
STANDARD_14 = {"/Helvetica", "/Times-Roman", "/Courier", "/Symbol", "/ZapfDingbats"}


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pages(pdf: bytes):
    return pypdf.PdfReader(io.BytesIO(pdf)).pages


def fragments(page):
    """(x, y, text, size, basefont) of every text fragment drawn on the page."""
    out = []

    def visit(t, cm, tm, font_dict, font_size):
        if t and t.strip():
            out.append((tm[4], tm[5], t, font_size * tm[0],
                        str((font_dict or {}).get("/BaseFont", ""))))
    page.extract_text(visitor_text=visit)
    return out


def region_text(page, y_min, y_max) -> str:
    return "".join(t for x, y, t, s, f in fragments(page) if y_min <= y <= y_max)


def receipt_fields(case, county, clerk, *, masked: bool):
    return [
        county["centre_name"], "企业诉求受理回执", case["receipt_no"], case["enterprise_name"],
        case["uscc"], case["contact"], mask_phone(case["phone"]) if masked else case["phone"],
        case["channel"], case["title"], case["category"],
        county["departments"][case["lead_dept"]],
        *[county["departments"][c] for c in case["co_depts"]],
        "一般（3个工作日内提出解决方案）", "2026年12月04日09:32", "2026年12月09日18:00前",
        clerk, case["window_code"], county["supervision_phone"],
        "受理人（签字）", "企业经办人（签字）",
    ]


def decode_qr_codes(pdf: bytes, page_no: int = 1, dpi: int = 150) -> list[str]:
    import zxingcpp
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page_no), "-l", str(page_no), "-png", "-", ],
        input=pdf, capture_output=True, check=True).stdout
    img = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(img)]


needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                    reason="poppler-utils (pdftoppm) not installed")


@pytest.fixture(autouse=True)
def _default_fonts():
    yield
    if fonts._configured != (None, ()) or not fonts._use_system:
        fonts.configure_fonts()


# -- fields ----------------------------------------------------------------------------

@pytest.mark.parametrize("paper", printing.PAPERS)
def test_receipt_contains_every_field_exactly(paper):
    case, county = samples.case(), samples.county()
    pdf = render_receipt(case, county, paper=paper, clerk_name=samples.CLERK)
    ps = pages(pdf)
    if paper == "a4":
        assert len(ps) == 1
        half = float(ps[0].mediabox.height) / 2
        ent = squash(region_text(ps[0], half, 10_000))
        arc = squash(region_text(ps[0], 0, half))
    else:
        assert len(ps) == 2
        ent, arc = squash(ps[0].extract_text()), squash(ps[1].extract_text())
    for f in receipt_fields(case, county, samples.CLERK, masked=True):
        assert squash(f) in ent, f
    for f in receipt_fields(case, county, samples.CLERK, masked=False):
        assert squash(f) in arc, f
    # the enterprise copy never shows the full phone number; the archive copy does
    assert case["phone"] not in ent
    assert "182****9800" in ent
    assert "第一联企业留存" in ent and "第二联窗口存档" in arc
    assert case["id"] in arc            # archive copy carries the case id
    assert "补打" not in ent + arc
    assert "暂定" not in ent


def test_receipt_provisional_deadline_and_reprint():
    case = samples.case(deadline_provisional=1,
                        provisional_reason="2027年节假日安排尚未发布，按周末及法定节日推算，发布后将重新计算")
    pdf = render_receipt(case, samples.county(), paper="a5", clerk_name="张伟", reprint=3)
    t = squash(pages(pdf)[0].extract_text())
    assert "2026年12月09日18:00前（暂定）" in t
    assert squash("暂定：2027年节假日安排尚未发布，按周末及法定节日推算，发布后将重新计算") in t
    assert "补打（第3次）" in t


@pytest.mark.parametrize("grade,promise", [("simple", "简单（1个工作日内办结）"),
                                           ("complex", "复杂（5个工作日内反馈办理进度或结果）")])
def test_grade_promise_uses_county_days(grade, promise):
    pdf = render_receipt(samples.case(grade=grade), samples.county(), paper="a4", clerk_name="张伟")
    assert squash(promise) in squash(pages(pdf)[0].extract_text())
    county = samples.county(grade_days={"simple": 2, "general": 3, "complex": 7})
    pdf = render_receipt(samples.case(grade=grade), county, paper="a4", clerk_name="张伟")
    t = squash(pages(pdf)[0].extract_text())
    assert ("2个工作日" if grade == "simple" else "7个工作日") in t


def test_mask_phone():
    assert mask_phone("18212349800") == "182****9800"
    assert mask_phone("0571-88886666") == "0571-****6666"
    assert mask_phone("+86 182 1234 9800") == "+86 182 **** 9800"
    assert mask_phone("182-1234-9800") == "182-****-9800"
    assert mask_phone("057188886666") == "057*****6666"
    assert mask_phone("12345") == "***45"
    assert mask_phone("") == ""


# -- paper sizes ----------------------------------------------------------------------

@pytest.mark.parametrize("paper", printing.PAPERS)
def test_each_paper_size(paper):
    pdf = render_receipt(samples.case(), samples.county(), paper=paper, clerk_name="张伟")
    for p in pages(pdf):
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        if paper == "thermal80":
            assert w == pytest.approx(80 * MM, abs=0.1)
            assert 100 * MM < h < 400 * MM
        else:
            assert (w, h) == pytest.approx(PAPER_SIZES[paper], abs=0.1)


def test_unknown_paper_is_refused():
    with pytest.raises(ValueError, match="未知纸张"):
        render_receipt(samples.case(), samples.county(), paper="letter", clerk_name="张伟")


# -- fonts ------------------------------------------------------------------------------

def _used_fonts(pdf):
    used = {}
    for p in pages(pdf):
        for x, y, t, s, f in fragments(p):
            used.setdefault(f, set()).update(t)
        for name, ref in p["/Resources"]["/Font"].items():
            fo = ref.get_object()
            used.setdefault(str(fo["/BaseFont"]), set())
            used[str(fo["/BaseFont"]) + "#obj"] = fo
    return used


def test_font_is_embedded():
    st = printing.font_status()
    assert st.self_contained, st.rejected          # the README's packages provide one
    pdf = render_receipt(samples.case(), samples.county(), paper="a4", clerk_name="张伟")
    drawn_with = set()
    for p in pages(pdf):
        drawn_with |= {f for *_, f in fragments(p)}
        for name, ref in p["/Resources"]["/Font"].items():
            fo = ref.get_object()
            base = str(fo["/BaseFont"])
            if base in STANDARD_14:
                continue
            desc = fo["/FontDescriptor"].get_object()
            assert "/FontFile2" in desc, base       # embedded TrueType program
            assert len(desc["/FontFile2"].get_object().get_data()) > 1000
    assert drawn_with and not (drawn_with & STANDARD_14)


def test_rare_name_characters_come_out_right_or_are_reported():
    name = "示范县𠀀䶮精密机械有限公司"
    case = samples.case(enterprise_name=name, contact="王䶮")
    missing = printing.missing_glyphs(name + "王䶮")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        pdf = render_receipt(case, samples.county(), paper="a5", clerk_name="张伟")
    t = squash(pages(pdf)[0].extract_text())
    if not missing:
        assert name in t and "王䶮" in t
        assert not [x for x in w if issubclass(x.category, printing.MissingGlyphWarning)]
        # the rare characters came from an embedded fallback font
        fb = [f for *_, tx, s, f in fragments(pages(pdf)[0]) if "䶮" in tx]
        assert fb and all(f not in STANDARD_14 for f in fb)
    else:
        assert [x for x in w if issubclass(x.category, printing.MissingGlyphWarning)]


def test_character_in_no_font_is_reported_never_blank():
    odd = "\U0010FFFD"                     # private use, plane 16: no font has it
    case = samples.case(contact="李" + odd + "明")
    assert printing.missing_glyphs(case["contact"]) == [odd]
    with pytest.warns(printing.MissingGlyphWarning) as rec:
        pdf = render_receipt(case, samples.county(), paper="a4", clerk_name="张伟")
    assert rec[0].message.chars == (odd,)
    assert "李[U+10FFFD]明" in squash(pages(pdf)[0].extract_text())
    with pytest.raises(printing.MissingGlyphError):
        render_receipt(case, samples.county(), paper="a4", clerk_name="张伟", strict=True)


def test_cid_fallback_is_flagged_not_self_contained(tmp_path):
    st = printing.configure_fonts(str(tmp_path / "nope.ttf"), system=False)
    assert not st.self_contained and st.source == "cid" and st.warning
    assert any("nope.ttf" in r for r in st.rejected)
    pdf = render_receipt(samples.case(), samples.county(), paper="a5", clerk_name="张伟")
    assert "企业诉求受理回执" in pages(pdf)[0].extract_text()
    st = printing.configure_fonts()
    assert st.self_contained


def test_configured_font_wins(tmp_path):
    path = printing.font_status().main_path
    st = printing.configure_fonts(path)
    assert st.source == "configured" and st.main_path == path and st.self_contained
    st = printing.configure_fonts(str(tmp_path / "missing.ttf"))
    assert st.self_contained and st.source == "system" and st.warning
    if path.endswith(".ttc"):                 # a collection's second face: "file.ttc#1"
        st = printing.configure_fonts(path + "#1")
        assert st.source == "configured" and st.self_contained
        pdf = render_receipt(samples.case(), samples.county(), paper="a5", clerk_name="张伟")
        assert samples.CASE["enterprise_name"] in pages(pdf)[0].extract_text()


# -- QR ---------------------------------------------------------------------------------

def test_qr_payload_round_trip_and_validation():
    no = "HT01-20261204-0007"
    p = qr_payload(no)
    assert p == f"QYSQ1|{no}|{check_value(no)}" and len(check_value(no)) == 8
    assert parse_qr(p) == no
    assert parse_qr(p.lower() + "\r\n") == no                    # scanner quirks
    assert parse_qr(p.replace("|", "｜")) == no                   # full-width IME
    assert parse_qr(qr_payload("HT-LYX02-20261204-0012")) == "HT-LYX02-20261204-0012"
    for bad in ("", "hello", p[:-1] + ("0" if p[-1] != "0" else "1"),
                p.replace("0007", "0008"), "QYSQ1|HT01|ABCDEF12",
                "https://www.gsxt.gov.cn/x?uniscid=91330100MA27XK5L3H"):
        with pytest.raises(QRPayloadError):
            parse_qr(bad)
    assert parse_qr(qr_payload(no, key=b"k2"), key=b"k2") == no
    with pytest.raises(QRPayloadError):
        parse_qr(qr_payload(no, key=b"k2"))


@needs_pdftoppm
@pytest.mark.parametrize("paper", printing.PAPERS)
def test_qr_decodes_back_to_receipt_number(paper):
    case = samples.case(receipt_no="HT-LYX02-20261204-0123", window_code="HT-LYX02")
    pdf = render_receipt(case, samples.county(), paper=paper, clerk_name="张伟")
    n = len(pages(pdf))
    found = []
    for i in range(1, n + 1):
        found += decode_qr_codes(pdf, i)
    assert len(found) == 2                    # one per copy
    assert {parse_qr(t) for t in found} == {case["receipt_no"]}


@needs_pdftoppm
def test_notice_qr_decodes():
    pdf = render_reply_notice(samples.case(), samples.county(), samples.REPLY, paper="a4")
    assert [parse_qr(t) for t in decode_qr_codes(pdf)] == [samples.CASE["receipt_no"]]


# -- long content -----------------------------------------------------------------------

def _assert_inside(page, left, right, bottom, top):
    for x, y, t, size, f in fragments(page):
        w = fonts.string_width(t, size) if "U+" not in t else 0
        assert left - 0.5 <= x and x + w <= right + 0.5, (t, x, w)
        assert bottom - 0.5 <= y <= top + 0.5, (t, y)


LONG = ("我公司厂区位于经济开发区纬三路，" * 10 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3
        + "（括号内的说明文字）。" * 20)


@pytest.mark.parametrize("paper", printing.PAPERS)
def test_long_receipt_content_is_shortened_and_stays_inside(paper):
    case = samples.case(content=LONG * 5, title="关于" + "厂区供电线路改造" * 8 + "的诉求",
                        enterprise_name="示范县" + "恒通" * 25 + "有限公司",
                        co_depts=["D01", "D03", "D09", "D12", "D15"])
    pdf = render_receipt(case, samples.county(), paper=paper, clerk_name="张伟")
    ps = pages(pdf)
    assert len(ps) == (1 if paper == "a4" else 2)
    for p in ps:
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        _assert_inside(p, 4 * MM, w - 4 * MM, 4 * MM, h - 4 * MM)
        t = squash(p.extract_text())
        assert "…" in t
        assert "诉求内容较长，此处为节选" in t
        assert case["uscc"] in t and case["receipt_no"] in t
    if paper == "a4":
        # nothing drawn across the cut line; each copy keeps to its half
        half = float(ps[0].mediabox.height) / 2
        near = [t for x, y, t, s, f in fragments(ps[0]) if abs(y - half) <= 5]
        assert near and set("".join(near)) <= set("沿此线裁开")
        ent = squash(region_text(ps[0], half + 5, 10_000))
        arc = squash(region_text(ps[0], 0, half - 5))
        assert "第一联企业留存" in ent and "打印时间" in ent and "第二联" not in ent
        assert "第二联窗口存档" in arc and "打印时间" in arc and "第一联" not in arc


@pytest.mark.parametrize("paper", printing.PAPERS)
def test_long_notice_flows_over_pages_without_losing_text(paper):
    reply = dict(samples.REPLY, measures="\n".join(f"{i}. " + LONG[: 60 + i] for i in range(1, 30)))
    pdf = render_reply_notice(samples.case(), samples.county(), reply, paper=paper, clerk_name="张伟")
    ps = pages(pdf)
    if paper != "thermal80":
        assert len(ps) >= 2
        assert f"第1页/共{len(ps)}页" in squash(ps[0].extract_text())
        assert "企业诉求答复告知单（续）" in squash(ps[1].extract_text())
    whole = squash("".join(p.extract_text() for p in ps))
    assert squash(reply["measures"]) in whole.replace("企业诉求答复告知单（续）回执编号：HT01-20261204-0007", "")\
        or all(squash(line) in whole for line in reply["measures"].split("\n"))
    for p in ps:
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        _assert_inside(p, 4 * MM, w - 4 * MM, 4 * MM, h - 4 * MM)


# -- notices ---------------------------------------------------------------------------

def test_reply_notice_fields():
    case, county = samples.case(), samples.county()
    pdf = render_reply_notice(case, county, samples.REPLY, paper="a4", clerk_name="张伟")
    t = squash("".join(p.extract_text() for p in pages(pdf)))
    for f in ("企业诉求答复告知单", case["receipt_no"], case["enterprise_name"], case["uscc"],
              case["title"], "县供电公司", "2026年12月07日16:20", samples.REPLY["analysis"],
              samples.REPLY["measures"], samples.REPLY["policy_basis"], "□非常满意", "□非常不满意",
              "张伟", county["supervision_phone"]):
        assert squash(f) in t, f
    assert case["phone"] not in t


def test_rework_notice_fields():
    case = samples.case(status="reopened", rework_count=2, rating="非常不满意")
    ev = {"rating": "非常不满意", "comment": "问题依旧，本周再次停电两次。"}
    pdf = render_rework_notice(case, samples.county(), ev, "2026-12-14T18:00:00+08:00",
                               paper="a5", clerk_name="张伟", deadline_provisional=True)
    t = squash("".join(p.extract_text() for p in pages(pdf)))
    for f in ("企业诉求重办通知", "县供电公司：", "非常不满意", ev["comment"], "第2次",
              "2026年12月14日18:00前（暂定）", "原办理期限2026年12月09日18:00", case["content"],
              case["receipt_no"]):
        assert squash(f) in t, f


@pytest.mark.parametrize("kind", ["督办", "催办"])
def test_escalation_notice_fields(kind):
    case = samples.case(status="in_progress")
    pdf = render_escalation_notice(case, samples.county(), kind=kind, reason="超期未答复，企业多次来电询问。",
                                   overdue_days=3 if kind == "督办" else 0, paper="thermal80")
    t = squash("".join(p.extract_text() for p in pages(pdf)))
    for f in (f"企业诉求{kind}通知", f"{kind}事由", "超期未答复，企业多次来电询问。", "办理中",
              case["receipt_no"], "县供电公司："):
        assert squash(f) in t, f
    assert ("已超过办理期限3天" if kind == "督办" else "即将到达办理期限") in t
    with pytest.raises(ValueError):
        render_escalation_notice(case, samples.county(), kind="通报")


# -- wrapping ---------------------------------------------------------------------------

CJK_ALPHABET = "企业诉求受理回执变压器跳闸，。、；：？！（）《》“”ABCxyz0123456789 -/"


@settings(max_examples=150, deadline=None)
@given(hs.text(alphabet=CJK_ALPHABET, max_size=200), hs.integers(min_value=40, max_value=400))
def test_wrap_keeps_width_and_text(s, avail):
    lines = text.wrap(s, 9.5, avail)
    for ln in lines:
        assert text.width(ln, 9.5) <= avail + 1e-6 or len(ln) == 1
    assert squash("".join(lines)) == squash(s)
    for ln in lines[1:]:
        if ln and len(s) > 0 and text.width(ln, 9.5) + 40 < avail:
            pass
    # closing punctuation does not start a line when the previous line has room to give
    for prev, ln in zip(lines, lines[1:]):
        if ln[:1] in text.NO_START and len(squash(prev)) > 1:
            raise AssertionError((prev, ln))


def test_truncate_adds_ellipsis_within_width():
    lines = text.wrap(LONG, 10, 200)
    cut = text.truncate(lines, 3, 10, 200)
    assert len(cut) == 3 and cut[-1].endswith("…")
    assert all(text.width(x, 10) <= 200 for x in cut)


# -- archive ---------------------------------------------------------------------------

def test_archive_paths_and_atomic_write(tmp_path):
    pdf = render_receipt(samples.case(), samples.county(), paper="a4", clerk_name="张伟")
    p0 = printing.archive_pdf(tmp_path, "HT01-20261204-0007", pdf)
    assert p0 == tmp_path / "receipts" / "HT01-20261204-0007.pdf"
    assert p0.read_bytes() == pdf
    p2 = printing.archive_pdf(tmp_path, "HT01-20261204-0007", pdf, reprint=2)
    assert p2.name == "HT01-20261204-0007-补打2.pdf"
    p3 = printing.archive_path(tmp_path, "HT01-20261204-0007", kind="reply")
    assert p3 == tmp_path / "notices" / "HT01-20261204-0007-答复告知单.pdf"
    assert not list(tmp_path.rglob(".tmp-*"))
    with pytest.raises(ValueError):
        printing.archive_path(tmp_path, "../../etc/passwd")
    with pytest.raises(ValueError):
        printing.archive_pdf(tmp_path, "HT01-20261204-0007", b"not a pdf")


def test_render_writes_out_path(tmp_path):
    out = tmp_path / "x" / "r.pdf"
    pdf = render_receipt(samples.case(), samples.county(), paper="a5", clerk_name="张伟", out_path=out)
    assert out.read_bytes() == pdf


def test_printing_does_not_import_qt():
    code = ("import sys, printing, printing.notices, printing.archive;"
            "bad=[m for m in sys.modules if m.startswith(('PySide6','ui'))];"
            "assert not bad, bad")
    subprocess.run([__import__("sys").executable, "-c", code], check=True)


# -- ESC/POS ----------------------------------------------------------------------------

def test_escpos_receipt_bytes():
    from printing import escpos

    case = samples.case()
    data = escpos.receipt_escpos(case, samples.county(), clerk_name="张伟", reprint=1)
    assert data.startswith(escpos.INIT + escpos.CHINESE_ON)
    assert data.count(escpos.CUT) == 2                          # one cut per copy
    payload = qr_payload(case["receipt_no"]).encode()
    store_cmd = b"\x1d(k" + bytes([len(payload) + 3, 0]) + b"1P0" + payload
    assert data.count(store_cmd) == 2
    for s in ("企业诉求受理回执", "182****9800", case["phone"], case["uscc"], "补打（第1次）",
              "县供电公司", "一般（3个工作日内提出解决方案）", "张伟", "0571-12345678"):
        assert s.encode("gb18030") in data, s
    # the masked phone on the first copy, the full one only after the first cut
    first, second = data.split(escpos.CUT)[:2]
    assert case["phone"].encode() not in first and case["phone"].encode() in second


def test_escpos_lines_fit_and_rare_chars_reported():
    from printing import escpos
    from printing.receipts import receipt_doc

    case = samples.case(enterprise_name="示范县𠀀䶮精密机械有限公司", content=LONG * 3)
    missing: list[str] = []
    d = receipt_doc(case, samples.county(), copy="enterprise", clerk_name="张伟")
    for cols in (48, 42, 32):
        for op in escpos.doc_ops(d, cols, missing):
            if op[0] == "text":
                width = cols // 2 if op[2] == "double" else cols
                assert escpos.cols(op[4]) <= width, op
    assert missing == ["𠀀", "䶮"]              # Ext B and Ext A: outside GBK fonts
    with pytest.warns(printing.MissingGlyphWarning):
        data = escpos.receipt_escpos(case, samples.county(), clerk_name="张伟")
    assert b"[U+20000]" in data
    with pytest.raises(printing.MissingGlyphError):
        escpos.receipt_escpos(case, samples.county(), strict=True)


def test_escpos_send_to_tcp_printer():
    import socket
    import threading

    from printing import escpos

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    got = []

    def accept():
        conn, _ = srv.accept()
        with conn:
            while chunk := conn.recv(65536):
                got.append(chunk)
    t = threading.Thread(target=accept)
    t.start()
    data = escpos.receipt_escpos(samples.case(), samples.county(), clerk_name="张伟")
    escpos.send_escpos(data, f"tcp://127.0.0.1:{srv.getsockname()[1]}")
    t.join(5)
    srv.close()
    assert b"".join(got) == data
    with pytest.raises(printing.PrintingError):
        escpos.send_escpos(data, "/nonexistent/dir/lp0")
