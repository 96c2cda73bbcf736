"""督办: placeholder overview until the supervision view (issue 7) lands.

Shows open / yellow / red / closed cases per lead department from a background query.
The full view (response, on-time, resolution and satisfaction rates, topics, exports)
replaces this widget: ``MainWindow`` builds whatever ``make_supervision_view`` returns.
"""
from __future__ import annotations

from models.calendar import iso, now
from models.search import CaseReader

from .context import AppContext
from .i18n import tr
from .operations import Op
from .qt import (QAbstractItemView, QBrush, QColor, QLabel, QPushButton, QHBoxLayout, QTableWidget,
                 QTableWidgetItem, QTimer, QVBoxLayout, QWidget)


class SupervisionPlaceholder(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("SupervisionView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("supervisionSummary")
        top.addWidget(self.summary, 1)
        refresh = QPushButton(tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        layout.addLayout(top)
        note = QLabel(tr("Overview by lead department. Rates, topics and exports come with the supervision module."))
        note.setStyleSheet("color: #666;")
        layout.addWidget(note)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([tr("Lead department"), tr("Total"), tr("Open"), tr("Yellow"),
                                              tr("Red"), tr("Closed")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 220)
        layout.addWidget(self.table, 1)
        self._reader = None
        self._dirty = True
        self._timer = QTimer(self, singleShot=True, interval=2000)
        self._timer.timeout.connect(self.refresh)
        ctx.hub.changed.connect(lambda what, _d: self._mark_dirty() if what == "case" else None)

    def _mark_dirty(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        if self._dirty:
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        self._dirty = False
        if self._reader is None:
            self._reader = CaseReader(self.ctx.store.backend.path)
        reader, stamp = self._reader, iso(now())
        self.summary.setText(tr("Counting…"))
        Op(lambda: reader.department_figures(stamp)).success(self._show).run_in_background(owner=self)

    def _show(self, rows: list[dict]) -> None:
        county = self.ctx.store.county
        self.table.setRowCount(len(rows))
        totals = {"open": 0, "yellow": 0, "red": 0}
        for r, row in enumerate(rows):
            values = [county.dept_name(row["lead_dept"]), row["total"], row["open"] or 0, row["yellow"] or 0,
                      row["red"] or 0, row["closed"] or 0]
            for key in totals:
                totals[key] += row[key] or 0
            for c, value in enumerate(values):
                item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else str(value))
                if c == 4 and value:
                    item.setForeground(QBrush(QColor("#b3261e")))
                if c == 3 and value:
                    item.setForeground(QBrush(QColor("#a06a00")))
                self.table.setItem(r, c, item)
        self.summary.setText(tr("Open {open} · yellow {yellow} · red {red}").format(
            open=f"{totals['open']:,}", yellow=f"{totals['yellow']:,}", red=f"{totals['red']:,}"))


def make_supervision_view(ctx: AppContext, parent=None) -> QWidget:
    """The 督办 tab; swaps in the real view once ``ui.supervision_view`` exists."""
    try:
        from .supervision_view import SupervisionView  # issue 7
    except ImportError:
        return SupervisionPlaceholder(ctx, parent)
    return SupervisionView(ctx, parent)
