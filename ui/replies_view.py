"""答复告知 and 好差评 at the window, driven by the keyboard.

Two lists: 待告知 (replied, enterprise not told yet) and 待评价 (told, not yet rated).
The selected case's reply is shown in full (analysis, measures, policy basis).

Keys: ↑/↓ choose a case; Enter moves to the action panel; on 待告知 the method is chosen
with 1–5 (当面 电话 短信 邮寄 其他) or the arrow keys; on 待评价 the rating with 1–5
(非常满意 … 非常不满意) and Tab to the comment; Ctrl+Enter records; Ctrl+P prints the
答复告知单; Ctrl+1 / Ctrl+2 switch list.  A rating at 不满意 or below reopens the case (重办,
new deadline by its grade) and prints the 重办通知 through ``print_pdf``.

``RepliesView(store_or_ctx, parent=None)`` accepts the Store or the app's AppContext.
"""
from __future__ import annotations

import html

from models import protocol as p
from models import supervision as sv
from models.errors import UserError

from .qt import (QAbstractItemView, QButtonGroup, QComboBox, QGroupBox, QHBoxLayout, QKeySequence, QLabel,
                 QPlainTextEdit, QPushButton, QShortcut, QSplitter, QTableWidget, QTableWidgetItem,
                 QTabWidget, QTextBrowser, Qt, QVBoxLayout, QWidget, Signal)

METHODS = sv.NOTIFY_METHODS                    # 当面 电话 短信 邮寄 其他
LIST_HEADERS = ("回执编号", "企业名称", "诉求标题", "答复单位", "答复时间")


def unpack(store_or_ctx):
    """(store, clerk, hub) from a Store or an AppContext."""
    if hasattr(store_or_ctx, "store") and hasattr(store_or_ctx, "hub"):
        ctx = store_or_ctx
        return ctx.store, getattr(ctx, "clerk", "window"), ctx.hub
    store = store_or_ctx
    clerk = store.backend.get_setting("current_clerk", "window") or "window"
    return store, clerk, None


def _t(value) -> str:
    return value[:16].replace("T", " ") if value else "—"


def default_print(widget, pdf: bytes, title: str) -> None:
    from .printing_qt import preview_pdf

    preview_pdf(pdf, widget)


class RatingPanel(QGroupBox):
    """Five levels as checkable buttons; 1–5 pick one while the panel has focus."""

    changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__("企业评价（按 1–5 选择，Tab 填写意见，Ctrl+Enter 提交）", parent)
        self.setObjectName("ratingPanel")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        for i, r in enumerate(p.RATINGS, start=1):
            b = QPushButton(f"{i} {r}")
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setObjectName(f"rating{i}")
            if r in p.REWORK_RATINGS:
                b.setStyleSheet("QPushButton:checked { background: #f4c7c3; font-weight: bold; }")
            else:
                b.setStyleSheet("QPushButton:checked { background: #b7e1cd; font-weight: bold; }")
            self.group.addButton(b, i)
            row.addWidget(b)
            b.clicked.connect(lambda _=False, r=r: self.changed.emit(r))
        lay.addLayout(row)
        self.hint = QLabel("评价为“不满意”或“非常不满意”将重办，并按等级重新确定办理期限。")
        self.hint.setStyleSheet("color: #666;")
        lay.addWidget(self.hint)
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("ratingComment")
        self.comment.setPlaceholderText("评价意见（可选）")
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(70)
        lay.addWidget(self.comment)

    def rating(self) -> str | None:
        i = self.group.checkedId()
        return p.RATINGS[i - 1] if i > 0 else None

    def set_rating(self, rating: str | None) -> None:
        if rating is None:
            self.group.setExclusive(False)
            for b in self.buttons_list():
                b.setChecked(False)
            self.group.setExclusive(True)
            return
        self.group.button(p.RATINGS.index(rating) + 1).setChecked(True)
        self.changed.emit(rating)

    def buttons_list(self):
        return self.group.buttons()

    def clear(self) -> None:
        self.set_rating(None)
        self.comment.clear()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_5 and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_rating(p.RATINGS[key - Qt.Key.Key_1])
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            i = self.group.checkedId()
            i = 1 if i < 1 else max(1, min(5, i + (1 if key == Qt.Key.Key_Right else -1)))
            self.set_rating(p.RATINGS[i - 1])
            return
        super().keyPressEvent(event)


class MethodCombo(QComboBox):
    """告知方式; 1–5 pick one."""

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_5 and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.setCurrentIndex(key - Qt.Key.Key_1)
            return
        super().keyPressEvent(event)


