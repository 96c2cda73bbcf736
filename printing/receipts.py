"""受理回执 — the receipt the enterprise walks away with, plus the archive copy."""
from __future__ import annotations

from datetime import datetime

from .errors import PrintingError
from . import common as cm
from .layout import Cell, Doc, render
from .qr import qr_payload

COPIES = {
    "enterprise": "第一联 企业留存",
    "archive": "第二联 窗口存档",
}
EXCERPT_CHARS = 600        # more than any frame can show; the layout shortens further


def excerpt(content: str | None, limit: int = EXCERPT_CHARS) -> str:
    """Petition content on one paragraph (line breaks folded), capped at ``limit``."""
    s = " ".join((content or "").split())
    if len(s) > limit:
        s = s[:limit - 1] + "…"
    return s


def receipt_doc(case: dict, county: dict, *, copy: str, clerk_name: str | None,
                reprint: int = 0, printed_at: datetime | None = None,
                qr_key: bytes | None = None) -> Doc:
    """The :class:`~printing.layout.Doc` of one copy ("enterprise" or "archive")."""
    if copy not in COPIES:
        raise PrintingError(f"未知联次：{copy!r}")
    phone = case.get("phone") or ""
    if copy == "enterprise":
        phone = cm.mask_phone(phone)
    clerk = clerk_name or case.get("first_owner") or "—"
    window = case.get("window_code") or (case.get("receipt_no") or "").split("-")[0] or "—"
    printed = cm.fmt_time(printed_at or cm.now_beijing())
    footer = f"打印时间：{printed}"
    if reprint:
        footer = f"{cm.reprint_label(reprint)}  " + footer
    if copy == "archive" and case.get("id"):
        footer += f"  案件ID：{case['id']}"
    rows = [
        [Cell("企业名称", case.get("enterprise_name") or "—", max_lines=2)],
        [Cell("统一社会信用代码", case.get("uscc") or "—"),
         Cell("联系人", case.get("contact") or "—", max_lines=2)],
        [Cell("联系电话", phone or "—"), Cell("诉求渠道", case.get("channel") or "—")],
        [Cell("诉求标题", case.get("title") or "—", max_lines=2)],
        [Cell("诉求摘要", excerpt(case.get("content")) or "—", flex=True, max_lines=14)],
        [Cell("诉求类别", case.get("category") or "—", max_lines=2),
         Cell("办理等级", cm.grade_text(case, county), max_lines=3)],
        [Cell("牵头单位", cm.dept_name(county, case.get("lead_dept")), max_lines=2),
         Cell("协办单位", cm.dept_names(county, case.get("co_depts")), max_lines=3)],
        [Cell("受理时间", cm.fmt_time(case.get("received_at"))),
         Cell("受理窗口", window)],
        [Cell("办理期限", cm.fmt_deadline(case), big=True, note=cm.provisional_note(case))],
        [Cell("首接负责人", clerk, max_lines=2),
         Cell("监督电话", county.get("supervision_phone") or "—")],
    ]
    key = {} if qr_key is None else {"key": qr_key}
    notes = [
        "本回执为诉求受理凭证，请妥善保管。凭回执编号或扫描二维码可查询办理进度；"
        "对办理过程或结果有异议，可拨打监督电话反映。",
    ]
    return Doc(
        org=cm.org_name(county),
        title="企业诉求受理回执",
        number_label="回执编号",
        number=case.get("receipt_no") or "—",
        qr=qr_payload(case["receipt_no"], **key) if case.get("receipt_no") else None,
        copy_label=COPIES[copy],
        reprint_label=cm.reprint_label(reprint),
        rows=rows,
        notes=notes,
        signatures=["受理人（签字）：", "企业经办人（签字）："],
        footer=footer,
        truncated_note="（诉求内容较长，此处为节选，全文以登记内容为准）",
    )


def render_receipt(case: dict, county: dict, *, paper: str = "a4", clerk_name: str | None = None,
                   reprint: int = 0, out_path=None,
                   copies: tuple[str, ...] = ("enterprise", "archive"),
                   printed_at: datetime | None = None, strict: bool = False,
                   qr_key: bytes | None = None) -> bytes:
    """Render the receipt as PDF bytes (and write it to ``out_path`` if given).

    ``paper``: "a4" (both copies on one sheet with a cut line), "a5" (one page per
    copy) or "thermal80" (one 80 mm roll page per copy).  ``reprint`` > 0 prints
    补打（第N次）.  Characters no font can draw are printed as ``[U+XXXX]`` with a
    :class:`~printing.fonts.MissingGlyphWarning`, or raise
    :class:`~printing.fonts.MissingGlyphError` when ``strict``.
    """
    docs = [receipt_doc(case, county, copy=c, clerk_name=clerk_name, reprint=reprint,
                        printed_at=printed_at, qr_key=qr_key) for c in copies]
    pdf, missing = render(docs, paper, fixed=True, meta={
        "title": f"企业诉求受理回执 {case.get('receipt_no', '')}",
        "author": cm.org_name(county), "subject": case.get("title") or "",
    })
    pdf = cm.finish(pdf, missing, strict)
    cm.write_out(pdf, out_path)
    return pdf


def write_receipt_for_store(store, case: dict, directory, *, clerk_name: str | None = None,
                            reprint: int = 0, paper: str | None = None):
    """Adapter for ``main.py intake --print DIR`` and the UI: render ``case`` with the
    store's county configuration and window settings into ``directory``.

    Duck-typed on the store (``county.to_json()``, ``backend.get_setting``) so that this
    package depends on no storage internals; anything missing falls back to defaults.
    Returns the path written (``<receipt_no>[-补打N].pdf``).
    """
    from pathlib import Path

    from . import fonts

    def setting(key, default=None):
        try:
            return store.backend.get_setting(key, default)
        except Exception:  # noqa: BLE001 - settings are optional here
            return default

    county = store.county.to_json() if hasattr(store.county, "to_json") else dict(store.county)
    paper = paper or setting("receipt_paper", "a4") or "a4"
    font = setting("receipt_font")
    if font and fonts._configured[0] != font:
        fonts.configure_fonts(font)
    if clerk_name is None and case.get("first_owner"):
        try:
            from models.users import Users
            u = Users(store.backend).get(case["first_owner"])
            clerk_name = u.display_name if u else None
        except Exception:  # noqa: BLE001 - the username is printed instead
            clerk_name = None
    name = case["receipt_no"] + (f"-补打{int(reprint)}" if reprint else "") + ".pdf"
    target = Path(directory) / name
    render_receipt(case, county, paper=paper, clerk_name=clerk_name, reprint=reprint,
                   out_path=target)
    return target
