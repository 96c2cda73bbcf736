"""The main window: 受理 / 案件 / 企业 / 答复 / 督办 / 设置, and the status bar.

The status bar always shows the clerk and window, the sync state ("单机" until the sync
module provides one through ``set_sync_state``), yellow and red counts (recounted in the
background after changes), and a warning when the current or next year's holiday
schedule is missing.  Alt+1…6 switch views.
"""
from __future__ import annotations

from models.calendar import iso, now
from models.search import CaseReader

from .case_detail import CaseDetailDialog
from .cases import CasesView
from .context import AppContext
from .enterprises import EnterprisesView
from .i18n import tr
from .intake import IntakeView
from .operations import Op
from .replies_view import RepliesView
from .qt import QKeySequence, QLabel, QMainWindow, QShortcut, QTabWidget, QTimer, QVBoxLayout, QWidget
from .settings_view import SettingsView

COLOUR_REFRESH_MS = 60_000
COLOUR_DEBOUNCE_MS = 1_000
ROUTER_WARM_UP_MS = 300


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        store = ctx.store
        self.setObjectName("MainWindow")
        self.setWindowTitle(f"{tr('Enterprise petition intake')} — {store.county.centre_name}")
        self.resize(1280, 800)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.setCentralWidget(self.tabs)
        self.intake = IntakeView(ctx)
        self.cases = CasesView(ctx)
        self.enterprises = EnterprisesView(ctx)
        # built when first opened: the supervision view computes figures and the settings
        # view asks the print system for printers, neither belongs on the start-up path
        self.supervision = LazyView(lambda: _supervision_view(ctx))
        # 待告知 / 待评价: a department's reply handed over, the enterprise's rating taken
        self.replies = LazyView(lambda: RepliesView(ctx))
        self.settings = LazyView(lambda: SettingsView(ctx))
        for view, label in ((self.intake, tr("Intake")), (self.cases, tr("Cases")),
                            (self.enterprises, tr("Enterprises")), (self.replies, tr("Replies")),
                            (self.supervision, tr("Supervision")),
                            (self.settings, tr("Settings"))):
            self.tabs.addTab(view, label)
        for i in range(self.tabs.count()):
            shortcut = QShortcut(QKeySequence(f"Alt+{i + 1}"), self)
            shortcut.activated.connect(lambda i=i: self.show_view(i))
        self.cases.open_case.connect(self.open_case)
        self.enterprises.open_case.connect(self.open_case)
        self.intake.petitions_list.itemActivated.connect(lambda item: self.open_case(item.data(0x0100)))
        self.tabs.currentChanged.connect(self._view_changed)

        bar = self.statusBar()
        self.clerk_label = QLabel()
        self._show_clerk()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncState")
        self.colour_label = QLabel()
        self.colour_label.setObjectName("colourCounts")
        self.calendar_label = QLabel()
        self.calendar_label.setObjectName("calendarWarning")
        self.calendar_label.setStyleSheet("color: #b06000; font-weight: bold;")
        bar.addWidget(self.clerk_label)
        bar.addWidget(self.calendar_label)
        bar.addPermanentWidget(self.colour_label)
        bar.addPermanentWidget(self.sync_label)
        self.set_sync_state(None)
        self._show_calendar_warning()

        self._reader: CaseReader | None = None
        self._colour_timer = QTimer(self, singleShot=True, interval=COLOUR_DEBOUNCE_MS)
        self._colour_timer.timeout.connect(self.refresh_colour_counts)
        self._colour_clock = QTimer(self, interval=COLOUR_REFRESH_MS)
        self._colour_clock.timeout.connect(self.refresh_colour_counts)
        self._colour_clock.start()
        ctx.hub.changed.connect(self._store_changed)
        QTimer.singleShot(0, self.refresh_colour_counts)
        QTimer.singleShot(0, self.intake.focus_first)
        # the router loads its segmenter dictionary once (~1 s, mostly holding the GIL);
        # doing it right after start means the clerk's first keystrokes do not wait for it
        QTimer.singleShot(ROUTER_WARM_UP_MS, self._warm_up_router)

    def _warm_up_router(self) -> None:
        store = self.ctx.store
        Op(lambda: store.router and None).failure(lambda exc: None).run_in_background(owner=self)

    # -- views ------------------------------------------------------------------------
    def show_view(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def _view_changed(self, index: int) -> None:
        view = self.tabs.widget(index)
        if isinstance(view, LazyView):
            view = view.widget()
        focus = getattr(view, "focus_first", None)
        if focus:
            focus()

    def open_case(self, case_id: str) -> CaseDetailDialog:
        dialog = CaseDetailDialog(self.ctx, case_id, self)
        dialog.setModal(True)
        dialog.show()
        self._detail = dialog
        return dialog

    # -- status bar -------------------------------------------------------------------
    def set_sync_state(self, text: str | None, *, ok: bool = True) -> None:
        """The sync module's place in the status bar; None means no sync: 单机."""
        self.sync_label.setText(text or tr("Standalone"))
        self.sync_label.setStyleSheet("" if ok else "color: #b3261e;")

    def _show_calendar_warning(self) -> None:
        missing = self.ctx.store.missing_schedule_years()
        if missing:
            self.calendar_label.setText("⚠ " + tr("Holiday schedule missing for {years}: deadlines are provisional")
                                        .format(years="、".join(map(str, missing))))
            self.calendar_label.show()
        else:
            self.calendar_label.clear()
            self.calendar_label.hide()

    def refresh_colour_counts(self) -> None:
        if self._reader is None:
            self._reader = CaseReader(self.ctx.store.backend.path)
        reader, stamp = self._reader, iso(now())
        Op(lambda: reader.colour_counts(stamp)).success(self._show_colour_counts) \
            .failure(lambda exc: self.colour_label.setText("")).run_in_background(owner=self)

    def _show_colour_counts(self, counts: dict) -> None:
        self.colour_label.setText(
            f"<span style='color:#a06a00'>● {tr('Yellow')} {counts['yellow']:,}</span>　"
            f"<span style='color:#b3261e'>● {tr('Red')} {counts['red']:,}</span>")

    def _show_clerk(self) -> None:
        # the window code changes once, at enrolment
        self.clerk_label.setText(tr("Clerk: {name} · Window {code}").format(
            name=self.ctx.user.display_name, code=self.ctx.store.window_code))

    def _store_changed(self, what: str, _detail) -> None:
        if what == "calendar" or what == "config":
            self._show_calendar_warning()
        if what in ("config", "sync"):
            self._show_clerk()
        if what in ("case", "calendar", "config", "sync"):
            self._colour_timer.start()

    def closeEvent(self, event) -> None:
        self.intake.save_draft()
        self.cases.model.close()
        super().closeEvent(event)


class LazyView(QWidget):
    """A tab whose real view is made the first time it is shown (or asked for)."""

    def __init__(self, factory, parent=None):
        super().__init__(parent)
        self._factory = factory
        self._view: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def widget(self) -> QWidget:
        if self._view is None:
            self._view = self._factory()
            self._layout.addWidget(self._view)
        return self._view

    def showEvent(self, event) -> None:
        self.widget()
        super().showEvent(event)

    def __getattr__(self, name):
        # window.settings.xyz reaches the real view (tests, other modules)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.widget(), name)


def _supervision_view(ctx: AppContext) -> QWidget:
    from .supervision_view import SupervisionView   # charts and figures: not on the start-up path

    return SupervisionView(ctx)
