"""What every view is given: the store, the signed-in clerk, change notifications."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models import protocol as p
from models.calendar import BEIJING
from models.drafts import DraftStore
from models.store import Store
from models.users import User

from .i18n import tr
from .qt import QObject, Signal


class ChangeHub(QObject):
    """Store.on_change arrives on whatever thread made the change (often a worker);
    re-emitting it as a Qt signal delivers it to views on the main thread."""

    changed = Signal(str, object)

    def __init__(self, store: Store):
        super().__init__()
        self._unsubscribe = store.on_change(self._forward)

    def _forward(self, what: str, detail: dict) -> None:
        self.changed.emit(what, detail)

    def close(self) -> None:
        self._unsubscribe()


@dataclass
class AppContext:
    store: Store
    user: User
    hub: ChangeHub
    drafts: DraftStore = field(init=False)
    # the sync bridge (ui/sync_status.SyncBridge) once the app has started one
    sync: object | None = field(default=None, init=False)

    def __post_init__(self):
        self.drafts = DraftStore(self.store.data_dir)

    @property
    def clerk(self) -> str:
        return self.user.username

    def setting(self, key: str, default=None):
        return self.store.backend.get_setting(key, default)

    def set_setting(self, key: str, value) -> None:
        with self.store.backend.transaction():
            self.store.backend.set_setting(key, value)
        self.store._notify("settings", {"key": key})


# -- labels: English source strings, translated by the catalogue -------------------------
def status_text(status: str) -> str:
    return {
        p.RECEIVED: tr("Received"), p.ASSIGNED_S: tr("Assigned"), p.IN_PROGRESS: tr("In progress"),
        p.REPLIED_S: tr("Replied"), p.CLOSED: tr("Closed"), p.REJECTED_S: tr("Rejected"),
        p.WITHDRAWN_S: tr("Withdrawn"), p.REOPENED_S: tr("Rework"),
    }.get(status, status)


def grade_text(grade: str | None) -> str:
    return {"simple": tr("Simple"), "general": tr("General"), "complex": tr("Complex")}.get(grade or "", grade or "")


def colour_text(colour: str | None) -> str:
    return {"green": tr("Green"), "yellow": tr("Yellow"), "red": tr("Red")}.get(colour or "", "")


def channel_text(channel: str) -> str:
    return {"窗口": tr("Window"), "12345热线": tr("12345 hotline"), "网上": tr("Online"), "信函": tr("Letter"),
            "电话": tr("Phone"), "其他": tr("Other")}.get(channel, channel)


def event_text(etype: str) -> str:
    return {
        p.CASE_REGISTERED: tr("Registered"), p.ROUTED: tr("Routed"), p.GRADED: tr("Graded"),
        p.ASSIGNED: tr("Assigned to department"), p.STATUS_CHANGED: tr("Status changed"),
        p.REPLIED: tr("Department replied"), p.NOTIFIED: tr("Enterprise notified"),
        p.EVALUATED: tr("Evaluated"), p.REOPENED: tr("Reopened for rework"), p.WITHDRAWN: tr("Withdrawn"),
        p.REJECTED: tr("Rejected"), p.ATTACHMENT_ADDED: tr("Attachment added"), p.NOTE_ADDED: tr("Note"),
        p.FIELD_CORRECTED: tr("Field corrected"), p.ESCALATED: tr("Escalated"),
        p.EXTENSION_REQUESTED: tr("Extension requested"), p.EXTENSION_DECIDED: tr("Extension decided"),
    }.get(etype, etype)


def field_text(name: str) -> str:
    return {
        "uscc": tr("Credit code"), "enterprise_name": tr("Enterprise"), "contact": tr("Contact"),
        "phone": tr("Phone"), "channel": tr("Channel"), "title": tr("Title"), "content": tr("Content"),
        "category": tr("Category"), "lead_dept": tr("Lead department"), "co_depts": tr("Co-departments"),
        "grade": tr("Grade"), "received_at": tr("Received"),
    }.get(name, name)


def fmt_time(value: str | None, *, seconds: bool = False) -> str:
    """ISO instant -> ``2026-12-04 09:30`` in Beijing time; empty for nothing."""
    if not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(value).astimezone(BEIJING)
    except ValueError:
        return value
    return when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def deadline_text(case: dict) -> str:
    text = fmt_time(case.get("due_at"))
    if case.get("deadline_provisional"):
        text += " " + tr("(provisional)")
    return text


# GB/T 4754-2017 sections, for the enterprise profile's industry letter
INDUSTRY_SECTIONS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
    "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育", "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织", "T": "国际组织",
}


def industry_text(code: str | None) -> str:
    code = (code or "").strip()
    name = INDUSTRY_SECTIONS.get(code.upper()[:1]) if code else None
    return f"{code} {name}" if name and len(code) <= 5 else code
