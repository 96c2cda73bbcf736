"""Supervision bench: one year of a busy county (200,000 cases, 18 departments).

    .venv/bin/python bench/bench_supervision.py [--cases 200000] [--keep DIR]

The store is SYNTHETIC: a real Store is created (migrations, county, holiday
schedules), then the ``cases``, ``replies`` and ``evaluations`` projections are filled by
bulk SQL inserts (no events, no hash chain) with plausible timings — most cases answered
within their 一三五 period, some late, ~6% rated 不满意 or worse and reworked, the last
weeks still open.  Nothing here is a test; the figures it prints are quoted in the notes.

Printed: figures computation (≤ 1 s), topic indexing backlog (one-off, for
information), chart drawing for the view and the PDF (≤ 300 ms), XLSX export of
200,000 case rows (≤ 10 s), the monthly PDF report.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import protocol as p  # noqa: E402
from models.calendar import BEIJING, iso  # noqa: E402
from models.store import Store  # noqa: E402

TOPICS = {
    "D01": ("营业执照办理时间太长", "办理施工许可审批材料反复补正"),
    "D02": ("食品经营许可证延续", "商标被他人抢注需要维权"),
    "D03": ("增值税留抵退税迟迟未到账", "发票额度不够影响开票"),
    "D04": ("社保缴费基数核定有误", "员工工伤认定进度慢"),
    "D05": ("厂区用地手续办理受阻", "土地证过户遇到困难"),
    "D06": ("厂房竣工验收排期太久", "物业维修资金申请"),
    "D07": ("厂区变压器频繁跳闸停电", "用电报装接电时间过长"),
    "D08": ("供水管网压力不足影响生产", "污水管道堵塞"),
    "D09": ("环评审批时间太长", "排污许可证变更"),
    "D10": ("货车通行证办理", "园区道路破损影响运输"),
    "D11": ("技改补贴资金申报", "专精特新企业认定"),
    "D12": ("外贸出口退税咨询", "展会补贴申报"),
    "D13": ("政府采购货款拖欠", "财政奖补资金未拨付"),
    "D14": ("企业贷款融资难", "应急转贷资金申请"),
    "D15": ("安全生产检查标准不一", "危化品许可证延期"),
    "D16": ("厂区周边治安问题", "外籍员工居留许可"),
    "D17": ("农产品加工补贴", "合作社用地问题"),
    "D18": ("项目立项备案", "重点项目要素保障"),
}
CATEGORIES = ("审批服务", "市场监管", "税费", "劳动用工", "用地规划", "工程建设", "水电气保障",
              "生态环境", "交通物流", "产业政策", "商贸外资", "资金补贴", "融资信贷", "安全生产",
              "治安", "农业农村", "项目服务")


def build_synthetic(data_dir: Path, n: int = 200_000, *, seed: int = 7, end: dt.date | None = None,
                    quiet: bool = False) -> Store:
    """A real, migrated Store with ``n`` synthetic cases received over the 365 days up to ``end``."""
    rnd = random.Random(seed)
    store = Store.open(data_dir)
    end = end or dt.datetime.now(BEIJING).date()
    cal = store.calendar
    county = store.county
    depts = list(county.departments)
    weights = [rnd.uniform(0.4, 2.0) for _ in depts]
    late_share = {d: rnd.choice((0.01, 0.03, 0.06, 0.1, 0.2)) for d in depts}   # answered after the deadline
    stuck_share = {d: rnd.choice((0.0, 0.0, 0.3, 1.0)) for d in depts}          # recent cases left unanswered
    close = county.office_close
    days = [end - dt.timedelta(days=i) for i in range(364, -1, -1)]
    workdays = [d for d in days if cal.is_workday(d)]
    deadline_cache: dict[tuple[dt.date, str], tuple[str, str]] = {}

    def deadline(day: dt.date, grade: str) -> tuple[str, str]:
        key = (day, grade)
        if key not in deadline_cache:
            d = store.deadline(dt.datetime.combine(day, dt.time(9, 0), BEIJING), grade)
            deadline_cache[key] = (iso(d.due_at), iso(d.warn_at))
        return deadline_cache[key]

    now_dt = dt.datetime.combine(end, dt.time(17, 0), BEIJING)
    ent = [(f"91330100MA{str(i).zfill(7)}X", f"示范县第{i}号企业有限公司") for i in range(5000)]
    cases, replies, evals = [], [], []
    ratings = p.RATINGS
    rating_w = (50, 30, 14, 4, 2)
    t0 = time.perf_counter()
    for i in range(n):
        day = rnd.choice(workdays)
        received = dt.datetime.combine(day, dt.time(8, 30), BEIJING) + dt.timedelta(minutes=rnd.randrange(0, 570))
        if received > now_dt:
            received = now_dt - dt.timedelta(hours=1)
        dept = rnd.choices(depts, weights)[0]
        grade = rnd.choices(p.GRADES, (30, 55, 15))[0]
        due, warn = deadline(day, grade)
        due_dt = dt.datetime.fromisoformat(due)
        assigned = received + dt.timedelta(minutes=rnd.choice((2, 5, 20, 60, 60 * 30)))
        # answered somewhere in the period, sometimes late
        lateness = rnd.random()
        span = (due_dt - received).total_seconds()
        replied = received + dt.timedelta(seconds=span * (rnd.uniform(0.1, 0.95) if lateness >= late_share[dept]
                                                          else rnd.uniform(1.02, 1.8)))
        if due_dt > now_dt - dt.timedelta(days=3) and rnd.random() >= stuck_share[dept]:
            replied = min(replied, max(received, now_dt - dt.timedelta(minutes=30)))
        cid = f"synthetic-{i:06d}"
        status, rating, rework, notified, closed = p.CLOSED, None, 0, None, None
        replied_at = iso(replied)
        if replied > now_dt:
            status, replied_at = rnd.choice((p.ASSIGNED_S, p.IN_PROGRESS)), None
        else:
            notified = iso(replied + dt.timedelta(hours=2))
            if replied + dt.timedelta(days=2) > now_dt:
                status, notified = p.REPLIED_S, None
            else:
                rating = rnd.choices(ratings, rating_w)[0]
                closed = iso(replied + dt.timedelta(days=1))
                if rating in p.REWORK_RATINGS:
                    rework = 1
                    evals.append((f"e{i}a", cid, rating, "仍未解决", closed))
                    rating = rnd.choices(ratings[:3], (3, 5, 2))[0]
                    replied = replied + dt.timedelta(days=3)
                    replied_at = iso(replied)
                    closed = iso(replied + dt.timedelta(days=1))
                    if replied + dt.timedelta(days=1) > now_dt:
                        status, replied_at, rating, closed, notified = p.REOPENED_S, None, None, None, None
                if rating:
                    evals.append((f"e{i}b", cid, rating, "", closed))
        uscc, name = ent[rnd.randrange(len(ent))]
        title = TOPICS[dept][rnd.randrange(2)]
        cases.append((cid, f"SY01-{day:%Y%m%d}-{i:06d}", "SY01", uscc, name, "联系人", "13800000000",
                      rnd.choice(p.CHANNELS), title, f"{title}，希望相关部门尽快协调解决。",
                      CATEGORIES[depts.index(dept) % len(CATEGORIES)], dept, grade, iso(received),
                      day.isoformat(), iso(received), due, warn, "synthetic", status, rework,
                      rating, iso(assigned), replied_at, notified, closed, iso(received), iso(received)))
        if replied_at:
            replies.append((cid, dept, replied_at))
    gen = time.perf_counter() - t0
    conn = sqlite3.connect(store.backend.path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT OR IGNORE INTO enterprises(uscc, name, updated_at) VALUES (?, ?, '2026-01-01')", ent)
    conn.executemany(
        "INSERT INTO cases(id, receipt_no, window_code, uscc, enterprise_name, contact, phone, channel, title, "
        "content, category, lead_dept, grade, received_at, received_day, period_start, due_at, warn_at, "
        "first_owner, status, rework_count, rating, assigned_at, replied_at, notified_at, closed_at, "
        "created_at, updated_at) VALUES (" + ",".join("?" * 28) + ")", cases)
    conn.executemany("INSERT INTO replies(event_id, case_id, dept_code, analysis, measures, policy_basis, "
                     "replied_at) VALUES ('r-' || ?1, ?1, ?2, '经核查……', '已协调……', '相关规定', ?3)", replies)
    conn.executemany("INSERT INTO evaluations(event_id, case_id, rating, comment, source, evaluated_at) "
                     "VALUES (?, ?, ?, ?, '窗口', ?)", evals)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    if not quiet:
        print(f"synthetic store: {n} cases, {len(replies)} replies, {len(evals)} evaluations "
              f"(generated {gen:.1f} s, inserted {time.perf_counter() - t0:.1f} s)")
    return store


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--keep", help="build (or reuse) the synthetic store in this directory")
    args = ap.parse_args()
    from models import supervision as sv

    tmp = None
    if args.keep:
        data_dir = Path(args.keep)
    else:
        tmp = tempfile.TemporaryDirectory()
        data_dir = Path(tmp.name)
    if (data_dir / "intake.sqlite3").exists():
        store = Store.open(data_dir)
    else:
        store = build_synthetic(data_dir, args.cases)
    end = dt.datetime.now(BEIJING).date()
    start = end - dt.timedelta(days=364)
    t0 = time.perf_counter()
    done = sv.index_topics(store)
    if done:
        print(f"topic indexing backlog (one-off, incremental afterwards): {done} cases in "
              f"{time.perf_counter() - t0:.1f} s")
    times = []
    for _ in range(3):
        fig = sv.compute(store, start, end)
        times.append(fig.seconds)
    print(f"figures for {fig.county.received} cases / {len(fig.depts)} departments, {start}..{end}: "
          f"best {min(times) * 1000:.0f} ms, first {times[0] * 1000:.0f} ms (limit 1000 ms)")
    c = fig.county
    print(f"  county: on-time {c.on_time_rate:.1%}, resolution {c.resolution_rate:.1%}, satisfaction "
          f"{c.satisfaction_rate:.1%}, score {c.weighted_score:.1f}, avg {c.avg_hours:.1f} h, "
          f"P90 {c.p90_hours:.1f} h, rework {c.rework}, overdue now {c.open_overdue_now}")
    try:
        from printing import report_charts
        from reportlab.graphics import renderPDF

        from printing import fonts
        t0 = time.perf_counter()
        fonts.font_status()   # loading the CJK TrueType font is once per process
        print(f"CJK font loaded once: {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        drawings = report_charts.all_charts(fig)
        pdfs = [renderPDF.drawToString(d) for d in drawings]
        t1 = time.perf_counter()
        print(f"PDF charts built and drawn: {len(drawings)} charts in {(t1 - t0) * 1000:.0f} ms "
              f"({sum(map(len, pdfs)) // 1024} KB) (limit 300 ms)")
    except ImportError:
        pass
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui.qt import QApplication, QImage, QPainter
        from ui import supervision_view as view

        app = QApplication.instance() or QApplication([])
        img = QImage(1200, 800, QImage.Format.Format_ARGB32)
        t0 = time.perf_counter()
        painter = QPainter(img)
        view.paint_charts(painter, img.rect(), fig)
        painter.end()
        print(f"Qt charts drawn (1200x800): {(time.perf_counter() - t0) * 1000:.0f} ms (limit 300 ms)")
        del app
    except ImportError:
        pass
    try:
        from printing import report_export
        out = data_dir / "cases.xlsx"
        t0 = time.perf_counter()
        rows = report_export.export_cases_xlsx(store, start, end, out)
        print(f"XLSX export of {rows} case rows: {time.perf_counter() - t0:.1f} s "
              f"({out.stat().st_size / 1e6:.1f} MB) (limit 10 s)")
        t0 = time.perf_counter()
        report_export.export_figures_xlsx(fig, data_dir / "figures.xlsx")
        print(f"XLSX figures: {(time.perf_counter() - t0) * 1000:.0f} ms")
        from printing import report_pdf
        t0 = time.perf_counter()
        month_start = end.replace(day=1)
        mfig = sv.compute(store, month_start, end)
        report_pdf.render_report(mfig, store.county, out_path=data_dir / "report.pdf")
        print(f"monthly PDF report: {(time.perf_counter() - t0) * 1000:.0f} ms")
    except ImportError:
        pass
    store.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
