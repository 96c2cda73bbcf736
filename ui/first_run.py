"""First run: a short wizard — standalone (demo county) or enrol with the county server;
window code; printer and paper; the first administrator.

    run_first_run_wizard(store, parent=None) -> bool   # True when finished

``needs_first_run(store)`` is true for a data directory that has no users and was never
set up; the wizard records ``first_run_done`` when it finishes.  Standalone mode keeps
the built-in demo county (already in the store); enrolment calls ``sync.client.enroll``
(token into the keyring, window code and county configuration into the store) in a
worker thread while the wizard stays responsive.
"""
from __future__ import annotations

import re
import threading

from models.calendar import iso, now
from models.errors import describe
from models.users import Users

from .i18n import tr
from .qt import (QApplication, QButtonGroup, QComboBox, QFormLayout, QLabel, QLineEdit, QPrinterInfo,
                 QRadioButton, QTimer, QVBoxLayout, QWizard, QWizardPage, Qt)

WINDOW_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
PAPERS = (("a4", "A4"), ("a5", "A5"), ("thermal80", "80 mm"))


def needs_first_run(store) -> bool:
    return not store.backend.get_setting("first_run_done") and Users(store.backend).needs_first_admin()


class ModePage(QWizardPage):
    def __init__(self, wizard: "FirstRunWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("How will this window work?"))
        layout = QVBoxLayout(self)
        self.standalone = QRadioButton(tr("Standalone, on the built-in demo county (works offline; "
                                          "can enrol with the county server later, keeping every case)"))
        self.enrol = QRadioButton(tr("Enrol with the county server now"))
        self.standalone.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.standalone)
        group.addButton(self.enrol)
        layout.addWidget(self.standalone)
        layout.addWidget(self.enrol)
        form = QFormLayout()
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://zwfw.example.gov.cn")
        self.code_edit = QLineEdit()
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText(tr("optional: county CA certificate file"))
        form.addRow(tr("Server address") + "：", self.server_edit)
        form.addRow(tr("Enrolment code") + "：", self.code_edit)
        form.addRow(tr("CA certificate") + "：", self.ca_edit)
        layout.addLayout(form)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        for w in (self.server_edit, self.code_edit, self.ca_edit):
            w.setEnabled(False)
        self.enrol.toggled.connect(lambda on: [w.setEnabled(on) for w in
                                               (self.server_edit, self.code_edit, self.ca_edit)])
        self.enrolled: dict | None = None

    def validatePage(self) -> bool:
        if self.standalone.isChecked():
            return True
        if self.enrolled is not None:
            return True
        server, code = self.server_edit.text().strip(), self.code_edit.text().strip()
        if not server or not code:
            self.status.setText(tr("Enter the server address and the enrolment code."))
            return False
        self.status.setText(tr("Enrolling…"))
        result = self.wiz.run_in_worker(lambda: self.wiz.enroll(server, code, self.ca_edit.text().strip() or None))
        if isinstance(result, BaseException):
            self.status.setText(describe(result))
            return False
        self.enrolled = result
        self.status.setText(tr("Enrolled as window {code}.").format(code=result.get("window_code", "")))
        return True


class WindowPage(QWizardPage):
    def __init__(self, wizard: "FirstRunWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Window and printer"))
        form = QFormLayout(self)
        self.code_edit = QLineEdit(wizard.store.window_code or "")
        self.code_edit.setMaxLength(8)
        form.addRow(tr("Window code") + "：", self.code_edit)
        self.printer_combo = QComboBox()
        self.printer_combo.addItem(tr("System default printer"), None)
        try:
            names = QPrinterInfo.availablePrinterNames()
            default = QPrinterInfo.defaultPrinterName()
        except Exception:  # noqa: BLE001 - no print system (CI, some terminals)
            names, default = [], ""
        for name in names:
            self.printer_combo.addItem(name, name)
        if default:
            self.printer_combo.setCurrentIndex(max(0, self.printer_combo.findData(default)))
        form.addRow(tr("Receipt printer") + "：", self.printer_combo)
        self.paper_combo = QComboBox()
        for key, label in PAPERS:
            self.paper_combo.addItem(label, key)
        form.addRow(tr("Receipt paper") + "：", self.paper_combo)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        form.addRow(self.error)

    def initializePage(self) -> None:
        enrolled = self.wiz.mode_page.enrolled
        if enrolled:  # the server assigned it
            self.code_edit.setText(enrolled.get("window_code", ""))
            self.code_edit.setReadOnly(True)

    def validatePage(self) -> bool:
        code = self.code_edit.text().strip().upper()
        if not WINDOW_CODE.match(code):
            self.error.setText(tr("Window code: 2 to 8 capital letters or digits, e.g. SA01."))
            return False
        self.code_edit.setText(code)
        return True


