"""答复告知单 / 重办通知 / 督办通知 — notices sharing the receipt's layout code.

Unlike the receipt, a notice never shortens its text: long replies continue on further
pages (a4 / a5) or make the roll page longer (thermal80).
"""
from __future__ import annotations

from datetime import datetime

from models.protocol import RATINGS, STATUS_LABELS

from .errors import PrintingError
from . import common as cm
from .layout import Cell, Doc, Section, render
from .qr import qr_payload

ESCALATION_KINDS = ("督办", "催办")


def _base(case, county, *, title, addressee, reprint, printed_at, qr_key):
    printed = cm.fmt_time(printed_at or cm.now_beijing())
    footer = f"打印时间：{printed}"
    if reprint:
        footer = f"{cm.reprint_label(reprint)}  " + footer
    key = {} if qr_key is None else {"key": qr_key}
    return Doc(
        org=cm.org_name(county), title=title, number_label="回执编号",
        number=case.get("receipt_no") or "—",
        qr=qr_payload(case["receipt_no"], **key) if case.get("receipt_no") else None,
        reprint_label=cm.reprint_label(reprint), addressee=addressee, footer=footer,
    )


def _emit(docs, case, county, paper, out_path, strict, title):
    pdf, missing = render(docs, paper, fixed=False, meta={
        "title": f"{title} {case.get('receipt_no', '')}", "author": cm.org_name(county),
        "subject": case.get("title") or "",
    })
    pdf = cm.finish(pdf, missing, strict)
    cm.write_out(pdf, out_path)
    return pdf


def reply_notice_doc(case, county, reply, *, clerk_name=None, reprint=0, printed_at=None,
                     qr_key=None) -> Doc:
    d = _base(case, county, title="企业诉求答复告知单",
              addressee=f"{case.get('enterprise_name') or '—'}：",
              reprint=reprint, printed_at=printed_at, qr_key=qr_key)
    dept = cm.dept_name(county, reply.get("dept_code") or case.get("lead_dept"))
    d.intro = [Section("", f"你单位于{cm.fmt_time(case.get('received_at'))}提出的诉求，"
                           f"已由{dept}办理并答复，现将答复意见告知如下。")]
    d.rows = [
        [Cell("企业名称", case.get("enterprise_name") or "—", max_lines=3)],
        [Cell("统一社会信用代码", case.get("uscc") or "—"),
         Cell("联系人", case.get("contact") or "—", max_lines=2)],
        [Cell("诉求标题", case.get("title") or "—", max_lines=4)],
        [Cell("受理时间", cm.fmt_time(case.get("received_at"))),
         Cell("办理期限", cm.fmt_deadline(case))],
        [Cell("答复单位", dept, max_lines=2),
         Cell("答复时间", cm.fmt_time(reply.get("replied_at")))],
        [Cell("协办单位", cm.dept_names(county, case.get("co_depts")), max_lines=3)],
    ]
    d.sections = [
        Section("一、问题分析", reply.get("analysis") or "—"),
        Section("二、办理措施", reply.get("measures") or "—"),
        Section("三、政策依据", reply.get("policy_basis") or "—"),
        Section("四、满意度评价（请在对应方框内打“√”）",
                "    ".join("□" + r for r in RATINGS) +
                "\n评价为“不满意”或“非常不满意”的，将启动重办程序并重新确定办理期限。"),
    ]
    d.notes = [f"首接负责人：{clerk_name or case.get('first_owner') or '—'}；"
               f"{cm.supervision_line(county)}。"]
    d.signatures = ["企业经办人（签字）：", "窗口经办人（签字）：", "签收日期："]
    return d


def render_reply_notice(case: dict, county: dict, reply: dict, *, paper: str = "a4",
                        clerk_name: str | None = None, reprint: int = 0, out_path=None,
                        printed_at: datetime | None = None, strict: bool = False,
                        qr_key: bytes | None = None) -> bytes:
    """答复告知单: hands a department's reply (``reply`` = {dept_code, analysis,
    measures, policy_basis, replied_at}) to the enterprise, with a rating form."""
    d = reply_notice_doc(case, county, reply, clerk_name=clerk_name, reprint=reprint,
                         printed_at=printed_at, qr_key=qr_key)
    return _emit([d], case, county, paper, out_path, strict, d.title)


