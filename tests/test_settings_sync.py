"""Enrolling from 设置 against a real county server, and the status bar following sync."""
from __future__ import annotations

import pytest

from sync_harness import memory_keyring  # noqa: F401  (fixture)

pytestmark = [pytest.mark.gui, pytest.mark.pg, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_enrol_from_settings_then_the_status_bar_follows_sync(qtbot, store, live_server, memory_keyring,
                                                              quiet_dialogs, shared_petitions):
    from models.users import Users
    from ui.app import build_main_window, make_application
    from ui.settings_view import EnrolDialog
    from ui.sync_status import SyncBridge

    county = live_server.setup_county(windows=["HT01"], depts=["D01"])
    standalone = store.register(dict(shared_petitions[0], lead_dept="D01"), clerk="wangxm")
    make_application()
    admin = Users(store.backend).create("wangxm", "王小明", "secret1", "admin")
    window = build_main_window(store, admin)
    qtbot.addWidget(window)
    bridge = SyncBridge(store, interval=3600, parent=window)
    bridge.attach(window)
    window.ctx.sync = bridge
    window.show()
    bridge.start()
    try:
        assert window.sync_label.text() in ("单机", "Standalone")
        window.show_view(window.tabs.indexOf(window.settings))
        settings = window.settings.widget()
        assert settings.enrol_button.isEnabled() and not settings.sync_button.isEnabled()

        def fill_and_accept():
            dialog = next(w for w in qtbot_widgets() if isinstance(w, EnrolDialog))
            dialog.url_edit.setText(live_server.base_url)
            dialog.code_edit.setText(county.enrolment_codes["HT01"])
            dialog._accept()

        from ui.qt import QTimer
        QTimer.singleShot(200, fill_and_accept)
        settings.enrol_button.click()
        qtbot.waitUntil(lambda: store.window_code == "HT01", timeout=20000)
        qtbot.waitUntil(lambda: store.pending_count() == 0, timeout=30000)
        qtbot.waitUntil(lambda: "单机" not in window.sync_label.text()
                        and "Standalone" not in window.sync_label.text(), timeout=20000)
        assert settings.sync_button.isEnabled()
        qtbot.waitUntil(lambda: "HT01" in window.clerk_label.text(), timeout=10000)
        # the case registered before enrolment is on the server now
        with live_server.client(county.dept_tokens["D01"]) as dept:
            answer = dept.get("/dept/cases", params={"status": "all"})
        assert answer.status_code == 200, answer.text
        assert standalone["id"] in {c["case"]["id"] for c in answer.json()["cases"]}
    finally:
        bridge.stop()
        window.cases.model.close()
        window._hub.close()
        from ui.operations import pending_operations
        qtbot.waitUntil(lambda: pending_operations() == 0, timeout=10000)


def qtbot_widgets():
    from ui.qt import QApplication

    return QApplication.topLevelWidgets()
