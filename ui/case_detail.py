"""One case: every field, the event timeline (who, when, what), attachments, the
department's reply, reprint, corrections (recorded as events), withdrawal and rejection
with a reason, and the enterprise's rating at the window."""
from __future__ import annotations

from pathlib import Path

from models import protocol as p

from .context import AppContext, channel_text, colour_text, deadline_text, event_text, field_text, fmt_time, \
    grade_text, status_text
from .errors import show_exception
from .i18n import tr
from .operations import Op
from .qt import (QAbstractItemView, QComboBox, QDesktopServices, QDialog, QDialogButtonBox, QFileDialog,
                 QFormLayout, QHBoxLayout, QHeaderView, QImageReader, QInputDialog, QLabel, QLineEdit,
                 QListWidget, QListWidgetItem, QPixmap, QPlainTextEdit, QPushButton, QSize, Qt, QTabWidget,
                 QTableWidget, QTableWidgetItem, QTextBrowser, QUrl, QVBoxLayout, QWidget)

CORRECTABLE = ("title", "content", "contact", "phone", "category", "enterprise_name")


class CaseDetailDialog(QDialog):
    def __init__(self, ctx: AppContext, case_id: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.store
        self.case_id = case_id
        self.case: dict | None = None
        self.setObjectName("CaseDetail")
        self.setWindowTitle(tr("Case"))
        self.resize(980, 680)
        self._build()
        self._unsubscribe = None
        ctx.hub.changed.connect(self._store_changed)
        self.reload()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setObjectName("caseHeader")
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.header)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        self.fields_widget = QWidget()
        self.fields_form = QFormLayout(self.fields_widget)
        self.tabs.addTab(self.fields_widget, tr("Details"))

        self.timeline = QTableWidget(0, 4)
        self.timeline.setObjectName("timeline")
        self.timeline.setHorizontalHeaderLabels([tr("When"), tr("Who"), tr("What"), tr("Details")])
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.timeline.horizontalHeader().setStretchLastSection(True)
        self.timeline.setColumnWidth(0, 150)
        self.timeline.setColumnWidth(1, 90)
        self.timeline.setColumnWidth(2, 150)
        self.tabs.addTab(self.timeline, tr("Timeline"))

        attach = QWidget()
        attach_layout = QHBoxLayout(attach)
        self.attach_list = QListWidget()
        self.attach_list.setIconSize(QSize(64, 64))
        self.attach_preview = QLabel()
        self.attach_preview.setAlignment(Qt.AlignCenter)
        self.attach_preview.setMinimumWidth(360)
        attach_layout.addWidget(self.attach_list, 1)
        attach_layout.addWidget(self.attach_preview, 1)
        self.attach_list.currentRowChanged.connect(self._preview)
        self.attach_list.itemActivated.connect(self._open_attachment)
        self.tabs.addTab(attach, tr("Attachments"))

        self.reply_view = QTextBrowser()
        self.tabs.addTab(self.reply_view, tr("Reply"))

        buttons = QHBoxLayout()
        self.buttons = {}
        for key, label, slot in (
                ("reprint", tr("Reprint receipt (Ctrl+P)"), self.reprint),
                ("correct", tr("Correct…"), self.correct),
                ("reroute", tr("Reroute…"), self.reroute),
                ("regrade", tr("Regrade…"), self.regrade),
                ("note", tr("Note…"), self.add_note),
                ("attach", tr("Attach…"), self.add_attachment),
                ("evaluate", tr("Rating…"), self.evaluate),
                ("withdraw", tr("Withdraw…"), self.withdraw),
                ("reject", tr("Reject…"), self.reject_case)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        close = QPushButton(tr("Close"))
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.buttons["reprint"].setShortcut("Ctrl+P")
        self.status_label = QLabel()
        layout.addWidget(self.status_label)

    # -- loading ----------------------------------------------------------------------
    def reload(self) -> None:
        store, case_id = self.store, self.case_id
        Op(lambda: (store.get_case(case_id), store.events_of(case_id), store.attachments_of(case_id),
                    store.replies_of(case_id))).success(self._show).run_in_background(owner=self)

    def _store_changed(self, what: str, detail) -> None:
        if what == "case" and isinstance(detail, dict) and detail.get("id") == self.case_id:
            self.reload()

    def _show(self, loaded) -> None:
        case, events, attachments, replies = loaded
        if case is None:
            self.header.setText(tr("This case does not exist."))
            return
        self.case = case
        county = self.store.county
        from models.users import Users
        self._names = {u.username: u.display_name for u in Users(self.store.backend).all()}
        colour = self.store.colour(case)
        colour_html = {"red": "#b3261e", "yellow": "#a06a00", "green": "#1a7f37"}.get(colour or "", "#555")
        self.setWindowTitle(tr("Case {no}").format(no=case["receipt_no"]))
        self.header.setText(
            f"<span style='font-size:15pt; font-weight:bold'>{_e(case['receipt_no'])}</span>　"
            f"<b>{_e(status_text(case['status']))}</b>　"
            + (f"<span style='color:{colour_html}'>● {_e(colour_text(colour))}</span>　" if colour else "")
            + _e(tr("Deadline")) + f"：<b>{_e(deadline_text(case))}</b>"
            + (f"<br><span style='color:#b06000'>{_e(tr('Flagged: the server kept two versions of a field'))}</span>"
               if case.get("flagged") else ""))
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        rows = [
            (tr("Enterprise"), case["enterprise_name"]), (tr("Credit code"), case["uscc"]),
            (tr("Contact"), case["contact"]), (tr("Phone"), case["phone"]),
            (tr("Channel"), channel_text(case["channel"])), (tr("Title"), case["title"]),
            (tr("Content"), case["content"]), (tr("Category"), case["category"]),
            (tr("Lead department"), county.dept_name(case["lead_dept"])),
            (tr("Co-departments"), "、".join(county.dept_name(c) for c in case["co_depts"]) or "—"),
            (tr("Grade"), grade_text(case["grade"])), (tr("Received"), fmt_time(case["received_at"])),
            (tr("Deadline"), deadline_text(case)),
            (tr("First contact"), self._names.get(case["first_owner"], case["first_owner"])),
            (tr("Window"), case["window_code"]), (tr("Rework count"), str(case["rework_count"])),
            (tr("Rating"), (case.get("rating") or "—") + (f"（{case['rating_comment']}）" if case.get("rating_comment") else "")),
            (tr("Reason"), case.get("reason") or "—"),
        ]
        for label, value in rows:
            text = QLabel(str(value) if value not in (None, "") else "—")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.fields_form.addRow(label + "：", text)

        # "not yet sent" only means something once the window syncs with a server
        standalone = self.store.backend.get_setting("mode", "standalone") == "standalone"
        self.timeline.setRowCount(len(events))
        for row, ev in enumerate(events):
            payload = ev["payload"]
            who = payload.get("actor") or payload.get("first_owner") or ""
            values = [fmt_time(ev["created_at"], seconds=True), who, event_text(ev["type"]),
                      self._event_details(ev)]
            values[1] = self._names.get(who, who)
            if ev.get("push_state") == "pending" and not standalone:
                values[2] += " · " + tr("not yet sent")
            for col, value in enumerate(values):
                self.timeline.setItem(row, col, QTableWidgetItem(value))
        self.timeline.resizeRowsToContents()

        self.attach_list.clear()
        self._attachments = attachments
        for att in attachments:
            item = QListWidgetItem(f"{att['filename']}  ({att['size'] // 1024 + 1} KB)")
            path = self.store.attachment_path(att["sha256"])
            if att["mime"].startswith("image/") and path.exists():
                reader = QImageReader(str(path))
                reader.setScaledSize(QSize(64, 64))
                image = reader.read()
                if not image.isNull():
                    item.setIcon(QPixmap.fromImage(image))
            self.attach_list.addItem(item)
        self.tabs.setTabText(2, tr("Attachments") + f" ({len(attachments)})")

        if replies:
            parts = []
            for r in replies:
                parts.append(f"<h3>{_e(county.dept_name(r['dept_code']))} · {_e(fmt_time(r['replied_at']))}</h3>"
                             f"<p><b>{_e(tr('Analysis'))}</b>：{_e(r['analysis'])}</p>"
                             f"<p><b>{_e(tr('Measures'))}</b>：{_e(r['measures'])}</p>"
                             f"<p><b>{_e(tr('Policy basis'))}</b>：{_e(r['policy_basis'])}</p>")
            self.reply_view.setHtml("".join(parts))
        else:
            self.reply_view.setPlainText(tr("No reply from the department yet."))
        self.tabs.setTabText(3, tr("Reply") + (f" ({len(replies)})" if replies else ""))
        final = case["status"] in p.FINAL_STATUSES
        for key in ("correct", "reroute", "regrade", "withdraw", "reject"):
            self.buttons[key].setEnabled(not final)
        self.buttons["evaluate"].setEnabled(case["status"] == p.REPLIED_S)

    def _event_details(self, ev: dict) -> str:
        pl, county = ev["payload"], self.store.county
        t = ev["type"]
        if t == p.CASE_REGISTERED:
            return f"{pl.get('receipt_no', '')} {pl.get('title', '')}"
        if t in (p.ROUTED, p.ASSIGNED):
            text = county.dept_name(pl.get("lead_dept", ""))
            if pl.get("from"):
                text = f"{county.dept_name(pl['from'])} → {text}"
            return text + (f"（{pl['reason']}）" if pl.get("reason") else "")
        if t == p.GRADED:
            return grade_text(pl.get("grade"))
        if t == p.FIELD_CORRECTED:
            return f"{field_text(pl.get('field', ''))}：{pl.get('value', '')}" + (
                f"（{pl['reason']}）" if pl.get("reason") else "")
        if t in (p.WITHDRAWN, p.REJECTED, p.REOPENED, p.ESCALATED):
            return pl.get("reason", "")
        if t == p.NOTE_ADDED:
            return pl.get("text", "")
        if t == p.ATTACHMENT_ADDED:
            return pl.get("filename", "")
        if t == p.EVALUATED:
            return pl.get("rating", "") + (f"：{pl['comment']}" if pl.get("comment") else "")
        if t == p.REPLIED:
            return county.dept_name(pl.get("dept_code", ""))
        if t == p.STATUS_CHANGED:
            return status_text(pl.get("to", ""))
        return ""

    def _preview(self, row: int) -> None:
        if not (0 <= row < len(self._attachments)):
            self.attach_preview.clear()
            return
        att = self._attachments[row]
        path = self.store.attachment_path(att["sha256"])
        if att["mime"].startswith("image/") and path.exists():
            reader = QImageReader(str(path))
            reader.setAutoTransform(True)
            size = reader.size()
            if size.isValid():
                reader.setScaledSize(size.scaled(QSize(360, 360), Qt.KeepAspectRatio))
            self.attach_preview.setPixmap(QPixmap.fromImage(reader.read()))
        else:
            self.attach_preview.setText(att["filename"])

    def _open_attachment(self, item) -> None:
        att = self._attachments[self.attach_list.row(item)]
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.store.attachment_path(att["sha256"]))))

    # -- actions ----------------------------------------------------------------------
    def _run(self, fn, done_message: str) -> None:
        Op(fn, parent_widget=self).success(lambda _r: self.status_label.setText(done_message)) \
            .failure(lambda exc: show_exception(exc, self)).run_in_background(owner=self)

    def reprint(self) -> None:
        if not self.case:
            return
        from .receipts import receipt_dir, send_to_printer, write_receipt

        case, store, name = self.case, self.store, self.ctx.user.display_name
        done = len(list(receipt_dir(store).glob(f"{case['receipt_no']}-补打*.pdf")))

        def work():
            return str(write_receipt(store, case, clerk_name=name, reprint=done + 1))

        def printed(path: str) -> None:
            self.last_receipt = path
            send_to_printer(Path(path), store, self)
            self.status_label.setText(tr("Reprinted: {path}").format(path=Path(path).name))

        Op(work, parent_widget=self).success(printed).failure(lambda exc: show_exception(exc, self)) \
            .run_in_background(owner=self)

    def correct(self) -> None:
        if not self.case:
            return
        dialog = CorrectionDialog(self.case, self)
        if dialog.exec() != QDialog.Accepted:
            return
        field, value, reason = dialog.values()
        store, clerk, case = self.store, self.ctx.clerk, self.case
        self._run(lambda: store.correct_field(case["id"], field, value, clerk=clerk,
                                              base_version=case["version"], reason=reason),
                  tr("Correction recorded."))

    def reroute(self) -> None:
        if not self.case:
            return
        county = self.store.county
        names = [d.name for d in county.departments.values()]
        codes = list(county.departments)
        current = codes.index(self.case["lead_dept"]) if self.case["lead_dept"] in codes else 0
        name, ok = QInputDialog.getItem(self, tr("Reroute"), tr("New lead department:"), names, current, False)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, tr("Reroute"), tr("Reason:"))
        if not ok:
            return
        store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
        code = codes[names.index(name)]
        self._run(lambda: store.reroute(case_id, code, [], clerk=clerk, reason=reason), tr("Rerouted."))

    def regrade(self) -> None:
        if not self.case:
            return
        labels = [grade_text(g) for g in p.GRADES]
        label, ok = QInputDialog.getItem(self, tr("Regrade"), tr("Grade:"), labels,
                                         p.GRADES.index(self.case["grade"]), False)
        if ok:
            grade = p.GRADES[labels.index(label)]
            store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
            self._run(lambda: store.regrade(case_id, grade, clerk=clerk), tr("Grade changed."))

    def add_note(self) -> None:
        text, ok = QInputDialog.getMultiLineText(self, tr("Note"), tr("Note:"))
        if ok and text.strip():
            store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
            self._run(lambda: store.add_note(case_id, text, clerk=clerk), tr("Note added."))

    def add_attachment(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Add attachments"))
        store, clerk, case_id = self.store, self.ctx.clerk, self.case_id

        def work():
            for path in paths:
                store.add_attachment(case_id, path, clerk=clerk)
        if paths:
            self._run(work, tr("Attachments added."))

    def evaluate(self) -> None:
        rating, ok = QInputDialog.getItem(self, tr("Rating"), tr("The enterprise's rating:"), list(p.RATINGS), 1,
                                          False)
        if not ok:
            return
        comment, ok = QInputDialog.getMultiLineText(self, tr("Rating"), tr("Comment (optional):"))
        if not ok:
            return
        store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
        self._run(lambda: store.evaluate(case_id, rating, comment, clerk=clerk), tr("Rating recorded."))

    def withdraw(self) -> None:
        reason, ok = QInputDialog.getMultiLineText(self, tr("Withdraw"), tr("Why does the enterprise withdraw it?"))
        if ok:
            store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
            self._run(lambda: store.withdraw(case_id, reason, clerk=clerk), tr("Withdrawn."))

    def reject_case(self) -> None:
        reason, ok = QInputDialog.getMultiLineText(self, tr("Reject"), tr("Reason for not accepting (required):"))
        if ok:
            store, clerk, case_id = self.store, self.ctx.clerk, self.case_id
            self._run(lambda: store.reject(case_id, reason, clerk=clerk), tr("Rejected."))

    def done(self, result: int) -> None:
        try:
            self.ctx.hub.changed.disconnect(self._store_changed)
        except (RuntimeError, TypeError):
            pass
        super().done(result)


class CorrectionDialog(QDialog):
    def __init__(self, case: dict, parent=None):
        super().__init__(parent)
        self.case = case
        self.setWindowTitle(tr("Correct a field"))
        form = QFormLayout(self)
        self.field_combo = QComboBox()
        for name in CORRECTABLE:
            self.field_combo.addItem(field_text(name), name)
        self.value_edit = QPlainTextEdit()
        self.value_edit.setTabChangesFocus(True)
        self.reason_edit = QLineEdit()
        form.addRow(tr("Field"), self.field_combo)
        form.addRow(tr("New value"), self.value_edit)
        form.addRow(tr("Reason"), self.reason_edit)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)
        self.field_combo.currentIndexChanged.connect(self._fill)
        self._fill()

    def _fill(self) -> None:
        self.value_edit.setPlainText(str(self.case.get(self.field_combo.currentData()) or ""))

    def values(self) -> tuple[str, str, str]:
        return self.field_combo.currentData(), self.value_edit.toPlainText(), self.reason_edit.text()


def _e(text) -> str:
    import html

    return html.escape(str(text))
