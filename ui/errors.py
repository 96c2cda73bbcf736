"""The one place the window shows what went wrong.

A user error (bad input, disk full, database locked, printer missing) is shown as a
clear Chinese message; the caller keeps the form as it is, so nothing typed is lost.
Anything else is a bug: logged with its traceback to the log file and shown as a bug.
"""
from __future__ import annotations

import logging
import traceback

from models.errors import describe, is_user_error

from .i18n import tr
from .qt import QApplication, QMessageBox, QWidget

log = logging.getLogger("ui")

# Tests and the screenshot script set this to keep modal boxes from blocking; the
# message still goes to the log and to ``last_messages``.
SUPPRESS_DIALOGS = False
last_messages: list[tuple[str, str]] = []


def message_for(exc: BaseException) -> str:
    return describe(exc)


def show_exception(exc: BaseException, parent: QWidget | None = None) -> str:
    """Show ``exc`` to the clerk, sorted into user error or bug; returns the text shown."""
    if is_user_error(exc):
        text = message_for(exc)
        log.info("user error: %s", text)
        _box("user", tr("Cannot continue"), text, parent)
        return text
    trace = getattr(exc, "__traceback_text__", None) or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("bug: %s\n%s", exc, trace)
    text = tr("An internal error occurred ({name}). It has been written to the log; "
              "what you typed is kept.").format(name=type(exc).__name__)
    _box("bug", tr("Internal error"), text, parent)
    return text


def show_info(title: str, text: str, parent: QWidget | None = None) -> None:
    _box("info", title, text, parent)


def _box(kind: str, title: str, text: str, parent: QWidget | None) -> None:
    last_messages.append((kind, text))
    del last_messages[:-50]
    if SUPPRESS_DIALOGS or QApplication.instance() is None:
        return
    icon = {"bug": QMessageBox.Critical, "user": QMessageBox.Warning}.get(kind, QMessageBox.Information)
    box = QMessageBox(icon, title, text, QMessageBox.Ok, parent)
    box.exec()
