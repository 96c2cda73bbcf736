"""Notices fed from a real store (printing.report_notices) and the receipt adapter."""
from __future__ import annotations

import io

import pypdf

from printing import parse_qr, report_notices
from printing.receipts import write_receipt_for_store


def _text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_notices_from_store_are_rendered_and_archived(store, shared_petitions, tmp_path):
    case = store.register(shared_petitions[0], clerk="zhangwei")
    path = write_receipt_for_store(store, case, tmp_path)
    t = _text(path.read_bytes())
    assert case["receipt_no"] in t and shared_petitions[0]["enterprise"]["uscc"] in t

    store.record_reply(case["id"], dept_code=case["lead_dept"], analysis="经核查，许可证延续材料齐全。",
                       measures="已当场办理延续手续。", policy_basis="《食品经营许可管理办法》。", actor="dept")
    case = store.get_case(case["id"])
    t = _text(report_notices.reply_notice_pdf(store, case, clerk_name="张伟"))
    for s in ("企业诉求答复告知单", "经核查，许可证延续材料齐全。", "已当场办理延续手续。",
              "《食品经营许可管理办法》。", case["receipt_no"], "张伟"):
        assert s in t, s

    old_due = case["due_at"]
    state = store.evaluate(case["id"], "不满意", "办理太慢。", clerk="zhangwei")
    pdf = report_notices.rework_notice_pdf(store, state)
    t = _text(pdf)
    assert "企业诉求重办通知" in t and "办理太慢。" in t and "不满意" in t
    assert state["rework_count"] >= 1 and f"第{state['rework_count']}次" in t
    # the state after reopening carries only the new deadline: no bogus "原办理期限"
    assert "原办理期限" not in t and old_due

    t = _text(report_notices.escalation_notice_pdf(store, state, kind="催办", reason="请加快办理。"))
    assert "企业诉求催办通知" in t and "请加快办理。" in t

    names = sorted(p.name for p in (store.data_dir / "notices").iterdir())
    no = case["receipt_no"]
    assert names == sorted([f"{no}-答复告知单.pdf", f"{no}-重办通知.pdf", f"{no}-催办通知.pdf"])
    assert parse_qr(f"QYSQ1|{no}|" + __import__("printing").qr.check_value(no)) == no
