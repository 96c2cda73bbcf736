"""Supervision (督办) figures and the window's closing-the-loop queries. Qt-free.

Every figure is defined in docs/supervision-formulas.md (Chinese and English); the
names below follow that document.  In short, for a date range [date_from, date_to]
(received day, Beijing, both inclusive) the *cohort* is every case received in the
range, grouped by its current lead department:

- received, assigned within time, answered (current handling period), answered on time,
  due (answered + open past deadline), on-time rate, closed, closed without rework,
  resolution rate, evaluations / satisfied / satisfaction rate / weighted score, rework,
  handling time (working hours from receipt to the current reply; mean and P90),
  open / open warned / open overdue now, and the department's colour.

The aggregation is one SQL pass over ``cases`` (GROUP BY lead department, with window
functions for the nearest-rank 90th percentile) plus one over ``evaluations``.  Working
hours are computed in SQL from a per-day table of cumulative working seconds built in
Python for the few hundred calendar days involved (holidays and 调休 make-up days
follow the store's WorkCalendar), so nothing loops per case in Python.

Reads go through a separate read-only SQLite connection (WAL lets it read while the
window writes), so a computation on a worker thread never holds the store's lock.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import contextlib
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from . import protocol as p
from .calendar import BEIJING, WorkCalendar, iso, now

OPEN_SQL = ",".join(f"'{s}'" for s in sorted(p.OPEN_STATUSES))
SATISFIED_SQL = ",".join(f"'{r}'" for r in p.RATINGS if r in p.SATISFIED_RATINGS)
COUNTY = "*"  # the county-wide row's department code
NOTIFY_METHODS = ("当面", "电话", "短信", "邮寄", "其他")


@dataclass(frozen=True)
class Rules:
    """Thresholds of the figures; defaults are the county's usual practice."""

    assign_working_days: int = 1          # 分办时限: assigned by office close of the Nth working day after receipt
    red_on_time_below: float = 0.80       # a department is red below this on-time rate ...
    yellow_on_time_below: float = 0.95    # ... yellow below this one
    top_terms: int = 10                   # topics kept per month


@dataclass
class DeptFigures:
    dept: str
    name: str
    received: int = 0
    assigned_in_time: int = 0
    answered: int = 0
    answered_on_time: int = 0
    due: int = 0
    closed: int = 0
    closed_first_time: int = 0
    evaluations: int = 0
    satisfied: int = 0
    score_sum: int = 0
    rework: int = 0
    handled: int = 0
    hours_sum: float = 0.0
    p90_hours: float | None = None
    open_now: int = 0
    open_warned_now: int = 0
    open_overdue_now: int = 0
    colour: str = "green"

    # -- derived ------------------------------------------------------------------
    @property
    def assigned_rate(self) -> float | None:
        return _ratio(self.assigned_in_time, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.answered_on_time, self.due)

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.closed_first_time, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied, self.evaluations)

    @property
    def weighted_score(self) -> float | None:
        return _ratio(self.score_sum, self.evaluations)

    @property
    def avg_hours(self) -> float | None:
        return self.hours_sum / self.handled if self.handled else None

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("assigned_rate", "on_time_rate", "resolution_rate", "satisfaction_rate",
                  "weighted_score", "avg_hours"):
            d[k] = getattr(self, k)
        return d


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


@dataclass
class TopicSeries:
    label: str
    counts: list[int]            # one per month of Figures.months
    total: int
    trend: str                   # "up" / "down" / "flat" / "new"
    change: int                  # last month minus the month before


@dataclass
class Figures:
    date_from: dt.date
    date_to: dt.date
    now: str
    rules: Rules
    depts: list[DeptFigures]
    county: DeptFigures
    months: list[str] = field(default_factory=list)
    terms_by_month: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    categories_by_month: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    term_trends: list[TopicSeries] = field(default_factory=list)
    category_trends: list[TopicSeries] = field(default_factory=list)
    seconds: float = 0.0

    def by_colour(self, colour: str) -> list[DeptFigures]:
        return [d for d in self.depts if d.colour == colour]

    def as_dict(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
            "now": self.now, "rules": asdict(self.rules),
            "county": self.county.as_dict(), "depts": [d.as_dict() for d in self.depts],
            "months": self.months, "terms_by_month": self.terms_by_month,
            "categories_by_month": self.categories_by_month,
            "term_trends": [asdict(t) for t in self.term_trends],
            "category_trends": [asdict(t) for t in self.category_trends],
            "seconds": self.seconds,
        }


