"""设置: county configuration (editable by an administrator only), printer and paper of
this window, office hours, language, data directory, users, backups."""
from __future__ import annotations

import json
from pathlib import Path

from models.users import ROLE_LABELS, Users

from .context import AppContext, grade_text
from .errors import show_exception, show_info
from .i18n import LANGUAGES, N_, tr
from .operations import Op
from .qt import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QTime, QTimeEdit, QDesktopServices, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                 QInputDialog, QLabel, QLineEdit, QPrinterInfo, QPushButton, QScrollArea, QSpinBox, Qt,
                 QTableWidget, QTableWidgetItem, QUrl, QVBoxLayout, QWidget)

PAPERS = (("a4", N_("A4 (two copies, cut line)")), ("a5", N_("A5 (one copy per page)")), ("thermal80", N_("80 mm roll")))


class SettingsView(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("SettingsView")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.layout_ = QHBoxLayout(body)
        left, right = QVBoxLayout(), QVBoxLayout()
        self.layout_.addLayout(left, 1)
        self.layout_.addLayout(right, 1)
        left.addWidget(self._county_box())
        left.addStretch(1)
        right.addWidget(self._window_box())
        right.addWidget(self._printing_box())
        right.addWidget(self._data_box())
        right.addWidget(self._users_box())
        right.addStretch(1)
        ctx.hub.changed.connect(self._store_changed)

    # -- county ------------------------------------------------------------------------
    def _county_box(self) -> QGroupBox:
        box = QGroupBox(tr("County configuration"))
        layout = QVBoxLayout(box)
        self.county_form = QFormLayout()
        layout.addLayout(self.county_form)
        self.dept_table = QTableWidget(0, 3)
        self.dept_table.setHorizontalHeaderLabels([tr("Code"), tr("Department"), tr("Keywords")])
        self.dept_table.verticalHeader().setVisible(False)
        self.dept_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.dept_table.horizontalHeader().setStretchLastSection(True)
        self.dept_table.setColumnWidth(0, 50)
        self.dept_table.setColumnWidth(1, 190)
        self.dept_table.setMinimumHeight(300)
        layout.addWidget(self.dept_table, 1)
        admin = self.ctx.user.is_admin
        row = QHBoxLayout()
        self.edit_county_button = QPushButton(tr("Edit…"))
        self.load_county_button = QPushButton(tr("Load configuration file…"))
        self.load_calendar_button = QPushButton(tr("Load holiday schedule…"))
        for button in (self.edit_county_button, self.load_county_button, self.load_calendar_button):
            button.setEnabled(admin)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        if not admin:
            note = QLabel(tr("Read only: only an administrator may change the county configuration."))
            note.setStyleSheet("color: #666;")
            layout.addWidget(note)
        if admin:
            self.dept_table.setToolTip(tr("Double-click a department to edit its routing keywords."))
            self.dept_table.cellDoubleClicked.connect(lambda row, _col: self._edit_keywords(row))
        self.edit_county_button.clicked.connect(self._edit_county)
        self.load_county_button.clicked.connect(self._load_county)
        self.load_calendar_button.clicked.connect(self._load_calendar)
        self._fill_county()
        return box

    def _fill_county(self) -> None:
        store = self.ctx.store
        county = store.county
        while self.county_form.rowCount():
            self.county_form.removeRow(0)
        days = "、".join(f"{grade_text(g)} {n}" for g, n in county.grade_days.items())
        years = sorted(store.calendar.schedules)
        missing = store.missing_schedule_years()
        rows = [
            (tr("County"), f"{county.county_name}（{county.county_code}）"),
            (tr("Service centre"), county.centre_name),
            (tr("Supervision phone"), county.supervision_phone),
            (tr("Working days per grade"), days),
            (tr("Office hours"), f"{county.office_open:%H:%M} – {county.office_close:%H:%M}"),
            (tr("Yellow warning"), tr("{n} working day(s) before the deadline").format(n=county.warning_days)),
            (tr("Holiday schedules"), "、".join(map(str, years)) + (
                "　" + tr("missing: {years}").format(years="、".join(map(str, missing))) if missing else "")),
        ]
        for label, value in rows:
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextSelectableByMouse)
            if label == tr("Holiday schedules") and missing:
                text.setStyleSheet("color: #b06000;")
            self.county_form.addRow(label + "：", text)
        departments = list(county.departments.values())
        self.dept_table.setRowCount(len(departments))
        for r, dept in enumerate(departments):
            for c, value in enumerate((dept.code, dept.name, "、".join(dept.keywords[:12]))):
                self.dept_table.setItem(r, c, QTableWidgetItem(value))

    def _edit_county(self) -> None:
        if not self.ctx.user.is_admin:
            return
        dialog = CountyEditDialog(self.ctx.store.county.to_json(), self)
        if dialog.exec() != QDialog.Accepted:
            return
        from models.county import CountyConfig
        store, data = self.ctx.store, dialog.values()

        def work():
            return store.apply_county_config(CountyConfig.from_json(data))
        Op(work, parent_widget=self).success(
            lambda n: show_info(tr("County configuration"), tr("Saved; {n} deadlines recomputed.").format(n=n), self)
        ).run_in_background(owner=self)

    def _edit_keywords(self, row: int) -> None:
        """An administrator edits one department's routing keywords (one per line)."""
        from models.county import CountyConfig

        store = self.ctx.store
        data = store.county.to_json()
        dept = data["departments"][row]
        text, ok = QInputDialog.getMultiLineText(
            self, tr("Routing keywords"), tr("Keywords of {name}, one per line:").format(name=dept["name"]),
            "\n".join(dept["keywords"]))
        if not ok:
            return
        keywords = list(dict.fromkeys(k.strip() for k in text.replace("、", "\n").splitlines() if k.strip()))
        if keywords == dept["keywords"]:
            return
        dept["keywords"] = keywords

        def work():
            return store.apply_county_config(CountyConfig.from_json(data))
        Op(work, parent_widget=self).success(
            lambda n: show_info(tr("Routing keywords"), tr("Saved; new petitions are routed with them."), self)
        ).run_in_background(owner=self)

    def _load_county(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("County configuration"), "", "JSON (*.json)")
        if not path:
            return
        from models.county import CountyConfig
        store = self.ctx.store

        def work():
            return store.apply_county_config(CountyConfig.from_json(json.loads(Path(path).read_text("utf-8"))))
        Op(work, parent_widget=self).success(
            lambda n: show_info(tr("County configuration"), tr("Loaded; {n} deadlines recomputed.").format(n=n), self)
        ).run_in_background(owner=self)

    def _load_calendar(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Holiday schedule"), "", "JSON (*.json)")
        if not path:
            return
        store = self.ctx.store
        Op(lambda: store.load_holiday_schedule(json.loads(Path(path).read_text("utf-8")),
                                               source=f"file:{Path(path).name}"), parent_widget=self).success(
            lambda n: show_info(tr("Holiday schedule"), tr("Loaded; {n} deadlines recomputed.").format(n=n), self)
        ).run_in_background(owner=self)

    def _store_changed(self, what: str, _detail) -> None:
        if what in ("config", "calendar"):
            self._fill_county()

    # -- this window -------------------------------------------------------------------
    def _window_box(self) -> QGroupBox:
        box = QGroupBox(tr("This window"))
        form = QFormLayout(box)
        store = self.ctx.store
        mode = store.backend.get_setting("mode", "standalone")
        form.addRow(tr("Window code") + "：", QLabel(store.window_code))
        form.addRow(tr("Mode") + "：", QLabel(tr("Standalone (not enrolled)") if mode == "standalone" else mode))
        form.addRow(tr("Signed in") + "：", QLabel(f"{self.ctx.user.display_name}（{ROLE_LABELS[self.ctx.user.role]}）"))
        sync_row = QHBoxLayout()
        self.enrol_button = QPushButton(tr("Enrol with the county server…"))
        self.enrol_button.setEnabled(self.ctx.user.role == "admin")
        self.enrol_button.clicked.connect(self._enrol)
        self.sync_button = QPushButton(tr("Sync now"))
        self.sync_button.setEnabled(mode == "enrolled")
        self.sync_button.clicked.connect(self._sync_now)
        sync_row.addWidget(self.enrol_button)
        sync_row.addWidget(self.sync_button)
        sync_row.addStretch(1)
        form.addRow(tr("County server") + "：", sync_row)
        self.language_combo = QComboBox()
        for code, label in LANGUAGES.items():
            self.language_combo.addItem(label, code)
        current = self.ctx.setting("ui_language", "zh_CN")
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(current)))
        self.language_combo.currentIndexChanged.connect(self._language_changed)
        form.addRow(tr("Language") + "：", self.language_combo)
        return box

    def _enrol(self) -> None:
        dialog = EnrolDialog(self)
        if dialog.exec() != QDialog.Accepted:
            return
        from sync import client as sync_client

        store = self.ctx.store
        url, code, ca_file = dialog.values()

        def enrolled(answer) -> None:
            show_info(tr("County server"), tr("Enrolled as window {code}. Cases registered before are kept "
                                              "and sent with the next sync.").format(code=store.window_code), self)
            self.sync_button.setEnabled(True)
            self._sync_now()

        Op(lambda: sync_client.enroll(store, url, code, ca_file=ca_file or None),
           parent_widget=self).success(enrolled).run_in_background(owner=self)

    def _sync_now(self) -> None:
        if self.ctx.sync is not None:
            self.ctx.sync.sync_now()

    def _language_changed(self) -> None:
        self.ctx.set_setting("ui_language", self.language_combo.currentData())
        show_info(tr("Language"), tr("The new language is used from the next start."), self)

    def _printing_box(self) -> QGroupBox:
        box = QGroupBox(tr("Receipt printing"))
        form = QFormLayout(box)
        self.printer_combo = QComboBox()
        self.printer_combo.addItem(tr("System default printer"), None)
        try:
            names = QPrinterInfo.availablePrinterNames()
        except Exception:  # no print system on this machine
            names = []
        for name in names:
            self.printer_combo.addItem(name, name)
        chosen = self.ctx.setting("printer_name")
        self.printer_combo.setCurrentIndex(max(0, self.printer_combo.findData(chosen)))
        self.paper_combo = QComboBox()
        for code, label in PAPERS:
            self.paper_combo.addItem(tr(label), code)
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(self.ctx.setting("receipt_paper", "a4"))))
        self.copies_spin = QSpinBox()
        self.copies_spin.setRange(1, 5)
        self.copies_spin.setValue(int(self.ctx.setting("receipt_copies", 1)))
        form.addRow(tr("Printer") + "：", self.printer_combo)
        form.addRow(tr("Paper") + "：", self.paper_combo)
        form.addRow(tr("Copies") + "：", self.copies_spin)
        self.font_label = QLabel()
        self.font_label.setWordWrap(True)
        form.addRow(tr("Receipt font") + "：", self.font_label)
        self.printer_combo.currentIndexChanged.connect(
            lambda: self.ctx.set_setting("printer_name", self.printer_combo.currentData()))
        self.paper_combo.currentIndexChanged.connect(
            lambda: self.ctx.set_setting("receipt_paper", self.paper_combo.currentData()))
        self.copies_spin.valueChanged.connect(lambda n: self.ctx.set_setting("receipt_copies", n))
        Op(_font_status).success(self._show_font).failure(lambda exc: self.font_label.setText(str(exc))) \
            .run_in_background(owner=self)
        return box

    def _show_font(self, status: dict) -> None:
        text = Path(status.get("main_path") or status.get("main_font") or "").name
        if status.get("warning"):
            text += "\n" + status["warning"]
            self.font_label.setStyleSheet("color: #b06000;")
        self.font_label.setText(text)

    def _data_box(self) -> QGroupBox:
        box = QGroupBox(tr("Data"))
        form = QFormLayout(box)
        path = str(self.ctx.store.data_dir)
        label = QLabel(path)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        label.setWordWrap(True)
        open_button = QPushButton(tr("Open folder"))
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(path)))
        form.addRow(tr("Data directory") + "：", label)
        form.addRow("", open_button)
        self.backups_label = QLabel()
        self.backups_label.setWordWrap(True)
        self.backups_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.backup_button = QPushButton(tr("Back up now"))
        self.backup_button.clicked.connect(self._back_up_now)
        self.restore_button = QPushButton(tr("Restore a backup…"))
        self.restore_button.setEnabled(self.ctx.user.role == "admin")
        self.restore_button.clicked.connect(self._restore)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        form.addRow(tr("Backups") + "：", self.backups_label)
        form.addRow("", buttons)
        self._list_backups()
        return box

    def _restore(self) -> None:
        """Restore closes the store: the program ends, and starts again on the restored file."""
        from .crash_dialog import restore_backup_dialog
        from .qt import QApplication, QMessageBox

        answer = QMessageBox.question(
            self, tr("Restore a backup…"),
            tr("Restoring replaces the database with the backup you choose (the present file is backed up "
               "first) and closes the program. Continue?"))
        if answer != QMessageBox.Yes:
            return
        restored = restore_backup_dialog(self.ctx.store, self)
        if restored is None:
            return
        show_info(tr("Restore a backup…"),
                  tr("Restored from {name}. The program closes now; start it again.").format(name=restored.name), self)
        QApplication.quit()

    def _list_backups(self) -> None:
        data_dir = self.ctx.store.data_dir

        def work():
            from models import backup
            return backup.list_backups(data_dir)[:5]

        def show(backups) -> None:
            if not backups:
                self.backups_label.setText(tr("No backups yet."))
                return
            lines = [f"{b.made_at:%Y-%m-%d %H:%M}  {b.kind}  {b.size / 2**20:.1f} MB" for b in backups]
            self.backups_label.setText("\n".join(lines))

        Op(work).success(show).failure(lambda exc: self.backups_label.setText(str(exc))) \
            .run_in_background(owner=self)

    def _back_up_now(self) -> None:
        data_dir = self.ctx.store.data_dir
        self.backup_button.setEnabled(False)
        self.backups_label.setText(tr("Backing up…"))

        def done(_path) -> None:
            self.backup_button.setEnabled(True)
            self._list_backups()

        def failed(exc) -> None:
            self.backup_button.setEnabled(True)
            self._list_backups()
            show_exception(exc, self)

        from models import backup
        Op(lambda: backup.make_backup(data_dir, "manual"), parent_widget=self).success(done).failure(failed) \
            .run_in_background(owner=self)

    def _users_box(self) -> QGroupBox:
        box = QGroupBox(tr("Users"))
        layout = QVBoxLayout(box)
        self.users_table = QTableWidget(0, 3)
        self.users_table.setHorizontalHeaderLabels([tr("User name"), tr("Name"), tr("Role")])
        self.users_table.verticalHeader().setVisible(False)
        self.users_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.users_table.horizontalHeader().setStretchLastSection(True)
        self.users_table.setMaximumHeight(150)
        layout.addWidget(self.users_table)
        row = QHBoxLayout()
        self.add_user_button = QPushButton(tr("Add clerk…"))
        self.password_button = QPushButton(tr("Change my password…"))
        self.add_user_button.setEnabled(self.ctx.user.is_admin)
        row.addWidget(self.add_user_button)
        row.addWidget(self.password_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_user_button.clicked.connect(self._add_user)
        self.password_button.clicked.connect(self._change_password)
        self._fill_users()
        return box

    def _fill_users(self) -> None:
        users = Users(self.ctx.store.backend).all()
        self.users_table.setRowCount(len(users))
        for r, user in enumerate(users):
            role = ROLE_LABELS[user.role] + ("" if user.active else "（" + tr("disabled") + "）")
            for c, value in enumerate((user.username, user.display_name, role)):
                self.users_table.setItem(r, c, QTableWidgetItem(value))

    def _add_user(self) -> None:
        username, ok = QInputDialog.getText(self, tr("Add clerk"), tr("User name:"))
        if not ok or not username.strip():
            return
        name, ok = QInputDialog.getText(self, tr("Add clerk"), tr("Full name:"))
        if not ok:
            return
        password, ok = QInputDialog.getText(self, tr("Add clerk"), tr("Initial password:"), QLineEdit.Password)
        if not ok:
            return
        role_labels = [ROLE_LABELS["clerk"], ROLE_LABELS["admin"]]
        role, ok = QInputDialog.getItem(self, tr("Add clerk"), tr("Role:"), role_labels, 0, False)
        if not ok:
            return
        try:
            Users(self.ctx.store.backend).create(username, name, password,
                                                 "admin" if role == ROLE_LABELS["admin"] else "clerk")
        except Exception as exc:
            show_exception(exc, self)
            return
        self._fill_users()

    def _change_password(self) -> None:
        password, ok = QInputDialog.getText(self, tr("Change my password"), tr("New password:"), QLineEdit.Password)
        if not ok:
            return
        try:
            Users(self.ctx.store.backend).set_password(self.ctx.user.username, password)
        except Exception as exc:
            show_exception(exc, self)
            return
        show_info(tr("Change my password"), tr("Password changed."), self)


def _font_status() -> dict:
    from printing import font_status

    return font_status().as_dict()


class CountyEditDialog(QDialog):
    """The fields an administrator adjusts by hand; departments and keywords come as a
    file (or from the county server)."""

    def __init__(self, county: dict, parent=None):
        super().__init__(parent)
        self.county = county
        self.setWindowTitle(tr("County configuration"))
        form = QFormLayout(self)
        self.phone_edit = QLineEdit(county.get("supervision_phone", ""))
        form.addRow(tr("Supervision phone"), self.phone_edit)
        hours = county.get("office_hours", {})
        self.open_edit = QTimeEdit(QTime.fromString(hours.get("open", "08:30"), "HH:mm"))
        self.close_edit = QTimeEdit(QTime.fromString(hours.get("close", "18:00"), "HH:mm"))
        for edit in (self.open_edit, self.close_edit):
            edit.setDisplayFormat("HH:mm")
        form.addRow(tr("Office opens"), self.open_edit)
        form.addRow(tr("Office closes (deadlines fall due then)"), self.close_edit)
        self.grade_spins = {}
        for grade in ("simple", "general", "complex"):
            spin = QSpinBox()
            spin.setRange(1, 60)
            spin.setValue(int(county.get("grade_days", {}).get(grade, 1)))
            self.grade_spins[grade] = spin
            form.addRow(tr("{grade}: working days").format(grade=grade_text(grade)), spin)
        self.warning_spin = QSpinBox()
        self.warning_spin.setRange(0, 10)
        self.warning_spin.setValue(int(county.get("warning_days", 1)))
        form.addRow(tr("Yellow warning (working days before)"), self.warning_spin)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def values(self) -> dict:
        data = dict(self.county)
        data["supervision_phone"] = self.phone_edit.text().strip()
        data["office_hours"] = {"open": self.open_edit.time().toString("HH:mm"),
                                "close": self.close_edit.time().toString("HH:mm")}
        data["grade_days"] = {g: spin.value() for g, spin in self.grade_spins.items()}
        data["warning_days"] = self.warning_spin.value()
        return data


class EnrolDialog(QDialog):
    """Server address, the one-time enrolment code from the county's IT office, and an
    optional county CA file (TLS verification always stays on)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Enrol with the county server"))
        form = QFormLayout(self)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://zwfw.example.gov.cn")
        self.code_edit = QLineEdit()
        self.ca_edit = QLineEdit()
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)
        form.addRow(tr("Server address") + "：", self.url_edit)
        form.addRow(tr("Enrolment code") + "：", self.code_edit)
        form.addRow(tr("County CA file (optional)") + "：", ca_row)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("County CA file (optional)"), "", "PEM (*.pem *.crt *.cer)")
        if path:
            self.ca_edit.setText(path)

    def _accept(self) -> None:
        if not self.url_edit.text().strip() or not self.code_edit.text().strip():
            show_info(tr("County server"), tr("Enter the server address and the enrolment code."), self)
            return
        self.accept()

    def values(self) -> tuple[str, str, str]:
        return self.url_edit.text().strip(), self.code_edit.text().strip(), self.ca_edit.text().strip()
