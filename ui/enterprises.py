"""企业: find an enterprise by name or credit code; its profile, petitions and outcomes."""
from __future__ import annotations

from .context import AppContext, fmt_time, industry_text, status_text
from .i18n import tr
from .operations import Op
from .qt import (QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QSplitter, Qt,
                 QTableWidget, QTableWidgetItem, QTimer, QVBoxLayout, QWidget, Signal)


class EnterprisesView(QWidget):
    open_case = Signal(str)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("EnterprisesView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("enterpriseSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(tr("Enterprise name or credit code"))
        layout.addWidget(self.search_edit)
        splitter = QSplitter()
        self.results = QListWidget()
        self.results.setObjectName("enterpriseResults")
        splitter.addWidget(self.results)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.profile = QLabel(tr("Search for an enterprise."))
        self.profile.setWordWrap(True)
        self.profile.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.profile.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        right_layout.addWidget(self.profile)
        self.summary = QLabel()
        right_layout.addWidget(self.summary)
        self.petitions = QTableWidget(0, 6)
        self.petitions.setObjectName("enterprisePetitions")
        self.petitions.setHorizontalHeaderLabels([tr("Receipt no."), tr("Received"), tr("Title"),
                                                  tr("Lead department"), tr("Status"), tr("Rating")])
        self.petitions.verticalHeader().setVisible(False)
        self.petitions.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.petitions.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.petitions.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((150, 120, 280, 140, 70)):
            self.petitions.setColumnWidth(col, width)
        right_layout.addWidget(self.petitions, 1)
        splitter.addWidget(right)
        splitter.setSizes([300, 700])
        layout.addWidget(splitter, 1)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.search)
        self.search_edit.textEdited.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self._search_and_focus)
        self.results.currentItemChanged.connect(self._selected)
        self.petitions.itemActivated.connect(self._petition_activated)
        self._generation = 0
        self._shown_code = None

    def showEvent(self, event) -> None:
        # first look: a list to browse (by name) rather than an empty page
        if not self._generation:
            self.search()
        super().showEvent(event)

    def search(self) -> None:
        self._timer.stop()
        text = self.search_edit.text().strip()
        self._generation += 1
        generation = self._generation
        store = self.ctx.store
        Op(lambda: store.find_enterprises(text, limit=200)).success(
            lambda rows: self._show_results(generation, rows)).run_in_background(owner=self)

    def _search_and_focus(self) -> None:
        self.search()
        self.results.setFocus()

    def _show_results(self, generation: int, rows: list[dict]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(f"{row['name']}\n{row['uscc']}")
            item.setData(Qt.UserRole, row["uscc"])
            self.results.addItem(item)
        if rows:
            self.results.setCurrentRow(0)
        else:
            self.profile.setText(tr("No enterprise found."))

    def _selected(self, item, _previous=None) -> None:
        if item is None:
            return
        code = item.data(Qt.UserRole)
        self._shown_code = code
        store = self.ctx.store
        Op(lambda: store.enterprise(code)).success(lambda prof: self._show_profile(code, prof)).run_in_background(owner=self)

    def show_enterprise(self, code: str) -> None:
        self.search_edit.setText(code)
        self.search()

    def _show_profile(self, code: str, prof: dict | None) -> None:
        if code != self._shown_code or prof is None:
            return
        import html
        lines = [f"<span style='font-size:14pt; font-weight:bold'>{html.escape(prof['name'])}</span>",
                 tr("Credit code") + f"：{prof['uscc']}"]
        for label, key in ((tr("Type"), "type"), (tr("Industry"), "industry"), (tr("Scale"), "scale"),
                           (tr("Legal representative"), "legal_rep"), (tr("Address"), "address"),
                           (tr("Contact"), "contact"), (tr("Phone"), "phone")):
            if prof.get(key):
                value = industry_text(prof[key]) if key == "industry" else prof[key]
                lines.append(f"{label}：{html.escape(value)}")
        self.profile.setText("<br>".join(lines))
        petitions = prof.get("petitions", [])
        rated = [x["rating"] for x in petitions if x.get("rating")]
        closed = sum(1 for x in petitions if x["status"] == "closed")
        rework = sum(x.get("rework_count") or 0 for x in petitions)
        self.summary.setText(tr("{n} petitions, {closed} closed, {rated} rated, {rework} reworked").format(
            n=len(petitions), closed=closed, rated=len(rated), rework=rework))
        county = self.ctx.store.county
        self.petitions.setRowCount(len(petitions))
        for row, x in enumerate(petitions):
            values = [x["receipt_no"], fmt_time(x["received_at"]), x["title"], county.dept_name(x["lead_dept"]),
                      status_text(x["status"]), x.get("rating") or ""]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.UserRole, x["id"])
                self.petitions.setItem(row, col, item)

    def _petition_activated(self, item) -> None:
        self.open_case.emit(item.data(Qt.UserRole))

    def focus_first(self) -> None:
        self.search_edit.setFocus()
