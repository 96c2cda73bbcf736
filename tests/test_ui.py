"""The intake window, driven like a clerk drives it: keys only, real SQLite in tmp dirs."""
from __future__ import annotations

import datetime as dt
import json

import pytest

# the offscreen platform warns about size hints when a window is shown; harmless
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

SCANNED_LICENCE = "https://www.gsxt.gov.cn/index.html?uniscid=91653224MA7E4M1T8B&entname=x"


@pytest.fixture
def admin(store):
    from models.users import Users

    return Users(store.backend).create("wangxm", "王小明", "secret1", "admin")


@pytest.fixture
def window(qtbot, store, admin, quiet_dialogs):
    from ui.app import build_main_window, make_application

    make_application()
    win = build_main_window(store, admin)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.cases.model.close()
    win._hub.close()
    from ui.operations import pending_operations
    qtbot.waitUntil(lambda: pending_operations() == 0, timeout=10000)


def focused():
    from ui.qt import QApplication

    return QApplication.focusWidget()


def type_text(text: str) -> None:
    """Key presses carrying each character, to whatever has the focus (QTest's keyClicks
    only knows ASCII; an IME or a scanner delivers Chinese as key text the same way)."""
    from ui.qt import QApplication, QEvent, QKeyEvent, Qt

    for ch in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(focused(), QKeyEvent(kind, Qt.Key_unknown if ord(ch) > 127 else ord(ch.upper()),
                                                        Qt.NoModifier, ch))


def type_and_enter(qtbot, text: str) -> None:
    from ui.qt import Qt

    type_text(text)
    qtbot.keyClick(focused(), Qt.Key_Return)


def test_complete_intake_by_keyboard_alone(qtbot, window, store):
    from ui.qt import Qt

    intake = window.intake
    qtbot.waitUntil(lambda: focused() is intake.uscc_edit)
    type_and_enter(qtbot, SCANNED_LICENCE)            # a scanner's burst ends with Enter
    assert intake.uscc_edit.text() == "91653224MA7E4M1T8B"
    assert focused() is intake.name_edit
    type_and_enter(qtbot, "鑫禾餐饮管理有限公司")
    type_and_enter(qtbot, "刘桂芳")
    type_and_enter(qtbot, "18279439800")
    assert focused() is intake.channel_combo
    type_and_enter(qtbot, "")                          # channel stays 窗口
    type_and_enter(qtbot, "变压器跳闸")
    assert focused() is intake.content_edit
    type_and_enter(qtbot, "我公司厂区变压器经常跳闸，影响生产，请供电公司检修。")
    assert focused() is intake.category_edit
    qtbot.waitUntil(lambda: bool(intake._suggestions), timeout=15000)
    qtbot.keyClick(focused(), Qt.Key_F2)                # accept the top suggestion
    assert intake.lead_combo.currentData() == intake._suggestions[0]["dept"] == "D07"
    assert focused() is intake.grade_combo
    qtbot.keyClick(focused(), Qt.Key_Down)              # general -> complex
    assert intake.grade_combo.currentData() == "complex"
    assert "2026" in intake.deadline_label.text() or intake.deadline_label.text()
    qtbot.keyClick(focused(), Qt.Key_Return, Qt.ControlModifier)   # save and print
    qtbot.waitUntil(lambda: intake.last_case is not None and intake.last_receipt is not None, timeout=15000)
    assert focused() is intake.uscc_edit                # ready for the next applicant

    case = store.get_case(intake.last_case["id"])
    assert case["uscc"] == "91653224MA7E4M1T8B"
    assert case["lead_dept"] == "D07" and case["route_source"] == "confirmed"
    assert case["grade"] == "complex"
    assert case["first_owner"] == "wangxm"
    assert case["contact"] == "刘桂芳"
    from pathlib import Path
    receipt = Path(intake.last_receipt)
    assert receipt.exists() and receipt.read_bytes().startswith(b"%PDF")
    assert intake.uscc_edit.text() == "" and intake.content_edit.toPlainText() == ""
    assert window.ctx.drafts.load() is None            # stored: the draft is gone


def test_failed_save_keeps_the_form_and_the_draft(qtbot, window, store, quiet_dialogs):
    intake = window.intake
    intake.uscc_edit.setText("91653224MA7E4M1T8X")     # wrong check character
    intake.name_edit.setText("某某公司")
    intake.content_edit.setPlainText("一段不能丢的诉求内容")
    intake.save(print_receipt=True)
    qtbot.waitUntil(lambda: not intake._saving and bool(quiet_dialogs), timeout=10000)
    assert quiet_dialogs[-1][0] == "user"
    assert "统一社会信用代码" in quiet_dialogs[-1][1]
    assert intake.content_edit.toPlainText() == "一段不能丢的诉求内容"
    assert intake.name_edit.text() == "某某公司"
    assert store.count_cases() == 0
    draft = window.ctx.drafts.load()
    assert draft["fields"]["content"] == "一段不能丢的诉求内容"


