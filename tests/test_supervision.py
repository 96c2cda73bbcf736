"""Supervision figures on a fixture county whose every figure is computed by hand.

The county is built through the real Store API on a real SQLite file, with the store's
clock moved to the moment of each action (received_at back-entry for receipts).  The
hand computation of every figure is written next to the case that produces it; the
formulas are in docs/supervision-formulas.md.

2026 calendar used (State Council schedule shipped in models/data/holidays/2026.json):
09-21 Mon … 09-24 Thu working; 09-25 Fri–09-27 Sun 中秋 (off); 09-28 Mon–09-30 Wed working;
10-01–10-07 国庆 (off); 10-08 Thu, 10-09 Fri working; 10-10 Sat 调休 working day;
10-11 Sun off; 10-12 Mon … working.  Office hours 08:30–18:00 (9.5 working hours a day).
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import protocol as p
from models import supervision as sv
from models.calendar import BEIJING

RANGE = (dt.date(2026, 9, 21), dt.date(2026, 10, 12))
NOW = dt.datetime(2026, 10, 12, 10, 0, tzinfo=BEIJING)


def t(month: int, day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, tzinfo=BEIJING)


class Clock:
    def __init__(self, monkeypatch, start: dt.datetime):
        self.now = start
        import models.store as store_mod

        monkeypatch.setattr(store_mod, "now", lambda: self.now)

    def at(self, when: dt.datetime) -> "Clock":
        self.now = when
        return self


def _enterprises(petitions: list[dict], n: int) -> list[dict]:
    seen, out = set(), []
    for rec in petitions:
        ent = rec.get("enterprise") or {"uscc": rec.get("uscc"), "name": rec.get("enterprise_name")}
        if ent.get("uscc") and ent["uscc"] not in seen:
            seen.add(ent["uscc"])
            out.append({"uscc": ent["uscc"], "name": ent["name"]})
        if len(out) == n:
            break
    return out


def build_fixture_county(store, clock: Clock, petitions: list[dict]) -> dict[str, dict]:
    """Eight cases (seven in RANGE) whose figures are computed by hand in the tests."""
    ents = _enterprises(petitions, 8)
    cases: dict[str, dict] = {}

    def register(key, when_received, when_registered, dept, grade, title, content, category, ent):
        clock.at(when_registered)
        case = store.register({
            "enterprise": ents[ent], "contact": "王经理", "phone": "13912345678", "channel": "窗口",
            "title": title, "content": content, "category": category, "lead_dept": dept,
            "grade": grade, "received_at": when_received.isoformat(),
        }, clerk="clerk1", clock=when_registered)
        cases[key] = case
        return case["id"]

    def reply(cid, when, dept, text="已处理"):
        clock.at(when)
        store.record_reply(cid, dept_code=dept, analysis=f"问题分析：{text}", measures=f"办理措施：{text}",
                           policy_basis="《优化营商环境条例》第十条", actor="dept")

    # A — D07 general (3 days), received Thu 09-24 10:00; due 09-30 18:00 (09-28, 29, 30).
    # Reply 09-29 11:00: on time; working hours 8 (09-24) + 0 (中秋) + 9.5 (09-28) + 2.5 = 20.
    # Rated 满意 → closed at the first attempt.
    a = register("A", t(9, 24, 10), t(9, 24, 10, 5), "D07", "general", "厂区变压器频繁跳闸",
                 "厂区变压器频繁跳闸停电，影响生产。", "水电气保障", 0)
    reply(a, t(9, 29, 11), "D07")
    clock.at(t(9, 29, 15)); store.record_notified(a, "电话", clerk="clerk1")
    clock.at(t(9, 30, 9)); store.evaluate(a, "满意", clerk="clerk1")

    # B — D07 simple (1 day), received Wed 09-30 16:00; due 10-08 18:00 (国庆 skipped).
    # First reply 10-09 09:30 is late; rated 不满意 at 10-09 10:05 → 重办, new period from
    # 10-09 10:05, due the next working day = Sat 10-10 (调休) 18:00.  Second reply
    # 10-10 11:00 is on time for the current period.  Working hours receipt → current reply:
    # 2 (09-30) + 0 (国庆) + 9.5 (10-08) + 9.5 (10-09) + 2.5 (10-10) = 23.5.
    # Rated 基本满意 10-12 09:00 → closed after one rework.
    b = register("B", t(9, 30, 16), t(9, 30, 16, 5), "D07", "simple", "用电报装接电时间过长",
                 "新厂房用电报装接电时间过长。", "水电气保障", 1)
    reply(b, t(10, 9, 9, 30), "D07")
    clock.at(t(10, 9, 10)); store.record_notified(b, "当面", clerk="clerk1")
    clock.at(t(10, 9, 10, 5)); store.evaluate(b, "不满意", "还是没有接电", clerk="clerk1")
    reply(b, t(10, 10, 11), "D07", "已接电")
    clock.at(t(10, 10, 11, 30)); store.record_notified(b, "电话", clerk="clerk1")
    clock.at(t(10, 12, 9)); store.evaluate(b, "基本满意", clerk="clerk1")

    # C — D03 complex (5 days), received Mon 09-21 17:30, registered 09-22 09:00 (assigned
    # by 09-22 18:00: in time); due 09-29 18:00.  Reply 09-30 10:00 (late); rated
    # 非常不满意 10-08 09:00 → 重办 from 10-08 09:00: due 10-14 18:00 (10-09, 10, 12, 13, 14),
    # warning from 10-13 18:00.  Open, not warned, not overdue now; no current reply.
    c = register("C", t(9, 21, 17, 30), t(9, 22, 9), "D03", "complex", "增值税留抵退税迟迟未到账",
                 "增值税留抵退税申请已三个月，迟迟未到账。", "税费", 2)
    reply(c, t(9, 30, 10), "D03")
    clock.at(t(9, 30, 14)); store.record_notified(c, "短信", clerk="clerk1")
    clock.at(t(10, 8, 9)); store.evaluate(c, "非常不满意", "退税仍未到账", clerk="clerk1")

    # D — D03 general, received Thu 10-08 09:00; due Mon 10-12 18:00 (10-09, 10-10 调休,
    # 10-12); warning from 10-10 18:00 → yellow at NOW (10-12 10:00).
    register("D", t(10, 8, 9), t(10, 8, 9), "D03", "general", "发票额度不够影响开票",
             "发票额度不够，影响正常开票。", "税费", 3)

    # E — D04 simple, received Fri 10-09 10:00 but registered only Mon 10-12 09:30:
    # assignment deadline 10-10 18:00 missed.  Due 10-10 18:00 → red at NOW.
    register("E", t(10, 9, 10), t(10, 12, 9, 30), "D04", "simple", "社保缴费基数核定有误",
             "社保缴费基数核定有误，需要更正。", "劳动用工", 4)

    # F — D04 general, received Tue 09-22 09:00, rejected 10:00: counts as received only.
    f = register("F", t(9, 22, 9), t(9, 22, 9), "D04", "general", "咨询个人所得税",
                 "咨询个人事项，不属于企业诉求。", "劳动用工", 5)
    clock.at(t(9, 22, 10)); store.reject(f, "不属于企业诉求受理范围", clerk="clerk1")

    # G — D04 general, received Wed 09-23 08:00 (before office hours), due 09-29 18:00.
    # Reply Mon 09-28 19:00 (after office hours): on time; working hours
    # 9.5 (09-23 from 08:30) + 9.5 (09-24) + 0 (中秋) + 9.5 (09-28 until 18:00) = 28.5.
    # Not yet told → 待告知.
    g = register("G", t(9, 23, 8), t(9, 23, 8), "D04", "general", "员工工伤认定进度慢",
                 "员工工伤认定进度慢，企业无法办理理赔。", "劳动用工", 6)
    reply(g, t(9, 28, 19), "D04", "已加快工伤认定")

    # H — D07, received Fri 09-18 (before RANGE): overdue now but outside the figures.
    register("H", t(9, 18, 10), t(9, 18, 10), "D07", "general", "园区道路破损",
             "园区道路破损影响运输。", "交通物流", 7)
    clock.at(NOW)
    return {k: store.get_case(v["id"]) for k, v in cases.items()}


@pytest.fixture
def county(store, monkeypatch, shared_petitions):
    clock = Clock(monkeypatch, t(9, 18, 10))
    cases = build_fixture_county(store, clock, shared_petitions)
    return store, clock, cases


def approx(x):
    return pytest.approx(x, abs=1e-9)


def test_fixture_states_are_what_the_hand_computation_assumes(county):
    store, clock, cases = county
    assert cases["A"]["status"] == p.CLOSED and cases["A"]["rework_count"] == 0
    assert cases["B"]["status"] == p.CLOSED and cases["B"]["rework_count"] == 1
    assert cases["B"]["due_at"] == "2026-10-10T18:00:00+08:00"      # 调休 Saturday
    assert cases["C"]["status"] == p.REOPENED_S and cases["C"]["due_at"] == "2026-10-14T18:00:00+08:00"
    assert cases["C"]["replied_at"] is None
    assert cases["D"]["due_at"] == "2026-10-12T18:00:00+08:00"
    assert cases["D"]["warn_at"] == "2026-10-10T18:00:00+08:00"
    assert cases["E"]["due_at"] == "2026-10-10T18:00:00+08:00"
    assert cases["E"]["assigned_at"] == "2026-10-12T09:30:00+08:00"
    assert cases["F"]["status"] == p.REJECTED_S
    assert cases["G"]["status"] == p.REPLIED_S and cases["G"]["notified_at"] is None


def test_department_figures_match_the_hand_computation(county):
    store, clock, cases = county
    fig = sv.compute(store, *RANGE, at=NOW)
    d = {f.dept: f for f in fig.depts}

    d07 = d["D07"]   # A and B (H is outside the range)
    assert (d07.received, d07.assigned_in_time, d07.answered, d07.answered_on_time, d07.due) == (2, 2, 2, 2, 2)
    assert d07.on_time_rate == approx(1.0)
    assert (d07.closed, d07.closed_first_time) == (2, 1)
    assert d07.resolution_rate == approx(0.5)
    # ratings: A 满意 (80), B 不满意 (20) then 基本满意 (60)
    assert (d07.evaluations, d07.satisfied, d07.score_sum) == (3, 2, 160)
    assert d07.satisfaction_rate == approx(2 / 3)
    assert d07.weighted_score == approx(160 / 3)
    assert d07.rework == 1
    assert d07.handled == 2
    assert d07.avg_hours == approx((20 + 23.5) / 2)
    assert d07.p90_hours == approx(23.5)                # rank ceil(0.9·2) = 2
    assert (d07.open_now, d07.open_warned_now, d07.open_overdue_now) == (0, 0, 0)
    assert d07.colour == "green"

    d03 = d["D03"]   # C (reworked, open) and D (warned)
    assert (d03.received, d03.assigned_in_time, d03.answered, d03.due) == (2, 2, 0, 0)
    assert d03.on_time_rate is None and d03.resolution_rate is None
    assert (d03.evaluations, d03.satisfied, d03.score_sum) == (1, 0, 0)
    assert d03.satisfaction_rate == approx(0.0) and d03.weighted_score == approx(0.0)
    assert d03.rework == 1
    assert d03.handled == 0 and d03.avg_hours is None and d03.p90_hours is None
    assert (d03.open_now, d03.open_warned_now, d03.open_overdue_now) == (2, 1, 0)
    assert d03.colour == "yellow"

    d04 = d["D04"]   # E (late assignment, overdue), F (rejected), G (answered on time)
    assert (d04.received, d04.assigned_in_time, d04.answered, d04.answered_on_time, d04.due) == (3, 2, 1, 1, 2)
    assert d04.assigned_rate == approx(2 / 3)
    assert d04.on_time_rate == approx(0.5)
    assert d04.closed == 0 and d04.evaluations == 0 and d04.satisfaction_rate is None
    assert d04.handled == 1 and d04.avg_hours == approx(28.5) and d04.p90_hours == approx(28.5)
    assert (d04.open_now, d04.open_warned_now, d04.open_overdue_now) == (1, 0, 1)
    assert d04.colour == "red"

    # departments with no cases are listed, empty and green
    assert d["D01"].received == 0 and d["D01"].colour == "green"
    assert len(fig.depts) == 18


def test_county_figures_match_the_hand_computation(county):
    store, clock, cases = county
    c = sv.compute(store, *RANGE, at=NOW).county
    assert (c.received, c.assigned_in_time, c.answered, c.answered_on_time, c.due) == (7, 6, 3, 3, 4)
    assert c.on_time_rate == approx(0.75)
    assert (c.closed, c.closed_first_time, c.rework) == (2, 1, 2)
    assert c.resolution_rate == approx(0.5)
    assert (c.evaluations, c.satisfied) == (4, 2)
    assert c.satisfaction_rate == approx(0.5)
    assert c.weighted_score == approx((80 + 20 + 60 + 0) / 4)
    assert c.handled == 3
    assert c.avg_hours == approx((20 + 23.5 + 28.5) / 3)
    assert c.p90_hours == approx(28.5)                  # rank ceil(0.9·3) = 3
    assert (c.open_now, c.open_warned_now, c.open_overdue_now) == (3, 1, 1)
    assert c.colour == "red"


def test_sql_working_hours_agree_with_the_calendar(county):
    """The per-day cumulative table gives the same hours as WorkCalendar, holidays and
    调休 included, for every answered case."""
    store, clock, cases = county
    cal = store.calendar
    expected = {"A": 20.0, "B": 23.5, "G": 28.5}
    for key, hours in expected.items():
        case = store.get_case(cases[key]["id"])
        got = cal.working_hours_between(dt.datetime.fromisoformat(case["received_at"]),
                                        dt.datetime.fromisoformat(case["replied_at"]),
                                        office_open=store.county.office_open)
        assert got == approx(hours), key
    fig = sv.compute(store, *RANGE, at=NOW)
    assert sum(f.hours_sum for f in fig.depts) == approx(sum(expected.values()))


def test_a_narrower_range_and_an_earlier_now(county):
    store, clock, cases = county
    # only 09-21..09-24: A, C, F, G; as of 09-29 12:00 (before any rating)
    fig = sv.compute(store, dt.date(2026, 9, 21), dt.date(2026, 9, 24), at=t(9, 29, 12))
    c = fig.county
    assert c.received == 4
    # the projection is today's: A closed, C reworked (open, due 10-14), G answered
    assert c.open_now == 1 and c.open_overdue_now == 0
    assert {f.dept: f.received for f in fig.depts if f.received} == {"D07": 1, "D03": 1, "D04": 2}


def test_rules_thresholds_decide_the_colour():
    f = sv.DeptFigures("X", "x", due=10, answered_on_time=9)
    assert sv.colour_for(f, sv.Rules()) == "yellow"                 # 90% < 95%
    assert sv.colour_for(f, sv.Rules(yellow_on_time_below=0.9)) == "green"
    f.answered_on_time = 7
    assert sv.colour_for(f, sv.Rules()) == "red"                    # 70% < 80%
    f.answered_on_time, f.open_warned_now = 10, 1
    assert sv.colour_for(f, sv.Rules()) == "yellow"
    f.open_overdue_now = 1
    assert sv.colour_for(f, sv.Rules()) == "red"


def test_nearest_rank_percentile():
    values = list(range(1, 11))
    assert sv.nearest_rank(values, 0.9) == 9
    assert sv.nearest_rank(list(range(1, 12)), 0.9) == 10           # ceil(9.9) = 10
    assert sv.nearest_rank([5], 0.9) == 5
    assert sv.nearest_rank([], 0.9) is None


def test_rework_on_a_low_rating(county):
    store, clock, cases = county
    c = store.get_case(cases["C"]["id"])
    assert c["rework_count"] == 1 and c["status"] == p.REOPENED_S
    assert c["period_start"] == "2026-10-08T09:00:00+08:00"
    types = [e["type"] for e in store.events_of(c["id"])]
    assert types[-2:] == [p.EVALUATED, p.REOPENED]
    # the reworked case leaves 待告知 and counts one rework
    assert c["id"] not in {x["id"] for x in sv.pending_notification(store)}


def test_pending_notification_and_colour_lists(county):
    store, clock, cases = county
    pending = sv.pending_notification(store)
    assert [x["id"] for x in pending] == [cases["G"]["id"]]
    reply = sv.latest_reply(store, cases["G"]["id"])
    assert reply["analysis"].startswith("问题分析") and reply["policy_basis"]
    red = {x["id"] for x in sv.colour_list(store, "red", at=NOW)}
    yellow = {x["id"] for x in sv.colour_list(store, "yellow", at=NOW)}
    assert red == {cases["E"]["id"], cases["H"]["id"]}
    assert yellow == {cases["D"]["id"]}
    # telling the enterprise takes it off the list
    clock.at(t(10, 12, 10, 30))
    store.record_notified(cases["G"]["id"], "电话", clerk="clerk1")
    assert sv.pending_notification(store) == []
    assert [x["id"] for x in sv.awaiting_rating(store)] == [cases["G"]["id"]]


def test_escalations_and_extension_requests(county):
    store, clock, cases = county
    e, d = cases["E"]["id"], cases["D"]["id"]
    clock.at(t(10, 12, 10, 10))
    store.escalate(e, "督办", "超期未办结", clerk="supervisor")
    store.escalate(d, "催办", "即将到期", clerk="supervisor")
    items = sv.escalations(store)
    assert [(i["case_id"], i["kind"]) for i in items] == [(d, "催办"), (e, "督办")]
    assert sv.escalations(store, e)[0]["reason"] == "超期未办结"
    store.request_extension(d, 2, "需现场核查", actor="D03")
    pending = sv.extension_requests(store)
    assert [(i["case_id"], i["days"]) for i in pending] == [(d, 2)]
    store.decide_extension(d, True, 2, clerk="supervisor")
    assert sv.extension_requests(store) == []
    decided = sv.extension_requests(store, pending_only=False)
    assert decided[0]["decision"]["approved"] is True
    # two more working days: 10-13, 10-14
    assert store.get_case(d)["due_at"] == "2026-10-14T18:00:00+08:00"


def test_topics_by_month_with_trend(county):
    store, clock, cases = county
    assert sv.topics_backlog(store) == 8
    assert sv.index_topics(store) == 8
    assert sv.index_topics(store) == 0          # incremental
    fig = sv.compute(store, *RANGE, at=NOW, rules=sv.Rules(top_terms=100))
    assert fig.months == ["2026-09", "2026-10"]
    sept_terms = dict(fig.terms_by_month["2026-09"])
    assert sept_terms["变压器"] == 1 and sept_terms["跳闸"] == 1 and sept_terms["留抵退税"] == 1
    assert "企业" not in sept_terms and "影响" not in sept_terms      # too general
    assert dict(fig.terms_by_month["2026-10"])["发票"] == 1
    words = sv.topic_words(store, "厂区变压器频繁跳闸", "")
    assert words[:2] == ["变压器", "跳闸"] and "频繁" not in words and "厂区" not in words
    # categories: September 水电气保障 A B, 税费 C, 劳动用工 F G; October 税费 D, 劳动用工 E
    assert dict(fig.categories_by_month["2026-09"]) == {"水电气保障": 2, "税费": 1, "劳动用工": 2}
    assert dict(fig.categories_by_month["2026-10"]) == {"税费": 1, "劳动用工": 1}
    trends = {s.label: s for s in fig.category_trends}
    assert trends["水电气保障"].counts == [2, 0] and trends["水电气保障"].trend == "down"
    assert trends["税费"].counts == [1, 1] and trends["税费"].trend == "flat"
    assert trends["劳动用工"].change == -1