class CaseList(QTableWidget):
    activated_by_key = Signal()

    def __init__(self, parent=None):
        super().__init__(0, len(LIST_HEADERS), parent)
        self.setHorizontalHeaderLabels(LIST_HEADERS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setColumnWidth(0, 160)
        self.setColumnWidth(1, 200)
        self.setColumnWidth(2, 220)
        self.setTabKeyNavigation(False)
        self.cases: list[dict] = []

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.activated_by_key.emit()
            return
        super().keyPressEvent(event)

    def fill(self, cases: list[dict], county) -> None:
        keep = self.current_id()
        self.cases = cases
        self.setRowCount(len(cases))
        for r, c in enumerate(cases):
            values = (c["receipt_no"], c["enterprise_name"], c["title"], county.dept_name(c["lead_dept"]),
                      _t(c.get("replied_at")))
            for k, v in enumerate(values):
                self.setItem(r, k, QTableWidgetItem(v))
        row = next((i for i, c in enumerate(cases) if c["id"] == keep), 0 if cases else -1)
        if row >= 0:
            self.selectRow(row)

    def current_id(self) -> str | None:
        c = self.current()
        return c["id"] if c else None

    def current(self) -> dict | None:
        r = self.currentRow()
        return self.cases[r] if 0 <= r < len(self.cases) else None


class RepliesView(QWidget):
    notified = Signal(str, str)        # case id, method
    rated = Signal(str, str)           # case id, rating
    reworked = Signal(dict)            # the reopened case (new deadline in due_at)

    def __init__(self, store_or_ctx, parent=None):
        super().__init__(parent)
        self.setObjectName("RepliesView")
        self.store, self.clerk, hub = unpack(store_or_ctx)
        self.print_pdf = lambda pdf, title: default_print(self, pdf, title)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.status = QLabel()
        self.status.setObjectName("repliesStatus")
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.pending = CaseList()
        self.pending.setObjectName("pendingList")
        self.awaiting = CaseList()
        self.awaiting.setObjectName("awaitingList")
        self.tabs.addTab(self.pending, "待告知")
        self.tabs.addTab(self.awaiting, "待评价")
        split.addWidget(self.tabs)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setObjectName("replyDetail")
        rl.addWidget(self.detail, 1)
        # telling the enterprise
        self.notify_box = QGroupBox("告知企业（按 1–5 选择方式，Ctrl+Enter 记录，Ctrl+P 打印答复告知单）")
        nl = QHBoxLayout(self.notify_box)
        self.method = MethodCombo()
        self.method.setObjectName("notifyMethod")
        for i, m in enumerate(METHODS, start=1):
            self.method.addItem(f"{i} {m}", m)
        nl.addWidget(QLabel("告知方式"))
        nl.addWidget(self.method, 1)
        self.print_btn = QPushButton("打印答复告知单")
        self.print_btn.clicked.connect(self.print_reply_notice)
        nl.addWidget(self.print_btn)
        self.notify_btn = QPushButton("记录告知")
        self.notify_btn.setObjectName("notifyButton")
        self.notify_btn.clicked.connect(self.record_notified)
        nl.addWidget(self.notify_btn)
        rl.addWidget(self.notify_box)
        # rating
        self.rating = RatingPanel()
        self.rate_btn = QPushButton("提交评价")
        self.rate_btn.setObjectName("rateButton")
        self.rate_btn.clicked.connect(self.submit_rating)
        self.rating.layout().addWidget(self.rate_btn)
        rl.addWidget(self.rating)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 4)
        outer.addWidget(split, 1)
        outer.addWidget(self.status)

        self.pending.itemSelectionChanged.connect(self._show_current)
        self.awaiting.itemSelectionChanged.connect(self._show_current)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.pending.activated_by_key.connect(lambda: self.method.setFocus())
        self.awaiting.activated_by_key.connect(lambda: self.rating.setFocus())
        for seq, slot in (("Ctrl+Return", self.commit), ("Ctrl+Enter", self.commit),
                          ("Ctrl+P", self.print_reply_notice),
                          ("Ctrl+1", lambda: self.tabs.setCurrentIndex(0)),
                          ("Ctrl+2", lambda: self.tabs.setCurrentIndex(1))):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        if hub is not None:
            hub.changed.connect(lambda what, _d: self.refresh() if what in ("case", "sync") else None)
        self.refresh()
        self._tab_changed(0)

    # -- data -------------------------------------------------------------------------
    def refresh(self) -> None:
        county = self.store.county
        self.pending.fill(sv.pending_notification(self.store), county)
        self.awaiting.fill(sv.awaiting_rating(self.store), county)
        self.tabs.setTabText(0, f"待告知（{len(self.pending.cases)}）")
        self.tabs.setTabText(1, f"待评价（{len(self.awaiting.cases)}）")
        self._show_current()

    def current_list(self) -> CaseList:
        return self.pending if self.tabs.currentIndex() == 0 else self.awaiting

    def current_case(self) -> dict | None:
        return self.current_list().current()

    def _tab_changed(self, index: int) -> None:
        self.notify_box.setEnabled(index == 0)
        self.rating.setEnabled(index == 1)
        self.rate_btn.setEnabled(index == 1)
        self.current_list().setFocus()
        self._show_current()

    def _show_current(self) -> None:
        case = self.current_case()
        if case is None:
            self.detail.setHtml("<p style='color:#666'>没有需要处理的诉求。</p>")
            return
        reply = sv.latest_reply(self.store, case["id"]) or {}
        county = self.store.county
        e = html.escape

        def block(title, body):
            return (f"<h4 style='margin:8px 0 2px 0'>{e(title)}</h4>"
                    f"<div style='white-space:pre-wrap'>{e(body or '—')}</div>")

        self.detail.setHtml(
            f"<h3 style='margin:0'>{e(case['title'])}</h3>"
            f"<p>回执编号 {e(case['receipt_no'])}　受理 {e(_t(case['received_at']))}　"
            f"期限 {e(_t(case['due_at']))}<br>企业 {e(case['enterprise_name'])}（{e(case['uscc'])}）<br>"
            f"联系人 {e(case.get('contact') or '—')}　电话 {e(case.get('phone') or '—')}<br>"
            f"答复单位 {e(county.dept_name(reply.get('dept_code') or case['lead_dept']))}　"
            f"答复时间 {e(_t(reply.get('replied_at')))}"
            + (f"<br>已告知 {e(_t(case.get('notified_at')))}" if case.get("notified_at") else "")
            + (f"<br><b style='color:#b3261e'>第{case['rework_count']}次重办后的答复</b>"
               if case.get("rework_count") else "") + "</p>"
            + block("一、问题分析", reply.get("analysis"))
            + block("二、办理措施", reply.get("measures"))
            + block("三、政策依据", reply.get("policy_basis"))
            + block("诉求内容", case.get("content")))

    # -- actions ----------------------------------------------------------------------
    def commit(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.record_notified()
        else:
            self.submit_rating()

    def _fail(self, exc: Exception) -> None:
        msg = getattr(exc, "zh", None) or str(exc)
        self.status.setText(f"<span style='color:#b3261e'>{html.escape(msg)}</span>")

    def record_notified(self) -> None:
        case = self.pending.current() if self.tabs.currentIndex() == 0 else None
        if case is None:
            return
        method = self.method.currentData()
        try:
            self.store.record_notified(case["id"], method, clerk=self.clerk)
        except UserError as exc:
            self._fail(exc)
            return
        self.status.setText(f"已记录：{case['receipt_no']} 以“{method}”告知企业。")
        self.notified.emit(case["id"], method)
        self.refresh()
        self.pending.setFocus()

    def submit_rating(self) -> None:
        case = self.awaiting.current() if self.tabs.currentIndex() == 1 else None
        rating = self.rating.rating()
        if case is None:
            return
        if rating is None:
            self.status.setText("请先按 1–5 选择评价等级。")
            self.rating.setFocus()
            return
        try:
            state = self.store.evaluate(case["id"], rating, self.rating.comment.toPlainText().strip(),
                                        clerk=self.clerk)
        except UserError as exc:
            self._fail(exc)
            return
        self.rated.emit(case["id"], rating)
        self.rating.clear()
        if rating in p.REWORK_RATINGS:
            self.status.setText(f"{case['receipt_no']} 评价“{rating}”，已转重办（第{state['rework_count']}次），"
                                f"新期限 {_t(state['due_at'])}；正在打印重办通知。")
            self.reworked.emit(state)
            self._print(lambda: self._notices().rework_notice_pdf(self.store, state), "重办通知")
        else:
            self.status.setText(f"{case['receipt_no']} 评价“{rating}”，已办结。")
        self.refresh()
        self.awaiting.setFocus()

    @staticmethod
    def _notices():
        from printing import report_notices

        return report_notices

    def _print(self, make, title: str) -> None:
        try:
            pdf = make()
        except Exception as exc:  # noqa: BLE001 — shown, never lost
            self._fail(exc)
            return
        self.print_pdf(pdf, title)

    def print_reply_notice(self) -> None:
        case = self.current_case()
        if case is not None:
            self._print(lambda: self._notices().reply_notice_pdf(self.store, case), "答复告知单")
