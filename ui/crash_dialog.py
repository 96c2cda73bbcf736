"""The dialog for an unexpected exception: the clerk's work is kept, a report is saved.

The Qt-free half (report file, redaction, the hooks themselves) is ``models.logs``; this
module only hops to the GUI thread and shows the message.  Wire it once at start-up,
after the data directory is known::

    from ui.crash_dialog import install_crash_handling
    install_crash_handling(data_dir)

Exceptions from worker threads arrive through a queued signal, so the dialog is always
built on the main thread.  User errors escaping a slot (disk full, locked database) are
shown by ``ui.errors.show_exception`` as before; only bugs get a report.
"""
from __future__ import annotations

import logging
from pathlib import Path

from models import logs

from .i18n import tr
from .qt import QApplication, QDesktopServices, QMessageBox, QObject, QPushButton, QUrl, Signal

log = logging.getLogger("ui.crash")


def crash_text(report: Path, exc: BaseException, drafts_dir: Path | None) -> str:
    where = f"\n{drafts_dir}" if drafts_dir else ""
    return (tr("An unexpected error occurred ({name}).").format(name=type(exc).__name__) + "\n\n"
            + tr("Your work is kept: the petition being entered is saved as a draft and comes back "
                 "when the intake page opens again.") + where + "\n\n"
            + tr("An error report was saved to:") + f"\n{report}\n\n"
            + tr("Please send this file to technical support. You can go on working."))


class CrashNotifier(QObject):
    """Lives in the GUI thread; hooks from any thread emit, the slot shows the dialog."""

    crashed = Signal(str, object)
    user_error = Signal(object)

    def __init__(self, data_dir: Path, parent=None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.shown: list[tuple[Path, str]] = []   # for tests and the screenshot script
        self.crashed.connect(self._show)
        self.user_error.connect(self._show_user_error)

    def _show(self, report: str, exc: BaseException) -> None:
        from . import errors

        report_path = Path(report)
        text = crash_text(report_path, exc, self.data_dir / "drafts")
        self.shown.append((report_path, text))
        errors.last_messages.append(("bug", text))
        if errors.SUPPRESS_DIALOGS or QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Critical, tr("Internal error"), text, QMessageBox.NoButton,
                          QApplication.activeWindow())
        open_btn = box.addButton(tr("Open report folder"), QMessageBox.ActionRole)
        box.addButton(tr("Go on working"), QMessageBox.AcceptRole)
        box.exec()
        if box.clickedButton() is open_btn:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(report_path.parent)))

    def _show_user_error(self, exc: BaseException) -> None:
        from .errors import show_exception

        show_exception(exc)


_notifier: CrashNotifier | None = None


def install_crash_handling(data_dir) -> CrashNotifier:
    """Install the hooks (sys and threading) with the GUI dialog; returns the notifier."""
    global _notifier
    if _notifier is None or _notifier.data_dir != Path(data_dir):
        _notifier = CrashNotifier(Path(data_dir))
        app = QApplication.instance()
        if app is not None:
            _notifier.moveToThread(app.thread())
    notifier = _notifier
    logs.install_excepthooks(
        data_dir,
        on_crash=lambda report, exc: notifier.crashed.emit(str(report), exc),
        user_error=lambda exc: notifier.user_error.emit(exc),
    )
    return notifier


def offer_restore(data_dir, exc, parent=None) -> bool:
    """The database failed its start-up check (``models.backup.CorruptStoreError``): say
    so, and offer the newest good backup.  True when it was restored (open again)."""
    from models import backup

    from . import errors

    if exc.backup is None:
        errors.last_messages.append(("bug", exc.zh))
        if not errors.SUPPRESS_DIALOGS:
            QMessageBox.critical(parent, tr("Database damaged"), exc.zh)
        return False
    text = exc.zh + "\n\n" + tr("Restore this backup now? The damaged file is kept beside it "
                                "(intake.sqlite3.before-restore).")
    errors.last_messages.append(("question", text))
    if errors.SUPPRESS_DIALOGS:
        return False
    answer = QMessageBox.question(parent, tr("Database damaged"), text,
                                  QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
    if answer != QMessageBox.Yes:
        return False
    try:
        backup.restore(data_dir, exc.backup)
    except Exception as err:  # noqa: BLE001 - say why, keep the files as they are
        log.warning("restore failed: %s", err)
        QMessageBox.critical(parent, tr("Database damaged"), errors.message_for(err))
        return False
    return True


def restore_backup_dialog(store, parent=None):
    """For the Settings view: choose one of the backups and restore it.  The store is
    closed; returns the path restored from (the caller reopens a Store), or None."""
    from models import backup

    from .qt import QInputDialog

    infos = backup.list_backups(store.data_dir)
    if not infos:
        QMessageBox.information(parent, tr("Restore"), tr("There are no backups yet."))
        return None
    labels = [f"{b.made_at:%Y-%m-%d %H:%M:%S}  {b.kind}  ({b.size // 1024} KB)" for b in infos]
    label, ok = QInputDialog.getItem(parent, tr("Restore"), tr("Backup to restore:"), labels, 0, False)
    if not ok:
        return None
    chosen = infos[labels.index(label)]
    backup.make_backup(store.data_dir, "manual")   # the present state is one click away too
    backup.restore(store.data_dir, chosen.path, store=store)
    return chosen.path