def test_draft_is_offered_back_after_a_crash(qtbot, store, admin, quiet_dialogs):
    from models.drafts import DraftStore
    from ui.app import build_main_window, make_application

    DraftStore(store.data_dir).save({"uscc": "91653224MA7E4M1T8B", "name": "鑫禾", "content": "断电前输入的内容",
                                     "grade": "simple", "channel": "电话", "co_depts": ["D03"]})
    make_application()
    win = build_main_window(store, admin)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.intake.draft_banner.isVisible())
    win.intake.restore_draft()
    assert win.intake.content_edit.toPlainText() == "断电前输入的内容"
    assert win.intake.grade_combo.currentData() == "simple"
    assert win.intake.channel_combo.currentData() == "电话"
    assert win.intake.co_depts() == ["D03"]
    win.cases.model.close()
    win._hub.close()


def test_back_entry_keeps_the_original_received_time(qtbot, window, store):
    from ui.qt import QDateTime

    intake = window.intake
    intake.uscc_edit.setText("91653224MA7E4M1T8B")
    intake.name_edit.setText("鑫禾餐饮管理有限公司")
    intake.content_edit.setPlainText("停电期间手写回执补录")
    intake.backentry_check.setChecked(True)
    intake.received_edit.setDateTime(QDateTime(2026, 12, 1, 9, 15, 0))
    intake.save(print_receipt=False)
    qtbot.waitUntil(lambda: intake.last_case is not None, timeout=15000)
    case = store.get_case(intake.last_case["id"])
    assert case["received_at"] == "2026-12-01T09:15:00+08:00"
    assert case["receipt_no"].split("-")[1] == "20261201"
    assert case["due_at"] == store.deadline_fn(case["received_at"], case["grade"], 0)[0]


def _fill(store, petitions, n):
    ids = []
    for i in range(n):
        record = dict(petitions[i % len(petitions)])
        record.pop("id", None)
        ids.append(store.register(record, clerk="wangxm")["id"])
    return ids


def test_case_model_passes_qtmodeltester(qtbot, qtmodeltester, store, shared_petitions):
    from ui.case_model import PAGE, CaseTableModel
    from ui.qt import Qt

    _fill(store, shared_petitions, PAGE + 30)
    model = CaseTableModel(store)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE and model.total == PAGE + 30, timeout=10000)
    qtmodeltester.check(model, force_py=True)
    if model.canFetchMore():      # the tester itself may have asked for the next block
        model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 30, timeout=10000)
    assert not model.canFetchMore()
    # the tester stays connected: the inserts above and the reset below are checked too
    # sorting by an indexed column pages by (column, rowid) and loses nothing
    model.sort(6, Qt.AscendingOrder)
    qtbot.waitUntil(lambda: model.rowCount() >= PAGE and not model.is_loading(), timeout=10000)
    if model.canFetchMore():
        model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 30, timeout=10000)
    dues = [(model.case_at(i)["due_at"], model.case_at(i)["_rowid"]) for i in range(model.rowCount())]
    assert dues == sorted(dues)
    assert len({model.case_at(i)["id"] for i in range(model.rowCount())}) == PAGE + 30
    model.close()