class AdminPage(QWizardPage):
    def __init__(self, wizard: "FirstRunWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("First administrator"))
        form = QFormLayout(self)
        self.username_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.Password)
        form.addRow(tr("User name") + "：", self.username_edit)
        form.addRow(tr("Full name") + "：", self.name_edit)
        form.addRow(tr("Password") + "：", self.password_edit)
        form.addRow(tr("Password again") + "：", self.confirm_edit)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        self.user = None

    def validatePage(self) -> bool:
        users = Users(self.wiz.store.backend)
        if not users.needs_first_admin():
            return True
        if self.password_edit.text() != self.confirm_edit.text():
            self.error.setText(tr("The two passwords differ."))
            return False
        try:
            self.user = users.create(self.username_edit.text(), self.name_edit.text(),
                                     self.password_edit.text(), "admin")
        except Exception as exc:  # noqa: BLE001 - shown in the page, nothing typed is lost
            self.error.setText(describe(exc))
            return False
        return True


class FirstRunWizard(QWizard):
    def __init__(self, store, parent=None, *, enroll_fn=None):
        super().__init__(parent)
        self.store = store
        self._enroll_fn = enroll_fn
        self.setWindowTitle(tr("Set up this window"))
        self.setOption(QWizard.NoBackButtonOnLastPage, False)
        self.mode_page = ModePage(self)
        self.window_page = WindowPage(self)
        self.admin_page = AdminPage(self)
        for page in (self.mode_page, self.window_page, self.admin_page):
            self.addPage(page)

    def enroll(self, server: str, code: str, ca_file: str | None) -> dict:
        if self._enroll_fn is not None:
            return self._enroll_fn(self.store, server, code, ca_file=ca_file)
        from sync.client import enroll

        return enroll(self.store, server, code, ca_file=ca_file)

    def run_in_worker(self, fn):
        """Run ``fn`` in a thread while the wizard keeps painting; returns its result or
        the exception it raised."""
        box: dict = {}

        def work():
            try:
                box["result"] = fn()
            except BaseException as exc:  # noqa: BLE001 - handed back to the page
                box["result"] = exc

        thread = threading.Thread(target=work, name="first-run-enrol", daemon=True)
        QApplication.setOverrideCursor(Qt.WaitCursor)
        self.setEnabled(False)
        try:
            thread.start()
            while thread.is_alive():
                QApplication.processEvents()
                thread.join(0.02)
        finally:
            self.setEnabled(True)
            QApplication.restoreOverrideCursor()
        return box.get("result")

    def accept(self) -> None:
        b = self.store.backend
        with b.transaction():
            if not self.mode_page.enrolled:
                b.set_setting("window_code", self.window_page.code_edit.text().strip().upper())
                b.set_setting("mode", "standalone")
            b.set_setting("printer_name", self.window_page.printer_combo.currentData())
            b.set_setting("receipt_paper", self.window_page.paper_combo.currentData())
            b.set_setting("first_run_done", iso(now()))
            if self.admin_page.user is not None:  # the sign-in dialog offers the new administrator
                b.set_setting("last_clerk", self.admin_page.user.username)
        self.store.reload_configuration()
        super().accept()


def run_first_run_wizard(store, parent=None) -> bool:
    """Show the wizard; True when it was finished (settings and first administrator saved)."""
    wizard = FirstRunWizard(store, parent)
    return wizard.exec() == QWizard.Accepted
