"""Clerk sign-in, and creating the first administrator of a fresh data directory.

Non-interactive paths for tests, demos and benchmarks (documented in docs/ui.md):
``QYSQ_FIRST_ADMIN=name:password`` creates the first administrator when there is none;
``QYSQ_SIGNIN=name:password`` signs in without the dialog.
"""
from __future__ import annotations

import os

from models.users import User, Users, parse_credentials

from .errors import message_for
from .i18n import tr
from .qt import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout


class SignInDialog(QDialog):
    def __init__(self, users: Users, *, window_code: str, centre: str, parent=None):
        super().__init__(parent)
        self.users = users
        self.user: User | None = None
        self.setWindowTitle(tr("Sign in"))
        layout = QVBoxLayout(self)
        title = QLabel(f"<b style='font-size:14pt'>{centre}</b><br>" + tr("Window {code}").format(code=window_code))
        layout.addWidget(title)
        form = QFormLayout()
        self.username_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        form.addRow(tr("User name"), self.username_edit)
        form.addRow(tr("Password"), self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.error_label)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.button(QDialogButtonBox.Ok).setText(tr("Sign in"))
        box.accepted.connect(self._try)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.username_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self._try)

    def _try(self) -> None:
        try:
            self.user = self.users.authenticate(self.username_edit.text(), self.password_edit.text())
        except Exception as exc:  # a wrong password is a user error; keep the name typed
            self.error_label.setText(message_for(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()


class FirstAdminDialog(QDialog):
    """A fresh data directory has no users: the first one is the administrator."""

    def __init__(self, users: Users, parent=None):
        super().__init__(parent)
        self.users = users
        self.user: User | None = None
        self.setWindowTitle(tr("First start: create the administrator"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("No users exist yet. Create the administrator of this window; "
                                   "clerks can be added later in Settings.")))
        form = QFormLayout()
        self.username_edit = QLineEdit("admin")
        self.name_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.Password)
        form.addRow(tr("User name"), self.username_edit)
        form.addRow(tr("Full name"), self.name_edit)
        form.addRow(tr("Password"), self.password_edit)
        form.addRow(tr("Repeat password"), self.repeat_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.error_label)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self._create)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def _create(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self.error_label.setText(tr("The passwords differ."))
            return
        try:
            self.user = self.users.create(self.username_edit.text(), self.name_edit.text(),
                                          self.password_edit.text(), "admin")
        except Exception as exc:
            self.error_label.setText(message_for(exc))
            return
        self.accept()


def sign_in(store, parent=None) -> User | None:
    """Who sits at the window: from the environment, or asked; None when cancelled."""
    users = Users(store.backend)
    if users.needs_first_admin():
        first = parse_credentials(os.environ.get("QYSQ_FIRST_ADMIN"))
        if first:
            users.create(first[0], first[0], first[1], "admin")
        else:
            dialog = FirstAdminDialog(users, parent)
            if dialog.exec() != QDialog.Accepted:
                return None
            return dialog.user
    preset = parse_credentials(os.environ.get("QYSQ_SIGNIN"))
    if preset:
        return users.authenticate(*preset)
    dialog = SignInDialog(users, window_code=store.window_code, centre=store.county.centre_name, parent=parent)
    dialog.username_edit.setText(store.backend.get_setting("last_clerk", "") or "")
    if dialog.username_edit.text():
        dialog.password_edit.setFocus()
    if dialog.exec() != QDialog.Accepted:
        return None
    return dialog.user