def test_search_and_filters_return_the_right_rows(qtbot, window, store, shared_petitions):
    from models.search import CaseFilter

    _fill(store, shared_petitions, 60)
    view = window.cases
    window.show_view(1)
    model = view.model

    def rows():
        return {model.case_at(i)["id"] for i in range(model.rowCount())}

    def expect(flt):
        return {c["id"] for c in store.list_cases(flt, limit=1000)}

    def settle():
        qtbot.waitUntil(lambda: not model.is_loading() and model.total is not None, timeout=10000)

    settle()
    assert rows() == expect(CaseFilter()) and len(rows()) == 60
    for query in ("电", "许可", "食品经营", "鑫禾"):     # one- and two-character Chinese included
        view.search_edit.setText(query)
        view.apply_filter()
        settle()
        assert rows() == expect(CaseFilter(text=query)), query
        assert rows(), query
        assert model.total == len(rows())
    view.search_edit.setText("")
    view.dept_combo.setCurrentIndex(view.dept_combo.findData("D01"))
    settle()
    assert rows() == expect(CaseFilter(dept="D01")) and rows()
    view.channel_combo.setCurrentIndex(view.channel_combo.findData("网上"))
    settle()
    assert rows() == expect(CaseFilter(dept="D01", channel="网上"))
    view.reset_filters()
    settle()
    assert len(rows()) == 60
    # a case made overdue shows red and is found by the red filter
    target = next(iter(rows()))
    store.backend.execute("UPDATE cases SET due_at='2000-01-02T18:00:00+08:00', warn_at='2000-01-01T18:00:00+08:00' "
                          "WHERE id=?", (target,))
    view.colour_combo.setCurrentIndex(view.colour_combo.findData("red"))
    settle()
    assert rows() == {target}
    from ui.case_model import COLOUR_ROLE
    assert model.index(0, 0).data(COLOUR_ROLE) == "red"
    view.colour_combo.setCurrentIndex(0)
    view.date_check.setChecked(True)
    today = dt.date.today()
    from ui.qt import QDate
    view.date_from.setDate(QDate(today.year - 1, 1, 1))
    settle()
    assert rows() == expect(CaseFilter(date_from=dt.date(today.year - 1, 1, 1),
                                       date_to=view.date_to.date().toPython()))


def test_case_detail_records_corrections_and_withdrawal(qtbot, window, store, shared_petitions):
    [case_id] = _fill(store, shared_petitions, 1)
    dialog = window.open_case(case_id)
    qtbot.waitUntil(lambda: dialog.case is not None and dialog.timeline.rowCount() >= 2, timeout=10000)
    store.correct_field(case_id, "phone", "13900000000", clerk="wangxm", reason="来电更正")
    store.withdraw(case_id, "企业自行解决", clerk="wangxm")
    qtbot.waitUntil(lambda: dialog.timeline.rowCount() == 4, timeout=10000)
    from models import protocol as p
    from ui.context import event_text
    whats = [dialog.timeline.item(r, 2).text() for r in range(4)]
    assert whats[2:] == [event_text(p.FIELD_CORRECTED), event_text(p.WITHDRAWN)]
    assert dialog.timeline.item(3, 1).text() == "王小明"      # who: the clerk's name
    assert "13900000000" in dialog.timeline.item(2, 3).text()
    assert not dialog.buttons["withdraw"].isEnabled()
    dialog.reprint()
    qtbot.waitUntil(lambda: getattr(dialog, "last_receipt", None) is not None or
                    any(k == "user" for k, _ in __import__("ui.errors").errors.last_messages), timeout=15000)
    dialog.accept()


def test_users_hash_and_first_admin(store):
    from models.errors import ValidationError
    from models.users import Users, hash_password, verify_password

    stored = hash_password("s3cret!")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_password("s3cret!", stored) and not verify_password("wrong", stored)
    users = Users(store.backend)
    assert users.needs_first_admin()
    with pytest.raises(ValidationError):
        users.create("clerk1", "张三", "secret1", "clerk")       # the first must be an admin
    users.create("admin", "管理员", "secret1", "admin")
    users.create("clerk1", "张三", "secret2", "clerk")
    assert users.authenticate("clerk1", "secret2").role == "clerk"
    with pytest.raises(ValidationError):
        users.authenticate("clerk1", "nope")


def test_translation_catalogue_covers_every_string():
    from ui.i18n import catalogue_messages, source_strings

    done = catalogue_messages("zh_CN")
    missing = [s for s in source_strings() if not done.get(s)]
    assert not missing, missing[:20]


def test_scanner_burst_without_enter_settles_to_the_code(qtbot, window):
    intake = window.intake
    intake.uscc_edit.setFocus()
    qtbot.waitUntil(lambda: focused() is intake.uscc_edit)
    type_text("９１６５３２２４ｍａ７ｅ４ｍ１ｔ８ｂ")          # full width, lower case (an IME)
    qtbot.waitUntil(lambda: intake.uscc_edit.text() == "91653224MA7E4M1T8B", timeout=3000)
    intake.uscc_edit.clear()
    type_text("统一社会信用代码:91653224MA7E4M1T8B;名称:鑫禾")
    qtbot.waitUntil(lambda: intake.uscc_edit.text() == "91653224MA7E4M1T8B", timeout=3000)
    qtbot.waitUntil(lambda: "鑫禾" in intake.profile_label.text() or "新企业" in intake.profile_label.text()
                    or "New enterprise" in intake.profile_label.text(), timeout=5000)


