"""Working days and the 一三五 deadlines.

A year's State Council schedule (holidays and make-up working days) is data: JSON files
shipped in ``models/data/holidays``, newer ones loaded by an administrator or
distributed by the county server.  A year with no schedule falls back to weekends plus
the statutory holidays that can be computed (python-holidays, lunar dates included),
and every deadline that touches such a year is marked provisional.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable

from .errors import ValidationError

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: dict[str, str]          # ISO day -> name (days off, weekends inside included)
    workdays: dict[str, str]          # ISO day -> name (make-up working days, 调休上班)
    source: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "YearSchedule":
        try:
            year = int(data["year"])
            holidays = {str(k): str(v) for k, v in dict(data.get("holidays", {})).items()}
            workdays = {str(k): str(v) for k, v in dict(data.get("workdays", {})).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError("节假日安排格式不正确：需要 year、holidays、workdays。",
                                  f"Malformed holiday schedule: {exc}") from exc
        for day in list(holidays) + list(workdays):
            try:
                parsed = dt.date.fromisoformat(day)
            except ValueError as exc:
                raise ValidationError(f"节假日安排中的日期无效：{day}",
                                      f"Invalid date in schedule: {day}") from exc
            if parsed.year != year:
                raise ValidationError(f"日期 {day} 不属于 {year} 年。",
                                      f"Day {day} is not in year {year}.")
        overlap = set(holidays) & set(workdays)
        if overlap:
            raise ValidationError(f"同一天既是假日又是调休上班：{sorted(overlap)[0]}",
                                  "A day is both a holiday and a make-up working day.")
        return cls(year, holidays, workdays, str(data.get("source", "")))

    def to_json(self) -> dict:
        return {"year": self.year, "source": self.source, "holidays": self.holidays,
                "workdays": self.workdays}


@functools.lru_cache(maxsize=1)
def bundled_schedules() -> tuple[YearSchedule, ...]:
    """The schedules this release ships with (read once per process)."""
    folder = resources.files("models") / "data" / "holidays"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            out.append(YearSchedule.from_json(json.loads(entry.read_text(encoding="utf-8"))))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> frozenset[dt.date]:
    import holidays as holidays_lib

    return frozenset(holidays_lib.China(years=year, observed=False).keys())


@dataclass
class Deadline:
    due_at: dt.datetime
    warn_at: dt.datetime
    provisional: bool
    missing_years: tuple[int, ...] = ()

    @property
    def provisional_reason(self) -> str:
        if not self.provisional:
            return ""
        years = "、".join(str(y) for y in self.missing_years)
        return (f"{years}年节假日安排尚未载入，暂按周末及法定节日推算；"
                "安排发布后将自动重新计算。")


@dataclass
class WorkCalendar:
    schedules: dict[int, YearSchedule] = field(default_factory=dict)
    office_close: dt.time = dt.time(18, 0)

    @classmethod
    def from_schedules(cls, schedules: Iterable[YearSchedule], office_close: dt.time | str = "18:00"):
        if isinstance(office_close, str):
            office_close = dt.time.fromisoformat(office_close)
        return cls({s.year: s for s in schedules}, office_close)

    def has_schedule(self, year: int) -> bool:
        return year in self.schedules

    def is_workday(self, day: dt.date) -> bool:
        sched = self.schedules.get(day.year)
        iso = day.isoformat()
        if sched is not None:
            if iso in sched.workdays:
                return True
            if iso in sched.holidays:
                return False
            return day.weekday() < 5
        return day.weekday() < 5 and day not in _statutory_holidays(day.year)

    def add_working_days(self, start: dt.date, n: int) -> tuple[dt.date, set[int]]:
        """The nth working day after ``start`` (``start`` itself is not counted), and the
        years crossed that had no loaded schedule."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, counted, missing = start, 0, set()
        if not self.has_schedule(start.year):
            missing.add(start.year)
        while counted < n:
            day += dt.timedelta(days=1)
            if not self.has_schedule(day.year):
                missing.add(day.year)
            if self.is_workday(day):
                counted += 1
        return day, missing

    def deadline(self, start: dt.datetime, working_days: int, *, warn_days: int = 1) -> Deadline:
        """Due at office close on the Nth working day after the start's date (Beijing)."""
        local = start.astimezone(BEIJING)
        due_day, missing = self.add_working_days(local.date(), working_days)
        due_at = dt.datetime.combine(due_day, self.office_close, BEIJING)
        warn_offset = max(0, working_days - max(1, warn_days))
        warn_day, _ = self.add_working_days(local.date(), warn_offset)
        warn_at = max(dt.datetime.combine(warn_day, self.office_close, BEIJING), local)
        # a period that only touches a missing year's first days still depends on it
        return Deadline(due_at, min(warn_at, due_at), bool(missing), tuple(sorted(missing)))

    def working_hours_between(self, start: dt.datetime, end: dt.datetime,
                              office_open: dt.time = dt.time(8, 30)) -> float:
        """Hours of office time between two instants, counting working days only."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(BEIJING), end.astimezone(BEIJING)
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                open_at = dt.datetime.combine(day, office_open, BEIJING)
                close_at = dt.datetime.combine(day, self.office_close, BEIJING)
                lo, hi = max(open_at, start), min(close_at, end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 3600
            day += dt.timedelta(days=1)
        return total


def parse_instant(value: str, *, field_name: str = "received_at") -> dt.datetime:
    """ISO 8601 in, aware datetime out; a naive time is Beijing time."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field_name} 必须是 ISO 8601 时间文本。",
                              f"{field_name} must be an ISO 8601 string.", field=field_name)
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{field_name} 不是有效的时间：{value}",
                              f"{field_name} is not a valid time: {value}", field=field_name) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed.astimezone(BEIJING)


def iso(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).isoformat(timespec="seconds")


def now() -> dt.datetime:
    return dt.datetime.now(BEIJING)
