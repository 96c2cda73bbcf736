"""督办 tab: the supervision figures over any date range, per department and county-wide.

``SupervisionView(store_or_ctx, parent=None)`` (the Store or the app's AppContext):

- date range (from / to, with 本月 / 上月 / 本年 shortcuts) and 刷新; the figures are
  computed on a pool thread (``ui.operations.Op``, read-only SQLite connection), so the
  window never waits for a year of cases;
- 红黄绿 notice per department;
- 指标: a sortable table (every figure of docs/supervision-formulas.md; the 全县 row
  stays last whatever the sort);
- 图表: charts drawn with QPainter (``paint_charts``) — PySide6-Essentials has no
  QtCharts and matplotlib is not a dependency; four bar/line panels are a few hundred
  lines of QPainter, draw in milliseconds and need nothing else;
- 黄/红清单 with 督办 / 催办 (recorded as events, 督办通知 printed) and 延期申请 with
  their approval;
- 高频问题 per month with trend;
- exports: figures XLSX, case list XLSX, monthly PDF report (also ``main.py export``).
"""
from __future__ import annotations

import datetime as dt
import html
import math

from models import protocol as p
from models import supervision as sv
from models.calendar import BEIJING, now
from models.errors import UserError

from .operations import Op
from .qt import (QAbstractItemView, QAbstractTableModel, QColor, QDate, QDateEdit, QFileDialog, QFont,
                 QHBoxLayout, QHeaderView, QInputDialog, QLabel, QModelIndex, QPainter, QPushButton,
                 QRect, QSortFilterProxyModel, QSplitter, QTableView, QTableWidget, QTableWidgetItem,
                 QTabWidget, Qt, QVBoxLayout, QWidget, Signal)
from .replies_view import default_print, unpack

