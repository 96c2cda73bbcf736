"""The printable monthly supervision report (督办月报) as PDF, with its charts.  No Qt.

Built on reportlab's canvas with the CJK text helpers of ``printing.text`` (per-character
font fallback, visible placeholders for characters no font has) and the drawings of
``printing.report_charts``.  Pages: key figures, 红黄绿 notice and on-time chart; the
department table and satisfaction chart; volumes, topics and their trend; the formulas.
"""
from __future__ import annotations

import datetime as dt
import io

from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from models import supervision as sv

from . import common as cm
from . import report_charts as charts
from . import text
from .report_export import FORMULA_NOTES, TREND_LABELS, colour_reason

W, H = A4
M = 42  # margin
INK = colors.HexColor("#212121")
MUTED = colors.HexColor("#616161")
FILL = {"red": colors.HexColor("#fde0dc"), "yellow": colors.HexColor("#fff4d6"),
        "green": colors.HexColor("#e3f3e6")}


def _pct(v) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _num(v, digits=1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def period_text(fig: sv.Figures) -> str:
    a, b = fig.date_from, fig.date_to
    return f"{a.year}年{a.month}月{a.day}日—{b.year}年{b.month}月{b.day}日"


class _Page:
    def __init__(self, c: Canvas, title: str, missing: list):
        self.c, self.title, self.missing = c, title, missing
        self.page = 0
        self.y = H - M

    def start(self):
        self.page += 1
        self.y = H - M

    def finish(self):
        c = self.c
        c.setFillColor(MUTED)
        text.draw(c, M, 24, self.title, 7.5, missing=self.missing)
        label = f"第 {self.page} 页"
        text.draw(c, W - M - text.width(label, 7.5), 24, label, 7.5, missing=self.missing)
        c.setFillColor(INK)
        c.showPage()

    def heading(self, s: str, size: float = 12.5):
        self.y -= size + 6
        self.c.setFillColor(INK)
        self.c.setStrokeColor(INK)
        text.draw(self.c, M, self.y, s, size, bold=True, missing=self.missing)
        self.y -= 6

    def para(self, s: str, size: float = 9.5, indent: float = 0.0, color=INK):
        self.c.setFillColor(color)
        for line in text.wrap(s, size, W - 2 * M - indent):
            self.y -= size * 1.45
            text.draw(self.c, M + indent, self.y, line, size, missing=self.missing)
        self.c.setFillColor(INK)

    def drawing(self, d):
        self.y -= d.height + 4
        renderPDF.draw(d, self.c, M, self.y)
        self.y -= 4


def _key_figures(pg: _Page, c: sv.DeptFigures):
    boxes = [
        ("受理量", f"{c.received}件"), ("按时分办率", _pct(c.assigned_rate)),
        ("按期答复率", _pct(c.on_time_rate)), ("办结", f"{c.closed}件"),
        ("解决率", _pct(c.resolution_rate)), ("满意率", _pct(c.satisfaction_rate)),
        ("满意度得分", _num(c.weighted_score)), ("重办次数", f"{c.rework}次"),
        ("平均办理时长", f"{_num(c.avg_hours)}工时"), ("P90办理时长", f"{_num(c.p90_hours)}工时"),
        ("在办", f"{c.open_now}件"), ("超期在办", f"{c.open_overdue_now}件"),
    ]
    cols, bw, bh, gap = 4, (W - 2 * M - 3 * 8) / 4, 40, 8
    canvas = pg.c
    for i, (label, value) in enumerate(boxes):
        r, k = divmod(i, cols)
        x = M + k * (bw + gap)
        y = pg.y - (r + 1) * (bh + 6)
        alert = (label == "超期在办" and c.open_overdue_now) or (label == "重办次数" and c.rework)
        canvas.setFillColor(FILL["red"] if alert else colors.HexColor("#f5f7fa"))
        canvas.setStrokeColor(colors.HexColor("#d0d7de"))
        canvas.roundRect(x, y, bw, bh, 4, stroke=1, fill=1)
        canvas.setFillColor(MUTED)
        text.draw(canvas, x + 8, y + bh - 13, label, 8, missing=pg.missing)
        canvas.setFillColor(INK)
        canvas.setStrokeColor(INK)
        text.draw(canvas, x + 8, y + 8, value, 14, bold=True, missing=pg.missing)
    pg.y -= 3 * (bh + 6) + 4


def _notice(pg: _Page, fig: sv.Figures):
    labels = {"red": "红色（超期）", "yellow": "黄色（预警）", "green": "绿色（按期推进）"}
    for colour in ("red", "yellow", "green"):
        ds = [d for d in fig.by_colour(colour) if d.received]
        if colour == "green":
            body = "、".join(d.name for d in ds) or "无"
        else:
            body = "；".join(f"{d.name}（{colour_reason(d, fig.rules)}）" for d in ds) or "无"
        pg.c.setFillColor({"red": charts.RED, "yellow": charts.YELLOW, "green": charts.GREEN}[colour])
        pg.c.circle(M + 4, pg.y - 9.5 * 1.45 + 3.2, 3.6, stroke=0, fill=1)
        pg.para(f"{labels[colour]} {len(ds)}个：{body}", 9.5, indent=12)
        pg.y -= 2


TABLE_COLS = (("单位", 118, "name"), ("受理", 36, "received"), ("按期答复率", 52, "on_time_rate"),
              ("解决率", 44, "resolution_rate"), ("满意率", 44, "satisfaction_rate"),
              ("得分", 34, "weighted_score"), ("重办", 30, "rework"), ("平均工时", 44, "avg_hours"),
              ("P90工时", 42, "p90_hours"), ("超期", 30, "open_overdue_now"), ("颜色", 30, "colour"))


def _fit(s: str, size: float, avail: float) -> str:
    if text.width(s, size) <= avail:
        return s
    while s and text.width(s + "…", size) > avail:
        s = s[:-1]
    return s + "…"


def _cell_text(f: sv.DeptFigures, key: str) -> str:
    v = getattr(f, key)
    if key in ("on_time_rate", "resolution_rate", "satisfaction_rate"):
        return _pct(v)
    if key in ("weighted_score", "avg_hours", "p90_hours"):
        return _num(v)
    if key == "colour":
        return sv.COLOUR_LABELS.get(v, "")
    return str(v)


def _table(pg: _Page, fig: sv.Figures):
    rows = sorted([d for d in fig.depts if d.received],
                  key=lambda d: ({"red": 0, "yellow": 1, "green": 2}[d.colour], -d.received))
    rows.append(fig.county)
    c = pg.c
    rh, size = 15, 8
    total_w = sum(w for _, w, _ in TABLE_COLS)
    x0 = M + (W - 2 * M - total_w) / 2

    def row(values, y, bold=False, fill=None):
        if fill is not None:
            c.setFillColor(fill)
            c.rect(x0, y - 4, total_w, rh, stroke=0, fill=1)
        c.setFillColor(INK)
        x = x0
        for (label, w, key), v in zip(TABLE_COLS, values):
            s = _fit(v, size, w - 6)
            if key == "name":
                text.draw(c, x + 3, y, s, size, bold=bold, missing=pg.missing)
            else:
                text.draw(c, x + w - 3 - text.width(s, size), y, s, size, bold=bold, missing=pg.missing)
            x += w

    pg.y -= rh
    row([h for h, _, _ in TABLE_COLS], pg.y, bold=True, fill=colors.HexColor("#eceff1"))
    for f in rows:
        if pg.y < M + 60:
            pg.finish()
            pg.start()
            pg.y -= rh
            row([h for h, _, _ in TABLE_COLS], pg.y, bold=True, fill=colors.HexColor("#eceff1"))
        pg.y -= rh
        is_total = f is fig.county
        row([_cell_text(f, k) for _, _, k in TABLE_COLS], pg.y, bold=is_total,
            fill=None if is_total else FILL.get(f.colour))
    c.setStrokeColor(colors.HexColor("#b0bec5"))
    c.line(x0, pg.y - 5, x0 + total_w, pg.y - 5)
    pg.y -= 10


def _topics_text(pg: _Page, fig: sv.Figures, trend_fig: sv.Figures):
    month = fig.months[-1] if fig.months else ""
    terms = "、".join(f"{t}（{n}）" for t, n in (fig.terms_by_month.get(month) or [])[:10]) or "无"
    cats = "、".join(f"{t}（{n}）" for t, n in (fig.categories_by_month.get(month) or [])[:8]) or "无"
    pg.para(f"高频问题词：{terms}", 9)
    pg.para(f"问题类别：{cats}", 9)
    trends = [f"{s.label}{TREND_LABELS.get(s.trend, '')}（环比{s.change:+d}）" for s in trend_fig.category_trends[:6]]
    if len(trend_fig.months) >= 2 and trends:
        pg.para("类别趋势：" + "；".join(trends), 9)


def render_report(fig: sv.Figures, county, *, trend_fig: sv.Figures | None = None, out_path=None,
                  generated_at: dt.datetime | None = None) -> bytes:
    """The report PDF (bytes; also written to ``out_path``).  ``county`` is the store's
    CountyConfig; ``trend_fig`` (e.g. the six months up to the report month) feeds the
    trend chart, defaulting to ``fig`` itself."""
    trend_fig = trend_fig or fig
    county_name = getattr(county, "county_name", "") or ""
    centre = getattr(county, "centre_name", "") or f"{county_name}政务服务中心"
    title = f"{county_name}企业诉求办理情况督办报告"
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"{title}（{period_text(fig)}）")
    c.setAuthor(centre)
    c.setSubject("营商环境监督 督办月报")
    missing: list[str] = []
    pg = _Page(c, f"{title}　{period_text(fig)}", missing)
    pg.start()
    # page 1: headline
    size = 18
    t = title
    c.setStrokeColor(INK)
    text.draw(c, (W - text.width(t, size)) / 2, pg.y - size, t, size, bold=True, missing=missing)
    pg.y -= size + 10
    sub = (f"统计期：{period_text(fig)}（按受理日期）　统计时点：{cm.fmt_time(fig.now)}　"
           f"编制：{centre}")
    c.setFillColor(MUTED)
    text.draw(c, (W - text.width(sub, 8.5)) / 2, pg.y - 8.5, sub, 8.5, missing=missing)
    c.setFillColor(INK)
    pg.y -= 22
    pg.heading("一、总体情况")
    _key_figures(pg, fig.county)
    county_fig = fig.county
    summary = (f"本期共受理企业诉求{county_fig.received}件，已答复{county_fig.answered}件，"
               f"按期答复率{_pct(county_fig.on_time_rate)}；办结{county_fig.closed}件，解决率"
               f"{_pct(county_fig.resolution_rate)}；收到评价{county_fig.evaluations}次，满意率"
               f"{_pct(county_fig.satisfaction_rate)}，满意度得分{_num(county_fig.weighted_score)}；"
               f"因不满意重办{county_fig.rework}次；目前仍有{county_fig.open_overdue_now}件超期未答复。")
    pg.para(summary, 9.5)
    pg.heading("二、红黄绿通报")
    _notice(pg, fig)
    pg.heading("三、各单位按期答复情况")
    pg.drawing(charts.rate_bars(fig, "on_time_rate", "各单位按期答复率（%，虚线为红色警戒线）",
                                width=W - 2 * M, height=min(300, max(140, pg.y - M - 30)),
                                threshold=fig.rules.red_on_time_below))
    pg.finish()
    # page 2: table + satisfaction
    pg.start()
    pg.heading("四、各单位办理情况明细")
    _table(pg, fig)
    if pg.y < 300:
        pg.finish()
        pg.start()
    pg.heading("五、企业满意度")
    pg.drawing(charts.rate_bars(fig, "satisfaction_rate", "各单位满意率（%）", width=W - 2 * M,
                                height=min(280, pg.y - M - 30), colour_by_dept=False))
    pg.finish()
    # page 3: volumes and topics
    pg.start()
    pg.heading("六、受理量与超期在办")
    pg.drawing(charts.volume_bars(fig, width=W - 2 * M, height=200))
    pg.heading("七、高频问题")
    _topics_text(pg, fig, trend_fig)
    pg.drawing(charts.topic_bars(fig, width=W - 2 * M, height=170))
    pg.drawing(charts.trend_lines(trend_fig, width=W - 2 * M, height=170))
    pg.finish()
    # page 4: formulas
    pg.start()
    pg.heading("附：指标口径")
    for k, v in FORMULA_NOTES:
        pg.para(f"{k}：{v}", 9)
        pg.y -= 2
    pg.para(f"本报告由系统于{cm.fmt_time(generated_at or cm.now_beijing())}生成。", 8.5, color=MUTED)
    pg.finish()
    c.save()
    pdf = buf.getvalue()
    cm.write_out(pdf, out_path)
    return pdf


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def trend_range(date_to: dt.date, months: int = 6) -> tuple[dt.date, dt.date]:
    """The ``months`` calendar months ending with ``date_to``'s month."""
    y, m = date_to.year, date_to.month - (months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1), date_to
