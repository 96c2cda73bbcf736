"""County configuration: departments, keyword rules, grade periods, office hours, warning
share, supervision phone.  Distributed by the county server; a built-in demo county makes
the app usable on first run."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .errors import ValidationError


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    short: str = ""
    duties: str = ""
    keywords: tuple[str, ...] = ()


@dataclass
class CountyConfig:
    county_code: str
    county_name: str
    centre_name: str
    supervision_phone: str
    grade_days: dict[str, int]
    office_open: dt.time
    office_close: dt.time
    warning_days: int
    content_limit: int
    title_limit: int
    departments: dict[str, Department] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CountyConfig":
        try:
            deps = {}
            for d in data["departments"]:
                dep = Department(str(d["code"]), str(d["name"]), str(d.get("short", "")),
                                 str(d.get("duties", "")), tuple(str(k) for k in d.get("keywords", ())))
                deps[dep.code] = dep
            hours = data.get("office_hours", {})
            grade_days = {g: int(n) for g, n in data.get("grade_days", {}).items()}
            if set(grade_days) != {"simple", "general", "complex"} or min(grade_days.values()) < 1:
                raise ValueError("grade_days needs simple, general and complex, each >= 1")
            return cls(
                county_code=str(data.get("county_code", "")),
                county_name=str(data["county_name"]),
                centre_name=str(data.get("centre_name", data["county_name"] + "政务服务中心")),
                supervision_phone=str(data.get("supervision_phone", "")),
                grade_days=grade_days,
                office_open=dt.time.fromisoformat(hours.get("open", "08:30")),
                office_close=dt.time.fromisoformat(hours.get("close", "18:00")),
                warning_days=int(data.get("warning_days", 1)),
                content_limit=int(data.get("content_limit", 5000)),
                title_limit=int(data.get("title_limit", 100)),
                departments=deps,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError("县级配置格式不正确。", f"Malformed county configuration: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "county_code": self.county_code, "county_name": self.county_name,
            "centre_name": self.centre_name, "supervision_phone": self.supervision_phone,
            "grade_days": dict(self.grade_days),
            "office_hours": {"open": self.office_open.strftime("%H:%M"),
                             "close": self.office_close.strftime("%H:%M")},
            "warning_days": self.warning_days, "content_limit": self.content_limit,
            "title_limit": self.title_limit,
            "departments": [{"code": d.code, "name": d.name, "short": d.short, "duties": d.duties,
                             "keywords": list(d.keywords)} for d in self.departments.values()],
        }

    def dept_name(self, code: str) -> str:
        dep = self.departments.get(code)
        return dep.name if dep else code


def demo_county() -> CountyConfig:
    text = (resources.files("models") / "data" / "demo_county.json").read_text(encoding="utf-8")
    return CountyConfig.from_json(json.loads(text))
