"""Charts of the monthly supervision report, as reportlab graphics drawings (no Qt).

Each function takes :class:`models.supervision.Figures` and returns a ``Drawing`` that
``report_pdf`` places on the page.  Labels use the CJK font of ``printing.fonts``.
Colours follow the 红黄绿 notice so that a late department is red on every chart.
"""
from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from models import supervision as sv

from . import fonts

RED = colors.HexColor("#c62828")
YELLOW = colors.HexColor("#f9a825")
GREEN = colors.HexColor("#2e7d32")
BLUE = colors.HexColor("#1565c0")
GREY = colors.HexColor("#9e9e9e")
COLOUR = {"red": RED, "yellow": YELLOW, "green": GREEN}
SERIES = [colors.HexColor(c) for c in ("#1565c0", "#c62828", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f",
                                       "#ef6c00", "#5d4037")]


def _font() -> str:
    return fonts.main_font_name()


def _short(name: str, county_name: str = "") -> str:
    for prefix in (county_name, "县"):
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix):]
    return name if len(name) <= 9 else name[:8] + "…"


def _title(d: Drawing, text: str, width: float, height: float) -> None:
    d.add(String(0, height - 12, text, fontName=_font(), fontSize=10.5, fillColor=colors.black))


def rate_bars(fig: sv.Figures, attr: str, title: str, width: float = 480, height: float = 260,
              threshold: float | None = None, colour_by_dept: bool = True) -> Drawing:
    """Horizontal bars of a rate (0–100%) per department with cases, coloured by the
    department's 红黄绿; departments without a value are left out."""
    depts = [f for f in fig.depts if f.received and getattr(f, attr) is not None]
    depts.sort(key=lambda f: getattr(f, attr))
    d = Drawing(width, height)
    _title(d, title, width, height)
    if not depts:
        d.add(String(0, height / 2, "（无数据）", fontName=_font(), fontSize=9, fillColor=GREY))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 88, 18
    chart.width, chart.height = width - 120, height - 44
    chart.data = [[round(getattr(f, attr) * 100, 1) for f in depts]]
    chart.categoryAxis.categoryNames = [_short(f.name) for f in depts]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.bars.strokeColor = None
    for i, f in enumerate(depts):
        chart.bars[(0, i)].fillColor = COLOUR.get(f.colour, BLUE) if colour_by_dept else BLUE
    chart.barSpacing = 1
    d.add(chart)
    if threshold is not None:
        x = chart.x + chart.width * threshold
        d.add(Line(x, chart.y, x, chart.y + chart.height, strokeColor=GREY, strokeDashArray=[2, 2]))
    return d


def volume_bars(fig: sv.Figures, width: float = 480, height: float = 200) -> Drawing:
    """受理量 and 超期在办 per department (the busiest first)."""
    depts = sorted([f for f in fig.depts if f.received], key=lambda f: -f.received)[:18]
    d = Drawing(width, height)
    _title(d, "各单位受理量与超期在办件数", width, height)
    if not depts:
        return d
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 46
    chart.width, chart.height = width - 50, height - 74
    chart.data = [[f.received for f in depts], [f.open_overdue_now for f in depts]]
    chart.categoryAxis.categoryNames = [_short(f.name) for f in depts]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 35
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = RED
    chart.bars.strokeColor = None
    chart.groupSpacing = 4
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 150, height - 8
    legend.fontName = _font()
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(BLUE, "受理量"), (RED, "超期在办")]
    d.add(legend)
    return d


def topic_bars(fig: sv.Figures, month: str | None = None, width: float = 480, height: float = 200,
               top: int = 10) -> Drawing:
    """The month's most common problem words (horizontal bars)."""
    month = month or (fig.months[-1] if fig.months else "")
    items = list(reversed((fig.terms_by_month.get(month) or [])[:top]))
    d = Drawing(width, height)
    _title(d, f"{month} 高频问题词", width, height)
    if not items:
        d.add(String(0, height / 2, "（无数据）", fontName=_font(), fontSize=9, fillColor=GREY))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 12
    chart.width, chart.height = width - 100, height - 36
    chart.data = [[n for _, n in items]]
    chart.categoryAxis.categoryNames = [t for t, _ in items]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BLUE
    chart.bars.strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def trend_lines(fig: sv.Figures, width: float = 480, height: float = 200, top: int = 5,
                categories: bool = True) -> Drawing:
    """Monthly counts of the top problem categories (or words) over the figures' months."""
    series = (fig.category_trends if categories else fig.term_trends)[:top]
    d = Drawing(width, height)
    _title(d, "高频问题类别月度趋势" if categories else "高频问题词月度趋势", width, height)
    if not series or len(fig.months) < 2:
        d.add(String(0, height / 2, "（月份不足，无趋势）", fontName=_font(), fontSize=9, fillColor=GREY))
        return d
    lp = LinePlot()
    lp.x, lp.y = 36, 40
    lp.width, lp.height = width - 170, height - 66
    lp.data = [[(i, n) for i, n in enumerate(s.counts)] for s in series]
    for i in range(len(series)):
        lp.lines[i].strokeColor = SERIES[i % len(SERIES)]
        lp.lines[i].strokeWidth = 1.6
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = 0, len(fig.months) - 1
    lp.xValueAxis.valueSteps = list(range(len(fig.months)))
    lp.xValueAxis.labelTextFormat = lambda v: fig.months[int(v)][2:] if 0 <= int(v) < len(fig.months) else ""
    lp.xValueAxis.labels.fontSize = 7
    lp.yValueAxis.valueMin = 0
    lp.yValueAxis.labels.fontSize = 7
    d.add(lp)
    legend = Legend()
    legend.x, legend.y = width - 125, height - 26
    legend.fontName = _font()
    legend.fontSize = 7.5
    legend.columnMaximum = top
    arrows = {"up": "↑", "down": "↓", "flat": "→", "new": "★"}
    legend.colorNamePairs = [(SERIES[i % len(SERIES)], f"{s.label} {arrows.get(s.trend, '')}")
                             for i, s in enumerate(series)]
    d.add(legend)
    return d


def all_charts(fig: sv.Figures, trend_fig: sv.Figures | None = None) -> list[Drawing]:
    """Every chart of the report, in page order."""
    return [
        rate_bars(fig, "on_time_rate", "各单位按期答复率（%）", threshold=fig.rules.red_on_time_below),
        rate_bars(fig, "satisfaction_rate", "各单位满意率（%）", colour_by_dept=False),
        volume_bars(fig),
        topic_bars(fig),
        trend_lines(trend_fig or fig),
    ]
