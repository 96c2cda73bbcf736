"""The case as a fold of its events: one pure reducer used by the client's store and by
the county server, so both compute the same state from the same events.

``apply(state, event, deadline_fn)`` returns the new state or raises ``TransitionError``
when the event does not fit the case's status (the server rejects such an event with
that reason; the client never writes one).
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from . import protocol as p
from .errors import TransitionError

# (period_start_iso, grade, extension_days) -> (due_at_iso, warn_at_iso, provisional)
DeadlineFn = Callable[[str, str, int], tuple[str, str, bool]]

CORRECTABLE_FIELDS = frozenset({"title", "content", "category", "contact", "phone",
                                "enterprise_name", "channel"})

_ALLOWED_FROM = {
    p.ASSIGNED: {p.RECEIVED, p.REOPENED_S, p.ASSIGNED_S, p.IN_PROGRESS},
    p.ROUTED: p.OPEN_STATUSES,
    p.GRADED: p.OPEN_STATUSES,
    p.REPLIED: {p.RECEIVED, p.ASSIGNED_S, p.IN_PROGRESS, p.REOPENED_S},
    p.NOTIFIED: {p.REPLIED_S, p.CLOSED, p.REOPENED_S},
    p.EVALUATED: {p.REPLIED_S},
    p.REOPENED: {p.REPLIED_S},
    p.WITHDRAWN: p.OPEN_STATUSES | {p.REPLIED_S},
    p.REJECTED: {p.RECEIVED, p.ASSIGNED_S},
    p.ESCALATED: p.OPEN_STATUSES,
    p.EXTENSION_REQUESTED: p.OPEN_STATUSES,
    p.EXTENSION_DECIDED: p.OPEN_STATUSES,
    p.FIELD_CORRECTED: set(p.STATUS_LABELS),
    p.NOTE_ADDED: set(p.STATUS_LABELS),
    p.ATTACHMENT_ADDED: set(p.STATUS_LABELS),
}
_STATUS_TARGETS = {p.IN_PROGRESS: {p.ASSIGNED_S, p.REOPENED_S, p.RECEIVED}}


def _require(cond: bool, zh: str, en: str) -> None:
    if not cond:
        raise TransitionError(zh, en)


def _redo_deadline(state: dict, deadline_fn: DeadlineFn) -> None:
    due, warn, provisional = deadline_fn(state["period_start"], state["grade"],
                                         state["extension_days"])
    state["due_at"], state["warn_at"], state["deadline_provisional"] = due, warn, int(provisional)


def apply(state: dict[str, Any] | None, event: dict[str, Any], deadline_fn: DeadlineFn) -> dict[str, Any]:
    etype, payload, at = event["type"], event["payload"], event["created_at"]
    if etype == p.CASE_REGISTERED:
        _require(state is None, "案件已存在，不能重复登记。", "The case is already registered.")
        s = {
            "id": event["case_id"],
            "receipt_no": payload["receipt_no"], "window_code": payload["window_code"],
            "uscc": payload["enterprise"]["uscc"], "enterprise_name": payload["enterprise"]["name"],
            "contact": payload.get("contact", ""), "phone": payload.get("phone", ""),
            "channel": payload["channel"], "title": payload["title"], "content": payload["content"],
            "category": payload.get("category", ""),
            "lead_dept": payload["lead_dept"], "co_depts": list(payload.get("co_depts", [])),
            "route_source": payload.get("route_source", "auto"),
            "grade": payload["grade"], "received_at": payload["received_at"],
            "received_day": payload["received_at"][:10], "period_start": payload["received_at"],
            "due_at": payload["due_at"], "warn_at": payload.get("warn_at", payload["due_at"]),
            "deadline_provisional": int(bool(payload.get("deadline_provisional"))),
            "extension_days": 0, "first_owner": payload["first_owner"],
            "status": p.RECEIVED, "rework_count": 0, "rating": None, "rating_comment": None,
            "assigned_at": None, "replied_at": None, "notified_at": None, "closed_at": None,
            "reason": None, "flagged": 0, "awaiting_media": 0, "version": 1,
            "created_at": at, "updated_at": at,
        }
        _redo_deadline(s, deadline_fn)
        return s
    _require(state is not None, "案件不存在。", "No such case.")
    s = copy.copy(state)
    s["co_depts"] = list(state["co_depts"])
    status = s["status"]
    allowed = _ALLOWED_FROM.get(etype)
    if allowed is None and etype != p.STATUS_CHANGED:
        raise TransitionError(f"未知的事件类型：{etype}", f"Unknown event type {etype}.")
    if allowed is not None:
        _require(status in allowed,
                 f"案件当前状态为“{p.STATUS_LABELS.get(status, status)}”，不能执行此操作（{etype}）。",
                 f"Event {etype} is not allowed while the case is {status}.")

    if etype == p.ASSIGNED:
        s["status"] = p.ASSIGNED_S
        s["lead_dept"] = payload.get("lead_dept", s["lead_dept"])
        s["co_depts"] = list(payload.get("co_depts", s["co_depts"]))
        # history imported from other channels says when it was dispatched there
        s["assigned_at"] = s["assigned_at"] or payload.get("assigned_at") or at
    elif etype == p.ROUTED:
        s["lead_dept"] = payload["lead_dept"]
        s["co_depts"] = list(payload.get("co_depts", []))
        s["route_source"] = payload.get("route_source", "corrected")
    elif etype == p.GRADED:
        s["grade"] = payload["grade"]
        _redo_deadline(s, deadline_fn)
    elif etype == p.STATUS_CHANGED:
        to = payload.get("to")
        _require(to in _STATUS_TARGETS and status in _STATUS_TARGETS[to],
                 "不允许的状态变更。", f"Status change {status} -> {to} is not allowed.")
        s["status"] = to
    elif etype == p.REPLIED:
        s["status"] = p.REPLIED_S
        s["replied_at"] = payload.get("replied_at", at)
        s["notified_at"] = None
    elif etype == p.NOTIFIED:
        s["notified_at"] = payload.get("notified_at", at)
    elif etype == p.EVALUATED:
        s["rating"] = payload["rating"]
        s["rating_comment"] = payload.get("comment", "")
        if payload["rating"] in p.SATISFIED_RATINGS:
            s["status"] = p.CLOSED
            s["closed_at"] = at
    elif etype == p.REOPENED:
        s["status"] = p.REOPENED_S
        s["rework_count"] += 1
        s["period_start"] = payload.get("period_start", at)
        s["extension_days"] = 0
        s["replied_at"] = None
        s["notified_at"] = None
        _redo_deadline(s, deadline_fn)
    elif etype in (p.WITHDRAWN, p.REJECTED):
        reason = str(payload.get("reason", "")).strip()
        _require(bool(reason), "必须填写原因。", "A reason is required.")
        s["status"] = p.WITHDRAWN_S if etype == p.WITHDRAWN else p.REJECTED_S
        s["reason"] = reason
        s["closed_at"] = at
    elif etype == p.EXTENSION_DECIDED:
        if payload.get("approved"):
            s["extension_days"] += int(payload.get("days", 0))
            _redo_deadline(s, deadline_fn)
    elif etype == p.FIELD_CORRECTED:
        field = payload["field"]
        _require(field in CORRECTABLE_FIELDS, f"字段“{field}”不能更正。", f"Field {field} cannot be corrected.")
        if payload.get("base_version") is not None and int(payload["base_version"]) != state["version"]:
            # the case moved on since the clerk looked: keep both, flag it for a clerk
            s["flagged"] = 1
        s[field] = payload["value"]
    elif etype == p.ATTACHMENT_ADDED:
        pass
    s["version"] = state["version"] + 1
    s["updated_at"] = max(state["updated_at"], at)
    return s


def fold(events: list[dict[str, Any]], deadline_fn: DeadlineFn) -> dict[str, Any] | None:
    state = None
    for ev in events:
        state = apply(state, ev, deadline_fn)
    return state