def test_tab_order_follows_the_paper_form(qtbot, window):
    from ui.qt import Qt

    intake = window.intake
    intake.uscc_edit.setFocus()
    qtbot.waitUntil(lambda: focused() is intake.uscc_edit)
    seen = [focused()]
    for _ in range(len(intake._chain) - 1):
        qtbot.keyClick(focused(), Qt.Key_Tab)
        seen.append(focused())
    expected = [w for w in intake._chain if w.isEnabled()]
    assert [w for w in seen if w in expected] == expected[:len([w for w in seen if w in expected])]
    assert seen[:7] == intake._chain[:7]


def test_attachments_are_stored_with_the_case(qtbot, window, store, tmp_path):
    from PIL import Image

    photo = tmp_path / "现场.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(photo)
    intake = window.intake
    intake.uscc_edit.setText("91653224MA7E4M1T8B")
    intake.name_edit.setText("鑫禾餐饮管理有限公司")
    intake.content_edit.setPlainText("附件照片见现场")
    intake.add_attachments([str(photo)])
    assert intake.attach_list.item(0).icon().isNull() is False      # image previewed as an icon
    intake.save(print_receipt=False)
    qtbot.waitUntil(lambda: intake.last_case is not None, timeout=15000)
    [att] = store.attachments_of(intake.last_case["id"])
    assert att["filename"] == "现场.png" and store.attachment_path(att["sha256"]).exists()


def test_case_list_follows_store_changes(qtbot, window, store, shared_petitions):
    _fill(store, shared_petitions, 3)
    window.show_view(1)
    model = window.cases.model
    qtbot.waitUntil(lambda: model.rowCount() == 3 and not model.is_loading(), timeout=10000)
    [new_id] = _fill(store, shared_petitions[5:], 1)       # e.g. registered at another tab or by sync
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=10000)
    assert model.case_at(0)["id"] == new_id


def test_administrator_edits_county_configuration(qtbot, window, store):
    from ui.settings_view import CountyEditDialog

    dialog = CountyEditDialog(store.county.to_json())
    qtbot.addWidget(dialog)
    dialog.phone_edit.setText("0736-1234567")
    dialog.grade_spins["general"].setValue(4)
    from models.county import CountyConfig
    store.apply_county_config(CountyConfig.from_json(dialog.values()))
    assert store.county.supervision_phone == "0736-1234567"
    assert store.county.grade_days["general"] == 4
    window.show_view(window.tabs.indexOf(window.settings))
    assert window.settings.edit_county_button.isEnabled()          # wangxm is an administrator


def test_an_administrator_restores_a_backup_from_settings(qtbot, window, store, shared_petitions, monkeypatch):
    from models import backup
    from ui.qt import QApplication, QInputDialog, QMessageBox, QTimer

    kept = [store.register(r, clerk="wangxm")["id"] for r in shared_petitions[:3]]
    backup.make_backup(store.data_dir, "manual")
    store.register(shared_petitions[3], clerk="wangxm")       # after the backup: gone after restore
    window.show_view(window.tabs.indexOf(window.settings))
    settings = window.settings.widget()
    assert settings.restore_button.isEnabled()
    quits = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))  # keep the test app

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QMessageBox):
            dialog.button(QMessageBox.Yes).click()
        elif isinstance(dialog, QInputDialog):
            items = dialog.comboBoxItems()
            assert len(items) == 1 and "manual" in items[0]            # the one backup made above
            dialog.setTextValue(items[0])
            dialog.accept()
        if not quits:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    settings.restore_button.click()
    qtbot.waitUntil(lambda: bool(quits), timeout=10000)
    from models.store import Store

    restored = Store.open(store.data_dir)
    assert sorted(c["id"] for c in restored.list_cases(limit=10)) == sorted(kept)
    restored.close()
    assert (store.data_dir / "intake.sqlite3.before-restore").exists()


def test_an_administrator_edits_routing_keywords_in_settings(qtbot, window, store):
    from ui.qt import QApplication, QInputDialog, QTimer

    window.show_view(window.tabs.indexOf(window.settings))
    settings = window.settings.widget()
    row = list(store.county.departments).index("D07")
    answered = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog):
            dialog.setTextValue(dialog.textValue() + "\n光伏并网\n")
            dialog.accept()
            answered.append(True)
        else:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    settings.dept_table.cellDoubleClicked.emit(row, 2)
    qtbot.waitUntil(lambda: "光伏并网" in store.county.departments["D07"].keywords, timeout=10000)
    assert answered
    top = store.route("屋顶光伏并网手续", "厂房屋顶光伏并网验收一直没有安排")[0]
    assert top.dept == "D07" and "光伏并网" in top.reason
