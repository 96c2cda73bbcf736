"""案件: the case list with filters and full-text search, over a lazy model.

Typing in the search box filters as you type (debounced); Enter on a row opens the
case.  Filters: status, lead department, colour, date range, channel.
"""
from __future__ import annotations

import datetime as dt

from models import protocol as p
from models.search import CaseFilter

from .case_model import CASE_ID_ROLE, CaseTableModel
from .context import AppContext, channel_text, colour_text, status_text
from .i18n import N_, tr
from .qt import (QAbstractItemView, QCheckBox, QComboBox, QDate, QDateEdit, QEvent, QHBoxLayout, QHeaderView,
                 QKeySequence, QLabel, QLineEdit, QPushButton, QShortcut, Qt, QTableView, QTimer, QVBoxLayout,
                 QWidget, Signal)

SEARCH_DEBOUNCE_MS = 250
REFRESH_DEBOUNCE_MS = 800
STATUS_GROUPS = (
    ("open", N_("Open"), tuple(sorted(p.OPEN_STATUSES))),
    (p.RECEIVED, None, (p.RECEIVED,)), (p.ASSIGNED_S, None, (p.ASSIGNED_S,)),
    (p.IN_PROGRESS, None, (p.IN_PROGRESS,)), (p.REOPENED_S, None, (p.REOPENED_S,)),
    (p.REPLIED_S, None, (p.REPLIED_S,)), (p.CLOSED, None, (p.CLOSED,)),
    (p.REJECTED_S, None, (p.REJECTED_S,)), (p.WITHDRAWN_S, None, (p.WITHDRAWN_S,)),
)


class CasesView(QWidget):
    open_case = Signal(str)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("CasesView")
        self.model = CaseTableModel(ctx.store, self)
        self._build()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.search_edit.textEdited.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        for combo in (self.status_combo, self.dept_combo, self.colour_combo, self.channel_combo):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.date_check.toggled.connect(self._date_toggled)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.reset_button.clicked.connect(self.reset_filters)
        self.model.count_changed.connect(self._show_count)
        self.model.page_loaded.connect(self._show_count)
        self.table.activated.connect(self._activated)
        ctx.hub.changed.connect(self._store_changed)
        focus = QShortcut(QKeySequence("Ctrl+F"), self)
        focus.setContext(Qt.WidgetWithChildrenShortcut)
        focus.activated.connect(lambda: (self.search_edit.setFocus(), self.search_edit.selectAll()))
        self._started = False

    def showEvent(self, event) -> None:
        # the first page is queried when the list is first looked at, not at start-up
        if not self._started:
            self._started = True
            self.model.reload()
        super().showEvent(event)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("caseSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(tr("Search title, content, enterprise, contact; credit code or receipt no. (Ctrl+F)"))
        bar.addWidget(self.search_edit, 3)
        self.status_combo = QComboBox()
        self.status_combo.addItem(tr("All statuses"), ())
        for key, label, statuses in STATUS_GROUPS:
            self.status_combo.addItem(tr(label) if label else status_text(key), statuses)
        bar.addWidget(self.status_combo)
        self.dept_combo = QComboBox()
        self.dept_combo.addItem(tr("All departments"), None)
        for code, dept in self.ctx.store.county.departments.items():
            self.dept_combo.addItem(dept.short or dept.name, code)
        bar.addWidget(self.dept_combo)
        self.colour_combo = QComboBox()
        self.colour_combo.addItem(tr("All colours"), None)
        for colour in p.COLOURS:
            self.colour_combo.addItem(colour_text(colour), colour)
        bar.addWidget(self.colour_combo)
        self.channel_combo = QComboBox()
        self.channel_combo.addItem(tr("All channels"), None)
        for channel in p.CHANNELS:
            self.channel_combo.addItem(channel_text(channel), channel)
        bar.addWidget(self.channel_combo)
        layout.addLayout(bar)

        bar2 = QHBoxLayout()
        self.date_check = QCheckBox(tr("Received between"))
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-30))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        bar2.addWidget(self.date_check)
        bar2.addWidget(self.date_from)
        bar2.addWidget(QLabel("—"))
        bar2.addWidget(self.date_to)
        self.reset_button = QPushButton(tr("Clear filters"))
        bar2.addWidget(self.reset_button)
        bar2.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("caseCount")
        bar2.addWidget(self.count_label)
        layout.addLayout(bar2)

        self.table = QTableView()
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(False)
        # no arrow at first: the default order is newest first (by row key)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        for column, width in enumerate((165, 120, 200, 250, 100, 64, 150, 64, 70, 70)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)

    def _sort_indicator_changed(self, column: int, order) -> None:
        # columns without an index cannot be sorted on a million rows: put the arrow back
        sortable = 0 <= column < len(self.model.COLUMNS) and self.model.COLUMNS[column][2] is not None
        if not sortable:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column(), order)
            header.blockSignals(False)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.table and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._activated(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    # -- filter -----------------------------------------------------------------------
    def current_filter(self) -> CaseFilter:
        date_from = date_to = None
        if self.date_check.isChecked():
            f, t = self.date_from.date(), self.date_to.date()
            date_from, date_to = dt.date(f.year(), f.month(), f.day()), dt.date(t.year(), t.month(), t.day())
        return CaseFilter(text=self.search_edit.text().strip(), statuses=tuple(self.status_combo.currentData() or ()),
                          dept=self.dept_combo.currentData(), colour=self.colour_combo.currentData(),
                          channel=self.channel_combo.currentData(), date_from=date_from, date_to=date_to)

    def apply_filter(self, *_args) -> None:
        self._search_timer.stop()
        self._started = True
        self.count_label.setText(tr("Searching…"))
        self.model.set_filter(self.current_filter())

    def _search_now(self) -> None:
        self.apply_filter()
        self.table.setFocus()
        self.table.selectRow(0)

    def reset_filters(self) -> None:
        for combo in (self.status_combo, self.dept_combo, self.colour_combo, self.channel_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search_edit.clear()
        self.date_check.setChecked(False)
        self.apply_filter()

    def _date_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def _show_count(self, *_args) -> None:
        total = self.model.total
        loaded = self.model.rowCount()
        if total is None:
            self.count_label.setText(tr("{loaded} shown, counting…").format(loaded=loaded))
        else:
            self.count_label.setText(tr("{total} cases").format(total=f"{total:,}"))

    # -- store changes ----------------------------------------------------------------
    def _store_changed(self, what: str, detail) -> None:
        if what in ("case", "config", "calendar", "sync") and self._started:
            self._refresh_timer.start()

    def refresh(self) -> None:
        """Reload after changes elsewhere, keeping the selected case selected if it is
        among the first rows again."""
        selected = self.selected_case_id()
        self.model.reload()
        if selected:
            def reselect(_n, case_id=selected):
                row = self.model.row_of(case_id)
                if row >= 0:
                    self.table.selectRow(row)
                self.model.page_loaded.disconnect(reselect)
            self.model.page_loaded.connect(reselect)

    def selected_case_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(CASE_ID_ROLE) if index.isValid() else None

    def _activated(self, index) -> None:
        if index.isValid():
            self.open_case.emit(index.data(CASE_ID_ROLE))

    def focus_first(self) -> None:
        self.search_edit.setFocus()
