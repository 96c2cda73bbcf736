"""The window's closing-the-loop notices for a stored case: 答复告知单, 重办通知,
督办/催办通知 — ``printing.notices`` fed from the store, archived under the data dir.
No Qt; the views in ``ui/replies_view.py`` and ``ui/supervision_view.py`` call these."""
from __future__ import annotations

from pathlib import Path

from models import supervision as sv

from .archive import archive_pdf
from .notices import render_escalation_notice, render_reply_notice, render_rework_notice


def notice_county(store) -> dict:
    """The county as ``printing.notices`` wants it (departments as code → name)."""
    c = store.county
    return {"county_name": c.county_name, "centre_name": c.centre_name,
            "supervision_phone": c.supervision_phone, "grade_days": dict(c.grade_days),
            "departments": {code: d.name for code, d in c.departments.items()}}


def _paper(store) -> str:
    try:
        paper = store.backend.get_setting("notice_paper") or "a4"
    except Exception:  # noqa: BLE001 — settings are optional here
        paper = "a4"
    return paper if paper in ("a4", "a5", "thermal80") else "a4"


def _archive(store, case: dict, pdf: bytes, kind: str) -> Path | None:
    try:
        return archive_pdf(store.data_dir, case["receipt_no"], pdf, kind=kind)
    except Exception:  # noqa: BLE001 — an odd receipt number must not stop printing
        return None


def reply_notice_pdf(store, case: dict, clerk_name: str | None = None) -> bytes:
    reply = sv.latest_reply(store, case["id"])
    if reply is None:
        raise ValueError("该诉求尚无部门答复。")
    pdf = render_reply_notice(case, notice_county(store), reply, paper=_paper(store), clerk_name=clerk_name)
    _archive(store, case, pdf, "reply")
    return pdf


def rework_notice_pdf(store, case: dict, clerk_name: str | None = None) -> bytes:
    """For a case just reopened by a low rating (its new deadline is the case's due_at)."""
    rows = store.backend.query("SELECT rating, comment FROM evaluations WHERE case_id = ? "
                               "ORDER BY evaluated_at DESC, rowid DESC LIMIT 1", (case["id"],))
    evaluation = dict(rows[0]) if rows else {"rating": case.get("rating"), "comment": case.get("rating_comment")}
    pdf = render_rework_notice(case, notice_county(store), evaluation, case["due_at"], paper=_paper(store),
                               clerk_name=clerk_name, deadline_provisional=bool(case.get("deadline_provisional")))
    _archive(store, case, pdf, "rework")
    return pdf


def escalation_notice_pdf(store, case: dict, kind: str = "督办", reason: str = "",
                          clerk_name: str | None = None) -> bytes:
    pdf = render_escalation_notice(case, notice_county(store), kind=kind, reason=reason,
                                   overdue_days=sv.overdue_days(case), paper=_paper(store),
                                   clerk_name=clerk_name)
    _archive(store, case, pdf, "escalation" if kind == "督办" else "urge")
    return pdf
