"""GUI tests (offscreen) of 待告知 → 告知 → 好差评, driven by the keyboard, and of the
supervision view's figures, lists and escalation."""
from __future__ import annotations

import pytest

from models import protocol as p
from models import supervision as sv
from test_supervision import NOW, RANGE, county, t  # noqa: F401 — the fixture county

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _focus(qtbot, widget):
    from ui.qt import QApplication

    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


def _type_chinese(widget, text: str) -> None:
    """Chinese arrives from the input method as a commit string (QTest only types ASCII)."""
    from PySide6.QtGui import QInputMethodEvent

    from ui.qt import QApplication

    ev = QInputMethodEvent("", [])
    ev.setCommitString(text)
    QApplication.sendEvent(widget, ev)


@pytest.fixture
def replies(county, qtbot):  # noqa: F811
    from ui.replies_view import RepliesView

    store, clock, cases = county
    view = RepliesView(store)
    qtbot.addWidget(view)
    printed: list[tuple[str, bytes]] = []
    view.print_pdf = lambda pdf, title: printed.append((title, pdf))
    view.resize(1100, 700)
    view.show()
    view.activateWindow()
    qtbot.waitExposed(view)
    return store, clock, cases, view, printed


def test_pending_list_shows_the_reply_in_full_and_prints_the_notice(replies, qtbot):
    from ui.qt import Qt

    store, clock, cases, view, printed = replies
    assert [c["id"] for c in view.pending.cases] == [cases["G"]["id"]]
    assert view.tabs.tabText(0) == "待告知（1）"
    text = view.detail.toPlainText()
    assert "问题分析：已加快工伤认定" in text and "办理措施：已加快工伤认定" in text
    assert "《优化营商环境条例》第十条" in text and "员工工伤认定进度慢" in text
    view.pending.setFocus()
    _focus(qtbot, view.pending)
    qtbot.keyClick(view.pending, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert [title for title, _ in printed] == ["答复告知单"]
    assert printed[0][1].startswith(b"%PDF-")
    assert (store.data_dir / "notices" / f"{cases['G']['receipt_no']}-答复告知单.pdf").exists()


def test_tell_then_rate_low_by_keyboard_reopens_and_prints_rework_notice(replies, qtbot):
    from ui.qt import Qt

    store, clock, cases, view, printed = replies
    g = cases["G"]["id"]
    clock.at(t(10, 12, 10, 30))
    view.pending.setFocus()
    _focus(qtbot, view.pending)
    qtbot.keyClick(view.pending, Qt.Key.Key_Return)            # to the method
    _focus(qtbot, view.method)
    qtbot.keyClick(view.method, Qt.Key.Key_2)                  # 电话
    assert view.method.currentData() == "电话"
    qtbot.keyClick(view.method, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case = store.get_case(g)
    assert case["notified_at"] == "2026-10-12T10:30:00+08:00"
    assert [e["payload"].get("method") for e in store.events_of(g) if e["type"] == p.NOTIFIED] == ["电话"]
    assert view.pending.cases == [] and view.tabs.tabText(0) == "待告知（0）"

    qtbot.keyClick(view.pending, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)   # 待评价
    assert view.tabs.currentIndex() == 1
    assert [c["id"] for c in view.awaiting.cases] == [g]
    view.awaiting.setFocus()
    _focus(qtbot, view.awaiting)
    qtbot.keyClick(view.awaiting, Qt.Key.Key_Return)           # to the rating
    _focus(qtbot, view.rating)
    qtbot.keyClick(view.rating, Qt.Key.Key_4)                  # 不满意
    assert view.rating.rating() == "不满意"
    qtbot.keyClick(view.rating, Qt.Key.Key_Tab)                # to the comment
    _focus(qtbot, view.rating.comment)
    _type_chinese(view.rating.comment, "认定结果仍未出来")
    clock.at(t(10, 12, 11))
    qtbot.keyClick(view.rating.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    case = store.get_case(g)
    assert case["status"] == p.REOPENED_S and case["rework_count"] == 1
    assert case["rating"] == "不满意" and case["rating_comment"] == "认定结果仍未出来"
    # general grade: three working days after 10-12 → 10-15 18:00
    assert case["due_at"] == "2026-10-15T18:00:00+08:00"
    assert [title for title, _ in printed] == ["重办通知"]
    assert (store.data_dir / "notices" / f"{case['receipt_no']}-重办通知.pdf").exists()
    assert view.awaiting.cases == []
    assert "已转重办" in view.status.text()


def test_satisfied_rating_by_keyboard_closes(replies, qtbot):
    from ui.qt import Qt

    store, clock, cases, view, printed = replies
    g = cases["G"]["id"]
    clock.at(t(10, 12, 10, 30))
    store.record_notified(g, "当面", clerk="clerk1")
    view.refresh()
    view.tabs.setCurrentIndex(1)
    view.awaiting.setFocus()
    _focus(qtbot, view.awaiting)
    qtbot.keyClick(view.awaiting, Qt.Key.Key_Return)
    _focus(qtbot, view.rating)
    qtbot.keyClick(view.rating, Qt.Key.Key_1)
    qtbot.keyClick(view.rating, Qt.Key.Key_Right)              # arrows move the choice
    assert view.rating.rating() == "满意"
    qtbot.keyClick(view.rating, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case = store.get_case(g)
    assert case["status"] == p.CLOSED and case["rating"] == "满意" and case["rework_count"] == 0
    assert printed == []


def test_rating_needs_a_level(replies, qtbot):
    from ui.qt import Qt

    store, clock, cases, view, printed = replies
    store.record_notified(cases["G"]["id"], "短信", clerk="clerk1")
    view.refresh()
    view.tabs.setCurrentIndex(1)
    view.rating.setFocus()
    _focus(qtbot, view.rating)
    qtbot.keyClick(view.rating, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert store.get_case(cases["G"]["id"])["status"] == p.REPLIED_S
    assert "选择评价等级" in view.status.text()


# -- supervision view ---------------------------------------------------------------------
@pytest.fixture
def supervision(county, qtbot):  # noqa: F811
    from ui.supervision_view import SupervisionView

    store, clock, cases = county
    sv.index_topics(store)        # else the view segments the backlog after its first figures
    view = SupervisionView(store)
    qtbot.addWidget(view)
    printed: list[tuple[str, bytes]] = []
    view.print_pdf = lambda pdf, title: printed.append((title, pdf))
    view.now_fn = lambda: NOW
    view.resize(1300, 850)
    view.set_range(*RANGE)
    with qtbot.waitSignal(view.computed, timeout=10000):
        view.show()                                  # showing computes, off the UI thread
    qtbot.waitExposed(view)
    assert view.figures.date_from == RANGE[0]
    return store, clock, cases, view, printed


def test_supervision_view_shows_figures_sorted_and_colours(supervision, qtbot):
    from ui.qt import Qt

    store, clock, cases, view, printed = supervision
    model = view.table.model()
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "全县" == names[-1] and "县人力资源和社会保障局" in names
    col = [k for k, _, _ in sv.FIGURE_COLUMNS].index("received")
    view.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names[0] == "县人力资源和社会保障局" and names[-1] == "全县"     # the county row stays last
    rate_col = [k for k, _, _ in sv.FIGURE_COLUMNS].index("on_time_rate")
    assert model.index(model.rowCount() - 1, rate_col).data() == "75.0%"
    notice = view.notice.text()
    assert "红" in notice and "县人力资源和社会保障局" in notice and "县税务局" in notice
    assert view.figures.county.received == 7


def test_supervision_lists_escalate_and_decide_extension(supervision, qtbot):
    store, clock, cases, view, printed = supervision
    e = cases["E"]["id"]
    assert {c["id"] for c in view.red_list.cases} == {e, cases["H"]["id"]}
    assert [c["id"] for c in view.yellow_list.cases] == [cases["D"]["id"]]
    row = [c["id"] for c in view.red_list.cases].index(e)
    view.red_list.selectRow(row)
    clock.at(t(10, 12, 10, 20))
    view.escalate(view.red_list, "督办", reason="超期未答复，请立即办理")
    assert [(x["case_id"], x["kind"]) for x in sv.escalations(store)] == [(e, "督办")]
    assert [title for title, _ in printed] == ["督办通知"]
    d = cases["D"]["id"]
    store.request_extension(d, 2, "需现场核查", actor="D03")
    view.refresh_lists()
    assert [x["case_id"] for x in view.extensions] == [d]
    view.ext_table.selectRow(0)
    view.decide_extension(True)
    assert sv.extension_requests(store) == []
    assert store.get_case(d)["extension_days"] == 2


def test_topic_backlog_is_indexed_after_the_figures_show(county, qtbot):  # noqa: F811
    from ui.supervision_view import SupervisionView

    store, clock, cases = county
    assert sv.topics_backlog(store) == 8
    view = SupervisionView(store)
    qtbot.addWidget(view)
    view.now_fn = lambda: NOW
    view.set_range(*RANGE)
    seen = []
    view.computed.connect(seen.append)
    view.show()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10000)    # figures, then again with topics
    qtbot.waitUntil(lambda: not view._indexing, timeout=10000)
    assert sv.topics_backlog(store) == 0
    assert "变压器" in dict(seen[-1].terms_by_month["2026-09"])
    assert view.topics.rowCount() > 0


def test_supervision_charts_render(supervision, qtbot, tmp_path):
    from ui.qt import QImage, QPainter
    from ui.supervision_view import paint_charts

    store, clock, cases, view, printed = supervision
    img = QImage(900, 600, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    painter = QPainter(img)
    paint_charts(painter, img.rect(), view.figures)
    painter.end()
    assert img.save(str(tmp_path / "charts.png"))
    # something red was drawn (the late department's bar)
    reds = sum(1 for x in range(0, 900, 3) for y in range(0, 600, 3)
               if (c := img.pixelColor(x, y)).red() > 180 and c.green() < 80 and c.blue() < 80)
    assert reds > 10
