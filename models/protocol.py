"""Sync protocol v1 shapes, shared by the client (``sync/``, ``models/``) and ``server/``.

One place defines the event envelope, the event types, the case statuses and how an
event's hash is computed, so that both sides agree byte for byte.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, TypedDict

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"

# -- event types (DESIGN.md section 5) ---------------------------------------------------
CASE_REGISTERED = "case_registered"
ROUTED = "routed"
GRADED = "graded"
ASSIGNED = "assigned"
STATUS_CHANGED = "status_changed"
REPLIED = "replied"
NOTIFIED = "notified"
EVALUATED = "evaluated"
REOPENED = "reopened"
WITHDRAWN = "withdrawn"
REJECTED = "rejected"
ATTACHMENT_ADDED = "attachment_added"
NOTE_ADDED = "note_added"
FIELD_CORRECTED = "field_corrected"
ESCALATED = "escalated"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_DECIDED = "extension_decided"

EVENT_TYPES = (
    CASE_REGISTERED, ROUTED, GRADED, ASSIGNED, STATUS_CHANGED, REPLIED, NOTIFIED,
    EVALUATED, REOPENED, WITHDRAWN, REJECTED, ATTACHMENT_ADDED, NOTE_ADDED,
    FIELD_CORRECTED, ESCALATED, EXTENSION_REQUESTED, EXTENSION_DECIDED,
)

# Append-only kinds never conflict with anything (DESIGN.md section 5, Conflicts).
APPEND_ONLY_TYPES = frozenset({REPLIED, NOTIFIED, EVALUATED, NOTE_ADDED, ATTACHMENT_ADDED,
                               ESCALATED, EXTENSION_REQUESTED})

# -- case statuses ----------------------------------------------------------------------
RECEIVED = "received"        # 已受理
ASSIGNED_S = "assigned"      # 已分办
IN_PROGRESS = "in_progress"  # 办理中
REPLIED_S = "replied"        # 已答复
CLOSED = "closed"            # 已办结
REJECTED_S = "rejected"      # 不予受理
WITHDRAWN_S = "withdrawn"    # 已撤回
REOPENED_S = "reopened"      # 重办

STATUS_LABELS = {
    RECEIVED: "已受理", ASSIGNED_S: "已分办", IN_PROGRESS: "办理中", REPLIED_S: "已答复",
    CLOSED: "已办结", REJECTED_S: "不予受理", WITHDRAWN_S: "已撤回", REOPENED_S: "重办",
}
FINAL_STATUSES = frozenset({CLOSED, REJECTED_S, WITHDRAWN_S})
OPEN_STATUSES = frozenset({RECEIVED, ASSIGNED_S, IN_PROGRESS, REOPENED_S})

GRADES = ("simple", "general", "complex")
GRADE_LABELS = {"simple": "简单", "general": "一般", "complex": "复杂"}
GRADE_PROMISES = {
    "simple": "{n}个工作日内办结",
    "general": "{n}个工作日内提出解决方案",
    "complex": "{n}个工作日内反馈办理进度或结果",
}
CHANNELS = ("窗口", "12345热线", "网上", "信函", "电话", "其他")

RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
REWORK_RATINGS = frozenset({"不满意", "非常不满意"})
SATISFIED_RATINGS = frozenset({"非常满意", "满意", "基本满意"})
RATING_SCORES = {"非常满意": 100, "满意": 80, "基本满意": 60, "不满意": 20, "非常不满意": 0}

COLOURS = ("green", "yellow", "red")

GENESIS_HASH = "0" * 64


class EventEnvelope(TypedDict):
    event_id: str
    case_id: str
    device_id: str
    type: str
    payload: dict[str, Any]
    created_at: str
    prev_hash: str
    hash: str


ENVELOPE_FIELDS = ("event_id", "case_id", "device_id", "type", "payload", "created_at",
                   "prev_hash", "hash")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept (rare characters stay as is)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 over every envelope field but ``hash`` itself."""
    body = {k: event[k] for k in ENVELOPE_FIELDS if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def verify_chain(events: list[dict[str, Any]]) -> list[str]:
    """Problems found in one device's chain, given in its order; empty when it verifies."""
    problems = []
    prev = GENESIS_HASH
    for ev in events:
        if ev["prev_hash"] != prev:
            problems.append(f"{ev['event_id']}: prev_hash does not link to the previous event")
        if event_hash(ev) != ev["hash"]:
            problems.append(f"{ev['event_id']}: hash does not match its body")
        prev = ev["hash"]
    return problems
