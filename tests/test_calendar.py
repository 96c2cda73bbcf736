"""一三五 deadlines on the State Council's 2026 schedule, the year boundary and the fallback."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from models.calendar import BEIJING, WorkCalendar, YearSchedule, bundled_schedules, iso, parse_instant
from models.errors import ValidationError

DAYS = {"simple": 1, "general": 3, "complex": 5}


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.from_schedules(bundled_schedules(), "18:00")


# (received, grade, expected due day, provisional) — counted by hand from the notice
CASES_2026 = [
    ("2025-12-31T15:00", "simple", "2026-01-04", False),   # 元旦 off Jan 1-3, Sunday Jan 4 is a make-up day
    ("2026-02-13T09:00", "general", "2026-02-25", False),  # Sat Feb 14 works, 春节 Feb 15-23 off
    ("2026-02-13T09:00", "complex", "2026-02-27", False),
    ("2026-02-20T10:00", "simple", "2026-02-24", False),   # received on a holiday counts the same way
    ("2026-02-26T10:00", "general", "2026-03-02", False),  # Sat Feb 28 is a make-up day
    ("2026-04-03T10:00", "simple", "2026-04-07", False),   # 清明 Apr 4-6
    ("2026-04-30T10:00", "general", "2026-05-08", False),  # 劳动节 May 1-5
    ("2026-04-30T10:00", "complex", "2026-05-11", False),  # Sat May 9 is a make-up day
    ("2026-06-18T10:00", "simple", "2026-06-22", False),   # 端午 Jun 19-21
    ("2026-09-18T10:00", "general", "2026-09-22", False),  # Sun Sep 20 is a make-up day
    ("2026-09-24T10:00", "simple", "2026-09-28", False),   # 中秋 Sep 25-27
    ("2026-09-30T10:00", "general", "2026-10-10", False),  # golden week; Sat Oct 10 works (scenario 8)
    ("2026-10-01T10:00", "simple", "2026-10-08", False),
    ("2026-12-31T10:00", "complex", "2027-01-08", True),   # no 2027 notice yet: fallback (scenario 7)
    ("2026-12-31T10:00", "simple", "2027-01-04", True),    # New Year's Day is statutory even without it
    ("2026-12-04T19:30", "simple", "2026-12-07", False),   # after office close: still counts from the next day
]


@pytest.mark.parametrize("received, grade, due_day, provisional", CASES_2026)
def test_deadlines_across_every_2026_holiday(cal, received, grade, due_day, provisional):
    d = cal.deadline(parse_instant(received), DAYS[grade])
    assert d.due_at == dt.datetime.fromisoformat(due_day + "T18:00:00+08:00")
    assert d.provisional is provisional
    assert (d.provisional_reason != "") is provisional


def test_make_up_days_are_working_days_and_holidays_are_not(cal):
    sched = json.loads((__import__("importlib").resources.files("models") / "data" / "holidays" / "2026.json")
                       .read_text(encoding="utf-8"))
    for day in sched["workdays"]:
        d = dt.date.fromisoformat(day)
        assert d.weekday() >= 5 and cal.is_workday(d)
    for day in sched["holidays"]:
        assert not cal.is_workday(dt.date.fromisoformat(day))


def test_every_day_of_2026_counts_at_most_one_step(cal):
    """Walking the year one working day at a time lands only on working days."""
    day = dt.date(2025, 12, 31)
    seen = 0
    while day.year < 2027:
        nxt, _ = cal.add_working_days(day, 1)
        assert cal.is_workday(nxt) and nxt > day
        between = [day + dt.timedelta(days=i) for i in range(1, (nxt - day).days)]
        assert not any(cal.is_workday(x) for x in between)
        seen += nxt.year == 2026
        day = nxt
    # 2026 has 365 days, 104 weekend days, 25 holidays on weekdays, 6 make-up days
    assert seen == 365 - 104 - sum(1 for d in json.loads(
        (__import__("importlib").resources.files("models") / "data" / "holidays" / "2026.json")
        .read_text(encoding="utf-8"))["holidays"] if dt.date.fromisoformat(d).weekday() < 5) + 6


def test_office_close_is_county_configuration():
    xinjiang = WorkCalendar.from_schedules(bundled_schedules(), "19:30")
    d = xinjiang.deadline(parse_instant("2026-09-30T10:00"), 3)
    assert iso(d.due_at) == "2026-10-10T19:30:00+08:00"


def test_warning_starts_on_the_last_working_day(cal):
    d = cal.deadline(parse_instant("2026-09-30T10:00"), 3, warn_days=1)
    assert iso(d.warn_at) == "2026-10-09T18:00:00+08:00"
    # five working days Oct 8, 9, 10 (make-up Saturday), 12, 13: the last two are warned
    d = cal.deadline(parse_instant("2026-09-30T10:00"), 5, warn_days=2)
    assert iso(d.due_at) == "2026-10-13T18:00:00+08:00"
    assert iso(d.warn_at) == "2026-10-10T18:00:00+08:00"


def test_received_time_without_offset_is_beijing_time_and_utc_converts():
    assert parse_instant("2026-10-01T02:00").tzinfo is not None
    assert iso(parse_instant("2026-09-30T20:00:00Z")) == "2026-10-01T04:00:00+08:00"
    with pytest.raises(ValidationError):
        parse_instant("2026-02-30T10:00")


def test_schedule_validation():
    with pytest.raises(ValidationError):
        YearSchedule.from_json({"year": 2027, "holidays": {"2026-01-01": "x"}, "workdays": {}})
    with pytest.raises(ValidationError):
        YearSchedule.from_json({"year": 2027, "holidays": {"2027-01-01": "x"}, "workdays": {"2027-01-01": "y"}})
    with pytest.raises(ValidationError):
        YearSchedule.from_json({"holidays": {}})


def test_loading_a_schedule_recomputes_provisional_deadlines(store, shared_petitions):
    rec = dict(shared_petitions[0], grade="simple", received_at="2026-12-31T10:00:00+08:00")
    case = store.register(rec, clerk="clerk1", clock=dt.datetime(2026, 12, 31, 12, tzinfo=BEIJING))
    assert case["deadline_provisional"] and case["due_at"].startswith("2027-01-04")
    # a (test) notice in which Monday 4 January is also off
    changed = store.load_holiday_schedule({"year": 2027, "source": "test notice",
                                           "holidays": {"2027-01-01": "元旦", "2027-01-02": "元旦",
                                                        "2027-01-03": "元旦", "2027-01-04": "元旦"},
                                           "workdays": {}})
    assert changed == 1
    after = store.get_case(case["id"])
    assert after["due_at"] == "2027-01-05T18:00:00+08:00"
    assert after["deadline_provisional"] is False
    # and a new store on the same file sees the loaded year (data, not code)
    from models.store import Store

    again = Store.open(store.data_dir)
    assert again.calendar.has_schedule(2027)
    again.close()


def test_registering_on_new_years_eve_works_in_any_year(store, shared_petitions):
    """Whatever year it is, a year past the shipped schedules falls back, never fails."""
    far = WorkCalendar.from_schedules(bundled_schedules())
    for year in (2031, 2040, 2099):
        d = far.deadline(dt.datetime(year, 12, 31, 10, 0, tzinfo=BEIJING), 5)
        assert d.provisional and d.due_at.year == year + 1
