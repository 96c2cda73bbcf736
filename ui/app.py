"""Starting the window: Qt application, fonts, language, store, sign-in, main window."""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

log = logging.getLogger("ui")

CJK_SAMPLE = "企业诉求受理"


def setup_logging(data_dir: Path) -> Path:
    # rotating and redacted (tokens, passwords, phone numbers): models/logs.py
    from models.logs import setup_logging as setup_redacted_logging

    return setup_redacted_logging(data_dir, filename="window.log")


def ensure_cjk_font(app) -> str | None:
    """Make sure Qt can draw Chinese. fontconfig usually finds the system's CJK fonts; if
    no family covers Simplified Chinese, register the first candidate the receipt
    printer uses.  Returns the family used, None when nothing was found."""
    from .qt import QFont, QFontDatabase

    families = QFontDatabase.families(QFontDatabase.SimplifiedChinese)
    preferred = ("Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC",
                 "PingFang SC", "SimSun", "HanaMinA")
    chosen = next((f for f in preferred if f in families), families[0] if families else None)
    if chosen is None:
        try:
            from printing.fonts import main_candidates
            candidates = [path for path, _index in main_candidates()]
        except Exception:  # printing not importable: try the usual places
            candidates = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "C:/Windows/Fonts/msyh.ttc",
                          "C:/Windows/Fonts/simsun.ttc"]
        for path in candidates:
            if os.path.exists(path):
                font_id = QFontDatabase.addApplicationFont(path)
                if font_id >= 0:
                    loaded = QFontDatabase.applicationFontFamilies(font_id)
                    if loaded:
                        chosen = loaded[0]
                        break
    if chosen is None:
        log.warning("no CJK font found: Chinese text will show as boxes")
        return None
    font = QFont(app.font())
    # one family: Qt falls back per missing glyph through fontconfig anyway (HanaMin for
    # Extension B names), and a family list makes every text layout noticeably slower
    font.setFamily(chosen)
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    return chosen


def make_application(argv=None, language: str | None = None):
    from .i18n import install_language
    from .qt import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("企业诉求受理")
    app.setOrganizationName("county-intake")
    ensure_cjk_font(app)
    install_language(app, language or "zh_CN")
    return app


def build_main_window(store, user):
    """The main window for a signed-in clerk (tests and the screenshot script use this)."""
    from .context import AppContext, ChangeHub
    from .main_window import MainWindow

    hub = ChangeHub(store)
    ctx = AppContext(store, user, hub)
    window = MainWindow(ctx)
    window._hub = hub
    return window


def _damage_relay():
    """Carries a damage report from the upkeep thread to a dialog on the main thread."""
    from . import errors
    from .i18n import tr
    from .qt import QMessageBox, QObject, Qt, Signal

    class DamageRelay(QObject):
        found = Signal(object)

        def show(self, exc) -> None:
            text = exc.zh + "\n\n" + tr("Save what you are typing, then close the program: at the "
                                         "next start it offers to restore the backup.")
            errors.last_messages.append(("bug", text))
            if not errors.SUPPRESS_DIALOGS:
                QMessageBox.critical(None, tr("Database damaged"), text)

    relay = DamageRelay()
    relay.found.connect(relay.show, Qt.QueuedConnection)
    return relay


def run(args) -> int:
    from models.errors import describe, is_user_error
    from models.store import Store, default_data_dir

    data_dir = Path(getattr(args, "data_dir", None) or default_data_dir())
    setup_logging(data_dir)
    from .qt import QMessageBox, QTimer

    app = make_application()
    from models import backup

    from .crash_dialog import install_crash_handling, offer_restore
    try:
        # integrity check up front only after an unclean shutdown (power cut, crash);
        # otherwise it runs in the background once the window shows (DataCare below)
        try:
            store = backup.open_store(data_dir, daily_backup=False, check="if_unclean")
        except backup.CorruptStoreError as exc:
            if not offer_restore(data_dir, exc):
                return 2
            store = backup.open_store(data_dir, daily_backup=False)
    except Exception as exc:
        if not is_user_error(exc):
            log.exception("store could not be opened")
        QMessageBox.critical(None, "企业诉求受理", describe(exc))
        return 2
    # the router's segmenter dictionary loads in one long call that holds the GIL; started
    # now, it is done while the sign-in dialog waits for the clerk, not while they type a
    # petition
    if not os.environ.get("QYSQ_SIGNIN"):  # an automatic sign-in has no dialog to hide behind
        import threading

        threading.Thread(target=lambda: store.router, name="router-warm-up", daemon=True).start()
    language = store.backend.get_setting("ui_language", "zh_CN")
    if language != "zh_CN":
        from .i18n import install_language
        install_language(app, language)
    sys.excepthook = _excepthook
    install_crash_handling(data_dir)  # bugs: report in crash-reports/, dialog keeps the draft
    damage = _damage_relay()
    care = backup.DataCare(store, check_at_start=True,  # integrity check, WAL, daily backup
                           on_problem=damage.found.emit).start()
    from .first_run import needs_first_run, run_first_run_wizard
    if needs_first_run(store) and not os.environ.get("QYSQ_FIRST_ADMIN") and not run_first_run_wizard(store):
        care.stop()
        store.close()
        return 0
    from .signin import sign_in
    try:
        user = sign_in(store)
    except Exception as exc:
        QMessageBox.critical(None, "企业诉求受理", describe(exc))
        return 2
    if user is None:
        return 0
    with store.backend.transaction():
        store.backend.set_setting("last_clerk", user.username)
        store.backend.set_setting("current_clerk", user.username)
    window = build_main_window(store, user)
    from .sync_status import SyncBridge, ask_token_if_needed

    sync_bridge = SyncBridge(store, parent=window)   # idle ("单机") until enrolled
    sync_bridge.attach(window)
    window.ctx.sync = sync_bridge
    window.show()
    ask_token_if_needed(window, store)
    sync_bridge.start()
    if os.environ.get("QYSQ_EXIT_WHEN_SHOWN"):  # the start-up benchmark measures to here
        QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
    code = app.exec()
    sync_bridge.stop()
    care.stop()
    store.close()
    return code


def _excepthook(exc_type, exc, tb) -> None:
    """An exception escaping a slot: a user error is shown, a bug is logged and shown."""
    from .errors import show_exception

    exc.__traceback_text__ = "".join(__import__("traceback").format_exception(exc_type, exc, tb))
    show_exception(exc)