COLOURS = {"red": QColor("#c62828"), "yellow": QColor("#f9a825"), "green": QColor("#2e7d32")}
LIGHT = {"red": QColor("#fde0dc"), "yellow": QColor("#fff4d6"), "green": QColor("#e3f3e6")}
BLUE = QColor("#1565c0")
GREY = QColor("#9e9e9e")
SERIES = [QColor(c) for c in ("#1565c0", "#c62828", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f")]
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COUNTY_ROLE = Qt.ItemDataRole.UserRole + 2


# -- figures table ---------------------------------------------------------------------
class FiguresModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[sv.DeptFigures] = []
        self.county: sv.DeptFigures | None = None

    def set_figures(self, fig: sv.Figures | None) -> None:
        self.beginResetModel()
        if fig is None:
            self.rows, self.county = [], None
        else:
            self.rows = [d for d in fig.depts if d.received] + [fig.county]
            self.county = fig.county
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(sv.FIGURE_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return sv.FIGURE_COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        f = self.rows[index.row()]
        key, _, kind = sv.FIGURE_COLUMNS[index.column()]
        value = sv.figure_value(f, key)
        if role == Qt.ItemDataRole.DisplayRole:
            return sv.format_value(value, kind)
        if role == SORT_ROLE:
            if key == "colour":
                return {"red": 0, "yellow": 1, "green": 2}.get(value, 3)
            return value if value is not None else -1
        if role == COUNTY_ROLE:
            return f is self.county
        if role == Qt.ItemDataRole.TextAlignmentRole and kind != "text":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and key == "colour":
            return LIGHT.get(value)
        if role == Qt.ItemDataRole.ForegroundRole and key == "colour":
            return COLOURS.get(value)
        if role == Qt.ItemDataRole.FontRole and f is self.county:
            font = QFont()
            font.setBold(True)
            return font
        return None


class FiguresProxy(QSortFilterProxyModel):
    """Sorts by raw values; the county row stays last in either order."""

    def lessThan(self, left, right) -> bool:
        src = self.sourceModel()
        lc, rc = src.data(left, COUNTY_ROLE), src.data(right, COUNTY_ROLE)
        if lc or rc:
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (not lc) if ascending else bool(lc)
        a, b = src.data(left, SORT_ROLE), src.data(right, SORT_ROLE)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


# -- charts ----------------------------------------------------------------------------
def _bars(painter: QPainter, rect: QRect, title: str, items: list[tuple[str, float, QColor]],
          vmax: float, fmt, threshold: float | None = None) -> None:
    painter.save()
    painter.setPen(QColor("#212121"))
    f = painter.font()
    f.setPointSizeF(9.5)
    f.setBold(True)
    painter.setFont(f)
    painter.drawText(rect.adjusted(4, 2, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
    f.setBold(False)
    f.setPointSizeF(8)
    painter.setFont(f)
    top = rect.top() + 24
    label_w = 96
    area_w = max(10, rect.width() - label_w - 56)
    if not items:
        painter.setPen(GREY)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "（无数据）")
        painter.restore()
        return
    row_h = max(6.0, min(20.0, (rect.bottom() - top - 4) / len(items)))
    x0 = rect.left() + label_w
    for i, (label, value, colour) in enumerate(items):
        y = top + i * row_h
        painter.setPen(QColor("#424242"))
        painter.drawText(QRect(rect.left() + 2, int(y), label_w - 6, int(row_h)),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        w = 0 if vmax <= 0 else area_w * max(0.0, value) / vmax
        painter.fillRect(QRect(x0, int(y + row_h * 0.15), max(1, int(w)), max(1, int(row_h * 0.7))), colour)
        painter.drawText(QRect(int(x0 + w + 4), int(y), 52, int(row_h)),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, fmt(value))
    if threshold is not None and vmax > 0:
        x = int(x0 + area_w * threshold / vmax)
        painter.setPen(Qt.PenStyle.DashLine)
        painter.drawLine(x, top, x, int(top + row_h * len(items)))
    painter.restore()


def _lines(painter: QPainter, rect: QRect, title: str, months: list[str], series: list[sv.TopicSeries]) -> None:
    painter.save()
    f = painter.font()
    f.setPointSizeF(9.5)
    f.setBold(True)
    painter.setFont(f)
    painter.setPen(QColor("#212121"))
    painter.drawText(rect.adjusted(4, 2, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
    f.setBold(False)
    f.setPointSizeF(8)
    painter.setFont(f)
    if not series:
        painter.setPen(GREY)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "（无数据）")
        painter.restore()
        return
    legend_w = 130
    plot = QRect(rect.left() + 36, rect.top() + 26, rect.width() - 50 - legend_w, rect.height() - 50)
    vmax = max(1, max(max(s.counts) for s in series))
    painter.setPen(QColor("#bdbdbd"))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    painter.setPen(QColor("#616161"))
    painter.drawText(QRect(rect.left(), plot.top() - 6, 32, 14), Qt.AlignmentFlag.AlignRight, str(vmax))
    painter.drawText(QRect(rect.left(), plot.bottom() - 7, 32, 14), Qt.AlignmentFlag.AlignRight, "0")
    n = len(months)
    step = plot.width() / max(1, n - 1)
    every = max(1, math.ceil(n / 8))
    for i, m in enumerate(months):
        if i % every == 0 or i == n - 1:
            x = int(plot.left() + i * step) if n > 1 else plot.center().x()
            painter.drawText(QRect(x - 24, plot.bottom() + 3, 48, 14), Qt.AlignmentFlag.AlignHCenter, m[2:])
    arrows = {"up": "↑", "down": "↓", "flat": "→", "new": "★"}
    for k, s in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        pen = painter.pen()
        pen.setColor(colour)
        pen.setWidthF(2.0)
        painter.setPen(pen)
        pts = [(plot.left() + i * step if n > 1 else plot.center().x(),
                plot.bottom() - plot.height() * c / vmax) for i, c in enumerate(s.counts)]
        for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
            painter.drawLine(int(x1), int(y1), int(x2), int(y2))
        for x, y in pts:
            painter.drawEllipse(int(x) - 2, int(y) - 2, 4, 4)
        ly = rect.top() + 28 + k * 17
        painter.fillRect(QRect(rect.right() - legend_w + 4, ly + 3, 10, 10), colour)
        painter.setPen(QColor("#212121"))
        painter.drawText(QRect(rect.right() - legend_w + 18, ly, legend_w - 20, 16),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"{s.label} {arrows.get(s.trend, '')}")
    painter.restore()


def _short(name: str) -> str:
    if name.startswith("县") and len(name) > 2:
        name = name[1:]
    return name if len(name) <= 8 else name[:7] + "…"


def paint_charts(painter: QPainter, rect: QRect, fig: sv.Figures | None) -> None:
    """Four panels: on-time rate, satisfaction, received vs overdue, category trend."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, QColor("white"))
    if fig is None:
        painter.setPen(GREY)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "正在计算…")
        painter.restore()
        return
    w, h = rect.width() // 2, rect.height() // 2
    panels = [QRect(rect.left() + (i % 2) * w, rect.top() + (i // 2) * h, w - 8, h - 8) for i in range(4)]
    depts = [d for d in fig.depts if d.received]
    on_time = sorted([d for d in depts if d.on_time_rate is not None], key=lambda d: d.on_time_rate)
    _bars(painter, panels[0], "按期答复率（虚线为红色警戒线）",
          [(_short(d.name), d.on_time_rate * 100, COLOURS[d.colour]) for d in on_time], 100,
          lambda v: f"{v:.1f}%", threshold=fig.rules.red_on_time_below * 100)
    sat = sorted([d for d in depts if d.satisfaction_rate is not None], key=lambda d: d.satisfaction_rate)
    _bars(painter, panels[1], "满意率",
          [(_short(d.name), d.satisfaction_rate * 100, BLUE) for d in sat], 100,
          lambda v: f"{v:.1f}%")
    busy = sorted(depts, key=lambda d: -d.open_overdue_now)[:12]
    vmax = max([d.open_overdue_now for d in busy] + [1])
    _bars(painter, panels[2], "超期在办（件）",
          [(_short(d.name), d.open_overdue_now, COLOURS["red"] if d.open_overdue_now else GREY) for d in busy],
          vmax, lambda v: f"{int(v)}")
    _lines(painter, panels[3], "高频问题类别月度趋势", fig.months, fig.category_trends[:5])
    painter.restore()


class ChartsWidget(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.fig: sv.Figures | None = None
        self.setMinimumHeight(380)

    def set_figures(self, fig) -> None:
        self.fig = fig
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paint_charts(painter, self.rect(), self.fig)
        painter.end()


# -- case lists ------------------------------------------------------------------------
class CaseTable(QTableWidget):
    HEADERS = ("回执编号", "牵头单位", "诉求标题", "企业名称", "状态", "办理期限", "超期天数", "重办")

    def __init__(self, parent=None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setColumnWidth(0, 160)
        self.setColumnWidth(2, 220)
        self.setColumnWidth(3, 200)
        self.cases: list[dict] = []

    def fill(self, cases: list[dict], county, at: dt.datetime) -> None:
        self.setSortingEnabled(False)
        self.cases = cases
        self.setRowCount(len(cases))
        for r, c in enumerate(cases):
            values = (c["receipt_no"], county.dept_name(c["lead_dept"]), c["title"], c["enterprise_name"],
                      p.STATUS_LABELS.get(c["status"], c["status"]), c["due_at"][:16].replace("T", " "),
                      str(sv.overdue_days(c, at=at)), str(c["rework_count"]))
            for k, v in enumerate(values):
                self.setItem(r, k, QTableWidgetItem(v))

    def current(self) -> dict | None:
        r = self.currentRow()
        return self.cases[r] if 0 <= r < len(self.cases) else None


class SupervisionView(QWidget):
    computed = Signal(object)          # the Figures shown

    def __init__(self, store_or_ctx, parent=None):
        super().__init__(parent)
        self.setObjectName("SupervisionView")
        self.store, self.clerk, hub = unpack(store_or_ctx)
        sv.warm_up(self.store)            # lazy imports on this thread, not on the pool's
        self.figures: sv.Figures | None = None
        self.rules = sv.Rules()
        self.now_fn = now
        self.print_pdf = lambda pdf, title: default_print(self, pdf, title)
        self.extensions: list[dict] = []
        self._running = False
        self._again = False
        self._dirty = True
        self._indexing = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        today = self.now_fn().astimezone(BEIJING).date()
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        bar.addWidget(QLabel("受理日期"))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("至"))
        bar.addWidget(self.date_to)
        for label, fn in (("本月", self._this_month), ("上月", self._last_month), ("本年", self._this_year)):
            b = QPushButton(label)
            b.clicked.connect(fn)
            bar.addWidget(b)
        self.refresh_btn = QPushButton("刷新")
        self.refresh_btn.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_btn)
        bar.addStretch(1)
        for label, fn in (("导出指标 XLSX", self.export_figures), ("导出案件清单 XLSX", self.export_cases),
                          ("月报 PDF", self.export_report)):
            b = QPushButton(label)
            b.clicked.connect(fn)
            bar.addWidget(b)
        outer.addLayout(bar)
        self.notice = QLabel("正在计算…")
        self.notice.setObjectName("colourNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.notice.setStyleSheet("QLabel { background: #fafafa; border: 1px solid #e0e0e0; padding: 6px; }")
        outer.addWidget(self.notice)

        self.tabs = QTabWidget()
        # figures + charts
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = FiguresModel(self)
        self.proxy = FiguresProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("figuresTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        split.addWidget(self.table)
        self.charts = ChartsWidget()
        split.addWidget(self.charts)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.tabs.addTab(split, "指标与图表")
        # yellow / red lists
        lists = QWidget()
        ll = QVBoxLayout(lists)
        self.red_list = CaseTable()
        self.red_list.setObjectName("redList")
        self.yellow_list = CaseTable()
        self.yellow_list.setObjectName("yellowList")
        for title, table in (("红色：已超期（全部在办诉求）", self.red_list), ("黄色：进入预警期", self.yellow_list)):
            row = QHBoxLayout()
            row.addWidget(QLabel(f"<b>{title}</b>"))
            row.addStretch(1)
            for kind in ("督办", "催办"):
                b = QPushButton(kind)
                b.clicked.connect(lambda _=False, t=table, k=kind: self.escalate(t, k))
                row.addWidget(b)
            ll.addLayout(row)
            ll.addWidget(table, 1)
        self.tabs.addTab(lists, "黄/红清单")
        # extension requests
        ext = QWidget()
        el = QVBoxLayout(ext)
        self.ext_table = QTableWidget(0, 7)
        self.ext_table.setHorizontalHeaderLabels(["回执编号", "牵头单位", "诉求标题", "申请天数", "理由", "申请人",
                                                  "申请时间"])
        self.ext_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.ext_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ext_table.verticalHeader().setVisible(False)
        self.ext_table.horizontalHeader().setStretchLastSection(True)
        el.addWidget(self.ext_table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        for label, ok in (("批准延期", True), ("不予延期", False)):
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, ok=ok: self.decide_extension(ok))
            row.addWidget(b)
        el.addLayout(row)
        self.tabs.addTab(ext, "延期申请")
        # topics
        self.topics = QTableWidget(0, 0)
        self.topics.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.topics.verticalHeader().setVisible(False)
        self.tabs.addTab(self.topics, "高频问题")
        outer.addWidget(self.tabs, 1)
        self.status = QLabel()
        self.status.setObjectName("supervisionStatus")
        outer.addWidget(self.status)
        if hub is not None:
            hub.changed.connect(lambda what, _d: self._mark_dirty() if what in ("case", "sync") else None)

    # -- range ------------------------------------------------------------------------
    def set_range(self, date_from: dt.date, date_to: dt.date) -> None:
        self.date_from.setDate(QDate(date_from.year, date_from.month, date_from.day))
        self.date_to.setDate(QDate(date_to.year, date_to.month, date_to.day))

    def range(self) -> tuple[dt.date, dt.date]:
        a, b = self.date_from.date(), self.date_to.date()
        return dt.date(a.year(), a.month(), a.day()), dt.date(b.year(), b.month(), b.day())

    def _today(self) -> dt.date:
        return self.now_fn().astimezone(BEIJING).date()

    def _this_month(self) -> None:
        t = self._today()
        self.set_range(t.replace(day=1), t)
        self.refresh()

    def _last_month(self) -> None:
        from printing.report_pdf import month_range

        last = self._today().replace(day=1) - dt.timedelta(days=1)
        self.set_range(*month_range(last.year, last.month))
        self.refresh()

    def _this_year(self) -> None:
        t = self._today()
        self.set_range(dt.date(t.year, 1, 1), t)
        self.refresh()

    # -- computing --------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _mark_dirty(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Recompute the figures off the UI thread; the lists are small and read here."""
        self._dirty = False
        if self._running:
            self._again = True
            return
        self._running = True
        store, rules = self.store, self.rules
        start, end = self.range()
        at = self.now_fn()
        self.status.setText("正在计算…")

        def work():
            return sv.compute(store, start, end, at=at, rules=rules)

        Op(work, parent_widget=self).success(self._show).failure(self._failed).run_in_background(owner=self)
        self.refresh_lists()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.status.setText(f"<span style='color:#b3261e'>计算失败：{html.escape(str(exc))}</span>")

    def _show(self, fig: sv.Figures) -> None:
        self._running = False
        self.figures = fig
        self.model.set_figures(fig)
        self.charts.set_figures(fig)
        self._show_notice(fig)
        self._show_topics(fig)
        c = fig.county
        self.status.setText(f"统计时点 {fig.now[:16].replace('T', ' ')}，受理 {c.received} 件，"
                            f"计算用时 {fig.seconds * 1000:.0f} 毫秒。")
        self.computed.emit(fig)
        self._index_topics()
        if self._again:
            self._again = False
            self.refresh()

    def _index_topics(self) -> None:
        """Segment the cases not yet counted in the topics (the first time on a big store
        this is the whole history), after the figures are on screen; then recompute."""
        if self._indexing:
            return
        backlog = sv.topics_backlog(self.store)
        if not backlog:
            return
        self._indexing = True
        self.status.setText(self.status.text() + f" 正在为高频问题分词（{backlog} 件）…")
        store = self.store

        def done(n: int) -> None:
            self._indexing = False
            if n:
                self.refresh()

        def failed(exc: BaseException) -> None:
            self._indexing = False
            self._fail(exc)

        Op(lambda: sv.index_topics(store), parent_widget=self).success(done).failure(failed) \
            .run_in_background(owner=self)

    def _show_notice(self, fig: sv.Figures) -> None:
        from printing.report_export import colour_reason

        e = html.escape
        parts = []
        for colour, label in (("red", "红"), ("yellow", "黄"), ("green", "绿")):
            ds = [d for d in fig.by_colour(colour) if d.received]
            dot = f"<span style='color:{COLOURS[colour].name()}; font-size:14pt'>●</span>"
            if colour == "green":
                body = "、".join(e(d.name) for d in ds) or "无"
            else:
                body = "；".join(f"{e(d.name)}（{e(colour_reason(d, fig.rules))}）" for d in ds) or "无"
            parts.append(f"{dot} <b>{label}（{len(ds)}）</b>：{body}")
        c = fig.county
        head = (f"<b>全县</b>：受理 {c.received} 件，按期答复率 {sv.format_value(c.on_time_rate, 'pct')}，"
                f"解决率 {sv.format_value(c.resolution_rate, 'pct')}，满意率 "
                f"{sv.format_value(c.satisfaction_rate, 'pct')}（得分 {sv.format_value(c.weighted_score, 'score')}），"
                f"重办 {c.rework} 次，超期在办 {c.open_overdue_now} 件")
        self.notice.setText(head + "<br>" + "<br>".join(parts))

    def _show_topics(self, fig: sv.Figures) -> None:
        months = fig.months[-12:]
        top = max([len(fig.terms_by_month.get(m, [])) for m in months] + [0])
        self.topics.clear()
        self.topics.setColumnCount(len(months) + 1)
        self.topics.setHorizontalHeaderLabels(["名次"] + months)
        trend = {s.label: s.trend for s in fig.term_trends}
        arrows = {"up": " ↑", "down": " ↓", "new": " ★"}
        self.topics.setRowCount(top)
        for r in range(top):
            self.topics.setItem(r, 0, QTableWidgetItem(str(r + 1)))
            for k, m in enumerate(months, start=1):
                items = fig.terms_by_month.get(m, [])
                if r < len(items):
                    term, n = items[r]
                    mark = arrows.get(trend.get(term, ""), "") if m == months[-1] else ""
                    self.topics.setItem(r, k, QTableWidgetItem(f"{term}（{n}）{mark}"))

    def refresh_lists(self) -> None:
        at = self.now_fn()
        county = self.store.county
        self.red_list.fill(sv.colour_list(self.store, "red", at=at), county, at)
        self.yellow_list.fill(sv.colour_list(self.store, "yellow", at=at), county, at)
        self.extensions = sv.extension_requests(self.store)
        self.ext_table.setRowCount(len(self.extensions))
        for r, x in enumerate(self.extensions):
            values = (x["receipt_no"], county.dept_name(x["lead_dept"]), x["title"], str(x["days"]), x["reason"],
                      x["requested_by"], x["requested_at"][:16].replace("T", " "))
            for k, v in enumerate(values):
                self.ext_table.setItem(r, k, QTableWidgetItem(v))
        self.tabs.setTabText(1, f"黄/红清单（{len(self.yellow_list.cases)}/{len(self.red_list.cases)}）")
        self.tabs.setTabText(2, f"延期申请（{len(self.extensions)}）")

    # -- actions ----------------------------------------------------------------------
    def _fail(self, exc: Exception) -> None:
        self.status.setText(f"<span style='color:#b3261e'>{html.escape(getattr(exc, 'zh', None) or str(exc))}</span>")

    def escalate(self, table: CaseTable, kind: str, reason: str | None = None) -> None:
        """Record 督办/催办 on the selected case and print its notice."""
        case = table.current()
        if case is None:
            self.status.setText("请先在清单中选择一件诉求。")
            return
        if reason is None:
            reason, ok = QInputDialog.getMultiLineText(self, f"{kind}事由", f"{case['receipt_no']} {kind}事由：",
                                                       "已超过办理期限，请立即办理。" if kind == "督办" else
                                                       "即将到达办理期限，请抓紧办理。")
            if not ok:
                return
        try:
            state = self.store.escalate(case["id"], kind, reason, clerk=self.clerk)
        except UserError as exc:
            self._fail(exc)
            return
        self.status.setText(f"已对 {case['receipt_no']} {kind}。")
        try:
            from printing import report_notices

            pdf = report_notices.escalation_notice_pdf(self.store, state, kind, reason)
        except Exception as exc:  # noqa: BLE001 — shown, never lost
            self._fail(exc)
            return
        self.print_pdf(pdf, f"{kind}通知")
        self.refresh_lists()

    def decide_extension(self, approved: bool) -> None:
        r = self.ext_table.currentRow()
        if not 0 <= r < len(self.extensions):
            self.status.setText("请先选择一条延期申请。")
            return
        x = self.extensions[r]
        try:
            state = self.store.decide_extension(x["case_id"], approved, int(x["days"]), clerk=self.clerk)
        except UserError as exc:
            self._fail(exc)
            return
        self.status.setText(f"{x['receipt_no']} 延期申请已{'批准，新期限 ' + state['due_at'][:16].replace('T', ' ') if approved else '不予批准'}。")
        self.refresh_lists()

    # -- exports ----------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, pattern: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, name, pattern)
        return path or None

    def export_figures(self, path: str | None = None) -> None:
        if self.figures is None:
            return
        fig = self.figures
        path = path or self._ask_path("导出督办指标", f"督办指标-{fig.date_from}-{fig.date_to}.xlsx", "Excel (*.xlsx)")
        if not path:
            return
        from printing import report_export as rx

        county_name = self.store.county.county_name
        Op(lambda: rx.export_figures_xlsx(fig, path, county_name=county_name), parent_widget=self) \
            .success(lambda p_: self.status.setText(f"已导出：{p_}")).run_in_background(owner=self)

    def export_cases(self, path: str | None = None) -> None:
        start, end = self.range()
        path = path or self._ask_path("导出案件清单", f"案件清单-{start}-{end}.xlsx", "Excel (*.xlsx)")
        if not path:
            return
        from printing import report_export as rx

        store, at = self.store, self.now_fn()
        self.status.setText("正在导出案件清单…")
        Op(lambda: rx.export_cases_xlsx(store, start, end, path, at=at), parent_widget=self) \
            .success(lambda n: self.status.setText(f"已导出 {n} 件：{path}")).run_in_background(owner=self)

    def export_report(self, path: str | None = None) -> None:
        if self.figures is None:
            return
        fig = self.figures
        path = path or self._ask_path("导出督办月报", f"督办报告-{fig.date_from}-{fig.date_to}.pdf", "PDF (*.pdf)")
        if not path:
            return
        from printing import report_pdf

        store, rules, at = self.store, self.rules, self.now_fn()

        def work():
            trend = sv.compute(store, *report_pdf.trend_range(fig.date_to), at=at, rules=rules)
            return report_pdf.render_report(fig, store.county, trend_fig=trend, out_path=path)

        Op(work, parent_widget=self).success(lambda _pdf: self.status.setText(f"已生成月报：{path}")) \
            .run_in_background(owner=self)