def rework_notice_doc(case, county, evaluation, new_due_at, *, clerk_name=None, reprint=0,
                      printed_at=None, qr_key=None, deadline_provisional=False,
                      provisional_reason=None) -> Doc:
    lead = cm.dept_name(county, case.get("lead_dept"))
    d = _base(case, county, title="企业诉求重办通知", addressee=f"{lead}：",
              reprint=reprint, printed_at=printed_at, qr_key=qr_key)
    rating = evaluation.get("rating") or case.get("rating") or "—"
    n = int(case.get("rework_count") or 0) or 1
    new_case = {"due_at": new_due_at, "deadline_provisional": deadline_provisional,
                "provisional_reason": provisional_reason}
    due = cm.fmt_deadline(new_case)
    # the deadline before the reopening: given, or the case's own when it differs (a case
    # passed in after the reopening already carries the new one)
    previous_due = case.get("previous_due_at") or (
        case.get("due_at") if cm.parse_time(case.get("due_at")) != cm.parse_time(new_due_at) else None)
    d.intro = [Section("", f"你单位牵头办理的企业诉求（回执编号{d.number}），企业评价为"
                           f"“{rating}”。根据好差评整改要求，现予第{n}次重办，请于{due}重新办理"
                           f"并答复企业。")]
    d.rows = [
        [Cell("企业名称", case.get("enterprise_name") or "—", max_lines=3)],
        [Cell("统一社会信用代码", case.get("uscc") or "—"),
         Cell("联系人", f"{case.get('contact') or '—'} {case.get('phone') or ''}".strip(),
              max_lines=2)],
        [Cell("诉求标题", case.get("title") or "—", max_lines=4)],
        [Cell("受理时间", cm.fmt_time(case.get("received_at"))), Cell("企业评价", rating)],
        ([Cell("原办理期限", cm.fmt_time(previous_due)), Cell("重办次数", f"第{n}次")]
         if previous_due else [Cell("重办次数", f"第{n}次")]),
        [Cell("新办理期限", due, big=True, note=cm.provisional_note(new_case))],
        [Cell("协办单位", cm.dept_names(county, case.get("co_depts")), max_lines=3)],
    ]
    d.sections = [
        Section("一、企业评价意见", evaluation.get("comment") or "（企业未填写意见）"),
        Section("二、诉求内容", case.get("content") or "—"),
    ]
    d.notes = [f"首接负责人：{clerk_name or case.get('first_owner') or '—'}；"
               f"{cm.supervision_line(county)}。"]
    d.signatures = ["经办人（签字）：", "签收单位（盖章）：", "签收日期："]
    return d


def render_rework_notice(case: dict, county: dict, evaluation: dict, new_due_at, *,
                         paper: str = "a4", clerk_name: str | None = None, reprint: int = 0,
                         out_path=None, printed_at: datetime | None = None,
                         strict: bool = False, qr_key: bytes | None = None,
                         deadline_provisional: bool = False,
                         provisional_reason: str | None = None) -> bytes:
    """重办通知 to the lead department after a 不满意 / 非常不满意 rating
    (``evaluation`` = {rating, comment}; ``new_due_at`` ISO 8601)."""
    d = rework_notice_doc(case, county, evaluation, new_due_at, clerk_name=clerk_name,
                          reprint=reprint, printed_at=printed_at, qr_key=qr_key,
                          deadline_provisional=deadline_provisional,
                          provisional_reason=provisional_reason)
    return _emit([d], case, county, paper, out_path, strict, d.title)


def escalation_notice_doc(case, county, *, kind="督办", reason="", overdue_days=0,
                          clerk_name=None, reprint=0, printed_at=None, qr_key=None) -> Doc:
    if kind not in ESCALATION_KINDS:
        raise PrintingError(f"未知通知类型：{kind!r}（可选 督办、催办）")
    lead = cm.dept_name(county, case.get("lead_dept"))
    d = _base(case, county, title=f"企业诉求{kind}通知", addressee=f"{lead}：",
              reprint=reprint, printed_at=printed_at, qr_key=qr_key)
    od = int(overdue_days or 0)
    state = f"已超过办理期限{od}天" if od > 0 else "即将到达办理期限"
    d.intro = [Section("", f"你单位牵头办理的企业诉求（回执编号{d.number}，办理期限"
                           f"{cm.fmt_deadline(case)}）{state}，现予{kind}。请立即组织办理，"
                           f"并将办理情况及时答复企业、反馈政务服务中心。")]
    status = STATUS_LABELS.get(case.get("status"), case.get("status") or "—")
    d.rows = [
        [Cell("企业名称", case.get("enterprise_name") or "—", max_lines=3)],
        [Cell("诉求标题", case.get("title") or "—", max_lines=4)],
        [Cell("受理时间", cm.fmt_time(case.get("received_at"))),
         Cell("办理期限", cm.fmt_deadline(case))],
        [Cell("办理等级", cm.grade_text(case, county), max_lines=3),
         Cell("当前状态", status)],
        [Cell("超期天数", f"{od}天" if od > 0 else "未超期"),
         Cell("重办次数", f"{int(case.get('rework_count') or 0)}次")],
        [Cell("协办单位", cm.dept_names(county, case.get("co_depts")), max_lines=3)],
    ]
    d.sections = [
        Section(f"一、{kind}事由", reason or "—"),
        Section("二、诉求内容", case.get("content") or "—"),
    ]
    d.notes = [f"首接负责人：{clerk_name or case.get('first_owner') or '—'}；"
               f"{cm.supervision_line(county)}。"]
    d.signatures = ["经办人（签字）：", "签收单位（盖章）：", "签收日期："]
    return d


def render_escalation_notice(case: dict, county: dict, *, kind: str = "督办", reason: str = "",
                             overdue_days: int = 0, paper: str = "a4",
                             clerk_name: str | None = None, reprint: int = 0, out_path=None,
                             printed_at: datetime | None = None, strict: bool = False,
                             qr_key: bytes | None = None) -> bytes:
    """督办通知 / 催办通知 to the lead department of an overdue (or nearly due) case."""
    d = escalation_notice_doc(case, county, kind=kind, reason=reason,
                              overdue_days=overdue_days, clerk_name=clerk_name,
                              reprint=reprint, printed_at=printed_at, qr_key=qr_key)
    return _emit([d], case, county, paper, out_path, strict, d.title)