# -- read connection -------------------------------------------------------------------
def open_reader(store) -> sqlite3.Connection:
    """A read-only connection of its own to the store's file: WAL lets it read while the
    window writes, and a computation on a worker thread never holds the store's lock.
    Callers close it (no connection outlives a computation, so the data directory can be
    moved or backed up freely)."""
    conn = sqlite3.connect(f"file:{store.backend.path}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False, timeout=5)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


@contextlib.contextmanager
def reading(store) -> Iterator[sqlite3.Connection]:
    conn = open_reader(store)
    try:
        yield conn
    finally:
        conn.close()


# -- working time ----------------------------------------------------------------------
def _local_text(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def warm_up(store, at: dt.datetime | None = None) -> None:
    """Touch the calendar of this year and the next on the calling (main) thread: a year
    without a schedule imports python-holidays lazily, and importing a package for the
    first time on a worker thread while Qt runs can crash PySide6's import hook."""
    today = (at or now()).astimezone(BEIJING).date()
    for year in (today.year, today.year + 1):
        store.calendar.is_workday(dt.date(year, 6, 1))


def day_table(calendar: WorkCalendar, first: dt.date, last: dt.date, office_open: dt.time,
              office_close: dt.time, assign_days: int) -> list[tuple[str, int, int, str]]:
    """(day, working seconds on all days before it from ``first``, is-workday, local
    office close of the ``assign_days``-th working day after it) for first..last."""
    span = (last - first).days + 1
    days = [first + dt.timedelta(days=i) for i in range(span)]
    work = [calendar.is_workday(d) for d in days]
    # enough days after ``last`` for the assignment deadline of its receipt day
    found = 0
    while found < assign_days + 1:
        days.append(days[-1] + dt.timedelta(days=1))
        work.append(calendar.is_workday(days[-1]))
        found += work[-1]
    per_day = (dt.datetime.combine(first, office_close) - dt.datetime.combine(first, office_open)).seconds
    rows, cum = [], 0
    # the Nth working day after each day, walking backwards once
    next_close: list[str] = [""] * len(days)
    upcoming: list[int] = []           # indices of the next working days, nearest first
    for i in range(len(days) - 1, -1, -1):
        if len(upcoming) >= assign_days:
            due = days[upcoming[assign_days - 1]]
            next_close[i] = iso(dt.datetime.combine(due, office_close, BEIJING))
        if work[i]:
            upcoming.insert(0, i)
            del upcoming[assign_days:]
    for i in range(span):
        rows.append((days[i].isoformat(), cum, int(work[i]), next_close[i] or "9999"))
        if work[i]:
            cum += per_day
    return rows


def working_seconds_sql(alias: str, local_expr: str, open_s: int, close_s: int) -> str:
    """SQL for the working seconds from the table start to a local 'YYYY-MM-DD HH:MM:SS'."""
    secs = (f"(substr({local_expr},12,2)*3600 + substr({local_expr},15,2)*60"
            f" + substr({local_expr},18,2))")
    return f"({alias}.cum + {alias}.work * min(max({secs} - {open_s}, 0), {close_s - open_s}))"


# -- figures ---------------------------------------------------------------------------
def compute(store, date_from: dt.date, date_to: dt.date, *, at: dt.datetime | None = None,
            rules: Rules = Rules(), topics: bool = True) -> Figures:
    """All figures for cases received in [date_from, date_to], as of ``at`` (default now)."""
    t0 = time.perf_counter()
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    at = at or now()
    with reading(store) as conn:
        return _compute(conn, store, date_from, date_to, at, rules, topics, t0)


def _compute(conn, store, date_from, date_to, at, rules, topics, t0) -> Figures:
    now_iso = iso(at)
    county = store.county
    open_t, close_t = county.office_open, county.office_close
    open_s = open_t.hour * 3600 + open_t.minute * 60
    close_s = close_t.hour * 3600 + close_t.minute * 60
    last = max(date_to, at.astimezone(BEIJING).date()) + dt.timedelta(days=1)
    rows = day_table(store.calendar, date_from, last, open_t, close_t, rules.assign_working_days)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS sup_days (day TEXT PRIMARY KEY, cum INTEGER NOT NULL, "
                 "work INTEGER NOT NULL, next_close TEXT NOT NULL) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.sup_days")
    conn.executemany("INSERT INTO temp.sup_days VALUES (?,?,?,?)", rows)
    rec_secs = working_seconds_sql("dr", "c.received_at", open_s, close_s)
    rep_secs = working_seconds_sql("dp", "c.replied_at", open_s, close_s)
    params = {"f": date_from.isoformat(), "t": date_to.isoformat(), "now": now_iso}
    figures: dict[str, DeptFigures] = {
        code: DeptFigures(code, d.name) for code, d in county.departments.items()}

    def dept(code: str) -> DeptFigures:
        f = figures.get(code)
        if f is None:
            f = figures[code] = DeptFigures(code, county.dept_name(code))
        return f

    # One scan of the covering index cases_supervision (migration 2), in its order
    # (received day, department, category) so that no sort is needed.  Stored instants
    # are Beijing ISO text ('YYYY-MM-DDTHH:MM:SS+08:00', models.calendar.iso) and compare
    # as text.  Handling times (working seconds, two lookups in the per-day cumulative
    # table) come back as one comma list per group; Python only parses and sorts them.
    # The categories per month feed the topics without a second scan.
    main_sql = f"""
        SELECT c.lead_dept, substr(c.received_day, 1, 7), c.category, c.status,
               count(*),
               sum(c.assigned_at <= dr.next_close),
               count(c.replied_at),
               sum(c.replied_at <= c.due_at),
               sum(c.due_at <= :now),
               sum(c.warn_at <= :now),
               sum(c.rework_count),
               sum(c.rework_count = 0),
               sum({_score_case('c.rating')}),
               group_concat(max(0, {rep_secs} - {rec_secs}))
        FROM cases c INDEXED BY cases_supervision
             JOIN temp.sup_days dr ON dr.day = c.received_day
             LEFT JOIN temp.sup_days dp ON dp.day = substr(c.replied_at, 1, 10)
        WHERE c.received_day BETWEEN :f AND :t
        GROUP BY c.received_day, c.lead_dept, c.category, c.status
    """
    cats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_dept: dict[str, list[int]] = defaultdict(list)
    open_statuses = p.OPEN_STATUSES
    for (code, month, category, status, n, ait, answered, on_time, past_due, past_warn, rework,
         first_time, score, secs) in conn.execute(main_sql, params):
        f = dept(code)
        cats[month][category or "未分类"] += n
        f.received += n
        f.assigned_in_time += ait or 0
        f.answered += answered
        f.answered_on_time += on_time or 0
        f.rework += rework
        if status == p.CLOSED:
            f.closed += n
            f.closed_first_time += first_time
            f.score_sum += score
        if status in open_statuses:
            f.open_now += n
            f.open_overdue_now += past_due
            f.open_warned_now += past_warn - past_due   # warn_at <= due_at
            f.due += answered + past_due
        else:
            f.due += answered
        if secs:
            # a NULL (no reply) adds nothing to group_concat
            per_dept[code].extend(map(int, secs.split(",")))
    everything: list[int] = []
    for code, values in per_dept.items():
        f = dept(code)
        values.sort()
        f.handled = len(values)
        f.hours_sum = sum(values) / 3600
        f.p90_hours = nearest_rank(values, 0.9) / 3600
        everything.extend(values)
    everything.sort()
    p90_all = nearest_rank(everything, 0.9) / 3600 if everything else None
    # Evaluations: every satisfied rating closed its case (status closed, rating kept on the
    # case) and every 不满意/非常不满意 reopened it (rework_count).  Only the levels of the
    # rework ratings need the evaluations table, for the reworked cases alone.
    rework_sql = f"""
        SELECT c.lead_dept, e.rating, count(*)
        FROM cases c INDEXED BY cases_supervision
             JOIN evaluations e INDEXED BY evaluations_case_rating ON e.case_id = c.id
        WHERE c.received_day BETWEEN :f AND :t AND c.rework_count > 0
              AND e.rating IN ({','.join(repr(x) for x in sorted(p.REWORK_RATINGS))})
        GROUP BY 1, 2
    """
    for code, rating, n in conn.execute(rework_sql, params):
        dept(code).score_sum += p.RATING_SCORES[rating] * n
    for f in figures.values():
        f.satisfied = f.closed
        f.evaluations = f.closed + f.rework
    depts = list(figures.values())
    for f in depts:
        f.colour = colour_for(f, rules)
    total = DeptFigures(COUNTY, "全县")
    for name in ("received", "assigned_in_time", "answered", "answered_on_time", "due", "closed",
                 "closed_first_time", "evaluations", "satisfied", "score_sum", "rework", "handled",
                 "hours_sum", "open_now", "open_warned_now", "open_overdue_now"):
        setattr(total, name, sum(getattr(f, name) for f in depts))
    total.p90_hours = p90_all
    total.colour = colour_for(total, rules)
    fig = Figures(date_from, date_to, now_iso, rules, depts, total)
    if topics:
        _topics(conn, fig, rules, cats)
    fig.seconds = time.perf_counter() - t0
    return fig


def _score_case(column: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in p.RATING_SCORES.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def colour_for(f: DeptFigures, rules: Rules) -> str:
    """红: an open case past its deadline now, or on-time rate below the red threshold;
    黄: otherwise an open case in its warning period now, or on-time rate below the
    yellow threshold; 绿: otherwise (on track)."""
    rate = f.on_time_rate
    if f.open_overdue_now > 0 or (rate is not None and rate < rules.red_on_time_below):
        return "red"
    if f.open_warned_now > 0 or (rate is not None and rate < rules.yellow_on_time_below):
        return "yellow"
    return "green"


# -- topics ----------------------------------------------------------------------------
def months_between(date_from: dt.date, date_to: dt.date) -> list[str]:
    out, y, m = [], date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _series(months: list[str], counts: dict[str, dict[str, int]], top: int) -> list[TopicSeries]:
    totals: dict[str, int] = defaultdict(int)
    for per in counts.values():
        for label, n in per.items():
            totals[label] += n
    out = []
    for label, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
        series = [counts.get(m, {}).get(label, 0) for m in months]
        out.append(TopicSeries(label, series, total, *_trend(series)))
    return out


def _trend(series: list[int]) -> tuple[str, int]:
    """Last month against the month before: up / down / flat, or new (0 before)."""
    if len(series) < 2:
        return "flat", 0
    last, prev = series[-1], series[-2]
    change = last - prev
    if prev == 0 and last > 0:
        return "new", change
    return ("up" if change > 0 else "down" if change < 0 else "flat"), change


def nearest_rank(sorted_values: list, q: float):
    """Nearest-rank percentile: the value at rank ceil(q·n) of the ascending values."""
    n = len(sorted_values)
    if not n:
        return None
    k = -(-int(round(q * 100)) * n // 100)  # ceil(q·n) in integers
    return sorted_values[max(1, k) - 1]


def _topics(conn: sqlite3.Connection, fig: Figures, rules: Rules, cats: dict) -> None:
    months = months_between(fig.date_from, fig.date_to)
    fig.months = months
    lo, hi = months[0], months[-1]
    terms: dict[str, dict[str, int]] = defaultdict(dict)
    for month, term, n in conn.execute(
            "SELECT month, term, sum(n) FROM topic_terms WHERE month BETWEEN ? AND ? GROUP BY month, term",
            (lo, hi)):
        terms[month][term] = n
    top = rules.top_terms
    fig.terms_by_month = {m: sorted(terms.get(m, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:top]
                          for m in months}
    fig.categories_by_month = {m: sorted(cats.get(m, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:top]
                               for m in months}
    fig.term_trends = _series(months, terms, top)
    fig.category_trends = _series(months, cats, top)


TOPICS_WATERMARK = "topics_rowid"


# words too general to name a problem (the router's stop words are left out already)
GENERIC_WORDS = frozenset(
    "企业 影响 生产 经营 无法 不能 尽快 协调 解决 部门 相关部门 相关 进度 时间 时间太长 太长 迟迟 "
    "申请 手续 材料 办事 工作 员工 单位 我司 本公司 厂区 园区 项目 要求 希望 能否 一直 多次 "
    "反复 频繁 造成 导致 损失 正常 及时 目前 现在 已经 至今 仍然 还是 没有 不到 一下 帮助 "
    "支持 处理 落实 问题 情况 个人 三个 两个 一个 几个 多个 今年 去年 本月 上月".split())


def topic_words(store, title: str, content: str) -> list[str]:
    """Distinct problem words of one petition: the county's rule keywords found in it
    (e.g. 变压器, 跳闸, 留抵退税) plus its other jieba words of two or more characters,
    stop words and GENERIC_WORDS left out (segmentation by the store's router, whose
    jieba dictionary holds every rule keyword)."""
    router = store.router
    text = f"{title}\n{content}"
    hits = sorted(router.keyword_hits(text))
    words = router._words(text)  # noqa: SLF001 — the router's segmentation
    return list(dict.fromkeys(hits + [w for w in words if w not in GENERIC_WORDS and not w[0].isdigit()]))


def index_topics(store, *, batch: int = 2000, limit: int | None = None) -> int:
    """Count the words of cases not yet indexed into ``topic_terms``; returns cases done.

    Incremental by rowid (settings ``topics_rowid``): each case is segmented once, when
    the supervision view or ``export`` first needs it.  A later correction of the text or
    a reroute does not move counts already made (topics are a trend, not a ledger)."""
    b = store.backend
    done = 0
    while limit is None or done < limit:
        mark = int(b.get_setting(TOPICS_WATERMARK, 0) or 0)
        rows = b.query("SELECT rowid, substr(received_day, 1, 7) AS month, lead_dept, title, content "
                       "FROM cases WHERE rowid > ? ORDER BY rowid LIMIT ?", (mark, batch))
        if not rows:
            break
        counts: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in rows:
            for w in topic_words(store, r["title"], r["content"]):
                counts[(r["month"], r["lead_dept"], w)] += 1
        with b.transaction():
            if int(b.get_setting(TOPICS_WATERMARK, 0) or 0) != mark:
                continue  # another thread indexed this batch meanwhile
            b.conn.executemany("INSERT INTO topic_terms(month, dept, term, n) VALUES (?,?,?,?) "
                               "ON CONFLICT(month, dept, term) DO UPDATE SET n = n + excluded.n",
                               [(m, d, t, n) for (m, d, t), n in counts.items()])
            b.set_setting(TOPICS_WATERMARK, str(rows[-1]["rowid"]))
        done += len(rows)
    return done


def topics_backlog(store) -> int:
    mark = int(store.backend.get_setting(TOPICS_WATERMARK, 0) or 0)
    return store.backend.scalar("SELECT count(*) FROM cases WHERE rowid > ?", (mark,))


# -- case lists for supervision and the window -------------------------------------------
LIST_COLUMNS = ("id", "receipt_no", "enterprise_name", "uscc", "title", "category", "lead_dept", "grade",
                "channel", "status", "received_at", "due_at", "warn_at", "assigned_at", "replied_at",
                "notified_at", "closed_at", "rework_count", "rating", "rating_comment", "contact", "phone",
                "first_owner", "extension_days", "deadline_provisional", "content", "co_depts")


def _rows(store, sql: str, params: Iterable[Any] = ()) -> list[dict]:
    from .store import _row_to_case  # the store's row decoding (co_depts JSON, flags)

    return [_row_to_case(r) for r in store.backend.query(sql, list(params))]


def pending_notification(store, *, dept: str | None = None, limit: int = 500) -> list[dict]:
    """待告知: replied cases whose enterprise has not been told yet, oldest reply first."""
    sql = "SELECT * FROM cases WHERE status = 'replied' AND notified_at IS NULL"
    params: list[Any] = []
    if dept:
        sql += " AND lead_dept = ?"
        params.append(dept)
    return _rows(store, sql + " ORDER BY replied_at, rowid LIMIT ?", params + [limit])


def awaiting_rating(store, *, limit: int = 500) -> list[dict]:
    """Told but not yet rated: replied cases with notified_at set."""
    return _rows(store, "SELECT * FROM cases WHERE status = 'replied' AND notified_at IS NOT NULL "
                        "ORDER BY notified_at, rowid LIMIT ?", [limit])


def latest_reply(store, case_id: str) -> dict | None:
    rows = store.backend.query("SELECT * FROM replies WHERE case_id = ? ORDER BY replied_at DESC, rowid DESC "
                               "LIMIT 1", (case_id,))
    return dict(rows[0]) if rows else None


def colour_list(store, colour: str, *, at: dt.datetime | None = None, dept: str | None = None,
                limit: int = 1000) -> list[dict]:
    """黄/红 lists: open cases in their warning period (yellow) or past their deadline (red)
    now, across the whole store; most urgent first."""
    n = iso(at or now())
    if colour == "red":
        cond, params = "due_at <= ?", [n]
    elif colour == "yellow":
        cond, params = "warn_at <= ? AND due_at > ?", [n, n]
    else:
        raise ValueError("colour must be yellow or red")
    sql = f"SELECT * FROM cases WHERE status IN ({OPEN_SQL}) AND {cond}"
    if dept:
        sql += " AND lead_dept = ?"
        params.append(dept)
    return _rows(store, sql + " ORDER BY due_at LIMIT ?", params + [limit])


def escalations(store, case_id: str | None = None) -> list[dict]:
    """督办/催办 events (newest first), with the case's receipt number and department."""
    sql = ("SELECT e.event_id, e.case_id, e.payload, e.created_at, c.receipt_no, c.lead_dept, c.title "
           "FROM events e JOIN cases c ON c.id = e.case_id WHERE e.type = ?")
    params: list[Any] = [p.ESCALATED]
    if case_id:
        sql += " AND e.case_id = ?"
        params.append(case_id)
    out = []
    import json

    for r in store.backend.query(sql + " ORDER BY e.seq DESC", params):
        pl = json.loads(r["payload"])
        out.append({"event_id": r["event_id"], "case_id": r["case_id"], "receipt_no": r["receipt_no"],
                    "lead_dept": r["lead_dept"], "title": r["title"], "kind": pl.get("kind"),
                    "reason": pl.get("reason", ""), "actor": pl.get("actor", ""), "at": r["created_at"]})
    return out


def extension_requests(store, *, pending_only: bool = True) -> list[dict]:
    """Extension requests by departments, each with its decision if one was recorded
    (the first decision after the request)."""
    import json

    rows = store.backend.query(
        "SELECT e.seq, e.event_id, e.case_id, e.type, e.payload, e.created_at, c.receipt_no, c.lead_dept, "
        "c.title, c.status, c.due_at FROM events e JOIN cases c ON c.id = e.case_id "
        "WHERE e.type IN (?, ?) ORDER BY e.case_id, e.seq", (p.EXTENSION_REQUESTED, p.EXTENSION_DECIDED))
    out: list[dict] = []
    open_by_case: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        pl = json.loads(r["payload"])
        if r["type"] == p.EXTENSION_REQUESTED:
            item = {"event_id": r["event_id"], "case_id": r["case_id"], "receipt_no": r["receipt_no"],
                    "lead_dept": r["lead_dept"], "title": r["title"], "status": r["status"],
                    "due_at": r["due_at"], "days": pl.get("days"), "reason": pl.get("reason", ""),
                    "requested_by": pl.get("actor", ""), "requested_at": r["created_at"],
                    "decision": None}
            out.append(item)
            open_by_case[r["case_id"]].append(item)
        elif open_by_case.get(r["case_id"]):
            item = open_by_case[r["case_id"]].pop(0)
            item["decision"] = {"approved": bool(pl.get("approved")), "days": pl.get("days"),
                                "by": pl.get("actor", ""), "at": r["created_at"]}
    if pending_only:
        out = [i for i in out if i["decision"] is None and i["status"] in p.OPEN_STATUSES]
    return sorted(out, key=lambda i: i["requested_at"])


def overdue_days(case: dict, calendar: WorkCalendar | None = None, at: dt.datetime | None = None) -> int:
    """Whole calendar days past the deadline (0 when not overdue)."""
    due = dt.datetime.fromisoformat(case["due_at"])
    current = at or now()
    if current <= due:
        return 0
    return max(1, (current.astimezone(BEIJING).date() - due.astimezone(BEIJING).date()).days)


# -- figure rows for tables and exports --------------------------------------------------
FIGURE_COLUMNS: list[tuple[str, str, str]] = [
    # key, Chinese header, kind (int / pct / score / hours / text)
    ("name", "单位", "text"),
    ("received", "受理量", "int"),
    ("assigned_in_time", "按时分办", "int"),
    ("assigned_rate", "按时分办率", "pct"),
    ("answered", "已答复", "int"),
    ("answered_on_time", "按期答复", "int"),
    ("due", "应答复", "int"),
    ("on_time_rate", "按期答复率", "pct"),
    ("closed", "办结", "int"),
    ("closed_first_time", "一次办结", "int"),
    ("resolution_rate", "解决率", "pct"),
    ("evaluations", "评价数", "int"),
    ("satisfaction_rate", "满意率", "pct"),
    ("weighted_score", "满意度得分", "score"),
    ("rework", "重办次数", "int"),
    ("avg_hours", "平均办理时长(工时)", "hours"),
    ("p90_hours", "P90办理时长(工时)", "hours"),
    ("open_now", "在办", "int"),
    ("open_warned_now", "临期(黄)", "int"),
    ("open_overdue_now", "超期(红)", "int"),
    ("colour", "红黄绿", "text"),
]
COLOUR_LABELS = {"green": "绿", "yellow": "黄", "red": "红"}


def figure_value(f: DeptFigures, key: str) -> Any:
    return getattr(f, key)


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:.1f}"
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "text":
        return COLOUR_LABELS.get(value, str(value))
    return str(value)
