"""The first-run wizard on the offscreen platform: standalone set-up, and enrolment
through sync's enroll against a server that is not there (the error shows, nothing is lost)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_standalone_first_run(qtbot, store):
    from models.users import Users
    from ui.first_run import FirstRunWizard, needs_first_run

    assert needs_first_run(store)
    wiz = FirstRunWizard(store)
    qtbot.addWidget(wiz)
    wiz.show()
    assert wiz.mode_page.standalone.isChecked()
    wiz.next()
    wiz.window_page.code_edit.setText("tx02")
    wiz.window_page.paper_combo.setCurrentIndex(wiz.window_page.paper_combo.findData("a5"))
    wiz.next()
    page = wiz.admin_page
    page.username_edit.setText("admin")
    page.name_edit.setText("管理员")
    page.password_edit.setText("secret-123")
    page.confirm_edit.setText("secret-12")
    assert not page.validatePage() and page.error.text()
    page.confirm_edit.setText("secret-123")
    wiz.accept() if page.validatePage() else pytest.fail(page.error.text())
    assert store.window_code == "TX02"
    assert store.backend.get_setting("receipt_paper") == "a5"
    assert Users(store.backend).authenticate("admin", "secret-123").is_admin
    assert not needs_first_run(store)


def test_enrolment_failure_is_shown_and_kept(qtbot, store):
    from ui.first_run import FirstRunWizard

    wiz = FirstRunWizard(store)
    qtbot.addWidget(wiz)
    wiz.show()
    page = wiz.mode_page
    page.enrol.setChecked(True)
    page.server_edit.setText("http://127.0.0.1:9")
    page.code_edit.setText("ABCD-1234")
    assert not page.validatePage()
    assert page.status.text()                         # the reason, in words
    assert page.code_edit.text() == "ABCD-1234"       # nothing typed is lost
    assert store.backend.get_setting("mode") == "standalone"


def test_enrolment_success_takes_the_servers_window_code(qtbot, store):
    from ui.first_run import FirstRunWizard

    def fake_server_enroll(st, server, code, ca_file=None):  # stands in for the county server
        with st.backend.transaction():
            st.backend.set_setting("window_code", "CX07")
            st.backend.set_setting("mode", "enrolled")
        st.reload_configuration()
        return {"ok": True, "window_code": "CX07"}

    wiz = FirstRunWizard(store, enroll_fn=fake_server_enroll)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.mode_page.enrol.setChecked(True)
    wiz.mode_page.server_edit.setText("https://county.example")
    wiz.mode_page.code_edit.setText("ABCD")
    wiz.next()
    assert wiz.window_page.code_edit.text() == "CX07" and wiz.window_page.code_edit.isReadOnly()
