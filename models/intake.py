"""Validating one petition as it comes from the form, a JSON line, a CSV row or a sheet.

The same rules for every door; an invalid record raises ``ValidationError`` naming the
field, and nothing of it is stored.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from . import protocol as p
from . import uscc as uscc_mod
from .calendar import BEIJING, now, parse_instant
from .county import CountyConfig
from .errors import ValidationError

GRADE_ALIASES = {"simple": "simple", "简单": "simple", "general": "general", "一般": "general",
                 "complex": "complex", "复杂": "complex"}
_PHONE = re.compile(r"^\+?[0-9][0-9\- ()（）]{4,24}$")
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=BEIJING)
CLOCK_SKEW = dt.timedelta(minutes=10)


@dataclass
class IntakeRequest:
    uscc: str
    enterprise: dict[str, str]
    contact: str
    phone: str
    channel: str
    title: str
    content: str
    category: str
    lead_dept: str | None
    co_depts: list[str] | None
    grade: str | None
    received_at: dt.datetime | None
    clerk: str | None
    source_id: str | None = None
    assigned_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_text(value: Any, name: str, *, required: bool = False, limit: int | None = None,
               multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"字段“{name}”应为文本，收到的是 {type(value).__name__}。",
                              f"Field {name!r} must be a string, got {type(value).__name__}.", field=name)
    for ch in value:
        if ch in "\n\t" and multiline:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or (ch in "\n\t" and not multiline):
            raise ValidationError(f"字段“{name}”含有不允许的控制字符 U+{ord(ch):04X}。",
                                  f"Field {name!r} contains control character U+{ord(ch):04X}.", field=name)
        if cat == "Cs":
            raise ValidationError(f"字段“{name}”含有无效的字符编码（孤立代理项）。",
                                  f"Field {name!r} contains a lone surrogate.", field=name)
    if required and not value.strip():
        raise ValidationError(f"缺少“{name}”。", f"Field {name!r} is missing.", field=name)
    if limit is not None and len(value) > limit:
        raise ValidationError(f"“{name}”超过 {limit} 字的上限（现为 {len(value)} 字）。",
                              f"Field {name!r} is over the limit of {limit} characters.", field=name)
    return value


def resolve_dept(value: Any, county: CountyConfig, name: str = "lead_dept") -> str:
    if not isinstance(value, str):
        raise ValidationError(f"“{name}”应为部门代码文本。", f"{name} must be a department code.", field=name)
    v = value.strip()
    if v in county.departments:
        return v
    for code, d in county.departments.items():
        if v and v in (d.name, d.short):
            return code
    raise ValidationError(f"未知的部门：“{value}”。", f"Unknown department {value!r}.", field=name)


def resolve_grade(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in GRADE_ALIASES:
        raise ValidationError(f"未知的等级：“{value}”（应为 简单/一般/复杂）。",
                              f"Unknown grade {value!r} (simple, general, complex).", field="grade")
    return GRADE_ALIASES[value.strip()]


def check_received_at(value: Any, *, clock: dt.datetime | None = None) -> dt.datetime:
    when = parse_instant(value) if not isinstance(value, dt.datetime) else value.astimezone(BEIJING)
    current = clock or now()
    if when > current + CLOCK_SKEW:
        raise ValidationError(f"受理时间 {value} 晚于当前时间，不可能。",
                              f"received_at {value} is in the future.", field="received_at")
    if when < EARLIEST:
        raise ValidationError(f"受理时间 {value} 早于2000年，不可能。",
                              f"received_at {value} is before 2000.", field="received_at")
    return when


def parse_record(record: Any, county: CountyConfig, *, clock: dt.datetime | None = None) -> IntakeRequest:
    if not isinstance(record, dict):
        raise ValidationError("每条记录应为一个 JSON 对象。", "Each record must be a JSON object.")
    ent = record.get("enterprise")
    if ent is None:
        ent = {k: record.get(k) for k in ("name", "uscc") if k in record}
        ent["name"] = record.get("enterprise_name", ent.get("name"))
        ent["uscc"] = record.get("uscc", ent.get("uscc"))
    if not isinstance(ent, dict):
        raise ValidationError("“enterprise”应为对象。", "enterprise must be an object.", field="enterprise")
    code = uscc_mod.validate(ent.get("uscc") if ent.get("uscc") is not None else "")
    name = check_text(ent.get("name"), "enterprise.name", required=True, limit=200)
    profile = {"uscc": code, "name": name}
    for key in ("industry", "scale", "type", "address", "legal_rep"):
        if ent.get(key) is not None:
            profile[key] = check_text(ent.get(key), f"enterprise.{key}", limit=200)
    contact = check_text(record.get("contact", ent.get("contact")), "contact", limit=50)
    phone = check_text(record.get("phone", ent.get("phone")), "phone", limit=30).strip()
    if phone and not _PHONE.match(phone):
        raise ValidationError(f"联系电话格式不正确：{phone}", f"Invalid phone number {phone!r}.", field="phone")
    if ent.get("contact") is not None:
        profile["contact"] = check_text(ent.get("contact"), "enterprise.contact", limit=50)
    if ent.get("phone") is not None:
        profile["phone"] = check_text(ent.get("phone"), "enterprise.phone", limit=30)
    content = check_text(record.get("content"), "content", required=True,
                         limit=county.content_limit, multiline=True)
    title = check_text(record.get("title"), "title", limit=county.title_limit)
    if not title.strip():
        first = re.split(r"[。！？\n]", content.strip(), maxsplit=1)[0]
        title = first[:30]
    channel = record.get("channel", "窗口") or "窗口"
    if channel not in p.CHANNELS:
        raise ValidationError(f"未知的渠道：“{channel}”。", f"Unknown channel {channel!r}.", field="channel")
    category = check_text(record.get("category"), "category", limit=50)
    lead = record.get("lead_dept", record.get("dept"))
    lead_dept = resolve_dept(lead, county) if lead not in (None, "") else None
    co = record.get("co_depts")
    co_depts = None
    if co is not None:
        if not isinstance(co, list):
            raise ValidationError("“co_depts”应为部门代码列表。", "co_depts must be a list.", field="co_depts")
        co_depts = []
        for c in co:
            d = resolve_dept(c, county, "co_depts")
            if d != lead_dept and d not in co_depts:
                co_depts.append(d)
    grade = resolve_grade(record["grade"]) if record.get("grade") not in (None, "") else None
    received = record.get("received_at")
    received_at = check_received_at(received, clock=clock) if received not in (None, "") else None
    assigned = record.get("assigned_at")
    assigned_at = check_received_at(assigned, clock=clock) if assigned not in (None, "") else None
    if assigned_at and received_at and assigned_at < received_at:
        raise ValidationError("分办时间早于受理时间，不可能。", "assigned_at is before received_at.",
                              field="assigned_at")
    clerk = record.get("clerk")
    if clerk is not None:
        clerk = check_text(clerk, "clerk", required=True, limit=50)
    source_id = record.get("id")
    if source_id is not None and not isinstance(source_id, (str, int)):
        raise ValidationError("“id”应为文本或数字。", "id must be a string or number.", field="id")
    return IntakeRequest(code, profile, contact, phone, channel, title, content, category,
                         lead_dept, co_depts, grade, received_at, clerk,
                         None if source_id is None else str(source_id), assigned_at=assigned_at)
